"""Pages stage: what to render — one `Page` per output file, with the data its template needs.

Lookups from slugs to objects happen here, so templates only lay out what they get.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from . import urls
from .book import BOOK_PAGE, book_data
from .load.content import TOPIC_KINDS
from .model.site import Site
from .search import INDEX_FILE, SEARCH_PAGE

HOME_LIMIT = 30
KIND_LABELS = {"country": "Countries", "person": "People", "organization": "Organizations",
               "place": "Places", "theme": "Themes", "event": "Events", None: "Other topics"}


@dataclass(frozen=True, slots=True)
class Page:
    site_path: str  # see urls: '' is home, 'topics/nato/' a folder page, '404.html' a file
    template: str
    title: str
    data: dict[str, Any] = field(default_factory=dict)


def _briefing_page(site: Site, b) -> Page:
    br, tp, src = site.briefings, site.topics, site.sources
    return Page(b.site_path, "briefing.html", b.title, dict(
        briefing=b,
        topics=[tp[t] for t in b.topics],
        sources=[src[s] for s in b.seeds if s in src],
        related=[br[s] for s in b.related],
        backlinks=[br[s] for s in b.backlinks],
        previous=br.get(b.previous), next=br.get(b.next),
    ))


def _topic_page(site: Site, t) -> Page:
    tp = site.topics
    return Page(t.site_path, "topic.html", t.title, dict(
        topic=t,
        parent=tp.get(t.parent),
        children=[tp[c] for c in t.children],
        related=[tp[r] for r in t.related],
        briefings=[site.briefings[s] for s in t.briefings],
        events=[(e, site.briefings[e.briefing]) for e in t.events],
    ))


def _source_page(site: Site, s) -> Page:
    return Page(s.site_path, "source.html", s.seed.title, dict(
        source=s, seed=s.seed,
        briefings=[site.briefings[b] for b in s.briefings],
        citations={p: [(c, site.briefings[c.claim.briefing]) for c in cs]
                   for p, cs in s.citations.items()},
    ))


def topic_groups(site: Site) -> list[tuple[str, list]]:
    """Topics grouped by kind, in the order of TOPIC_KINDS, each group by title."""
    groups = defaultdict(list)
    for t in site.topics.values():
        groups[t.kind].append(t)
    return [(KIND_LABELS[k], groups[k]) for k in (*TOPIC_KINDS, None) if groups.get(k)]


def site_pages(site: Site) -> list[Page]:
    """Every HTML page of the site, in a stable order."""
    briefings = list(site.briefings.values())
    popular = sorted(site.topics.values(), key=lambda t: (-len(t.briefings), t.title.lower()))
    pages = [
        Page("", "home.html", site.config.title, dict(
            briefings=briefings[:HOME_LIMIT], more=len(briefings) > HOME_LIMIT,
            topics=[t for t in popular if t.briefings][:24], total=len(briefings))),
        Page("topics/", "topics.html", "Topics", dict(groups=topic_groups(site))),
        Page("timeline/", "timeline.html", "Timeline", dict(
            events=[(e, site.briefings[e.briefing]) for e in site.timeline])),
        Page("briefings/", "briefings.html", "All briefings", dict(briefings=briefings)),
        Page("sources/", "sources.html", "Sources", dict(sources=list(site.sources.values()))),
        Page(SEARCH_PAGE, "search.html", "Search", dict(
            total=len(briefings), index=INDEX_FILE)),
        Page(BOOK_PAGE, "book.html", "Briefing book", book_data(site)),
        # Servers show 404.html at any depth: its links are root-absolute when base_url says
        # where the site lives (see urls.linker), else relative from the root.
        Page("404.html", "404.html", "Page not found",
             dict(url_base=urls.base_path(site.config.base_url))),
    ]
    pages += [_briefing_page(site, b) for b in briefings]
    pages += [_topic_page(site, t) for t in site.topics.values()]
    pages += [_source_page(site, s) for s in site.sources.values()]
    return pages
