"""Proving citations: a `cite` names a real paragraph, a `quote` occurs in the sources."""
from __future__ import annotations

import re

from ..errors import Collector
from ..load.content import BriefingSource, Claim as ClaimSource
from ..load.fields import suggest
from ..load.blocks import Block
from ..load.seeds import Seed
from . import quotes
from .site import Claim, Ref

_CITE_RE = re.compile(r"^(?:(?P<seed>[^#\s]+)#)?(?P<para>p\d+)$")


class SeedIndex:
    """The paragraphs of the seeds, each seed's read once (on first use), and their
    normalised text for quote search."""

    def __init__(self, seeds: dict[str, Seed]):
        self.seeds = seeds
        self._read: dict[str, dict[str, Block]] = {}
        self._norm: dict[str, list[tuple[str, str, str]]] = {}

    def _of(self, sid: str) -> dict[str, Block]:
        read = self._read.get(sid)
        if read is None:
            read = self._read[sid] = {p.id: p for p in self.seeds[sid].paragraphs}
        return read

    def paragraph(self, sid: str, pid: str) -> Block | None:
        return self._of(sid).get(pid)

    def headings(self, seed_ids) -> list[tuple[str, str, str]]:
        """(seed id, "", normalised text) of every heading of these seeds (read afresh:
        asked only to explain a quote that was not found)."""
        return [(sid, "", quotes.normalize(b.text)) for sid in seed_ids
                for b in self.seeds[sid].blocks if b.kind == "heading"]

    def paragraphs(self, seed_ids) -> list[tuple[str, str, str]]:
        rows = []
        for sid in seed_ids:
            if sid not in self._norm:
                self._norm[sid] = [(sid, p.id, quotes.normalize(p.text))
                                   for p in self._of(sid).values()]
            rows.extend(self._norm[sid])
        return rows


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


_MARKS = "\"'“”‘’«»„‚"


def _not_found_hint(quote: str, cited, seeds: list[str], searched, index: SeedIndex) -> str:
    """What most likely went wrong with a quote that was not found, as '; …': the
    commonest slips first (a cite naming the wrong paragraph, quote marks typed around
    it, a heading quoted), else the nearest text."""
    everywhere = index.paragraphs(seeds)
    elsewhere = quotes.find(quote, everywhere) if cited else []
    if elsewhere:
        sid, pid = elsewhere[0]
        cite = pid if len(seeds) == 1 else f"{sid}#{pid}"
        return f"; it is in {pid}{'' if len(seeds) == 1 else f' of {sid!r}'}: write cite: {cite}"
    bare = quote.strip().strip(_MARKS).strip()
    if bare and bare != quote.strip() and quotes.find(bare, searched):
        return (f"; leave out the quote marks around it (the page adds its own): "
                f"quote: {bare}")
    if quotes.find(quote, index.headings(seeds)):
        return "; it is in a heading, and headings cannot be cited: quote a paragraph"
    near = quotes.nearest(quote, searched)
    return f"; nearest text ({near[0]}#{near[1]}): \"{_short(near[2])}\"" if near else ""


def resolve_claim(b: BriefingSource, c: ClaimSource, anchor: str, index: SeedIndex,
                  out: Collector) -> Claim:
    """The claim with its citation proven, or with `ref=None` and an error reported."""
    seeds = [s for s in b.seeds if s in index.seeds]
    ref = None
    cited = None
    if c.cite:
        m = _CITE_RE.match(c.cite)
        if not m:
            out.error(b.path, c.cite_line, f"cite '{c.cite}' is not a paragraph id: write 'p7', or "
                                      f"'<seed id>#p7' when the briefing has several seeds",
                      code="bad-cite")
        else:
            seed_id, para = m.group("seed"), m.group("para")
            if seed_id is None and len(b.seeds) > 1:
                out.error(b.path, c.cite_line, f"cite '{c.cite}' is ambiguous: this briefing has "
                                          f"several seeds; write e.g. '{b.seeds[0]}#{para}'",
                          code="ambiguous-cite")
            elif seed_id is not None and seed_id not in b.seeds:
                out.error(b.path, c.cite_line, f"cite '{c.cite}' names seed '{seed_id}', which is not "
                                          f"in this briefing's seeds ({', '.join(b.seeds)})"
                                          f"{suggest(seed_id, b.seeds)}"
                                          f"{'; add it to seeds' if seed_id in index.seeds else ''}",
                          code="bad-cite")
            elif seed_id is not None and seed_id not in index.seeds:
                pass  # an unknown seed: reported where the briefing names it (links.check_refs)
            elif seeds:
                seed = index.seeds[seed_id or seeds[0]]
                block = index.paragraph(seed.id, para)
                if block is None:
                    out.error(b.path, c.cite_line,
                              f"cite '{c.cite}': seed '{seed.id}' has no paragraph {para}; "
                              f"it has p1 to p{seed.paragraph_count}", code="unknown-paragraph")
                else:
                    cited = (seed.id, para, block.text, block.page, seed.meta.reliability)
    if c.quote:
        paragraphs = index.paragraphs(seeds)
        if cited:
            paragraphs = [row for row in paragraphs if row[:2] == cited[:2]]
        hits = quotes.find(c.quote, paragraphs)
        if hits:
            seed_id, para = hits[0]
            found = index.paragraph(seed_id, para)
            ref = Ref(seed_id, para, c.quote, c.quote, found.page if found else 0,
                      index.seeds[seed_id].meta.reliability)
        elif seeds and (c.cite is None or cited):
            where = f"paragraph {cited[1]} of '{cited[0]}'" if cited else "the briefing's seeds"
            out.error(b.path, c.quote_line, f"quote \"{_short(c.quote)}\" not found in {where}"
                      f"{_not_found_hint(c.quote, cited, seeds, paragraphs, index)}",
                      code="quote-not-found")
    elif cited:
        ref = Ref(*cited[:2], None, *cited[2:])
    return Claim(b.slug, anchor, c.text, ref, c.date, c.credibility)
