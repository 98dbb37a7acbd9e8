"""Patient-level segment extract: phdesk's import against the sqlite3 shell's ``.import``.

A synthetic extract of an integrated care board: 2,000,000 people (quick: 50,000), one row each
with a 16-character pseudonymised id, an LSOA code out of 1,100, age 0-104, sex M/F and eight
condition flags (0/1) — 12 columns, about 95 MB. phdesk's side is the whole core import on a
fresh project (detect, read, validate, aggregate into counts per LSOA x 5-year band x sex x
segment, write, commit), run in a child process whose peak resident memory is read from
``wait4``. The baseline is ``sqlite3 tmp.db ".mode csv" ".import FILE t"`` (Debian's sqlite3
shell), which only copies the rows into one table without checking anything. Each side runs
twice and the faster run counts (the machine is shared).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run alone or via run.py
from _import_child import SCRIPT as IMPORT_CHILD  # noqa: E402

FULL, QUICK = 2_000_000, 50_000
N_AREAS = 1_100
FLAGS = {"diabetes": 0.08, "copd": 0.03, "hypertension": 0.15, "asthma": 0.07,
         "frailty": 0.04, "smi": 0.01, "ckd": 0.05, "chd": 0.04}
SEED = 20261122

CHILD = IMPORT_CHILD


def generate(path: Path, n: int, seed: int = SEED) -> None:
    """Write the synthetic extract (in blocks, to keep the generator's memory small)."""
    rng = np.random.default_rng(seed)
    areas = np.array([f"E01{i:06d}" for i in rng.choice(33_000, N_AREAS, replace=False)])
    ids = rng.choice(2**62, n, replace=False)
    first = True
    for lo in range(0, n, 500_000):
        m = min(500_000, n - lo)
        frame = pd.DataFrame({
            "pseudo_id": np.char.mod("%016x", ids[lo:lo + m]),
            "lsoa_code": areas[rng.integers(0, N_AREAS, m)],
            "age": np.minimum(rng.gamma(2.2, 18, m).astype(int), 104),
            "sex": np.where(rng.random(m) < 0.5, "M", "F"),
            **{k: (rng.random(m) < p).astype(np.int8) for k, p in FLAGS.items()},
        })
        frame.to_csv(path, mode="w" if first else "a", header=first, index=False)
        first = False


def sqlite_import(csv: Path, work: Path) -> float:
    exe = shutil.which("sqlite3")
    if exe is None:
        raise RuntimeError("the sqlite3 shell is missing: apt-get install -y sqlite3")
    db = work / "baseline.db"
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    subprocess.run([exe, str(db), ".mode csv", f".import {csv} t"], check=True)
    return time.perf_counter() - t0


def phdesk_import(csv: Path, work: Path) -> tuple[float, float, str]:
    """(seconds inside the child, peak resident MB of the child, its output)."""
    project = work / "bench.phdesk"
    project.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(csv), str(project)],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"phdesk import failed (exit {proc.returncode})")
    seconds = float(out.split()[0])
    return seconds, usage.ru_maxrss / 1024, out.strip()


def run(quick: bool) -> str:
    n = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="phdesk-bench-") as tmp:
        work = Path(tmp)
        csv = work / "patient_extract.csv"
        generate(csv, n)
        base = min(sqlite_import(csv, work) for _ in range(2))
        runs = [phdesk_import(csv, work) for _ in range(2)]
        ours = min(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        kind, accepted = runs[0][2].split()[1:3]
        if kind != "segments" or int(accepted) != n:
            raise RuntimeError(f"unexpected import result: {runs[0][2]}")
    return (f"phdesk {ours:.2f} s, baseline {base:.2f} s, ratio {ours / base:.2f}, "
            f"peak {peak:.0f} MB")


if __name__ == "__main__":
    print(f"patient_import: {run('--quick' in sys.argv)}")
