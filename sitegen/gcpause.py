"""Keeping Python's cyclic garbage collector out of a build's way.

A build makes a large graph that lives until the end and very few reference cycles, so
each full collection would walk millions of objects for nothing: a third of the time of
loading and resolving a 10,000-briefing site. Memory stays flat without it (measured
over a 2,000-page render).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused_gc(final: bool = False) -> Iterator[None]:
    """Run the body with the cyclic collector off (reference counting still frees).
    `final`: the process ends soon after (a command line verb): what the body leaves is
    frozen out of collections, sparing a last walk over the whole graph (~0.9 s at 10k)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if final:
            gc.freeze()
        if was_on:
            gc.enable()
