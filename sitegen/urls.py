"""Where each page lives in the output, and relative links between pages.

Pages are addressed by a *site path*: '' for the home page, 'briefings/<slug>/' for
a page that is a folder's index.html, or 'feed.xml' for a plain file. Every link
in the output is made relative to the page it sits on, so one output works from
file://, a server root and any sub-path.
"""
from __future__ import annotations

from typing import Callable
from urllib.parse import urlsplit

ROOT_MARK = "sitegen:root/"  # prefix of site paths inside pre-rendered HTML; see resolve_marks


def briefing(slug: str) -> str:
    return f"briefings/{slug}/"


def topic(slug: str) -> str:
    return f"topics/{slug}/"


def source(seed_id: str) -> str:
    return f"sources/{seed_id}/"


# Rule: a copied file (a seed's original, a medium) that a browser would open as a page of
# the site, and run its scripts, is published as text, under its name with ".txt" added.
# (SVG images are checked instead: see load.media.)
_RUNNABLE = (".html", ".htm", ".xhtml", ".xht", ".shtml", ".mht", ".mhtml", ".xml", ".xsl",
             ".xslt", ".svg", ".svgz")


def published(path: str) -> str:
    """A copied file's output path: `path` itself, or with ".txt" added (see the rule)."""
    return path + ".txt" if path.lower().endswith(_RUNNABLE) else path


def original(seed_id: str, file_name: str) -> str:
    """Where a seed's own file is published: ('report', 'report.pdf') ->
    'sources/report/report.pdf'."""
    return published(source(seed_id) + file_name)


def output_file(site_path: str) -> str:
    """The file a site path is written to: 'topics/nato/' -> 'topics/nato/index.html'."""
    return site_path + "index.html" if site_path == "" or site_path.endswith("/") else site_path


def linker(from_path: str, clean: bool, base: str | None = None) -> Callable[[str], str]:
    """`url(site path)` for the page at `from_path`: links that climb to the site root and
    descend again ('../../topics/x/index.html'), a bare '#fragment' on the same page, or,
    with `base`, root-absolute links ('/briefings/assets/style.css': only for 404.html,
    which a server shows at any depth). Made once per page, called for every link on it."""
    if base:
        return lambda to_path: base + link_path(to_path, clean)
    up = "../" * output_file(from_path).count("/")

    def url(to_path: str) -> str:
        path, hash_, fragment = to_path.partition("#")
        if fragment and path == from_path:
            return "#" + fragment
        return (up + link_path(path, clean) or "./") + hash_ + fragment
    return url


def relative(from_path: str, to_path: str, clean: bool) -> str:
    """Link from the page at `from_path` to `to_path` (both site paths, may carry #fragment)."""
    return linker(from_path, clean)(to_path)


def resolve_marks(html: str, from_path: str, clean: bool) -> str:
    """Turn `sitegen:root/<site path>` links in pre-rendered HTML into relative links."""
    if ROOT_MARK not in html:
        return html
    url = linker(from_path, clean)
    parts = html.split(ROOT_MARK)
    out = [parts[0]]
    for part in parts[1:]:
        end = part.find('"')
        out.append(url(part[:end]) + part[end:])
    return "".join(out)


def link_path(site_path: str, clean: bool) -> str:
    """A site path as it appears at the end of a link: 'topics/nato/' or '…/index.html'."""
    path, hash_, fragment = site_path.partition("#")
    clean_form = clean and (path == "" or path.endswith("/"))
    return (path if clean_form else output_file(path)) + hash_ + fragment


def absolute(base_url: str, site_path: str, clean: bool) -> str:
    """Absolute URL of a site path under `base_url` (which ends in '/'), for feeds and canonicals."""
    return base_url + link_path(site_path, clean)


def base_path(base_url: str | None) -> str | None:
    """The path part of `base_url`: 'https://example.org/briefings/' -> '/briefings/'."""
    if not base_url:
        return None
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


