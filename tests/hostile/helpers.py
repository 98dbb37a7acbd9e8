"""Shared helpers for the hostile-input suite: run the CLI, fingerprint a project, people data.

Every hostile file is generated inside the test run (nothing large is committed).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.cli import main

# identifiers planted in patient-level fixtures; the privacy tests search every byte for them
SURNAMES = ["Quennell", "Abernethy", "Okonkwo-Sable", "Vanterpool", "Thistlewood"]


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """``(exit status, stdout, stderr)`` of one CLI call in this process."""
    status = main([str(a) for a in argv])
    out = capsys.readouterr()
    return status, out.out, out.err


def digest(path: Path) -> str:
    """The project file's bytes, hashed: 'unchanged' means exactly this."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def assert_refused(status: int, err: str, *words: str) -> None:
    """Exit 2, one line on stderr naming the problem, no traceback."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert status == 2, err
    assert "Traceback" not in err
    assert lines and lines[-1].startswith("phdesk: "), err
    for w in words:
        assert w.lower() in err.lower(), (w, err)


def nhs_numbers(n: int, seed: int = 1) -> list[str]:
    """Valid-looking NHS numbers (modulus 11 check digit), all distinct."""
    rng = np.random.default_rng(seed)
    out: list[str] = []
    while len(out) < n:
        d = rng.integers(0, 10, 9)
        check = 11 - int((d * np.arange(10, 1, -1)).sum()) % 11
        if check == 10:
            continue
        check = 0 if check == 11 else check
        s = "".join(map(str, d)) + str(check)
        if s not in out:
            out.append(s)
    return out


def patient_list(n: int, id_header: str = "NHS No", seed: int = 2) -> pd.DataFrame:
    """A patient list as a practice would export it: id, names, date of birth, home postcode."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        id_header: nhs_numbers(n, seed),
        "Forename": rng.choice(["Ada", "Brynmor", "Ceinwen", "Dilys"], n),
        "Surname": rng.choice(SURNAMES, n),
        "Name": [f"Patient {i}" for i in range(n)],
        "Date of Birth": [f"19{rng.integers(30, 99)}-0{rng.integers(1, 9)}-1{rng.integers(0, 9)}"
                          for _ in range(n)],
        "Postcode": rng.choice(["SE13 6QT", "SE6 4RU", "SE4 1UY"], n),
        "Latitude": 51.45 + rng.random(n) / 100, "Longitude": -0.01 + rng.random(n) / 100,
    })


def patient_extract(n: int, id_header: str = "pseudo_nhs_id", bad_share: float = 0.0,
                    seed: int = 3) -> pd.DataFrame:
    """A patient-level segment extract; ``bad_share`` of the rows carry a postcode where the LSOA
    code belongs (identifying values that must never be echoed)."""
    rng = np.random.default_rng(seed)
    area = rng.choice(["E01000001", "E01000002", "E01000003"], n).astype(object)
    bad = rng.random(n) < bad_share
    area[bad] = [f"SE{i % 20} {i % 9}{SURNAMES[i % 5][:2].upper()}" for i in np.flatnonzero(bad)]
    return pd.DataFrame({
        id_header: nhs_numbers(n, seed),
        "lsoa_code": area, "age": rng.integers(0, 100, n), "sex": rng.choice(["M", "F"], n),
        "diabetes": rng.choice(["0", "1"], n), "copd": rng.choice(["0", "1"], n),
    })


# The child's own peak: on Linux a process's ru_maxrss starts at its parent's resident size when
# it forks (a pytest process that has grown to 1.4 GB would make every child look that big), so
# the child reports VmHWM (its own address space's high-water mark) on exit.
_HWM_WRAPPER = """
import atexit, os, runpy, sys
out = os.environ.pop("PHDESK_TEST_HWM")
def _hwm():
    with open("/proc/self/status") as f:
        kb = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
    with open(out, "w") as f:
        f.write(kb)
atexit.register(_hwm)
sys.argv = ["phdesk", *sys.argv[1:]]
runpy.run_module("phdesk", run_name="__main__", alter_sys=True)
"""


def run_isolated(argv: list, timeout: float = 120.0) -> tuple[int, str, float, float]:
    """Run ``python -m phdesk argv`` in a child process: ``(exit status, stderr, peak resident
    memory in MB, seconds)``. Peak memory is the child's own: its VmHWM where ``/proc`` exists,
    else ``ru_maxrss`` from ``wait4``."""
    import os
    import subprocess
    import sys
    import tempfile
    import time

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"}
    proc_fs = Path("/proc/self/status").exists()
    with tempfile.TemporaryDirectory() as tmp:
        hwm_file = Path(tmp) / "hwm"
        if proc_fs:
            env["PHDESK_TEST_HWM"] = str(hwm_file)
            cmd = [sys.executable, "-c", _HWM_WRAPPER, *map(str, argv)]
        else:
            cmd = [sys.executable, "-m", "phdesk", *map(str, argv)]
        start = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise AssertionError(f"phdesk {argv} still running after {timeout} s (a hang)")
            time.sleep(0.05)
        seconds = time.monotonic() - start
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc_fs:
            assert hwm_file.exists(), f"phdesk {argv} exited without reporting its peak: {err}"
            peak_mb = int(hwm_file.read_text()) / 1024
        else:
            peak_mb = usage.ru_maxrss / 1024
    return proc.returncode, err, peak_mb, seconds


def logical_digest(path: Path) -> str:
    """The project's content (an SQL dump), hashed, after checking the file is sound. Used where
    SQLite may legitimately leave different bytes in *free* pages: it does not journal a free
    page it reuses, so a rolled-back transaction can leave new garbage there, unreachable."""
    import sqlite3

    con = sqlite3.connect(f"file:{Path(path).absolute()}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return hashlib.sha256("\n".join(con.iterdump()).encode()).hexdigest()
    finally:
        con.close()
