"""Files for feed readers and crawlers: `feed.xml` (Atom), `sitemap.xml` and `robots.txt`.

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
from .model.site import Site

FEED_FILE = "feed.xml"
SITEMAP_FILE = "sitemap.xml"
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


def atom_feed(site: Site) -> bytes:
    """The newest FEED_LIMIT briefings as an Atom 1.0 feed (site.config.base_url must be set)."""
    config = site.config
    base, clean = config.base_url, config.clean_links
    newest = list(site.briefings.values())[:FEED_LIMIT]  # the site keeps them newest first
    ET.register_namespace("", ATOM_NS)

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: config.language})
    sub(feed, "title", config.title)
    if config.description:
        sub(feed, "subtitle", config.description)
    sub(feed, "id", base)
    sub(feed, "link", rel="self", type="application/atom+xml", href=base + FEED_FILE)
    sub(feed, "link", rel="alternate", type="text/html", href=urls.absolute(base, "", clean))
    sub(feed, "updated", _timestamp(max((b.updated or b.date for b in newest), default=_EPOCH)))
    sub(sub(feed, "author"), "name", config.title)
    sub(feed, "generator", "sitegen", version=__version__)
    for b in newest:
        entry = sub(feed, "entry")
        sub(entry, "title", b.title)
        sub(entry, "link", rel="alternate", type="text/html",
            href=urls.absolute(base, b.site_path, clean))
        sub(entry, "id", base + b.site_path)  # permanent, whatever clean_links says
        sub(entry, "published", _timestamp(b.date))
        sub(entry, "updated", _timestamp(b.updated or b.date))
        for name in b.authors:
            sub(sub(entry, "author"), "name", name)
        sub(entry, "summary", b.bottom_line)
        for slug in b.topics:
            topic = site.topics.get(slug)
            if topic:
                sub(entry, "category", term=slug, label=topic.title)
    return _xml(feed)


def sitemap(site: Site, site_paths: list[str]) -> bytes:
    """Every HTML page but 404.html, with absolute URLs; briefings carry their date."""
    config = site.config
    dates = {b.site_path: b.updated or b.date for b in site.briefings.values()}
    ET.register_namespace("", SITEMAP_NS)
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for path in site_paths:
        if path == "404.html" or not urls.output_file(path).endswith(".html"):
            continue
        url = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = urls.absolute(
            config.base_url, path, config.clean_links)
        if path in dates:
            ET.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = dates[path].isoformat()
    return _xml(root)


def robots(config: Config) -> bytes:
    """Allow everything; name the sitemap when there is one."""
    lines = ["User-agent: *", "Allow: /"]
    if config.base_url:
        lines.append(f"Sitemap: {config.base_url}{SITEMAP_FILE}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def feed_files(site: Site, site_paths: list[str]) -> dict[str, bytes]:
    """feed.xml and sitemap.xml (only with base_url) and robots.txt, by output path."""
    files = {ROBOTS_FILE: robots(site.config)}
    if site.config.base_url:
        files[FEED_FILE] = atom_feed(site)
        files[SITEMAP_FILE] = sitemap(site, site_paths)
    return files
