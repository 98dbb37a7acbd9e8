"""Zip archives (zipped shapefiles, GeoPackages, GeoJSON), opened within the budgets of
:mod:`.limits` and extracted member by member as a stream (never a whole member in memory)."""

from __future__ import annotations

import shutil
import zipfile
import zlib
from pathlib import Path

from phdesk.core.atomic import disk_full, is_disk_full
from phdesk.core.errors import UserError
from phdesk.core.imports.limits import open_zip

GEOJSON_SUFFIXES = {".geojson", ".json"}


def unzip_layer(path: Path, tmp: Path) -> Path:
    """Extract the spatial layer of a zip (a shapefile with its side files, a GeoPackage or a
    GeoJSON) into ``tmp``, by base name only (no paths from the archive are trusted)."""
    with open_zip(path) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")
                 and not Path(n).name.startswith(".") and "__MACOSX" not in n]
        for suffixes in ([".shp"], [".gpkg"], sorted(GEOJSON_SUFFIXES)):
            hits = sorted(n for n in names if Path(n).suffix.lower() in suffixes)
            if not hits:
                continue
            if len(hits) > 1:  # which one the user meant cannot be told
                raise UserError(f"{path.name}: the zip holds {len(hits)} layers "
                                f"({', '.join(hits[:4])}); unzip it and import one file")
            main = hits[0]
            stem = main[: -len(Path(main).suffix)]
            for n in names:
                if n == main or (n.startswith(stem + ".") and suffixes == [".shp"]):
                    _extract(path, zf, n, tmp / Path(n).name)
            return tmp / Path(main).name
    raise UserError(f"{path.name}: the zip holds no shapefile, GeoPackage or GeoJSON")


def _extract(path: Path, zf: zipfile.ZipFile, name: str, dest: Path) -> None:
    """Copy one member to ``dest`` in blocks; damaged members are a UserError."""
    try:
        with zf.open(name) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            ValueError, OSError) as exc:  # OSError: a seek to a damaged header's offset
        if is_disk_full(exc):  # writing the temporary copy
            raise disk_full(dest, exc) from exc
        raise UserError(f"{path.name}: cannot unpack {name!r} from the zip (damaged, encrypted "
                        f"or an unsupported compression: {str(exc)[:120]})") from None
