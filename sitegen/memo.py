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
entry is remembered under (None: it is not), and `use([(step, digests), …])` counts
entries used by those digests without asking for them (the memo may walk the pairs
later, before the next build), so a memo that keeps only the entries a build used keeps
them. `carries` says whether there is a next build to carry to.
`Carried` (below) does all of that for values made one by one; `as_last`, early cut-off
by equality for values made anew each build.

`no_memo` computes every time (a clean build); the engine (sitegen.engine.memo) remembers.
The stages know only this protocol.
"""
from __future__ import annotations

from itertools import compress, repeat
from operator import and_, eq, is_not, itemgetter
from typing import Callable, Hashable, Sequence, TypeVar

from .errors import Collector

T = TypeVar("T")
Compute = Callable[[Collector], T]


class _NoMemo:
    """The memo of a clean build: computes every time, reports straight into `out`."""

    carries = False

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

    def use(self, pairs) -> None:
        """Nothing is remembered."""


no_memo = _NoMemo()


def replaced(now: Sequence, last: Sequence) -> list[int]:
    """The places where `now` holds not the very object `last` held there (two sequences
    of one length), found at C speed: where a value carried with `last` needs bringing
    up to date."""
    return list(compress(range(len(now)), map(is_not, now, last)))


def differing(now: dict, last: dict) -> list:
    """The keys of `now` whose value is not the very one `last` holds under that key,
    found at C speed: what a value carried with `last` needs bringing up to date for."""
    if now is last:
        return []
    return list(compress(now, map(is_not, map(last.get, now), now.values())))


def as_last(memo, name: str, values: dict, by: Callable | None = None) -> dict:
    """`values` (by key), each equal (==) to the last build's value of its key that very
    value, and carried under `name` for the next build of a warm memo: early cut-off by
    equality, so what is worked out from a value that did not change stands by identity.
    The caller's rule: == is as strict as a digest for these values; or `by(value)` is
    what determines a value (then those are compared)."""
    if not memo.carries:
        return values
    last = memo.carried(name) or {}
    # Only the values that are not the very last ones (found at C speed) are compared.
    same = eq if by is None else (lambda was, v: by(was) == by(v))
    values = {**values, **{key: was for key in differing(values, last)
                           if (was := last.get(key)) is not None and same(was, values[key])}}
    memo.carry(name, values)
    return values


def carried_whole(memo, step: str, inputs: tuple, asked: Callable[[], tuple], out: Collector):
    """The value of `step` worked out from the whole site (related lists), taken again
    while its `inputs` are equal to the last build's (compared with ==: the very same
    dicts at once) without asking the memo, whose key for it (`asked()`: (key, compute))
    would be made of every briefing and hashed each build. Rule: `compute` reports no
    problems (none are replayed)."""
    carried = Carried(memo, f"whole {step}")
    was = carried.get(step, inputs)
    if was is None:
        key, compute = asked()
        was = carried.put(step, inputs, memo(step, key, compute, out), (), ((step, key),))
    carried.done()
    return was[1]


_INPUTS = itemgetter(0)
_NONE = (object(), None, (), ())  # a slot not carried: its inputs equal nothing


class Carried:
    """Values a stage makes one by one (a record per briefing, a parse per file), carried
    by a warm memo from build to build under `name`, each in a slot (its briefing, its
    file) with its `inputs` (what it was made of), the problems making it gave and the
    digests of the remembered values it asked for (see `stored`). The next build takes
    a value again (`get`) while its inputs are equal (compared with ==, which takes the
    very same objects at once) and counts those remembered values used (`done`); the
    stage replays the problems."""

    def __init__(self, memo, name: str):
        self.memo, self.name = memo, name
        self.last: dict[Hashable, tuple] = memo.carried(name) or {}
        self.made: dict[Hashable, tuple] = {}

    def get(self, slot: Hashable, inputs) -> tuple | None:
        """(inputs, value, problems, digests) as the last build made it, but with `inputs`
        (equal to its own), or None when `inputs` differ (None: never the same)."""
        was = self.last.get(slot)
        if was is None or inputs is None or was[0] != inputs:
            return None
        # Carried on with the inputs of now (equal): the next build may find them the very
        # same objects.
        self.made[slot] = was = (inputs, *was[1:])
        return was

    def get_many(self, slots: Sequence[Hashable], inputs: Sequence) -> list[tuple | None]:
        """`get` of each of `slots` (unique) with its `inputs`, compared at C speed: a
        stage's thousands of files, of which an edit changed one. Unlike `get`, an entry
        taken keeps its own inputs (equal: a caller needing them to be the very objects
        it passed uses `get`)."""
        was = list(map(self.last.get, slots, repeat(_NONE)))
        same = list(map(and_, map(eq, map(_INPUTS, was), inputs),
                        map(is_not, inputs, repeat(None))))
        self.made.update(compress(zip(slots, was), same))
        return [entry if stands else None for entry, stands in zip(was, same)]

    def keep(self, slot: Hashable) -> tuple:
        """The last build's entry of `slot`, taken again without comparing its inputs:
        the caller knows they are the same."""
        self.made[slot] = was = self.last[slot]
        return was

    def keep_many(self, slots: list[Hashable]) -> list[tuple]:
        """`keep` each of `slots`, at C speed; their entries, in order."""
        kept = list(map(self.last.__getitem__, slots))
        self.made.update(zip(slots, kept))
        return kept

    def put(self, slot: Hashable, inputs, value, problems, asked: Sequence[tuple[str, Hashable]]
            ) -> tuple:
        """Carry `value`, made now from `inputs`; `asked`: the (step, key) of each
        remembered value making it asked for (digested only when the memo carries)."""
        if not self.memo.carries:
            return (inputs, value, tuple(problems), ())
        digests = tuple((step, self.memo.stored(step, key)) for step, key in asked)
        self.made[slot] = entry = (inputs, value, tuple(problems), digests)
        return entry

    def done(self) -> None:
        """Count the remembered values of everything carried on used (those made now were
        asked for, which counts them: the memo takes them twice, harmlessly); carry it
        to the next build. (`made` is a new dict each build: it stays as it is.)"""
        if self.memo.carries:
            self.memo.use(pair for entry in self.made.values() for pair in entry[3])
        self.memo.carry(self.name, self.made)
