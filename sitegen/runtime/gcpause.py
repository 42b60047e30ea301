"""Keeping Python's cyclic garbage collector out of a build's way, and giving memory back.

A build makes a large graph that lives until the end and very few reference cycles, so
each full collection would walk millions of objects for nothing: a third of the time of
loading and resolving a 10,000-briefing site. Memory stays flat without it (measured
over a 2,000-page render). So: the main process pauses the collector for a build
(`paused_gc`), a command line verb skips the last collection before exit, forked
workers collect only their own objects (`frozen_for_fork`), and the live preview's
build process collects when idle (see buildprocess).

Freed memory is given back to the system before workers are forked (`give_back`): the C
allocator keeps what a stage freed (the documents of the search index, the results
workers sent) for reuse, so the process's size would only grow (what it saves: see
benchmarks/RESULTS.md).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from functools import lru_cache
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


@contextmanager
def frozen_for_fork() -> Iterator[None]:
    """Around forking workers: what this process holds is frozen out of collections, so
    workers (which turn the collector on with `gc.enable` as their initializer) collect
    only the reference cycles they make themselves (Markdown makes some per document),
    without walking this process's objects or copying every page of them they touch."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def give_back() -> None:
    """Return the C allocator's free memory to the system, where it can (glibc's
    `malloc_trim`; elsewhere, nothing: other allocators give it back themselves or not
    at all). Costs milliseconds: called between stages, not within them."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's malloc_trim, or None. Looked up on first use: a build that stops at
    "nothing changed" does not import ctypes."""
    import ctypes
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc
        return None
