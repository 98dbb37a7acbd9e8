"""A file is read once per check: detection, the importer and the checksum share one read.

Why: checking a file used to read it whole four times (the NUL scan for the detection sample,
the parse, the NUL scan again, the SHA-256) and a GeoJSON four times too. Inside
:func:`one_read` (``prepare_import`` and ``detect`` open it), a file of at most
``MAX_HELD_BYTES`` is read from disk once and held in memory for the rest of the check; the
readers take their head, text, JSON document and checksum from those bytes. A bigger file is
still parsed in chunks from disk, and its SHA-256 and NUL scan are one pass, done once. Outside
a check nothing is held.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

MAX_HELD_BYTES = 64 * 1024 * 1024   # bigger files are read in chunks, not held whole

T = TypeVar("T")
_memo: ContextVar[dict | None] = ContextVar("phdesk_file_once", default=None)


@contextmanager
def one_read() -> Iterator[None]:
    """Share reads of the same unchanged file until the block ends (nested blocks join)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def shares_reads(fn: Callable[..., T]) -> Callable[..., T]:
    """Run ``fn`` inside :func:`one_read`."""
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> T:
        with one_read():
            return fn(*args, **kwargs)
    return run


def _key(path: Path, what: str) -> tuple:
    st = path.stat()
    return (what, str(path.resolve()), st.st_size, st.st_mtime_ns)


def remembered(path: Path, what: str, make: Callable[[], Any]) -> Any:
    """``make()``, once per check for this file (as it is now: size and modification time)."""
    memo = _memo.get()
    if memo is None:
        return make()
    key = _key(path, what)
    if key not in memo:
        memo[key] = make()
    return memo[key]


def held_bytes(path: Path) -> bytes | None:
    """The whole file, read at most once per check; None outside a check or when it is bigger
    than ``MAX_HELD_BYTES`` (then read it from disk)."""
    if _memo.get() is None or path.stat().st_size > MAX_HELD_BYTES:
        return None
    return remembered(path, "bytes", path.read_bytes)


def head(path: Path, n: int) -> bytes:
    """The first ``n`` bytes."""
    held = held_bytes(path)
    if held is not None:
        return held[:n]
    with open(path, "rb") as fh:
        return fh.read(n)


def _scan(path: Path) -> tuple[str, bool]:
    held = held_bytes(path)
    if held is not None:
        return hashlib.sha256(held).hexdigest(), b"\x00" in held
    h, nul = hashlib.sha256(), False
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            nul = nul or b"\x00" in block
    return h.hexdigest(), nul


def sha256(path: Path) -> str:
    """SHA-256 of the file's bytes (hex)."""
    return remembered(path, "scan", lambda: _scan(path))[0]


def has_nul(path: Path) -> bool:
    """True when the file holds a NUL byte anywhere."""
    return remembered(path, "scan", lambda: _scan(path))[1]
