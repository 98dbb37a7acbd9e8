"""The mapping engine's worker threads (docs/ARCHITECTURE.md, "The mapping engine").

Stages that split into independent parts (one category's kernel and neighbourhood sums, a strip
of the catchment edge test, a block of SII simulations) hand the parts to
``workers().map(fn, parts)``: the parts run on a few threads and come back in the order given,
each computed exactly as it would be on its own, so a run on threads gives the same numbers to
the last bit as a run on one thread (the same additions in the same order; only which core does
them changes). GEOS (shapely 2), numpy's large loops and LAPACK release the GIL, so the threads
run at the same time.

How many threads: the ``threads`` a caller gives (``MappingEngine(threads=...)``,
``compute_mapping(..., threads=...)``), else the environment variable ``PHDESK_THREADS``, else
the processors this process may use, at most :data:`MAX_THREADS`. ``1`` runs every part in the
calling thread, in order, with no pool.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

ENV = "PHDESK_THREADS"
MAX_THREADS = 4        # beyond this the parts (12 categories, a few strips) are too few

T = TypeVar("T")
R = TypeVar("R")

_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()
_local = threading.local()      # .inside: this thread is running a part (nested maps inline)


def thread_count(threads: int | None = None) -> int:
    """The number of threads to use: ``threads``, else ``PHDESK_THREADS`` (a whole number;
    anything else is ignored), else the usable processors (at most :data:`MAX_THREADS`)."""
    if threads is None:
        raw = os.environ.get(ENV, "").strip()
        if raw.isdigit() and int(raw) > 0:
            threads = int(raw)
    if threads is None:
        try:
            usable = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):   # not Linux
            usable = os.cpu_count() or 1
        threads = min(usable, MAX_THREADS)
    return max(1, int(threads))


def _pool(n: int) -> ThreadPoolExecutor:
    with _pools_lock:   # one pool per size, kept for the process (idle threads cost nothing)
        if n not in _pools:
            _pools[n] = ThreadPoolExecutor(n, thread_name_prefix="phdesk-engine")
        return _pools[n]


class Workers:
    """Runs the parts of a stage on ``threads`` threads (1: in the calling thread)."""

    def __init__(self, threads: int | None = None) -> None:
        self.threads = thread_count(threads)

    def map(self, fn: Callable[[T], R], parts: Iterable[T]) -> list[R]:
        """``[fn(p) for p in parts]``, the parts run on the threads; results in order. A part
        that raises re-raises here (after the parts already started have finished)."""
        return list(self.imap(fn, parts))

    def imap(self, fn: Callable[[T], R], parts: Iterable[T]) -> Iterator[R]:
        """As :meth:`map`, yielding each result in order as soon as it and those before it
        are done (the caller can report progress between them)."""
        parts = list(parts)
        if self.threads == 1 or len(parts) < 2 or getattr(_local, "inside", False):
            yield from (fn(p) for p in parts)   # one thread, or a part of a part: in line
            return
        pool = _pool(self.threads)
        # each part runs in a copy of the caller's context (numpy's error state, the engine's
        # thread count), flagged so any map inside it runs in line (no pool waiting on itself)
        futures = [pool.submit(contextvars.copy_context().run, _inside, fn, p) for p in parts]
        try:
            for f in futures:
                yield f.result()
        finally:
            for f in futures:
                f.cancel()
            for f in futures:   # never leave a part running on data the caller may change
                if not f.cancelled():
                    f.exception()

    def chunks(self, n: int, least: int = 1) -> list[slice]:
        """``n`` items cut into one contiguous slice per thread (at least ``least`` items
        each): the parts of an elementwise call."""
        k = max(1, min(self.threads, n // max(least, 1)))
        edges = [n * s // k for s in range(k + 1)]
        return [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _inside(fn: Callable[[T], R], part: T) -> R:
    _local.inside = True
    try:
        return fn(part)
    finally:
        _local.inside = False


_current: contextvars.ContextVar[Workers | None] = contextvars.ContextVar(
    "phdesk_mapping_workers", default=None)


def workers() -> Workers:
    """The workers of the run in progress (:func:`using`), else those the environment says."""
    return _current.get() or Workers()


@contextmanager
def using(threads: int | None) -> Iterator[Workers]:
    """Run the engine's stages inside with ``threads`` threads (None: the default)."""
    token = _current.set(Workers(threads))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
