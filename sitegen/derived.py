"""Values derived from the site's records — pages, book chapters, search documents — made
again only when a record they show changed.

Each value has a slot (what it is for: ("briefing", slug) for a briefing's page) and is
made by the caller's `make(record)`, which gives it with the records it shows (records
and tuples of records). A warm memo carries what was made (see sitegen.memo.Carried,
under the `name` of what it is: "pages", …), with the site's records, to the next build.
There a value stands unless one of its records is not the very same object any more (a
record that did not change is: see model.graph), its plain `extra` differs, or the
`context` every value of the name follows from does; which slots show a record is
indexed (`readers`), so an edit costs the values of the records it changed and one
lookup per value, not a walk over every value's records.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Hashable, Iterable, Sequence, TypeVar

from .memo import Carried
from .model.site import Briefing, Site, Source, Topic

R, V = TypeVar("R"), TypeVar("V")
_KINDS = ("briefing", "topic", "source")  # as `Derived.records` holds them
_KIND_OF = {Briefing: "briefing", Topic: "topic", Source: "source"}


class Derived:
    """What the values of one build are made of, and what was made (see the module doc):
    carried by slot as (extra, (records shown, value))."""

    def __init__(self, site: Site, memo, name: str, context=None):
        """`context`: a plain value all values of this `name` follow from (compared with
        ==): when it is not the last build's, no value stands."""
        self.memo, self.name, self.context = memo, f"derived {name}", context
        self.records = (site.briefings, site.topics, site.sources)
        self.carried = Carried(memo, self.name)
        last = memo.carried(self.name + " readers")
        # Which slots show each record: indexed as values are made, from the first build
        # on (so the first rebuild does not wait for it), by a memo that carries them.
        self.readers: dict[tuple[str, str], set] | None = last[1] if last else \
            defaultdict(set) if memo.carries else None
        self.stale: set[tuple[str, str]] = set()
        if last is None:
            return
        if last[2] != context:
            self.carried.last = {}
        for kind, now, before in zip(_KINDS, self.records, last[0]):
            for key, record in now.items():
                if before.get(key) is not record:
                    self.stale.update(self.readers.get((kind, key), ()))
            for key in before.keys() - now.keys():
                self.stale.update(self.readers.get((kind, key), ()))

    def each(self, kind: str, items: Iterable[tuple[str, R]],
             make: Callable[[R], tuple[tuple, V]], extras: dict | None = None,
             asked: Callable[[R], Sequence[tuple[str, Hashable]]] | None = None) -> list[V]:
        """For each (key, record) of `items`, in order, the value `make(record)` gives as
        (the records it shows, value) — or the one it gave the last time, while none of
        those records changed and the item's extra (`extras.get(key)`: a plain value,
        for the few items that have one) is equal. `asked(record)`: the (step, key) of
        the remembered values `make` asks for (see sitegen.memo), counted used while the
        value stands. One pass, a lookup per item: the values of a site of 10,000
        briefings are taken again in a few milliseconds."""
        carried, last, stale = self.carried, self.carried.last, self.stale
        values = []
        for key, record in items:
            slot = (kind, key)
            extra = extras.get(key) if extras else None
            was = last.get(slot)
            if was is not None and slot not in stale and was[0] == extra:
                values.append(carried.keep(slot)[1][1])
                continue
            shown, value = make(record)
            carried.put(slot, extra, (shown, value), (), asked(record) if asked else ())
            if self.readers is not None:
                self._read(slot, shown)
            values.append(value)
        return values

    def _read(self, slot: tuple[str, str], shown: tuple) -> None:
        for item in shown:
            for record in item if type(item) is tuple else (item,):
                kind = _KIND_OF.get(type(record))
                if kind is not None:
                    self.readers[kind, record.slug if kind != "source" else record.id].add(slot)

    def done(self) -> None:
        """Carry what this build made or took again (only its slots) to the next build."""
        self.carried.done()
        self.memo.carry(self.name + " readers", (self.records, self.readers, self.context))
