"""Where each page lives in the output, and relative links between pages.

Pages are addressed by a *site path*: '' for the home page, 'briefings/<slug>/' for
a page that is a folder's index.html, or 'feed.xml' for a plain file. Every link
in the output is made relative to the page it sits on, so one output works from
file://, a server root and any sub-path.
"""
from __future__ import annotations

from urllib.parse import urlsplit

ROOT_MARK = "sitegen:root/"  # prefix of site paths inside pre-rendered HTML; see resolve_marks


def briefing(slug: str) -> str:
    return f"briefings/{slug}/"


def topic(slug: str) -> str:
    return f"topics/{slug}/"


def source(seed_id: str) -> str:
    return f"sources/{seed_id}/"


def output_file(site_path: str) -> str:
    """The file a site path is written to: 'topics/nato/' -> 'topics/nato/index.html'."""
    return site_path + "index.html" if site_path == "" or site_path.endswith("/") else site_path


def relative(from_path: str, to_path: str, clean: bool) -> str:
    """Link from the page at `from_path` to `to_path` (both site paths, may carry #fragment).

    The link climbs to the site root and descends again ('../../topics/x/index.html'):
    pure string work, as this runs for every link of every page.
    """
    to_path, hash_, fragment = to_path.partition("#")
    if fragment and to_path == from_path:
        return "#" + fragment  # same page: a bare fragment
    up = "../" * output_file(from_path).count("/")
    if clean and (to_path == "" or to_path.endswith("/")):
        rel = up + to_path or "./"
    else:
        rel = up + output_file(to_path)
    return rel + hash_ + fragment


def resolve_marks(html: str, from_path: str, clean: bool) -> str:
    """Turn `sitegen:root/<site path>` links in pre-rendered HTML into relative links."""
    if ROOT_MARK not in html:
        return html
    parts = html.split(ROOT_MARK)
    out = [parts[0]]
    for part in parts[1:]:
        end = part.find('"')
        out.append(relative(from_path, part[:end], clean) + part[end:])
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


def rooted(base: str, site_path: str, clean: bool) -> str:
    """Root-absolute link ('/briefings/assets/style.css'): only for 404.html, which a server
    shows at any depth, so relative links cannot work there."""
    return base + link_path(site_path, clean)
