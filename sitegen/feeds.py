"""Files for feed readers and crawlers: `feed.xml` and `changes/feed.xml` (Atom),
`sitemap.xml` (past 50,000 pages an index of `sitemap-1.xml`, …) and `robots.txt`.

Feed and sitemap need absolute URLs, so they are written only when `config.base_url`
is set; without it `base_url_warning` gives the one warning a build prints. XML is
built with ElementTree, which escapes all text and attributes.
"""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from . import __version__, urls
from .errors import Problem
from .load.config import CONFIG_FILE, Config
from .changes import CHANGES_FEED, CHANGES_PAGE, Changes, site_changes
from .memo import Carried, differing, no_memo
from .model.site import Site

FEED_FILE = "feed.xml"
SITEMAP_FILE = "sitemap.xml"
SITEMAP_URLS = 50_000  # the sitemap protocol's most URLs in one file (sitemaps.org)
# A part of a larger site's sitemap: beside sitemap.xml, as a sitemap may list only URLs
# at or below its own folder (sitemaps.org, "sitemap file location").
SITEMAP_PART = "sitemap-{}.xml"
_SITEMAPS = "sitemaps"  # what a warm memo carries them under (see `sitemaps`)
_DATES = "sitemap dates"  # likewise (see `_dates`)
ROBOTS_FILE = "robots.txt"
FEED_LIMIT = 50
ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_EPOCH = dt.date(1970, 1, 1)  # `updated` of a feed with no entries (keeps builds repeatable)


def base_url_warning(config: Config) -> Problem | None:
    """The warning for a site without `base_url` (no feed, no sitemap), else None."""
    if config.base_url:
        return None
    return Problem(CONFIG_FILE, None, "no 'base_url' set: feed.xml and sitemap.xml are not "
                   "written (they need absolute URLs); add e.g. "
                   "base_url: https://example.org/briefings/", "warning", "no-base-url")


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{text}\n'.encode("utf-8")


def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _feed(config: Config, title: str, path: str, page: str, updated: dt.date) -> ET.Element:
    """An Atom feed's head: `path` is the feed's own output path, `page` the site path of
    the page it follows."""
    base, clean = config.base_url, config.clean_links
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: config.language})
    _sub(feed, "title", title)
    if config.description:
        _sub(feed, "subtitle", config.description)
    _sub(feed, "id", base + page)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=base + path)
    _sub(feed, "link", rel="alternate", type="text/html", href=urls.absolute(base, page, clean))
    _sub(feed, "updated", _timestamp(updated))
    _sub(_sub(feed, "author"), "name", config.title)
    _sub(feed, "generator", "sitegen", version=__version__)
    return feed


def atom_feed(site: Site) -> bytes:
    """The newest FEED_LIMIT briefings as an Atom 1.0 feed (site.config.base_url must be set)."""
    config = site.config
    base, clean = config.base_url, config.clean_links
    newest = list(site.briefings.values())[:FEED_LIMIT]  # the site keeps them newest first
    feed = _feed(config, config.title, FEED_FILE, "",
                 max((b.updated or b.date for b in newest), default=_EPOCH))
    for b in newest:
        entry = _sub(feed, "entry")
        _sub(entry, "title", b.title)
        _sub(entry, "link", rel="alternate", type="text/html",
             href=urls.absolute(base, b.site_path, clean))
        _sub(entry, "id", base + b.site_path)  # permanent, whatever clean_links says
        _sub(entry, "published", _timestamp(b.date))
        _sub(entry, "updated", _timestamp(b.updated or b.date))
        for name in b.authors:
            _sub(_sub(entry, "author"), "name", name)
        _sub(entry, "summary", b.bottom_line)
        for slug in b.topics:
            topic = site.topics.get(slug)
            if topic:
                _sub(entry, "category", term=slug, label=topic.title)
    return _xml(feed)


def changes_feed(site: Site, changes: Changes) -> bytes:
    """The changes page's entries as an Atom feed, newest first, at most FEED_LIMIT."""
    config, br = site.config, site.briefings
    base, clean = config.base_url, config.clean_links
    undated = changes.reviewed or _EPOCH  # a drift, a withdrawal: since the lock's update
    items = [(br[s].date, f"New briefing: {br[s].title}", br[s].site_path, br[s].bottom_line,
              f"added-{s}") for s in changes.added]
    items += [(undated, f"Withdrawn: {s}", CHANGES_PAGE, f"The briefing '{s}' is no longer "
               "published.", f"withdrawn-{s}") for s in changes.withdrawn]
    items += [(j.day, f"Judgment changed: {br[j.briefing].title}", br[j.briefing].site_path,
               "; ".join(f"{p.label}: was “{p.old}”, now “{p.new}”" for p in j.parts)
               or br[j.briefing].bottom_line, f"judgment-{j.briefing}-{j.key}")
              for j in changes.judgments]
    items += [(r.date, f"Revised: {br[s].title}", br[s].site_path, r.change,
               f"revision-{s}-{r.date}-{i}") for s, r, i in _numbered(changes.revisions)]
    items += [(undated, f"Source changed under {d.label} of {br[d.claim.briefing].title}",
               d.claim.site_path, f"{d.seed}#{d.para} was “{d.old}”, now “{d.new}”",
               f"drift-{d.claim.briefing}-{d.claim.anchor}-{d.digest}") for d in changes.drifts]
    items.sort(key=lambda item: item[0], reverse=True)
    items = items[:FEED_LIMIT]
    feed = _feed(config, f"What changed · {config.title}", CHANGES_FEED, CHANGES_PAGE,
                 max((item[0] for item in items), default=_EPOCH))
    for day, title, path, summary, key in items:
        entry = _sub(feed, "entry")
        _sub(entry, "title", title)
        _sub(entry, "link", rel="alternate", type="text/html",
             href=urls.absolute(base, path, clean))
        _sub(entry, "id", f"{base}{CHANGES_PAGE}#{key}")
        _sub(entry, "updated", _timestamp(day))
        _sub(entry, "summary", summary)
    return _xml(feed)


def _numbered(revisions):
    """(briefing, revision, n): n tells apart a briefing's revisions of one day (oldest 1)."""
    seen: dict[tuple, int] = {}
    for s, r in reversed(revisions):
        seen[s, r.date] = seen.get((s, r.date), 0) + 1
        yield s, r, seen[s, r.date]


def sitemaps(site: Site, site_paths: list[str], memo=no_memo) -> dict[str, bytes]:
    """The sitemap, by output path: every HTML page but 404.html, with absolute URLs;
    briefings carry their date. Past SITEMAP_URLS pages (the protocol's limit for one
    file), sitemap.xml is an index of parts (`sitemap-1.xml`, …) of at most that many.
    A warm `memo` (see sitegen.memo) carries it while the pages and their dates are the
    same."""
    config = site.config
    dates = _dates(site, memo)
    inputs = (config.base_url, config.clean_links, site_paths, dates)
    carried = Carried(memo, _SITEMAPS)  # (compared in C: the paths mostly the same strings)
    was = carried.get(SITEMAP_FILE, inputs) or carried.put(SITEMAP_FILE, inputs, _sitemaps(
        config, tuple((path, dates.get(path)) for path in site_paths
                      if path != "404.html" and urls.output_file(path).endswith(".html"))),
        (), ())
    carried.done()
    return was[1]


def _dates(site: Site, memo) -> dict[str, dt.date]:
    """Each briefing page's date, for the sitemap. A warm memo carries them with the
    records: dated again are only those that are not the very same (at C speed)."""
    briefings, last = site.briefings, memo.carried(_DATES)
    if last is not None and last[0].keys() == briefings.keys():
        was, dates = last
        changed = differing(briefings, was)
        if changed:
            dates = {**dates, **{b.site_path: b.updated or b.date
                                 for b in map(briefings.__getitem__, changed)}}
    else:
        dates = {b.site_path: b.updated or b.date for b in briefings.values()}
    memo.carry(_DATES, (briefings, dates))
    return dates


def _sitemaps(config: Config, pages: tuple[tuple[str, dt.date | None], ...]
              ) -> dict[str, bytes]:
    ET.register_namespace("", SITEMAP_NS)
    parts = []  # (a site with no page still has one sitemap, empty)
    for start in range(0, max(1, len(pages)), SITEMAP_URLS):
        root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
        for path, date in pages[start:start + SITEMAP_URLS]:
            url = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
            ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = urls.absolute(
                config.base_url, path, config.clean_links)
            if date is not None:
                ET.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = date.isoformat()
        parts.append(_xml(root))
    if len(parts) == 1:
        return {SITEMAP_FILE: parts[0]}
    parts = {SITEMAP_PART.format(n): part for n, part in enumerate(parts, 1)}
    index = ET.Element(f"{{{SITEMAP_NS}}}sitemapindex")
    for part in parts:
        ET.SubElement(ET.SubElement(index, f"{{{SITEMAP_NS}}}sitemap"),
                      f"{{{SITEMAP_NS}}}loc").text = urls.absolute(
                          config.base_url, part, config.clean_links)
    return {SITEMAP_FILE: _xml(index), **parts}


def robots(config: Config) -> bytes:
    """Allow everything; name the sitemap when there is one."""
    lines = ["User-agent: *", "Allow: /"]
    if config.base_url:
        lines.append(f"Sitemap: {config.base_url}{SITEMAP_FILE}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def feed_files(site: Site, site_paths: list[str], changes: Changes | None = None,
               memo=no_memo) -> dict[str, bytes]:
    """feed.xml, the changes feed and sitemap.xml (only with base_url) and robots.txt, by
    output path; `changes`: `site_changes(site)`, when the caller has it already; `memo`:
    see `sitemaps`."""
    files = {ROBOTS_FILE: robots(site.config)}
    if not site.config.base_url:
        memo.carried(_DATES)  # let go of what `_dates` carried (the records of a build)
    else:
        files[FEED_FILE] = atom_feed(site)
        files[CHANGES_FEED] = changes_feed(site, changes or site_changes(site))
        files.update(sitemaps(site, site_paths, memo))
    return files
