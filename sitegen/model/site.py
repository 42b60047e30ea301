"""The site graph: briefings, topics and sources with every cross-link resolved.

Plain frozen dataclasses; relations are held as slugs/ids and looked up in `Site`.
Built by `model.graph.build_site`; read by `pages`; never changed after that.

Rule: a record compares by all its fields, and hashes by the few that tell it apart
(`__hash__`): equal records hash alike all the same, and a dict of records (or a key
holding them) costs a hash of three strings, not of every field and nested record.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import urls
from ..load.config import Config
from ..load.content import CREDIBILITY, Revision
from ..load.fields import PartialDate
from ..load.lockfile import Lock
from ..load.media import MediaFile
from ..load.seed_meta import RELIABILITY
from ..load.seeds import Seed


@dataclass(frozen=True, slots=True)
class Ref:
    """A proven citation: the paragraph a claim rests on, and the words it quotes."""

    seed: str
    para: str
    quote: str | None
    excerpt: str  # the quote when there is one, else the whole paragraph
    page: int = 0  # the paragraph's page (PDF seeds); 0: none
    reliability: str | None = None  # the source's grade, A–F (see load.seed_meta)

    @property
    def site_path(self) -> str:
        return f"{urls.source(self.seed)}#{self.para}"


@dataclass(frozen=True, slots=True)
class Claim:
    """A key point or a timeline event, with its anchor on the briefing page."""

    briefing: str
    anchor: str  # "kp-3" or "ev-2"
    text: str
    ref: Ref | None
    date: PartialDate | None = None
    credibility: int | None = None  # 1–6 (see load.content.CREDIBILITY)

    @property
    def grade(self) -> str:
        """The Admiralty grade shown beside the citation: source reliability and information
        credibility ("B2"), either alone, or '' when neither is given."""
        reliability = self.ref.reliability if self.ref else None
        return f"{reliability or ''}{self.credibility or ''}"

    @property
    def grade_label(self) -> str:
        """The grade in words, for its tooltip."""
        reliability = self.ref.reliability if self.ref else None
        parts = ([f"source {RELIABILITY[reliability]} ({reliability})"] if reliability else []) \
            + ([f"information {CREDIBILITY[self.credibility]} ({self.credibility})"]
               if self.credibility else [])
        return "; ".join(parts)

    def __hash__(self) -> int:
        return hash((self.briefing, self.anchor, self.text))

    @property
    def site_path(self) -> str:
        return f"{urls.briefing(self.briefing)}#{self.anchor}"


@dataclass(frozen=True, slots=True)
class Briefing:
    slug: str
    path: str
    title: str
    date: dt.date
    seeds: tuple[str, ...]
    topics: tuple[str, ...]
    bottom_line: str
    confidence: str | None
    key_points: tuple[Claim, ...]
    timeline: tuple[Claim, ...]
    body_html: str
    draft: bool
    related: tuple[str, ...] = ()
    backlinks: tuple[str, ...] = ()
    previous: str | None = None  # older
    next: str | None = None  # newer
    word_count: int = 0
    authors: tuple[str, ...] = ()
    updated: dt.date | None = None  # last changed (see load.content.BriefingSource)
    revisions: tuple[Revision, ...] = ()  # newest first
    body_chars: int = 0  # the length of the body's visible text (markup.html_text)

    def __hash__(self) -> int:
        return hash((self.slug, self.title, self.body_html))

    @property
    def site_path(self) -> str:
        return urls.briefing(self.slug)

    @property
    def byline(self) -> str:
        """The authors as one phrase: "A", "A and B", "A, B and C" ('' for none)."""
        *rest, last = self.authors or ("",)
        return f"{', '.join(rest)} and {last}" if rest else last


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    path: str
    title: str
    kind: str | None
    aliases: tuple[str, ...]
    parent: str | None
    description_html: str
    children: tuple[str, ...] = ()
    briefings: tuple[str, ...] = ()  # newest first
    within: tuple[str, ...] = ()  # briefings on this topic or one below it, newest first
    related: tuple[str, ...] = ()
    events: tuple[Claim, ...] = ()

    def __hash__(self) -> int:
        return hash((self.slug, self.title, self.description_html))

    @property
    def site_path(self) -> str:
        return urls.topic(self.slug)


@dataclass(frozen=True, slots=True)
class Citation:
    """One claim that cites a source paragraph (shown beside that paragraph)."""

    para: str
    claim: Claim


@dataclass(frozen=True, slots=True)
class Source:
    seed: Seed
    briefings: tuple[str, ...]  # newest first
    # (paragraph id, its citations), in the order cited: a tuple, so a source that did not
    # change can be the same object from build to build (see model.graph)
    citations: tuple[tuple[str, tuple[Citation, ...]], ...] = ()
    original: str | None = None  # site path of the seed's own file, when it is published

    def __hash__(self) -> int:
        return hash((self.seed.id, self.seed.digest, self.briefings))

    @property
    def id(self) -> str:
        return self.seed.id

    @property
    def site_path(self) -> str:
        return urls.source(self.seed.id)

    @property
    def reliability_label(self) -> str:
        """The source's reliability grade in words ('' when it has none)."""
        return RELIABILITY.get(self.seed.meta.reliability or "", "")


@dataclass(frozen=True, slots=True)
class Site:
    config: Config
    briefings: dict[str, Briefing]  # newest first
    topics: dict[str, Topic]  # by title
    sources: dict[str, Source]  # in the order they joined the site (see model.sources)
    timeline: tuple[Claim, ...]  # every event, oldest first
    media: tuple[MediaFile, ...] = ()  # the media files bodies show or link (published)
    lock: Lock | None = None  # sitegen.lock as it was read (see sitegen.lock)

