"""The source records of the site graph: each seed with the briefings naming it and the
claims citing it, looked at again only where those changed."""
from __future__ import annotations

import datetime as dt
from bisect import insort
from collections import defaultdict

from .. import urls
from ..load.seeds import Seed
from ..memo import Carried
from .site import Briefing, Citation, Source

# what a warm memo carries to the next build (see `source_records`)
_CARRIED, _ORDER = "site-sources", "site-sources order"


def source_records(seeds: dict[str, Seed], briefings: dict[str, Briefing],
                   citing: dict[str, tuple[str, ...]], originals: bool, memo
                   ) -> dict[str, Source]:
    """The source pages; `citing`: seed id -> the slugs of the briefings naming it,
    newest first (see lists); `originals`: publish the seeds' own files (each unless its
    sidecar says `original: false`). A source is made of its seed and the briefings
    naming it, whose claims are the only ones that may cite it (see
    citations.resolve_claim).

    A warm memo carries the sources (see sitegen.memo.Carried) and their order. While
    the seeds are the very same, only the sources of the seeds named by briefings that
    are not the very same records (see graph) are looked at again: each is taken again
    while its seed, those briefings and its original's path are the same, and one made
    again equal to the last is the last."""
    def joined(sid: str) -> tuple:
        """Sources in the order they joined the site, as far as it can be told: those no
        briefing cites by their `published` date, then the others by the date of the oldest
        briefing citing them (so a new briefing's new seed comes last), then by id."""
        by = citing.get(sid)
        if not by:
            return (0, seeds[sid].meta.published_from or dt.date.min, sid)
        return (1, briefings[by[-1]].date, sid)

    carried, last = Carried(memo, _CARRIED), memo.carried(_ORDER)
    if last is not None and last[0] is seeds and last[1] == originals and carried.last:
        before = last[2]
        changed = {slug for slug, b in briefings.items() if before.get(slug) is not b} | {
            slug for slug, b in before.items() if briefings.get(slug) is not b}
        affected = {sid for slug in changed for b in (briefings.get(slug), before.get(slug))
                    if b is not None for sid in b.seeds if sid in seeds}
        order = [sid for sid in last[3] if sid not in affected]
        for sid in affected:
            insort(order, sid, key=joined)
    else:
        affected, order = None, sorted(seeds, key=joined)
    sources = {}
    for sid in order:
        if affected is not None and sid not in affected:
            sources[sid] = carried.keep(sid)[1]
            continue
        seed, by = seeds[sid], tuple(briefings[slug] for slug in citing.get(sid, ()))
        original = urls.original(sid, seed.file_name) if originals and seed.meta.original \
            else None
        was = carried.get(sid, (seed, by, original))
        if was is None:
            made, was = _source(seed, by, original), carried.last.get(sid)
            was = carried.put(sid, (seed, by, original),
                              was[1] if was is not None and was[1] == made else made, (), ())
        sources[sid] = was[1]
    carried.done()
    memo.carry(_ORDER, (seeds, originals, briefings, order))
    return sources


def _source(seed: Seed, by: tuple[Briefing, ...], original: str | None) -> Source:
    """A seed's source page record: the briefings naming it (newest first) and, by
    paragraph in the order first cited, the claims citing it."""
    cites: dict[str, list[Citation]] = defaultdict(list)
    for b in dict.fromkeys(by):  # a briefing may name a seed twice: its claims count once
        for claim in (*b.key_points, *b.timeline):
            if claim.ref and claim.ref.seed == seed.id:
                cites[claim.ref.para].append(Citation(claim.ref.para, claim))
    return Source(seed, tuple(b.slug for b in by),
                  tuple((p, tuple(cs)) for p, cs in cites.items()), original)
