"""Pages stage: what to render — one `Page` per output file, with the data its template needs.

Lookups from slugs to objects happen here, so templates only lay out what they get.

Rule: a briefing's, topic's or source's page is made from the records it shows, through
`derived.Derived`: while they are the very same objects, so is the page (for
`engine.digest.same`, the very same object), and a warm build does not look at it.
Every other page made equal to the last build's is that page (`memo.as_last`).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple

from . import urls
from .book import book_pages
from .derived import Derived
from .changes import CHANGES_PAGE, LIMIT, Changes, site_changes
from .load.content import TOPIC_KINDS
from .memo import as_last, differing, no_memo
from .model.site import Site
from .paging import PER_PAGE, PageLink, paginate
from .search import INDEX_FILE, SEARCH_PAGE

HOME_LIMIT = 30
TOPIC_EVENTS = 50  # a topic page shows its newest dated events, at most these
TIMELINE = "timeline/"
_PAGES = "pages as last"  # what a warm memo carries them under (see `site_pages`)
_EVENTS = "timeline events"  # likewise, the timeline's events (see `_events`)
_BRIEFING, _YEAR = attrgetter("briefing"), attrgetter("date.year")  # of a timeline's event
KIND_LABELS = {"country": "Countries", "person": "People", "organization": "Organizations",
               "place": "Places", "theme": "Themes", "event": "Events", None: "Other topics"}


@dataclass(frozen=True, slots=True)
class Page:
    site_path: str  # see urls: '' is home, 'topics/nato/' a folder page, '404.html' a file
    template: str
    title: str
    data: dict[str, Any] = field(default_factory=dict)


def _briefing_pages(site: Site, changes: Changes, made: Derived) -> list[Page]:
    """A page per briefing, newest first; each shows its judgment when it has one, and
    whether the list of judgments lists it (its extra: see derived)."""
    br, tp, src = site.briefings, site.topics, site.sources
    listed = {j.briefing for j in changes.judgments[:LIMIT]}
    extras = {slug: (changes.judged.get(slug), slug in listed)
              for slug in (*changes.judged, *listed) if slug in br}

    def page(b) -> tuple[tuple, Page]:
        judgment, is_listed = extras.get(b.slug, (None, False))
        shown = (b, tuple(tp[t] for t in b.topics), tuple(src[s] for s in b.seeds if s in src),
                 tuple(br[s] for s in b.related), tuple(br[s] for s in b.backlinks),
                 br.get(b.previous), br.get(b.next))
        return shown, _briefing_page_of(*shown, judgment=judgment, listed=is_listed)
    return made.each("briefing", br.items(), page, extras)


def _briefing_page_of(b, topics, sources, related, backlinks, previous, next_, *, judgment,
                      listed: bool) -> Page:
    return Page(b.site_path, "briefing.html", b.title, dict(
        briefing=b, topics=list(topics), sources=list(sources), related=list(related),
        backlinks=list(backlinks), previous=previous, next=next_,
        judgment=judgment, judgment_listed=listed,
    ))


def _changes_page(site: Site, c: Changes) -> Page:
    """What changed (see sitegen.changes), each list cut at LIMIT entries."""
    br = site.briefings
    return Page(CHANGES_PAGE, "changes.html", "What changed", dict(
        changes=c, limit=LIMIT, added=[br[s] for s in c.added[:LIMIT]],
        withdrawn=list(c.withdrawn[:LIMIT]),
        judgments=[(j, br[j.briefing]) for j in c.judgments[:LIMIT]],
        revisions=[(br[s], r) for s, r in c.revisions[:LIMIT]],
        drifts=[(d, br[d.claim.briefing]) for d in c.drifts[:LIMIT]]))


def _topic_pages(site: Site, made: Derived) -> list[Page]:
    """Each topic's pages: the briefings on it or on a sub-topic, in stable pages (see
    paging); its own page also has its newest dated events."""
    tp, br = site.topics, site.briefings

    def pages(t) -> tuple[tuple, list[Page]]:
        shown = (t, tp.get(t.parent), tuple(tp[c] for c in t.children),
                 tuple(tp[r] for r in t.related), tuple(br[s] for s in reversed(t.within)),
                 tuple(br[e.briefing] for e in t.events[-TOPIC_EVENTS:]))
        return shown, _topic_pages_of(*shown)
    return [p for each in made.each("topic", tp.items(), pages) for p in each]


def _topic_pages_of(t, parent, children, related, within, event_briefings) -> list[Page]:
    events = list(zip(t.events[-TOPIC_EVENTS:], event_briefings))
    return _list_pages(
        t.site_path, "topic.html", t.title, "briefings", list(within),
        _date_span, home=dict(events=events, earlier_events=len(t.events) - len(events)),
        topic=t, parent=parent, children=list(children),
        related=list(related), total=len(t.within), events=[],
        earlier_events=0)


def _source_pages(site: Site, made: Derived) -> list[Page]:
    br = site.briefings

    def page(s) -> tuple[tuple, Page]:
        shown = (s, tuple(br[b] for b in s.briefings),
                 tuple(br[c.claim.briefing] for _p, cs in s.citations for c in cs))
        return shown, _source_page_of(*shown)
    return made.each("source", site.sources.items(), page)


def _source_page_of(s, briefings, citing) -> Page:
    by_claim = iter(citing)
    return Page(s.site_path, "source.html", s.seed.title, dict(
        source=s, seed=s.seed, briefings=list(briefings),
        citations={p: [(c, next(by_claim)) for c in cs] for p, cs in s.citations},
    ))


def _date_span(_start: int, briefings) -> tuple:
    return (briefings[0].date, briefings[-1].date) if briefings else (None, None)


def _event_span(_start: int, events) -> tuple:
    return events[0][0].date, events[-1][0].date


def _number_span(start: int, entries) -> tuple:
    return start + 1, start + len(entries)


def _list_pages(base: str, template: str, title: str, name: str, entries: list,
                span, newest_first: bool = True, home: dict | None = None,
                **data) -> list[Page]:
    """A list in stable pages (see paging), each page's entries as `name`, with `data`;
    the list's own page (at `base`) with `home` too."""
    return [Page(lp.site_path, template, title, dict(data, pager=lp.pager,
                                                     **{name: list(lp.entries)}, **home or {}))
            if lp.site_path == base else
            Page(lp.site_path, template, f"{title}, page {lp.pager.number}",
                 dict(data, pager=lp.pager, **{name: list(lp.entries)}))
            for lp in paginate(base, entries, span, newest_first)]


def timeline_pages(site: Site, memo=no_memo) -> list[Page]:
    """The timeline: one page while it is short, else a page of years, each year's events
    on pages of their own (`timeline/<year>/`). `memo`: see `_events`."""
    events, years = _events(site, memo)
    if len(events) <= PER_PAGE:
        return [Page(TIMELINE, "timeline.html", "Timeline", dict(
            years=[PageLink(f"{TIMELINE}#y{y}", y, y) for y in years], events=events,
            year=None, pager=None))]
    links = [PageLink(f"{TIMELINE}{y}/", y, y) for y in years]
    pages = [Page(TIMELINE, "timeline.html", "Timeline", dict(
        years=links, events=[], year=None, pager=None))]
    for y, link in zip(years, links):
        pages += _list_pages(link.site_path, "timeline.html", f"Timeline: {y}", "events",
                             years[y], _event_span, newest_first=False, years=[], year=y)
    return pages


def _events(site: Site, memo) -> tuple[list[tuple], dict[int, list]]:
    """The timeline's events, each with its briefing's record, and by year. A warm memo
    carries them with the events and records they were made of: while the timeline is
    the very same, only the events of the briefings whose record is not the very same
    are made again (found at C speed: a warm edit changes a briefing or two of 10,000)."""
    timeline, briefings = site.timeline, site.briefings
    last = memo.carried(_EVENTS)
    if last is not None and last.timeline is timeline:
        events, at = last.events, last.at
        changed = differing(briefings, last.briefings)
        if changed:
            events = list(events)
            for slug in changed:
                for i in at.get(slug, ()):
                    events[i] = (timeline[i], briefings[slug])
        by_year = _by_year(events, last.years) if changed else last.by_year
        years = last.years
    else:
        slugs = list(map(_BRIEFING, timeline))
        events = list(zip(timeline, map(briefings.__getitem__, slugs)))
        years, at = list(map(_YEAR, timeline)), defaultdict(list)
        for i, slug in enumerate(slugs):
            at[slug].append(i)
        by_year = _by_year(events, years)
    memo.carry(_EVENTS, _Events(timeline, briefings, events, years, at, by_year))
    return events, by_year


class _Events(NamedTuple):
    """What `_events` carries to the next build: what the events were made of, and them."""

    timeline: tuple
    briefings: dict
    events: list
    years: list[int]
    at: dict[str, list[int]]  # briefing slug -> the places of its events
    by_year: dict[int, list]


def _by_year(events: list, years: list[int]) -> dict[int, list]:
    """Each year's events, in order (`years`: each event's). Rule: the timeline is
    oldest first (see model.lists), so each year's events are a slice, found by
    bisection, not by a walk of every event."""
    return {y: events[bisect_left(years, y):bisect_right(years, y)]
            for y in dict.fromkeys(years)}


def topic_groups(site: Site) -> list[tuple[str, list]]:
    """Topics grouped by kind, in the order of TOPIC_KINDS, each group by title."""
    groups = defaultdict(list)
    for t in site.topics.values():
        groups[t.kind].append(t)
    return [(KIND_LABELS[k], groups[k]) for k in (*TOPIC_KINDS, None) if groups.get(k)]


def site_pages(site: Site, changes: Changes | None = None, memo=no_memo) -> list[Page]:
    """Every HTML page of the site, in a stable order; `changes`: `site_changes(site)`,
    when the caller has it already; `memo`: see the module doc."""
    changes = changes or site_changes(site)
    briefings = list(site.briefings.values())
    popular = sorted(site.topics.values(), key=lambda t: (-len(t.briefings), t.title.lower()))
    pages = [
        Page("", "home.html", site.config.title, dict(
            briefings=briefings[:HOME_LIMIT], more=len(briefings) > HOME_LIMIT,
            topics=[t for t in popular if t.briefings][:24], total=len(briefings))),
        Page("topics/", "topics.html", "Topics", dict(groups=topic_groups(site))),
        Page(SEARCH_PAGE, "search.html", "Search", dict(
            total=len(briefings), index=INDEX_FILE)),
        # Servers show 404.html at any depth: its links are root-absolute when base_url says
        # where the site lives (see urls.linker), else relative from the root.
        Page("404.html", "404.html", "Page not found",
             dict(url_base=urls.base_path(site.config.base_url))),
    ]
    pages += _list_pages("briefings/", "briefings.html", "All briefings", "briefings",
                         briefings[::-1], _date_span)
    pages += _list_pages("sources/", "sources.html", "Sources", "sources",
                         list(site.sources.values()), _number_span)
    pages += timeline_pages(site, memo)
    pages.append(_changes_page(site, changes))
    made = Derived(site, memo, "pages")
    pages += [Page(*spec) for spec in book_pages(site, made)]
    # Early cut-off (see sitegen.memo.as_last): a page made anew (a list, timeline or book
    # page, from records that mostly did not change) equal to the last build's is that
    # page, so the engine knows it unchanged without walking it. Rule: == is as strict as
    # a page's digest here: a page's data holds records (the model makes an equal record
    # the very same one) and plain values of fixed types made by this module (no floats,
    # no Markup beside str). (The pages below are made only when what they show changed.)
    pages = list(as_last(memo, _PAGES, {page.site_path: page for page in pages}).values())
    pages += _briefing_pages(site, changes, made)
    pages += _topic_pages(site, made)
    pages += _source_pages(site, made)
    made.done()
    return pages
