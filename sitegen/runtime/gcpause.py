"""Keeping Python's cyclic garbage collector out of a build's way.

A build makes a large graph that lives until the end and very few reference cycles, so
each full collection would walk millions of objects for nothing: a third of the time of
loading and resolving a 10,000-briefing site. Memory stays flat without it (measured
over a 2,000-page render). So: the main process pauses the collector for a build
(`paused_gc`), a command line verb skips the last collection before exit, forked
workers collect only their own objects (`frozen_for_fork`), and the live preview's
build process collects when idle (see buildprocess).
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
