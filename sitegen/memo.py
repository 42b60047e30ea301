"""How a stage asks for a value it may have worked out before: the memo protocol.

A stage calls `memo(step, key, compute, out)`: `key` holds everything the result depends
on (file bytes or their digest, resolved links, seed digests, …), so a remembered value is
correct by construction. `compute(collector)` reports its problems into a fresh
collector; a memo stores them with the value and replays them into `out` whenever it
hands the value out again, so a build that reuses reports exactly what a clean one does.
A step that raises is not remembered. Keys are tuples of str, bytes, numbers and frozen
dataclasses.

Two more let a stage spread work over cores without knowing what is remembered:
`has(step, key)`; `run(step, [(key, compute), …], label)` works out ahead, on several
cores, what the stage will then ask for one by one (those it does not hold yet).

And two for a value a stage can bring up to date more cheaply than make anew (the
search index, from its groups' postings): `carry(step, value)` keeps it for the next
build of this process; `carried(step)` hands it over, once, to the stage, which owns it
from then on (may change it in place) and must check what it was made from. A carried
value made of remembered ones stands for them: `stored(step, key)` is the digest an
entry is remembered under (None: it is not), and `use(step, digests)` counts entries
used by those digests without asking for them, so a memo that keeps only the entries a
build used keeps them.

`no_memo` computes every time (a clean build); the engine (sitegen.engine.memo) remembers.
The stages know only this protocol.
"""
from __future__ import annotations

from typing import Callable, Hashable, Sequence, TypeVar

from .errors import Collector

T = TypeVar("T")
Compute = Callable[[Collector], T]


class _NoMemo:
    """The memo of a clean build: computes every time, reports straight into `out`."""

    def __call__(self, step: str, key: Hashable, compute: Compute, out: Collector) -> T:
        return compute(out)

    def has(self, step: str, key: Hashable) -> bool:
        return False

    def run(self, step: str, jobs: Sequence[tuple[Hashable, Compute]],
            label: str | None = None) -> None:
        """Nothing is worked out ahead: each value is computed when asked for."""

    def carry(self, step: str, value) -> None:
        """Nothing is carried: there is no next build."""

    def carried(self, step: str) -> None:
        return None

    def stored(self, step: str, key: Hashable) -> None:
        return None

    def use(self, step: str, digests: bytes) -> None:
        """Nothing is remembered."""


no_memo = _NoMemo()
