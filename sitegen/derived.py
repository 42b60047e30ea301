"""Values derived from the site's records — pages, book chapters, search documents — made
again only when a record they show changed.

Each value has a slot (what it is for: ("briefing", slug) for a briefing's page) and is
made by the caller's `make(record)`, which gives it with the records it shows (records
and tuples of records). A warm memo carries what was made (see sitegen.memo), under the
`name` of what it is ("pages", …), with the site's records, to the next build. There a
value stands unless one of its records is not the very same object any more (a record
that did not change is: see model.graph), its plain `extra` differs, or the `context`
every value of the name follows from does; which slots show a record is indexed
(`readers`), so an edit costs the values of the records it changed.

Values are carried by the list they were asked for in (a kind and its keys, in order):
a list asked for again with the same keys is the last one, bar the values made again,
at the cost of comparing the keys; a list whose keys changed (a briefing added, or moved
in the order) is gathered value by value.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import chain, repeat
from operator import is_
from typing import Callable, Hashable, Iterable, NamedTuple, Sequence, TypeVar

from .memo import differing
from .model.site import Briefing, Site, Source, Topic

R, V = TypeVar("R"), TypeVar("V")
_KINDS = ("briefing", "topic", "source")  # as `Derived.records` holds them
_KIND_OF = {Briefing: "briefing", Topic: "topic", Source: "source"}
_MISSING = object()  # in a list's values: none made yet
_CHANGED = "derived records changed"  # carried through a build (see `_changed`)


class _List(NamedTuple):
    """The values of one list, and for each its extra and the digests of the remembered
    values its making asked for (see sitegen.memo: `stored`, `use`)."""

    values: list
    extras: list
    asked: list


def _positions(keys: tuple, wanted: tuple) -> dict:
    """Where each of `wanted` is in `keys` (those it is in). Rule: a few are looked for
    one by one (a scan in C each), many by indexing `keys` whole."""
    if len(wanted) > 16:
        at = dict(zip(keys, range(len(keys))))
        return {key: at[key] for key in wanted if key in at}
    found = {}
    for key in wanted:
        try:
            found[key] = keys.index(key)
        except ValueError:
            continue
    return found


def _changed(memo, records: tuple[dict, ...], before: tuple[dict, ...]) -> list[list]:
    """The keys of each of `records` (briefings, topics, sources) whose record is not the
    very one `before` holds under it, or that `before` holds and it does not: found at
    C speed, and once for a build's values of every name (each name's last records are
    the last build's: a warm memo carries the answer through the build)."""
    was = memo.carried(_CHANGED)
    if was is not None and all(map(is_, (*records, *before), was[0])):
        changed = was[1]
    else:
        changed = [[*differing(now, last), *(last.keys() - now.keys())]
                   for now, last in zip(records, before)]
    memo.carry(_CHANGED, ((*records, *before), changed))
    return changed


class Derived:
    """What the values of one build are made of, and what was made (see the module doc)."""

    def __init__(self, site: Site, memo, name: str, context=None):
        """`context`: a plain value all values of this `name` follow from (compared with
        ==): when it is not the last build's, no value stands."""
        self.memo, self.name, self.context = memo, f"derived {name}", context
        self.records = (site.briefings, site.topics, site.sources)
        last = memo.carried(self.name)
        # Which slots show each record: indexed as values are made, from the first build
        # on (so the first rebuild does not wait for it), by a memo that carries them.
        self.readers: dict[tuple[str, str], set] | None = last[1] if last else \
            defaultdict(set) if memo.carries else None
        self.last: dict[tuple[str, tuple], _List] = last[3] if last and last[2] == context \
            else {}
        self.made: dict[tuple[str, tuple], _List] = {}
        self.stale: dict[str, set[Hashable]] = defaultdict(set)  # kind -> keys to make again
        self.extras: set[tuple[str, Hashable]] = last[4] if last else set()
        self._extras_now: set[tuple[str, Hashable]] = set()  # slots with an extra, this build
        self._by_key: dict[str, dict] | None = None  # kind -> key -> last (value, extra, asked)
        if last is None:
            return
        for kind, changed in zip(_KINDS, _changed(memo, self.records, last[0])):
            for key in changed:
                for slot_kind, slot_key in self.readers.get((kind, key), ()):
                    self.stale[slot_kind].add(slot_key)

    def each(self, kind: str, items: Iterable[tuple[Hashable, R]],
             make: Callable[[R], tuple[tuple, V]], extras: dict | None = None,
             asked: Callable[[R], Sequence[tuple[str, Hashable]]] | None = None) -> list[V]:
        """For each (key, record) of `items`, in order, the value `make(record)` gives as
        (the records it shows, value) — or the one it gave the last time, while none of
        those records changed and the item's extra (`extras.get(key)`: a plain value,
        for the few items that have one) is equal. `asked(record)`: the (step, key) of
        the remembered values `make` asks for (see sitegen.memo), counted used while the
        value stands. Rule: the keys of one list are unique (slugs, ids): a value to make
        again is found by its key."""
        pairs = list(items)
        if not pairs:
            return []
        keys, records = zip(*pairs)
        was, redo = self.last.pop((kind, keys), None), set()
        if was is None:
            was = self._gather(kind, keys)
            redo = {i for i, value in enumerate(was.values) if value is _MISSING}
        redo |= self._redo(kind, keys, was, extras or {})
        now = _List(*map(list, was)) if redo else was
        for i in sorted(redo):
            shown, now.values[i] = make(records[i])
            now.extras[i] = extras.get(keys[i]) if extras else None
            now.asked[i] = tuple((step, self.memo.stored(step, key))
                                 for step, key in asked(records[i])) \
                if asked and self.memo.carries else ()
            if self.readers is not None:
                self._read((kind, keys[i]), shown)
        self.made[kind, keys] = now
        return list(now.values)

    def _gather(self, kind: str, keys: tuple) -> _List:
        """The last build's values of `keys`, one by one (_MISSING where it had none)."""
        if self._by_key is None:
            self._by_key = defaultdict(dict)
            for (was_kind, was_keys), was in chain(self.last.items(), self.made.items()):
                self._by_key[was_kind].update(zip(was_keys, zip(*was)))
        found = list(map(self._by_key[kind].get, keys, repeat((_MISSING, None, ()))))
        return _List(*map(list, zip(*found)))

    def _redo(self, kind: str, keys: tuple, was: _List, extras: dict) -> set[int]:
        """The positions of the items to make again (besides those with no value yet):
        those showing a record that changed, and those whose extra differs."""
        stale, redo = self.stale.get(kind), set()
        had = [key for slot_kind, key in self.extras if slot_kind == kind] if self.extras else ()
        if not (stale or extras or had):
            return redo
        at = _positions(keys, (*(stale or ()), *extras, *had))
        redo.update(at[key] for key in stale or () if key in at)
        for key in chain(extras, had):
            i = at.get(key)
            if i is not None and was.extras[i] != extras.get(key):
                redo.add(i)
        self._extras_now.update((kind, key) for key in extras if key in at)
        return redo

    def _read(self, slot: tuple[str, str], shown: tuple) -> None:
        for item in shown:
            for record in item if type(item) is tuple else (item,):
                kind = _KIND_OF.get(type(record))
                if kind is not None:
                    self.readers[kind, record.slug if kind != "source" else record.id].add(slot)

    def done(self) -> None:
        """Carry what this build made or took again (only its lists) to the next build,
        and count the remembered values their making asked for used."""
        if self.memo.carries:
            self.memo.use(pair for made in self.made.values() for asked in made.asked
                          for pair in asked)
        self.memo.carry(self.name, (self.records, self.readers, self.context, self.made,
                                    self._extras_now))
