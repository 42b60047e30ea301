"""Memo of the pure, expensive build steps, so a rebuild redoes only what its inputs changed.

A stage memoises a step with `memo(step, key, compute, out)`. `key` must hold everything
the result depends on (file bytes or text, resolved links, seed digests, …), so a hit is
correct by construction. `compute(collector)` reports its problems into a fresh collector;
they are stored with the value and replayed into `out` on every hit, so a cached build
reports exactly what a clean one does. A step that raises is not stored.

`no_memo` computes every time (a clean build). `BuildCache` keeps results in memory between
builds (`sitegen serve`); `diskcache.DiskMemo` on disk between processes. `Ahead` wraps
any memo and computes its misses on several cores first, for a stage whose loop then
runs as before. Keys are tuples of str, bytes, numbers and frozen dataclasses with a
stable repr.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Hashable, Sequence, TypeVar

from .errors import Collector, Problem
from . import parallel

T = TypeVar("T")
Compute = Callable[[Collector], T]


def no_memo(step: str, key: Hashable, compute: Compute, out: Collector) -> T:
    """The memo of a clean build: compute every time, report straight into `out`."""
    return compute(out)


class BuildCache:
    """In-memory memo shared by successive builds of one site.

    Call `start()` before a build and `prune()` after a successful one: entries the
    latest successful build did not use are dropped (once they are a fifth of the memo),
    so memory follows the site's size, not the number of edits. `stats` counts hits and
    misses per step since `start()`.
    """

    def __init__(self) -> None:
        self._store: dict[tuple[str, Hashable], list] = {}  # -> [value, problems, generation]
        self.generation = 0
        self.stats: Counter = Counter()
        self._used = 0  # entries used since `start()`

    def __call__(self, step: str, key: Hashable, compute: Compute, out: Collector) -> T:
        entry = self._store.get((step, key))
        if entry is None:
            collector = Collector()
            value = compute(collector)
            entry = self._store[(step, key)] = [value, tuple(collector.problems), self.generation]
            self.stats[step, "miss"] += 1
            self._used += 1
        else:
            if entry[2] != self.generation:
                entry[2] = self.generation
                self._used += 1
            self.stats[step, "hit"] += 1
        out.extend(list(entry[1]))
        return entry[0]

    def __len__(self) -> int:
        return len(self._store)

    def has(self, step: str, key: Hashable) -> bool:
        return (step, key) in self._store

    def touch(self, step: str, key: Hashable) -> None:
        """Keep an entry another process used (see diskcache.DiskMemo.touch)."""
        entry = self._store.get((step, key))
        if entry is not None and entry[2] != self.generation:
            entry[2] = self.generation
            self._used += 1

    def start(self) -> None:
        self.generation += 1
        self.stats.clear()
        self._used = 0

    def prune(self) -> None:
        """Forget every entry the current build did not use, once they are a fifth of the
        memo or more: forgetting walks the whole memo (0.3 s at 10,000 briefings), and an
        edit leaves only a few unused."""
        if (len(self._store) - self._used) * 5 >= len(self._store) > 0:
            self._store = {k: e for k, e in self._store.items() if e[2] == self.generation}

    def misses(self, step: str) -> int:
        return self.stats[step, "miss"]

    def hits(self, step: str) -> int:
        return self.stats[step, "hit"]


def _captured(compute: Compute) -> tuple[T, list[Problem]] | None:
    """(value, problems), or None when the computation raised: the stage meets the error
    itself, in order, when it asks for that step."""
    collector = Collector()
    try:
        return compute(collector), collector.problems
    except Exception:  # noqa: BLE001 - raised again where the stage computes it
        return None


class Ahead:
    """A memo in front of `memo` that can work out a step's misses ahead of time on
    several cores (`run`); the stage then calls it like any memo, in its usual order,
    and gets those results (problems included) as if computed on the spot."""

    def __init__(self, memo, workers: int):
        self.memo, self.workers = memo, workers
        self.ready: dict[tuple[str, Hashable], tuple] = {}

    def run(self, step: str, jobs: Sequence[tuple[Hashable, Compute]],
            label: str | None = None) -> None:
        """Compute each (key, compute) job the memo does not hold yet, in worker processes
        (when there are enough of them to pay for it); `label` names the work in progress
        lines (see sitegen.progress)."""
        has = getattr(self.memo, "has", None)
        todo = [job for job in jobs if not (has and has(step, job[0]))]
        if self.workers <= 1 or len(todo) < parallel.MIN_ITEMS:
            return
        for (key, _compute), result in zip(todo, parallel.fork_map(
                lambda job: _captured(job[1]), todo, self.workers, label=label)):
            if result is not None:
                self.ready[step, key] = result

    def keep(self, step: str, key: Hashable, value) -> None:
        """A result worked out elsewhere ahead of time (without problems)."""
        self.ready[step, key] = (value, [])

    def has(self, step: str, key: Hashable) -> bool:
        return (step, key) in self.ready or bool(getattr(self.memo, "has", None)
                                                  and self.memo.has(step, key))

    def __call__(self, step: str, key: Hashable, compute: Compute, out: Collector) -> T:
        ready = self.ready.pop((step, key), None)
        if ready is not None:
            def compute(o: Collector, ready=ready):
                o.extend(ready[1])
                return ready[0]
        return self.memo(step, key, compute, out)
