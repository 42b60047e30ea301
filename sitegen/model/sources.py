"""The source records of the site graph: each seed with the briefings naming it and the
claims citing it, carried from build to build while those stay the same objects."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from .. import urls
from ..load.seeds import Seed
from ..memo import Carried
from .site import Briefing, Citation, Source

_CARRIED = "site-sources"  # what a warm memo carries to the next build (see `source_records`)


def source_records(seeds: dict[str, Seed], briefings: dict[str, Briefing], originals: bool,
             memo) -> dict[str, Source]:
    """The source pages; `originals`: publish the seeds' own files (each unless its
    sidecar says `original: false`). A source is made of its seed and the briefings
    naming it, whose claims are the only ones that may cite it (see
    citations.resolve_claim): a warm memo carries the sources (see sitegen.memo.Carried),
    each taken again while its seed and those briefings are the same (the very same
    objects, when they did not change: see graph) and its original's path too; one made
    again equal to the last is the last (as records are: see graph)."""
    citing = defaultdict(list)
    for b in briefings.values():  # newest first
        for sid in b.seeds:
            citing[sid].append(b)

    def joined(sid: str) -> tuple:
        """Sources in the order they joined the site, as far as it can be told: those no
        briefing cites by their `published` date, then the others by the date of the oldest
        briefing citing them (so a new briefing's new seed comes last), then by id."""
        if not citing[sid]:
            return (0, seeds[sid].meta.published_from or dt.date.min, sid)
        return (1, citing[sid][-1].date, sid)

    carried = Carried(memo, _CARRIED)

    def source(sid: str) -> Source:
        seed, by = seeds[sid], tuple(citing[sid])
        original = urls.original(sid, seed.file_name) if originals and seed.meta.original \
            else None
        was = carried.get(sid, (seed, by, original))
        if was is None:
            made, last = _source(seed, by, original), carried.last.get(sid)
            was = carried.put(sid, (seed, by, original),
                              last[1] if last is not None and last[1] == made else made, (), ())
        return was[1]

    sources = {sid: source(sid) for sid in sorted(seeds, key=joined)}
    carried.done()
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
