"""Values derived from the site's records — pages, book chapters, search documents — made
again only when a record they show changed.

Each value has a slot (what it is for: ("briefing", slug) for a briefing's page) and is
made by `make(*shown())` from the records it shows (`shown`, records and tuples of
records, looked up by the caller) and from plain values (`extra`). A warm memo carries
what was made (see sitegen.memo.Carried, under the `name` of what it is: "pages", …),
with the site's records, to the next build. There a value stands unless one of its
records is not the very same object any more (a record that did not change is: see
model.graph) or its `extra` differs; which slots show a record is indexed (`readers`),
so an edit costs the values of the records it changed, not a walk over every value's
records.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Hashable, Sequence

from .memo import Carried
from .model.site import Briefing, Site, Source, Topic

_KINDS = ("briefing", "topic", "source")  # as `Derived.records` holds them
_KIND_OF = {Briefing: "briefing", Topic: "topic", Source: "source"}


class Derived:
    """What the values of one build are made of, and what was made (see the module doc):
    carried by slot as (extra, (records shown, value))."""

    def __init__(self, site: Site, memo, name: str):
        self.memo, self.name = memo, f"derived {name}"
        self.records = (site.briefings, site.topics, site.sources)
        self.carried = Carried(memo, self.name)
        last = memo.carried(self.name + " readers")
        self.readers: dict[tuple[str, str], set] | None = last[1] if last else None
        self.stale: set[tuple[str, str]] = set()
        if last is None:
            return
        if self.readers is None:  # the first build since a clean one: index it now
            self.readers = defaultdict(set)
            for slot, (_extra, (shown, _value), *_rest) in self.carried.last.items():
                self._read(slot, shown)
        for kind, now, before in zip(_KINDS, self.records, last[0]):
            for key, record in now.items():
                if before.get(key) is not record:
                    self.stale.update(self.readers.get((kind, key), ()))
            for key in before.keys() - now.keys():
                self.stale.update(self.readers.get((kind, key), ()))

    def get(self, slot: tuple[str, str], extra: tuple, shown: Callable[[], tuple],
            make: Callable, asked: Sequence[tuple[str, Hashable]] = ()):
        """`make(*shown())`, or what it made the last time from the very same records and
        an equal `extra`. `asked`: the (step, key) of the remembered values `make` asks
        for (see sitegen.memo), counted used while the value stands."""
        was = self.carried.get(slot, extra) if slot not in self.stale else None
        if was is not None:
            return was[1][1]
        records = shown()
        value = make(*records)
        self.carried.put(slot, extra, (records, value), (), asked)
        if self.readers is not None:
            self._read(slot, records)
        return value

    def _read(self, slot: tuple[str, str], shown: tuple) -> None:
        for item in shown:
            for record in item if type(item) is tuple else (item,):
                kind = _KIND_OF.get(type(record))
                if kind is not None:
                    self.readers[kind, record.slug if kind != "source" else record.id].add(slot)

    def done(self) -> None:
        """Carry what this build made or took again (only its slots) to the next build."""
        self.carried.done()
        self.memo.carry(self.name + " readers", (self.records, self.readers))
