"""Release files around the frozen bundle: the portable zip and SHA-256 checksums.

    python build_scripts/package.py portable          -> dist/release/phdesk-<v>-<plat>-portable.zip
    python build_scripts/package.py checksums FILE... -> FILE.sha256, dist/release/SHA256SUMS.txt

The portable zip holds ``phdesk/`` (the onedir bundle) with a ``phdesk.portable`` marker next to
the executable, so settings, logs and recent files go to ``phdesk/data/`` beside it (see
``phdesk/paths.py``), and a short README. Checksum files use the ``sha256sum`` format
("<hex>  <name>"), which ``sha256sum -c`` and PowerShell's ``Get-FileHash`` both check easily.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "build_scripts"))

from version_info import APP_NAME, read_version  # noqa: E402

BUNDLE = ROOT / "dist" / APP_NAME
RELEASE = ROOT / "dist" / "release"
PORTABLE_MARKER = "phdesk.portable"  # the name phdesk/paths.py looks for

README = """phdesk {version} - portable copy
=================================

Run phdesk{exe_suffix} in this folder. Nothing is installed and nothing is written outside this
folder: settings, logs and recent files go to the "data" folder beside phdesk{exe_suffix} (because
of the file phdesk.portable). Delete phdesk.portable to keep them in your user profile instead
(%LOCALAPPDATA%\\phdesk on Windows).

Windows: a zip downloaded from the internet or e-mail carries the "Mark of the Web"; unblock it
before unzipping (right-click > Properties > Unblock, or PowerShell: Unblock-File <zip>), or each
file inherits the mark and SmartScreen may warn. Managed laptops may block programs run from
Downloads or the Desktop (AppLocker): ask IT for the installer instead. See docs/IT.md.

Check a download: compare the SHA-256 of the zip with the published .sha256 file
(PowerShell: Get-FileHash <zip> -Algorithm SHA256).
"""


def platform_tag() -> str:
    if sys.platform == "win32":
        return "win64" if platform.machine().endswith("64") else "win32"
    return f"{sys.platform}-{platform.machine().lower()}"


def make_portable(bundle: Path = BUNDLE, out_dir: Path = RELEASE) -> Path:
    """Zip the onedir bundle as ``phdesk/`` with the portable marker and a README."""
    exe = bundle / (f"{APP_NAME}.exe" if sys.platform == "win32" else APP_NAME)
    if not exe.exists():
        raise SystemExit(f"{exe} does not exist: run build_scripts/build.py first")
    version = read_version()
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{APP_NAME}-{version}-{platform_tag()}-portable.zip"
    suffix = ".exe" if sys.platform == "win32" else ""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for f in sorted(bundle.rglob("*")):
            if f.is_file():
                z.write(f, Path(APP_NAME) / f.relative_to(bundle))
        z.writestr(f"{APP_NAME}/{PORTABLE_MARKER}", "phdesk keeps its data in ./data\n")
        z.writestr(f"{APP_NAME}/README-PORTABLE.txt",
                   README.format(version=version, exe_suffix=suffix))
    return out


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_checksums(files: list[Path], out_dir: Path = RELEASE) -> Path:
    """``<file>.sha256`` beside each file and one ``SHA256SUMS.txt`` listing them all."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for f in files:
        if not f.is_file():
            raise SystemExit(f"{f}: not a file")
        line = f"{sha256(f)}  {f.name}\n"
        f.with_name(f.name + ".sha256").write_text(line, encoding="ascii")
        lines.append(line)
    sums = out_dir / "SHA256SUMS.txt"
    sums.write_text("".join(lines), encoding="ascii")
    return sums


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("portable", help="zip dist/phdesk as a portable copy")
    c = sub.add_parser("checksums", help="write SHA-256 checksum files")
    c.add_argument("files", type=Path, nargs="+")
    args = p.parse_args(argv)
    if args.command == "portable":
        print(make_portable())
    else:
        sums = write_checksums(args.files)
        print(sums.read_text(encoding="ascii"), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
