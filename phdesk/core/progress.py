"""Progress reporting and cooperative cancellation for long jobs.

Long jobs (imports, mapping, map builds) are plain functions that take a ``progress``
callback ``(fraction 0..1, message)`` and a ``cancelled`` callback returning True when the user
has asked to stop. The UI decides how to show them; the CLI prints or ignores them.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


class Cancelled(Exception):
    """Raised inside a job when its ``cancelled`` callback returned True."""


def _no_progress(fraction: float, message: str) -> None:
    return None


def _never() -> bool:
    return False


class Progress:
    """Throttled progress plus cancellation check, passed down through a job.

    Emits only when the rounded percentage or the message changes (as Orange's
    ``set_progress_value`` does), so tight loops can call it freely.
    """

    def __init__(self, progress: ProgressFn | None = None, cancelled: CancelFn | None = None,
                 start: float = 0.0, end: float = 1.0) -> None:
        self._fn = progress or _no_progress
        self._cancelled = cancelled or _never
        self._start, self._end = start, end
        self._last: tuple[int, str] | None = None

    def __call__(self, fraction: float, message: str = "") -> None:
        self.check()
        f = self._start + (self._end - self._start) * min(max(fraction, 0.0), 1.0)
        key = (int(f * 100), message)
        if key != self._last:
            self._last = key
            self._fn(f, message)

    def check(self) -> None:
        """Raise :class:`Cancelled` if the user asked to stop."""
        if self._cancelled():
            raise Cancelled()

    def sub(self, start: float, end: float) -> Progress:
        """A child reporter covering ``[start, end]`` of this one's range."""
        span = self._end - self._start
        child = Progress(self._fn, self._cancelled,
                         self._start + span * start, self._start + span * end)
        return child


def as_progress(progress: ProgressFn | Progress | None,
                cancelled: CancelFn | None = None) -> Progress:
    """Accept a callback, a Progress or None and return a Progress."""
    if isinstance(progress, Progress):
        return progress
    return Progress(progress, cancelled)
