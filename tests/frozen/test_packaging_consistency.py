"""The packaging files agree with each other and with the code (no build needed).

Names, paths and the version appear in the PyInstaller spec, the Inno Setup script, the Windows
release workflow and docs/IT.md; these tests read them all and check they tell one story.
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "build_scripts"
SPEC = SCRIPTS / "phdesk.spec"
ISS = SCRIPTS / "phdesk.iss"
WORKFLOW = ROOT / ".github" / "workflows" / "release-windows.yml"
CI_WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
IT_DOC = ROOT / "docs" / "IT.md"

sys.path.insert(0, str(SCRIPTS))
import package  # noqa: E402
import version_info  # noqa: E402


def _spec_definitions() -> dict:
    """Run the spec's definitions (everything before its build section) and return them."""
    text = SPEC.read_text(encoding="utf-8")
    head = text.split("# ---- build ----", 1)[0]
    ns = {"SPECPATH": str(SCRIPTS), "__name__": "phdesk_spec"}
    exec(compile(head, str(SPEC), "exec"), ns)  # noqa: S102 (our own file)
    return ns


def _iss_defines() -> dict[str, str]:
    text = ISS.read_text(encoding="utf-8")
    return dict(re.findall(r'^#define (\w+) "([^"]*)"', text, flags=re.M))


def _iss_setup() -> dict[str, str]:
    text = ISS.read_text(encoding="utf-8")
    section = text.split("[Setup]", 1)[1].split("\n[", 1)[0]
    return dict(re.findall(r"^(\w+)=(.*)$", section, flags=re.M))


@pytest.fixture(scope="module")
def spec():
    return _spec_definitions()


def test_one_version_source():
    from phdesk import __version__

    assert version_info.read_version() == __version__
    text = version_info.render(__version__)
    ast.parse(text)  # PyInstaller evaluates the version file as a Python expression
    assert f"StringStruct('FileVersion', '{__version__}')" in text
    assert f"filevers={version_info.version_tuple(__version__)}" in text
    # The spec writes the version file from that source; the installer is told it by CI.
    assert "write_version_file(" in SPEC.read_text(encoding="utf-8")
    assert "AppVersion={#AppVersion}" in ISS.read_text(encoding="utf-8")
    flow = WORKFLOW.read_text(encoding="utf-8")
    assert "build_scripts/version_info.py --print-version" in flow
    assert "/DAppVersion=$env:APP_VERSION" in flow


@pytest.mark.parametrize(("version", "numbers"), [
    ("0.1.0", (0, 1, 0, 0)), ("1.2rc1", (1, 2, 0, 0)), ("2.10.3.7", (2, 10, 3, 7)),
    ("3", (3, 0, 0, 0)),
])
def test_windows_version_numbers(version, numbers):
    assert version_info.version_tuple(version) == numbers


def test_version_numbers_reject_what_windows_cannot_hold():
    with pytest.raises(SystemExit):
        version_info.version_tuple("dev")
    with pytest.raises(SystemExit):
        version_info.version_tuple("1.70000")


def test_app_and_exe_names_agree(spec):
    defines = _iss_defines()
    assert spec["APP_NAME"] == version_info.APP_NAME == defines["AppName"] == "phdesk"
    assert version_info.EXE_NAME == defines["AppExeName"] == "phdesk.exe"
    assert "name=APP_NAME" in SPEC.read_text(encoding="utf-8")
    flow = WORKFLOW.read_text(encoding="utf-8")
    assert r"dist\phdesk\phdesk.exe" in flow
    assert defines["DistDir"] == r"..\dist\phdesk"
    doc = IT_DOC.read_text(encoding="utf-8")
    assert "phdesk.exe" in doc and "unins000.exe" in doc
    # the console twin for the command line on Windows
    assert spec["CLI_NAME"] == version_info.CLI_NAME == "phdesk-cli"
    assert r"dist\phdesk\phdesk-cli.exe --version" in flow and "phdesk-cli.exe" in doc
    assert "OriginalFilename', 'phdesk-cli.exe'" in version_info.render("1.0", "phdesk-cli.exe")


def test_install_dirs_agree():
    setup = _iss_setup()
    assert setup["DefaultDirName"] == r"{autopf}\{#AppName}"
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["PrivilegesRequiredOverridesAllowed"] == "commandline"
    assert re.fullmatch(r"\{\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", setup["AppId"])
    flow = WORKFLOW.read_text(encoding="utf-8")
    assert r'"Programs\phdesk"' in flow  # per user: %LOCALAPPDATA%\Programs\phdesk
    assert '$env:ProgramFiles "phdesk"' in flow  # all users
    doc = IT_DOC.read_text(encoding="utf-8")
    assert r"%LOCALAPPDATA%\Programs\phdesk\phdesk.exe" in doc
    assert r"C:\Program Files\phdesk\phdesk.exe" in doc
    assert setup["AppId"].strip("{}") in doc  # the uninstall key IT detects


def test_file_association_is_dot_phdesk_everywhere(tmp_path, monkeypatch):
    defines = _iss_defines()
    assert defines["ProjectExt"] == ".phdesk"
    text = ISS.read_text(encoding="utf-8")
    registry = text.split("[Registry]", 1)[1].split("\n[", 1)[0]
    lines = [ln for ln in registry.splitlines() if ln.startswith("Root:")]
    assert lines and all(ln.startswith("Root: HKA;") for ln in lines)  # HKCU or HKLM by mode
    assert any("{#ProjectExt}" in ln for ln in lines)
    assert r"HKCU:\Software\Classes\.phdesk" in WORKFLOW.read_text(encoding="utf-8")
    assert r"HKCU\Software\Classes\.phdesk" in IT_DOC.read_text(encoding="utf-8")
    monkeypatch.setenv("PHDESK_HOME", str(tmp_path))
    from phdesk import paths

    assert paths.demo_project().suffix == ".phdesk"


def test_workflow_paths_exist_and_actions_are_pinned():
    flow = WORKFLOW.read_text(encoding="utf-8")
    referenced = set(re.findall(r"(?:build_scripts|bench)[/\\][\w.\-]+", flow))
    assert referenced, "the workflow should use the build scripts"
    for rel in referenced:
        assert (ROOT / rel.replace("\\", "/")).exists(), rel
    assert "runs-on: windows-latest" in flow and 'python-version: "3.11"' in flow
    assert re.search(r"timeout-minutes: \d+", flow)
    for uses in re.findall(r"uses: (\S+)", flow):
        assert re.search(r"@v\d+$|@[0-9a-f]{40}$", uses), uses
    # signing is optional: its steps run only with a certificate
    assert flow.count("if: env.HAS_CERT == 'true'") >= 2
    assert "secrets.WINDOWS_CERT_PFX" in flow
    for step in ("--check dist\\phdesk\\phdesk.exe", "/CURRENTUSER", "/ALLUSERS", "unins000.exe",
                 "package.py portable", "package.py checksums", "upload-artifact"):
        assert step in flow, step


def test_linux_ci_workflow_runs_the_ci_script():
    flow = CI_WORKFLOW.read_text(encoding="utf-8")
    assert ".ci/run" in flow and "timeout-minutes" in flow
    assert (ROOT / ".ci" / "run").exists()


def test_iss_files_and_icon_paths_point_into_the_repo():
    text = ISS.read_text(encoding="utf-8")
    assert 'Source: "{#DistDir}\\*"' in text
    for rel in re.findall(r'"(\.\.\\[^"]+\.ico)"', text):
        parent = (SCRIPTS / rel.replace("\\", "/")).parent
        assert parent.name in ("resources", "build"), rel
    assert "SignTool=phdesksign" in text and "#ifdef Sign" in text
    # uninstall never deletes user data unconditionally
    uninstall_delete = text.split("[UninstallDelete]", 1)[1].split("\n[", 1)[0]
    assert "localappdata" not in uninstall_delete.lower()
    assert "/PURGEUSERDATA" in text and "/PURGEUSERDATA" in IT_DOC.read_text(encoding="utf-8")


def test_it_doc_covers_what_it_needs():
    doc = IT_DOC.read_text(encoding="utf-8")
    for needle in ("/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART", "/CURRENTUSER", "/ALLUSERS",
                   "Get-FileHash", "Get-AuthenticodeSignature", "Unblock-File", "AppLocker",
                   "Publisher rule", r"%LOCALAPPDATA%\phdesk", "--selfcheck",
                   "no network connection", "test_no_network.py", "phdesk.portable"):
        assert needle in doc, needle


def test_spec_keeps_what_phdesk_needs_and_drops_the_rest(spec):
    keep = spec["keep"]
    kept = [
        "PySide6/Qt/plugins/platforms/libqoffscreen.so", "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqminimal.so", r"PySide6\plugins\platforms\qwindows.dll",
        "PySide6/Qt/plugins/imageformats/libqsvg.so", r"PySide6\plugins\imageformats\qjpeg.dll",
        r"PySide6\plugins\imageformats\qico.dll", r"PySide6\plugins\styles\qmodernwindowsstyle.dll",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so", "PySide6/Qt/lib/libQt6OpenGL.so.6",
        "PySide6/Qt/lib/libQt6OpenGLWidgets.so.6", r"PySide6\Qt6OpenGL.dll",
        "PySide6/QtSvg.abi3.so",
        "phdesk/resources/phdesk.ico", "numpy.libs/libscipy_openblas64_.so",
    ]
    dropped = [
        "PySide6/Qt/translations/qt_de.qm", r"PySide6\translations\qtbase_fr.qm",
        "PySide6/Qt/plugins/platforms/libqminimalegl.so", "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so", "PySide6/Qt/plugins/imageformats/libqgif.so",
        r"PySide6\plugins\imageformats\qwebp.dll", "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        r"PySide6\plugins\networkinformation\qnetworklistmanager.dll",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so", "PySide6/Qt/lib/libQt6Network.so.6",
        r"PySide6\Qt6Network.dll", "PySide6/Qt/lib/libQt6WaylandClient.so.6",
    ]
    assert [p for p in kept if not keep(p)] == []
    assert [p for p in dropped if keep(p)] == []


def test_spec_excludes_test_peers_but_not_what_pyqtgraph_imports(spec):
    excludes = set(spec["PY_EXCLUDES"]) | set(spec["QT_EXCLUDES"])
    for peer in ("geopandas", "access", "scipy", "pyogrio", "pytest", "IPython", "tkinter",
                 "matplotlib"):
        assert peer in excludes
    for needed in ("PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtSvg", "pydoc",
                   "PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"):
        assert needed not in excludes


def test_spec_is_onedir_windowed_without_upx_or_strip():
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    calls: dict[str, list[dict]] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) \
                and n.func.id in ("EXE", "COLLECT"):
            calls.setdefault(n.func.id, []).append({k.arg: k.value for k in n.keywords})
    assert len(calls["COLLECT"]) == 1  # COLLECT = one folder, never onefile
    exes = {ast.unparse(kw["name"]): kw for kw in calls["EXE"]}
    assert set(exes) == {"APP_NAME", "CLI_NAME"}
    for kw in [*calls["EXE"], *calls["COLLECT"]]:
        assert ast.literal_eval(kw["upx"]) is False and ast.literal_eval(kw["strip"]) is False
    for kw in calls["EXE"]:
        assert ast.literal_eval(kw["exclude_binaries"]) is True
        assert ast.literal_eval(kw["uac_admin"]) is False
    assert ast.unparse(exes["APP_NAME"]["console"]) == "not WINDOWS"  # windowed on Windows
    assert ast.literal_eval(exes["CLI_NAME"]["console"]) is True
    assert ast.unparse(exes["APP_NAME"]["version"]) == "str(version_file)"


def test_spec_module_list_matches_the_package(spec):
    from phdesk.selfcheck import phdesk_modules

    assert spec["phdesk_modules"]() == phdesk_modules()


def test_portable_zip_has_marker_readme_and_bundle(tmp_path, monkeypatch):
    bundle = tmp_path / "phdesk"
    exe = bundle / ("phdesk.exe" if sys.platform == "win32" else "phdesk")
    (bundle / "_internal").mkdir(parents=True)
    exe.write_bytes(b"exe")
    (bundle / "_internal" / "lib.bin").write_bytes(b"lib")
    out = package.make_portable(bundle, tmp_path / "release")
    assert out.name.startswith(f"phdesk-{version_info.read_version()}-")
    assert out.name.endswith("-portable.zip")
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
    assert {f"phdesk/{exe.name}", "phdesk/_internal/lib.bin", "phdesk/phdesk.portable",
            "phdesk/README-PORTABLE.txt"} <= names
    # the marker's name is the one phdesk/paths.py looks for
    assert f'"{package.PORTABLE_MARKER}"' in (ROOT / "phdesk" / "paths.py").read_text("utf-8")


def test_portable_marker_moves_data_beside_the_exe(tmp_path, monkeypatch):
    from phdesk import paths

    folder = tmp_path / "phdesk"
    folder.mkdir()
    (folder / package.PORTABLE_MARKER).write_text("", encoding="utf-8")
    monkeypatch.delenv("PHDESK_HOME", raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(folder / "phdesk.exe"))
    assert paths.data_dir() == folder / "data"
    assert paths.log_dir() == folder / "data" / "logs"
    assert paths.config_dir() == folder / "data" / "config"


def test_checksum_files(tmp_path):
    f = tmp_path / "phdesk-0.1.0-setup.exe"
    f.write_bytes(b"installer bytes" * 1000)
    sums = package.write_checksums([f], tmp_path / "release")
    expected = f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}\n"
    assert sums.read_text(encoding="ascii") == expected
    assert (tmp_path / f"{f.name}.sha256").read_text(encoding="ascii") == expected


def test_freeze_pins_cover_and_satisfy_pyproject():
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (SCRIPTS / "requirements-freeze.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for text in meta["dependencies"] + meta["optional-dependencies"]["build"]:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} has no pin in requirements-freeze.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (text, pins[name])
    for peer in ("geopandas", "scipy", "pytest", "access", "pyogrio"):
        assert peer not in pins  # test-only peers never reach the build
    assert "-c build_scripts/requirements-freeze.txt" in WORKFLOW.read_text(encoding="utf-8")
