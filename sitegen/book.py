"""The briefing book: every briefing on printable pages, newest first.

A small site's book is one page (`book/index.html`). A larger one is in volumes, one per
calendar quarter (`book/2022-q1/`; a quarter of more than `VOLUME_LIMIT` briefings or
about `VOLUME_BYTES` of chapters in parts, `book/2022-q1-2/` …, numbered from its
oldest), and `book/index.html` lists them:
a volume's address and content change only when its own quarter does.

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
from operator import itemgetter
from typing import NamedTuple

from .derived import Derived
from .memo import replaced
from .model.site import Briefing, Claim, Ref, Site, Source, Topic
from .paging import PageLink, Pager

BOOK_PAGE = "book/"
VOLUME_LIMIT = 150  # chapters in one page at most (the one-page book too)
VOLUME_BYTES = 800_000  # and about this much of them: a volume page stays under 1 MB
_ID_RE = re.compile(r'(\sid=")([^"]*")')
_FRAGMENT_RE = re.compile(r'(\shref="#)([^"]*")')
_HEADING_RE = re.compile(r"<(/?)h([1-6])\b")
_LAYOUT = "book layout"  # carried by a warm memo (see `_volumes`)


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


def chapters(site: Site, briefings: list[Briefing], made: Derived) -> list[Chapter]:
    """The briefings' chapters, made from the records each shows (see derived)."""
    def chapter(b: Briefing) -> tuple[tuple, Chapter]:
        topics = tuple(site.topics[t] for t in b.topics if t in site.topics)
        sources = tuple(site.sources[s] for s in b.seeds if s in site.sources)
        return (b, topics, sources), Chapter(briefing=b, prefix=f"{b.slug}--", topics=topics,
                                             sources=sources)
    return made.each("chapter", ((b.slug, b) for b in briefings), chapter)


def book_pages(site: Site, made: Derived) -> list[tuple[str, str, str, dict]]:
    """The book's pages, as (site path, template, title, data) for `pages.Page`: one, or
    the list of volumes and a page per volume; `made`: see `chapter`."""
    briefings = list(site.briefings.values())  # newest first
    if len(briefings) <= VOLUME_LIMIT:
        return [(BOOK_PAGE, "book.html", "Briefing book",
                 _volume_data(site, briefings, None, made))]
    volumes = _volumes(briefings[::-1], made)
    links = [PageLink(path, chunk[0].date, chunk[-1].date) for path, _, chunk in volumes]
    pages = [(BOOK_PAGE, "book_volumes.html", "Briefing book", dict(
        volumes=[(link, label, len(chunk)) for link, (_, label, chunk) in zip(links, volumes)][::-1],
        total=len(briefings), newest=briefings[0].date, oldest=briefings[-1].date))]
    # The newest volume grows: the one before it links it without its dates (which change).
    newer = links[1:-1] + [PageLink(links[-1].site_path, None, None)]
    for i, (path, label, chunk) in enumerate(volumes):
        pager = Pager(i + 1, PageLink(BOOK_PAGE, None, None),
                      newer=newer[i] if i + 1 < len(links) else None,
                      older=links[i - 1] if i else None)
        pages.append((path, "book.html", f"Briefing book: {label}",
                      dict(_volume_data(site, chunk[::-1], label, made), pager=pager)))
    return pages


def _volumes(oldest_first: list[Briefing], made: Derived
             ) -> list[tuple[str, str, list[Briefing]]]:
    """(site path, label, briefings oldest first) of each volume, oldest first."""
    costs = made.each("chapter-bytes", ((b.slug, b) for b in oldest_first),
                      lambda b: ((b,), chapter_bytes(b)))
    last = made.memo.carried(_LAYOUT)
    quarters = _quarters(oldest_first, last)
    laid = last.parts if last is not None and quarters is last.quarters else {}
    # A quarter's parts are the last build's while it and its chapters' bytes are.
    parts = [laid[key] if key in laid and last.costs[start:end] == costs[start:end]
             else _parts(costs[start:end]) for key, start, end in quarters]
    made.memo.carry(_LAYOUT, _Layout(oldest_first, quarters, costs, dict(zip(
        map(itemgetter(0), quarters), parts))))
    volumes = []
    for ((year, q), start, _end), ends in zip(quarters, parts):
        for n, (first, end) in enumerate(zip((0, *ends), ends), 1):
            suffix, label = (f"-{n}", f"{year} Q{q}, part {n}") if n > 1 else ("", f"{year} Q{q}")
            if len(ends) > 1 and n == 1:
                label += ", part 1"
            volumes.append((f"{BOOK_PAGE}{year}-q{q}{suffix}/", label,
                            oldest_first[start + first:start + end]))
    return volumes


class _Layout(NamedTuple):
    """How the last build laid its book out (carried by a warm memo, see `_volumes`)."""

    briefings: list[Briefing]  # oldest first
    quarters: list[tuple[tuple[int, int], int, int]]  # (year, quarter), its first, its end
    costs: list[int]  # each briefing's chapter's bytes (see chapter_bytes)
    parts: dict[tuple[int, int], list[int]]  # each quarter's parts' ends (see `_parts`)


def _quarter(b: Briefing) -> tuple[int, int]:
    return b.date.year, (b.date.month - 1) // 3 + 1


def _quarters(oldest_first: list[Briefing], last: _Layout | None
              ) -> list[tuple[tuple[int, int], int, int]]:
    """((year, quarter), first, end) of each quarter's briefings in `oldest_first`: the
    last build's while the briefings at the places that changed are of the same quarter
    as those they replace."""
    if last is not None and len(last.briefings) == len(oldest_first) and all(
            _quarter(oldest_first[i]) == _quarter(last.briefings[i])
            for i in replaced(oldest_first, last.briefings)):
        return last.quarters
    found: list[tuple[tuple[int, int], int, int]] = []
    for i, key in enumerate(map(_quarter, oldest_first)):
        if not found or found[-1][0] != key:
            found.append((key, i, i))
        found[-1] = (key, found[-1][1], i + 1)
    return found


def _parts(costs: list[int]) -> list[int]:
    """Where each part of a quarter ends (of its briefings, with these chapter bytes): at
    most VOLUME_LIMIT briefings and about VOLUME_BYTES of chapters each, in order."""
    ends: list[int] = []
    size = 0
    for i, cost in enumerate(costs):
        count = i - (ends[-1] if ends else 0)
        if count and (count == VOLUME_LIMIT or size + cost > VOLUME_BYTES):
            ends.append(i)
            size = 0
        size += cost
    return [*ends, len(costs)]


def chapter_bytes(b: Briefing) -> int:
    """About how many bytes of HTML a briefing's chapter takes (its text and markup, and
    each claim's note with its excerpt)."""
    claims = (*b.key_points, *b.timeline)
    return (2_000 + len(b.body_html) + 2 * len(b.bottom_line) + len(b.title)
            + sum(600 + len(c.text) + (len(c.ref.excerpt) if c.ref else 0) for c in claims))


def _volume_data(site: Site, newest_first: list[Briefing], label: str | None,
                 made: Derived) -> dict:
    """A book page's template data: its chapters, newest first."""
    return dict(chapters=chapters(site, newest_first, made), volume=label, pager=None,
                newest=newest_first[0].date if newest_first else None,
                oldest=newest_first[-1].date if newest_first else None)
