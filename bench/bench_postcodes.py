"""A national postcode directory: phdesk's import of a 2.7-million-row ONSPD-shaped file.

The synthetic file has the ONS Postcode Directory's 52 columns (``pcd`` … ``lsoa21``, about
620 MB; quick: 50,000 rows) with live and terminated postcodes, grid references, WGS84
latitude/longitude and LSOA codes. phdesk's side is the whole core import on a fresh project
(detect, read in chunks, validate, write 2.5 million postcodes, commit) in a child process whose
peak resident memory comes from ``wait4``; the goal is under 1 GB. The line ends with the size
of the project file written (with its -wal file if any): the table's storage on disk. There is
no external tool doing the same job, so the baseline is pandas' plain ``read_csv`` of the same
file with the same nine columns (no checks, nothing written), also in a child process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run alone or via run.py
from _import_child import SCRIPT as IMPORT_CHILD  # noqa: E402

FULL, QUICK = 2_700_000, 50_000
COLUMNS = ("pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,"
           "osnrth1m,osgrdind,oshlthau,nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,itl,"
           "statsward,oa01,casward,npark,lsoa01,msoa01,ur01ind,oac01,oa11,lsoa11,msoa11,wz11,"
           "sicbl,bua24,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,icb,oa21,lsoa21,"
           "msoa21").split(",")
USED = ["pcd", "doterm", "oseast1m", "osnrth1m", "lat", "long", "lsoa11", "lsoa21", "pcds"]
SEED = 20261122

CHILD = IMPORT_CHILD
BASELINE = """
import sys, time
import pandas as pd
t0 = time.perf_counter()
df = pd.read_csv(sys.argv[1], usecols=sys.argv[2].split(","))
print(time.perf_counter() - t0, "read", len(df))
"""


def generate(path: Path, n: int, seed: int = SEED) -> int:
    """Write the file in blocks; returns how many rows are live (not terminated)."""
    rng = np.random.default_rng(seed)
    areas = np.array(["AB", "B", "BS", "CF", "E", "L", "LS", "M", "N", "NW", "SE", "SW", "W"])
    live = 0
    first = True
    for lo in range(0, n, 300_000):
        m = min(300_000, n - lo)
        seq = np.arange(lo, lo + m)
        # mixed radix over area (13) x district (99) x sector (10) x unit (400): unique
        letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
        unit = np.char.add(letters[seq % 20], letters[(seq // 20) % 20])
        inward = np.char.add(((seq // 400) % 10).astype(str), unit)
        outward = np.char.add(areas[(seq // 396_000) % len(areas)],
                              ((seq // 4000) % 99 + 1).astype(str))
        pcds = np.char.add(np.char.add(outward, " "), inward)
        e = rng.uniform(100_000, 650_000, m).round()
        n_ = rng.uniform(10_000, 1_200_000, m).round()
        term = rng.random(m) < 0.07
        live += int((~term).sum())
        lsoa = np.char.add("E01", np.char.zfill(rng.integers(0, 35_000, m).astype(str), 6))
        block = {c: "X" for c in COLUMNS}
        block.update({
            "pcd": np.char.ljust(pcds, 7), "pcd2": np.char.ljust(pcds, 8), "pcds": pcds,
            "dointr": "198001", "doterm": np.where(term, "201906", ""),
            "oseast1m": e.astype(int), "osnrth1m": n_.astype(int), "osgrdind": 1,
            "lat": rng.uniform(50.0, 55.8, m).round(6), "long": rng.uniform(-5.5, 1.7, m).round(6),
            "lsoa11": lsoa, "lsoa21": lsoa, "oa21": "E00000001", "msoa21": "E02000001",
            "oslaua": "E09000019", "osward": "E05000368", "ctry": "E92000001",
            "rgn": "E12000007", "icb": "E54000028", "imd": rng.integers(1, 32_844, m),
        })
        pd.DataFrame(block, index=seq)[COLUMNS].to_csv(path, mode="w" if first else "a",
                                                      header=first, index=False)
        first = False
    return live


def child(code: str, *args: str) -> tuple[float, float, str]:
    """(seconds reported by the child, its peak resident MB, its output)."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"child failed: {out.strip()}")
    return float(out.split()[0]), usage.ru_maxrss / 1024, out.strip()


def run(quick: bool) -> str:
    n = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="phdesk-bench-") as tmp:
        work = Path(tmp)
        csv = work / "ONSPD_synthetic_UK.csv"
        t0 = time.perf_counter()
        live = generate(csv, n)
        made = time.perf_counter() - t0
        base = child(BASELINE, str(csv), ",".join(USED))[0]
        project = work / "bench.phdesk"
        ours, peak, out = child(CHILD, str(csv), str(project))
        size_mb = sum(p.stat().st_size for p in work.glob("bench.phdesk*")) / 2**20
        kind, accepted = out.split()[1:3]
        if kind != "postcodes" or int(accepted) != live:
            raise RuntimeError(f"unexpected import result: {out} (expected {live} live)")
    print(f"(generated {n:,} rows in {made:.0f} s)", file=sys.stderr)
    return (f"phdesk {ours:.2f} s, baseline {base:.2f} s, ratio {ours / base:.2f}, "
            f"peak {peak:.0f} MB, project {size_mb:.0f} MB")


if __name__ == "__main__":
    print(f"postcodes: {run('--quick' in sys.argv)}")
