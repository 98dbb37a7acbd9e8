"""Fuzzing every importer with hypothesis, on mutated real-layout seed files (:mod:`.seeds`).

The property: importing any mutation of a seed either succeeds or raises
:class:`~phdesk.core.errors.UserError` (exit 2 on the command line, rejected rows included), in
bounded time, and a refused import leaves the project file byte for byte unchanged. Anything else
(an exception of another type, a hang, a changed project on refusal) is a failure.

``tests/hostile/test_fuzz.py`` runs a few examples per seed in every test run; for a longer run::

    python -m tests.hostile.fuzz --minutes 10

prints the examples run and the failures found (each with the seed, the mutation and the error).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import signal
import tempfile
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phdesk.core.errors import UserError
from phdesk.core.imports import run_import
from phdesk.store.project import Project

HOSTILE_CELLS = [
    "", " ", "#N/A", "#DIV/0!", "#VALUE!", "NaN", "inf", "-1", "1e309", "9" * 400,
    "E０１０００００１", "E٠١٠٠٠٠٠١", "ſW1A 1AA",
    "\x00", "\"", "\"\"unclosed", ",", ";", "\t", "\n", "\r\n",
    "=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(1)", "\ufeff", "\u202e", "é" * 300,
    "x" * 70_000, "0x10", "1,000,000", "12.5.6", "2024-13-45", "99/99/9999", "true", "None",
]
_TIME_LIMIT_S = 60


@contextmanager
def _time_limit(seconds: int):
    """A hang is a failure: SIGALRM raises inside the import after ``seconds``."""
    def raise_timeout(signum, frame):
        raise TimeoutError(f"import still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, raise_timeout)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def base_project(folder: Path) -> Path:
    """A project with the seeds' areas' postcodes, so that ODS files and registers can place."""
    path = folder / "base.phdesk"
    if not path.exists():
        with Project.create(path) as p, p.transaction() as db:
            db["postcodes"].insert_all([{"postcode": f"SE{i}6QT", "easting": 537000.0 + i,
                                         "northing": 172000.0 + i, "lsoa_code": "E01003189"}
                                        for i in range(1, 14)])
    return path


def mutate_bytes(data: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    """Apply (kind, position, value) edits: 0 flip a byte, 1 insert, 2 delete a run,
    3 truncate, 4 duplicate a run."""
    buf = bytearray(data)
    for kind, pos, value in ops:
        if not buf:
            break
        i = pos % len(buf)
        if kind == 0:
            buf[i] ^= (value % 255) + 1
        elif kind == 1:
            buf[i:i] = bytes([value % 256]) * (1 + value % 7)
        elif kind == 2:
            del buf[i:i + 1 + value % 64]
        elif kind == 3:
            del buf[max(i, 1):]
        else:
            buf[i:i] = buf[i:i + 1 + value % 512]
    return bytes(buf)


def mutate_cells(text: str, ops: list[tuple[int, int, str]]) -> str:
    """Replace cells (row, column, new text) of a CSV without quoting care: the new text may
    break the row structure, which is part of the point."""
    lines = text.splitlines()
    for row, col, value in ops:
        if not lines:
            break
        r = row % len(lines)
        cells = lines[r].split(",")
        cells[col % len(cells)] = value
        lines[r] = ",".join(cells)
    return "\n".join(lines) + "\n"


mutations = st.one_of(
    st.tuples(st.just("bytes"), st.lists(st.tuples(st.integers(0, 4), st.integers(0, 1 << 20),
                                                   st.integers(0, 255)), min_size=1, max_size=6)),
    st.tuples(st.just("cells"), st.lists(st.tuples(
        st.integers(0, 50), st.integers(0, 40),
        st.one_of(st.sampled_from(HOSTILE_CELLS), st.text(max_size=30))), min_size=1,
        max_size=6)),
)


def import_once(seed: Path, mutation: tuple, work: Path, accept_partial: bool) -> str:
    """Import one mutation of ``seed`` into a fresh copy of the base project; returns the
    outcome ("imported" / "refused"); raises AssertionError for a property violation."""
    kind, ops = mutation
    data = seed.read_bytes()
    if kind == "cells" and seed.suffix == ".csv":
        data = mutate_cells(data.decode("utf-8-sig", "replace"), ops).encode("utf-8")
    elif kind == "bytes":
        data = mutate_bytes(data, ops)
    target = work / f"mutated{seed.suffix}"
    target.write_bytes(data)
    proj = work / "p.phdesk"
    shutil.copy(base_project(work.parent), proj)
    before = hashlib.sha256(proj.read_bytes()).hexdigest()
    project = Project(proj)
    try:
        with _time_limit(_TIME_LIMIT_S):
            run_import(project, target, accept_partial=accept_partial)
        return "imported"
    except UserError:
        project.close()
        after = hashlib.sha256(proj.read_bytes()).hexdigest()
        assert after == before, "a refused import changed the project"
        return "refused"
    finally:
        project.close()


class Counter:
    examples = 0
    outcomes: dict[str, int] = {}


def property_for(seed: Path, work: Path, max_examples: int):
    """The hypothesis test for one seed (a plain callable: call it to run the examples)."""
    @settings(max_examples=max_examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(mutation=mutations, accept_partial=st.booleans())
    def check(mutation, accept_partial):
        Counter.examples += 1
        outcome = import_once(seed, mutation, work, accept_partial)
        Counter.outcomes[outcome] = Counter.outcomes.get(outcome, 0) + 1

    return check


def main(argv: list[str] | None = None) -> int:
    from tests.hostile.seeds import write_seeds

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--per-round", type=int, default=50, help="examples per seed per round")
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="phdesk-fuzz-"))
    seeds = write_seeds(root / "seeds")
    work = root / "work"
    work.mkdir()
    deadline = time.monotonic() + args.minutes * 60
    failures: list[str] = []
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        for name, seed in seeds.items():
            if time.monotonic() >= deadline:
                break
            try:
                property_for(seed, work, args.per_round)()
            except Exception:  # hypothesis re-raises the shrunk failing example
                failures.append(f"{name}:\n{traceback.format_exc(limit=6)}")
    print(f"fuzz: {Counter.examples} examples over {len(seeds)} seeds in {rounds} rounds; "
          f"outcomes {Counter.outcomes}; {len(failures)} failures")
    for f in failures:
        print(f)
    shutil.rmtree(root, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
