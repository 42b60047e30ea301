"""The site's lists that follow from every briefing record — the timeline, each
topic's briefings (on it, and on it or a topic below it) and events, and each seed's
briefings. A warm memo (see sitegen.memo) carries them to the next build, which
takes them as they were while the records that are not the very same objects any more
(see graph) show the same in them (date, topics, seeds, events: a title or body edit),
else patches them with those records, rather than working them out anew from every
record; with nothing carried, or other topics, they are made from all.

Rule: each list is sorted by a key that does not change from build to build (a
briefing's date and slug, an event's date, briefing and anchor), so a patched list is
the list made anew, item for item.
"""
from __future__ import annotations

from bisect import insort
from itertools import compress
from operator import attrgetter, not_
from typing import Callable, Iterable, Sequence

from ..load.content import TopicSource
from ..memo import differing
from .site import Briefing, Claim

_CARRIED = "briefing-lists"


class Lists:
    """The lists of one build: `timeline` (every event, oldest first; of one day, the
    older briefing's first) and, by topic slug, `members` (newest first), `within` (on
    it or below it, newest first) and `events` (in the timeline's order); by seed id,
    `citing`: the briefings naming it, newest first (one naming it twice, twice).
    `briefings`: the records by slug, newest first; `topics`: the topics built."""

    def __init__(self, memo, briefings: dict[str, Briefing], topics: dict[str, TopicSource]):
        last = memo.carried(_CARRIED)
        if last is None or last[0].keys() != topics.keys() \
                or any(last[0][slug] is not t for slug, t in topics.items()):
            last = ({}, {}, [], {}, {}, {}, {})
        _topics, before, timeline, members, events, within, citing = last
        # (at C speed: the records are thousands, of which an edit changes few)
        changed = list(map(briefings.__getitem__, differing(briefings, before)))
        gone = set(differing(before, briefings))
        if before and len(before) == len(briefings) and all(map(_listed_alike, changed, map(
                before.get, map(_SLUG, changed)))):
            # Records made again with what the lists show of them as it was (an edit of a
            # title, a body, a key point's text): every list is the last build's.
            self.timeline, self.members, self.events, self.within, self.citing = \
                timeline, members, events, within, citing
        else:
            self._patch(topics, briefings, changed, gone, last)
        memo.carry(_CARRIED, (topics, briefings, self.timeline, self.members, self.events,
                              self.within, self.citing))

    def _patch(self, topics: dict[str, TopicSource], briefings: dict[str, Briefing],
               changed: list[Briefing], gone: set[str], last: tuple) -> None:
        """The lists, patched with the records `changed` (those `gone` taken out), or made
        from all when nothing was carried (`last`: see __init__)."""
        _topics, before, timeline, members, events, within, citing = last
        rank = dict(zip(briefings, range(len(briefings))))

        def when(e: Claim) -> tuple:
            return e.date.key, briefings[e.briefing].date, e.briefing, e.anchor

        touched = {t for b in changed for t in b.topics} | {
            t for slug in gone for t in before[slug].topics}
        self.timeline = _patched(timeline, _briefing, gone,
                                 [e for b in changed for e in b.timeline], when)
        if not before:  # made from all
            self.members, self.events, self.citing = _from_all(briefings, self.timeline)
            self.within = _within(topics, topics, self.members, rank)
        else:
            self.members, self.events, self.within = dict(members), dict(events), dict(within)
            on: dict[str, list[Briefing]] = {}
            naming: dict[str, list[str]] = {}
            for b in changed:
                for t in b.topics:
                    on.setdefault(t, []).append(b)
                for sid in b.seeds:
                    naming.setdefault(sid, []).append(b.slug)
            self.citing = dict(citing)
            for sid in naming.keys() | {sid for slug in gone for sid in before[slug].seeds}:
                self.citing[sid] = _patched(self.citing.get(sid, ()), str, gone,
                                            naming.get(sid, []), rank.__getitem__)
            for t in touched:
                self.members[t] = _patched(self.members.get(t, ()), str, gone,
                                           [b.slug for b in on.get(t, ())], rank.__getitem__)
                self.events[t] = _patched(self.events.get(t, ()), _briefing, gone,
                                          [e for b in on.get(t, ()) for e in b.timeline], when)
            self.within.update(_within(topics, _above(touched, topics), self.members, rank))


def _patched(items: Sequence, slug_of: Callable, gone: set[str], new: list, key) -> tuple:
    """`items` (sorted by `key`) but those of the briefings `gone` (`slug_of` an item:
    its briefing's slug), with `new` added, sorted by `key` (unique to each item but for
    a briefing's slug twice, which stays as it came)."""
    kept = list(compress(items, map(not_, map(gone.__contains__, map(slug_of, items)))))
    if len(new) * 8 > len(kept):
        return tuple(sorted(kept + new, key=key))
    for x in new:
        insort(kept, x, key=key)
    return tuple(kept)


def _from_all(briefings: dict[str, Briefing], timeline: tuple) -> tuple[dict, dict, dict]:
    """(members, events) by topic and the citing briefings by seed, made from every
    record and the timeline."""
    members: dict[str, list[str]] = {}
    events: dict[str, list[Claim]] = {}
    citing: dict[str, list[str]] = {}
    for slug, b in briefings.items():  # newest first
        for t in b.topics:
            members.setdefault(t, []).append(slug)
        for sid in b.seeds:
            citing.setdefault(sid, []).append(slug)
    for e in timeline:
        for t in briefings[e.briefing].topics:
            events.setdefault(t, []).append(e)
    return ({t: tuple(slugs) for t, slugs in members.items()},
            {t: tuple(found) for t, found in events.items()},
            {sid: tuple(slugs) for sid, slugs in citing.items()})


_briefing = attrgetter("briefing")  # an event's briefing's slug
_SLUG = attrgetter("slug")


def _listed_alike(b: Briefing, was: Briefing | None) -> bool:
    """Whether the lists show `b` as they showed `was`, the record it replaces: the same
    date, topics, seeds and events (equal events: the lists keep the last build's)."""
    return was is not None and b.timeline == was.timeline and b.date == was.date \
        and b.topics == was.topics and b.seeds == was.seeds


def _above(slugs: set[str], topics: dict[str, TopicSource]) -> set[str]:
    """`slugs` and every topic above one of them."""
    found = set()
    for slug in slugs:
        while slug in topics and slug not in found:  # (a cycle is an error: never loop)
            found.add(slug)
            slug = topics[slug].parent
    return found


def _within(topics: dict[str, TopicSource], slugs: Iterable[str], members: dict,
            rank: dict[str, int]) -> dict[str, tuple[str, ...]]:
    """Topic slug -> the briefings on it or on any topic below it, newest first, for
    `slugs`."""
    children: dict[str, list[str]] = {}
    for t in topics.values():
        if t.parent in topics:
            children.setdefault(t.parent, []).append(t.slug)
    below: dict[str, set[str]] = {}

    def collect(slug: str, path: frozenset) -> set[str]:
        if slug not in below:
            found = set(members.get(slug, ()))
            for child in children.get(slug, ()):
                if child not in path:  # a cycle is an error reported elsewhere: never loop
                    found |= collect(child, path | {child})
            below[slug] = found
        return below[slug]

    return {slug: tuple(sorted(collect(slug, frozenset([slug])), key=rank.__getitem__))
            for slug in slugs}
