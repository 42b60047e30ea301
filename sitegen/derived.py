"""Values derived from the site's records — pages, book chapters — made again only when
a record they show changed.

Each value has a slot (what it is for: ("briefing", slug) for a briefing's page) and is
made by `make(*shown())` from the records it shows (`shown`, records and tuples of
records, looked up by the caller) and from plain values (`extra`). A warm memo (see
sitegen.memo) carries what was made (under the `name` of what it is: "pages", …), with
the site's records, to the next build. There a
value stands unless one of its records is not the very same object any more (a record
that did not change is: see model.graph) or its `extra` differs; which slots show a
record is indexed (`readers`), so an edit costs the values of the records it changed,
not a walk over every value's records.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable

from .model.site import Briefing, Site, Source, Topic

_KINDS = ("briefing", "topic", "source")  # as `Derived.records` holds them
_KIND_OF = {Briefing: "briefing", Topic: "topic", Source: "source"}


class Derived:
    """What the values of one build are made of, and what was made (see the module doc):
    slot -> (extra, records shown, value)."""

    def __init__(self, site: Site, memo, name: str):
        self.memo, self.name, self.seen = memo, f"derived {name}", set()
        self.records = (site.briefings, site.topics, site.sources)
        last = memo.carried(self.name)
        self.made: dict[tuple[str, str], tuple] = last[1] if last else {}
        self.readers: dict[tuple[str, str], set] | None = last[2] if last else None
        self.stale: set[tuple[str, str]] = set()
        if last is None:
            return
        if self.readers is None:  # the first build since a clean one: index it now
            self.readers = defaultdict(set)
            for slot, (_extra, shown, _value) in self.made.items():
                self._read(slot, shown)
        for kind, now, before in zip(_KINDS, self.records, last[0]):
            for key, record in now.items():
                if before.get(key) is not record:
                    self.stale.update(self.readers.get((kind, key), ()))
            for key in before.keys() - now.keys():
                self.stale.update(self.readers.get((kind, key), ()))

    def get(self, slot: tuple[str, str], extra: tuple, shown: Callable[[], tuple],
            make: Callable):
        """`make(*shown())`, or what it made the last time from the very same records and
        an equal `extra`."""
        self.seen.add(slot)
        last = self.made.get(slot)
        if last is not None and slot not in self.stale and last[0] == extra:
            return last[2]
        records = shown()
        value = make(*records)
        self.made[slot] = (extra, records, value)
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
        """Carry what this build made (only the slots it has) to the next build."""
        made = self.made if len(self.made) == len(self.seen) else \
            {slot: self.made[slot] for slot in self.seen}  # (`seen` is within `made`)
        self.memo.carry(self.name, (self.records, made, self.readers))
