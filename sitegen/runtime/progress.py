"""Progress lines for long builds: what a build is doing, at most one line every few
seconds, so a site of 100,000 briefings says where it is and a small one stays quiet.

A command turns reporting on for the duration of a build (`reporting`); the loops that
take long (`parallel.fork_map`: parsing, Markdown, citations, pages) call `tick`, which
costs next to nothing when nobody listens.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

EVERY = 3.0  # seconds between two lines


class _Reporter:
    def __init__(self, say: Callable[[str], None], every: float):
        self.say, self.every = say, every
        self.start = self.last = time.monotonic()

    def tick(self, what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self.say(f"{what}: {done:,} of {total:,} ({now - self.start:.0f} s)")


_current: ContextVar[_Reporter | None] = ContextVar("sitegen_progress", default=None)


@contextmanager
def reporting(say: Callable[[str], None] | None, every: float | None = None) -> Iterator[None]:
    """Report the progress of what runs inside through `say` (None: stay quiet)."""
    token = _current.set(_Reporter(say, EVERY if every is None else every) if say else None)
    try:
        yield
    finally:
        _current.reset(token)


def tick(what: str, done: int, total: int) -> None:
    """`done` of `total` items of `what` (e.g. "rendering pages") are done."""
    reporter = _current.get()
    if reporter is not None:
        reporter.tick(what, done, total)
