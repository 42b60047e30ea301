"""The briefing book (`book/index.html`): every briefing on one printable page, newest first.

Citations become numbered footnotes that point into the source pages. Briefing bodies
are pre-rendered HTML written for a page of their own, so their ids (and `#fragment`
links to them) get a per-briefing prefix here, and their headings move one level
down, under the book's per-briefing sections. Slugs never contain "--", so the
prefix `<slug>--` cannot collide with another briefing's ids or the page's own
(`book--…`); body ids get `<slug>--body-`, apart from the chapter's own (`<slug>--kp-1`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .model.site import Briefing, Claim, Ref, Site, Source, Topic

BOOK_PAGE = "book/"
_ID_RE = re.compile(r'(\sid=")([^"]*")')
_FRAGMENT_RE = re.compile(r'(\shref="#)([^"]*")')
_HEADING_RE = re.compile(r"<(/?)h([1-6])\b")


@dataclass(frozen=True, slots=True)
class Note:
    """A numbered footnote: the claim it belongs to and the paragraph it cites."""

    number: int
    claim: Claim
    ref: Ref
    source: Source


@dataclass(frozen=True, slots=True)
class Chapter:
    """One briefing in the book. What the template shows beyond the fields (body, notes) is
    worked out from them on each use, and not kept: the chapters stay in the book page's
    data for the whole build, and kept bodies would hold a second copy of every body."""

    briefing: Briefing
    prefix: str  # "<slug>--": prefix of every id inside this chapter
    topics: tuple[Topic, ...]
    sources: tuple[Source, ...]  # the briefing's seeds (a claim cites only those)

    @property
    def id(self) -> str:
        return self.briefing.slug

    @property
    def body_html(self) -> str:
        """The body with ids prefixed `<slug>--body-`, still with sitegen:root/ marks."""
        return prefix_ids(self.briefing.body_html, self.prefix + "body-")

    @property
    def notes(self) -> tuple[Note, ...]:
        """A footnote for each key point and timeline event that cites a paragraph."""
        sources = {s.id: s for s in self.sources}
        claims = (*self.briefing.key_points, *self.briefing.timeline)
        cited = [c for c in claims if c.ref and c.ref.seed in sources]
        return tuple(Note(i, c, c.ref, sources[c.ref.seed]) for i, c in enumerate(cited, 1))

    @property
    def note_of(self) -> dict[str, int]:
        """Claim anchor -> footnote number."""
        return {n.claim.anchor: n.number for n in self.notes}


def prefix_ids(html: str, prefix: str, shift_headings: int = 1) -> str:
    """Give every id (and every same-page `#fragment` link) in `html` a prefix; move
    headings `shift_headings` levels down (at most h6)."""
    html = _ID_RE.sub(lambda m: m.group(1) + prefix + m.group(2), html)
    html = _FRAGMENT_RE.sub(lambda m: m.group(1) + prefix + m.group(2), html)
    if shift_headings:
        html = _HEADING_RE.sub(
            lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + shift_headings, 6)}", html)
    return html


def chapter(site: Site, b: Briefing) -> Chapter:
    return Chapter(
        briefing=b, prefix=f"{b.slug}--",
        topics=tuple(site.topics[t] for t in b.topics if t in site.topics),
        sources=tuple(site.sources[s] for s in b.seeds if s in site.sources))


def book_data(site: Site) -> dict:
    """The book page's template data: its chapters, newest first."""
    chapters = [chapter(site, b) for b in site.briefings.values()]
    dates = [c.briefing.date for c in chapters]
    return dict(chapters=chapters, newest=max(dates, default=None),
                oldest=min(dates, default=None))
