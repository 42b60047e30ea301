"""Relative links and images in rendered bodies (briefings, topic descriptions): each one
checked against the site's pages, anchors and media, and rewritten as a site link.

Rules. A relative link or image is read against the Markdown file it is written in, as an
editor's preview reads it: `map.png` beside `content/briefings/<slug>/index.md`,
`../../media/chart.png`, `../other-briefing.md`, `../../../seeds/report.pdf`. A content file
or seed stands for its page; a medium (see load.media) is published. A link written against
the output (`../../topics/nato/index.html`) is accepted when it names a page. A `#anchor`
must exist on the page linked: a body's own ids (`#background` also finds the heading id
`h-background`), `kp-N` and `ev-N` on a briefing, `pN` on a source page. Every link found
becomes a `sitegen:root/` mark (see urls.resolve_marks), so it works on every page that
shows the body (the book too). An image needs alt text; it gets its width and height
(read from the file) and `loading="lazy"`; alone in a paragraph with a title
(`![Map of the port](port.png "The port in 2024")`) it becomes a figure with that caption.
A link that reaches nothing is an error at its line, with the closest candidate.
"""
from __future__ import annotations

import html as htmllib
from difflib import get_close_matches
import posixpath
import re
from dataclasses import dataclass, field, replace
from typing import Callable

from ..errors import Collector
from ..load.media import IMAGE_TYPES, MediaFile
from ..urls import ROOT_MARK, output_file

_RELATIVE = re.compile(r'(?:href|src)="(?![a-zA-Z][a-zA-Z0-9+.-]*:|//)')
_TAG = re.compile(r'<(a|img)\b([^>]*)>')
_ATTR = re.compile(r'\s([a-z-]+)="([^"]*)"')
_IDS = re.compile(r'\sid="([^"]*)"')
_FIGURE = re.compile(r'<p>(<img\b[^>]*\stitle="([^"]*)"[^>]*>)</p>')


@dataclass
class Targets:
    """What a relative link may reach, for one build."""

    pages: dict[str, str]  # root-relative content file or seed -> its page's site path
    anchors: dict[str, Callable[[str], bool]]  # site path -> whether an id is on that page
    media: dict[str, MediaFile]  # root-relative path -> medium
    used: dict[str, MediaFile] = field(default_factory=dict)  # media some body refers to

    def page_at(self, site_path: str) -> str | None:
        """The page a link against the output names ('x/index.html' or 'x/'), if any."""
        path = site_path[:-len("index.html")] if site_path.endswith("index.html") else site_path
        return path if path in self.anchors else None


def page_ids(html: str) -> set[str]:
    return set(_IDS.findall(html))


def resolve(html: str, source: str, site_path: str, text: str, first_line: int,
            targets: Targets, out: Collector) -> str:
    """`html` (a body rendered from `text`, which starts at `first_line` of the file
    `source`, shown at `site_path`) with every relative link and image checked and made a
    site link; problems go to `out`, each broken link once."""
    if not _RELATIVE.search(html):
        return html
    reported: set[str] = set()
    own_ids = page_ids(html)

    def fail(value: str, message: str) -> None:
        if value not in reported:
            reported.add(value)
            out.error(source, _line(text, value, first_line), message, code="broken-link")

    def tag(m: re.Match) -> str:
        name, attrs = m.group(1), dict(_ATTR.findall(m.group(2)))
        key = "href" if name == "a" else "src"
        if key not in attrs or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//", attrs[key]):
            return m.group(0)
        value = htmllib.unescape(attrs[key])
        link = _target(value, source, site_path, targets, name == "img", fail, own_ids)
        if link is None:
            return m.group(0)
        attrs[key] = link
        if name == "img" and not _image(attrs, targets.used[_resolved(value, source)],
                                        value, fail):
            return m.group(0)
        return f"<{name}" + "".join(f' {k}="{htmllib.escape(v)}"' for k, v in attrs.items()) + ">"

    html = _TAG.sub(tag, html)
    return _FIGURE.sub(lambda m: f"<figure>{m.group(1)}<figcaption>{m.group(2)}</figcaption>"
                                 "</figure>", html)


def _target(value: str, source: str, site_path: str, targets: Targets, image: bool,
            fail: Callable[[str, str], None], own_ids: set[str]) -> str | None:
    """The site link (a mark, or '#id' on the same page) for a relative link, or None."""
    path, _, fragment = value.partition("#")
    path = path.split("?", 1)[0]
    if not path:
        if image:
            fail(value, f"image '{value}' names no file")
            return None
        ident = _anchor(fragment, site_path, targets)
        if ident is None:
            fail(value, f"link '{value}': no anchor '{fragment}' on this page")
            return None
        # An id of the body itself stays '#id' (the book gives the body's ids a prefix);
        # one of the page (a key point's) becomes a site link, which works in the book too.
        if ident in own_ids:
            return None if ident == fragment else "#" + ident
        return f"{ROOT_MARK}{site_path}#{ident}"
    resolved = _resolved(path, source)
    page = targets.pages.get(resolved) or targets.page_at(
        posixpath.normpath(posixpath.join(posixpath.dirname(output_file(site_path)), path))
        + ("/" if path.endswith("/") else ""))
    if page is not None and not image:
        if not fragment:
            return ROOT_MARK + page
        ident = _anchor(fragment, page, targets)
        if ident is None:
            fail(value, f"link '{value}': no anchor '{fragment}' on that page")
            return None
        return f"{ROOT_MARK}{page}#{ident}"
    medium = targets.media.get(resolved)
    if medium is not None and (medium.is_image or not image):
        targets.used[resolved] = medium
        return ROOT_MARK + medium.site_path + (f"#{fragment}" if fragment else "")
    what = "image" if image else "link"
    kind = "an image" if image and medium else "no file"
    names = [p for p in (*targets.media, *targets.pages)
             if p != source and (not image or p.lower().endswith(IMAGE_TYPES))]
    close = _closest(resolved, names)
    fail(value, f"{what} '{value}' leads to nothing: {resolved} is {kind}"
                f"{f'; did you mean {close!r}?' if close else _where_hint(image)}")
    return None


def _closest(path: str, names: list[str]) -> str | None:
    """The candidate most like `path`: in its folder, else anywhere by file name."""
    folder = posixpath.dirname(path)
    near = get_close_matches(path, [n for n in names if posixpath.dirname(n) == folder], 1)
    if near:
        return near[0]
    by_name = {posixpath.basename(n): n for n in names}
    far = get_close_matches(posixpath.basename(path), list(by_name), 1)
    return by_name[far[0]] if far else None


def _resolved(value: str, source: str) -> str:
    """A link's path read against the file it is written in (root-relative)."""
    path = value.partition("#")[0].split("?", 1)[0]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), path))


def _where_hint(image: bool) -> str:
    if image:
        return ("; put images beside the briefing (content/briefings/<slug>/index.md and "
                "its files) or in content/media/")
    return "; link a briefing or topic as [[slug]], a file relative to this one"


def _anchor(fragment: str, site_path: str, targets: Targets) -> str | None:
    """The id `#fragment` names on a page: itself, or the body heading 'h-<fragment>'."""
    has = targets.anchors.get(site_path)
    if has is None:
        return None
    for ident in (fragment, "h-" + fragment):
        if has(ident):
            return ident
    return None


def _image(attrs: dict[str, str], medium: MediaFile, value: str,
           fail: Callable[[str, str], None]) -> bool:
    """Check an image and give it its size and lazy loading; False when it is an error."""
    if not attrs.get("alt", "").strip():
        fail(value, f"image '{value}' has no alt text: say what it shows, as "
                    f"![what it shows]({value})")
        return False
    if medium.active:
        fail(value, f"image '{value}' is an SVG with scripts or event handlers, which sitegen "
                    "does not publish: export it without them (or as PNG)")
        return False
    if medium.width and medium.height and "width" not in attrs and "height" not in attrs:
        attrs["width"], attrs["height"] = str(medium.width), str(medium.height)
    attrs["loading"] = "lazy"
    return True


def _line(text: str, value: str, first_line: int) -> int:
    """The line of `text` where `value` is written (the body's first line if not found)."""
    for candidate in (value, htmllib.escape(value), value.split("#")[0] or value):
        at = text.find(candidate)
        if at >= 0:
            return first_line + text.count("\n", 0, at)
    return first_line


def resolve_bodies(briefings: dict, topics: dict, seeds: dict, media: dict[str, MediaFile],
                   sources: dict, out: Collector) -> tuple[dict, dict, dict[str, MediaFile]]:
    """The briefings and topics (model records, by slug) with the links and images of
    their bodies resolved (see `resolve`), and the media they use. `sources`: the parsed
    files by path (their Markdown text, for line numbers)."""
    def ids(html: str, more=()) -> Callable[[str], bool]:
        found = None

        def has(ident: str) -> bool:  # a page's ids are gathered when a link first asks
            nonlocal found
            found = page_ids(html) | set(more) if found is None else found
            return ident in found
        return has

    pages = {**{b.path: b.site_path for b in briefings.values()},
             **{t.path: t.site_path for t in topics.values()},
             **{s.path: f"sources/{s.id}/" for s in seeds.values()}}
    anchors = {**{b.site_path: ids(b.body_html, [c.anchor for c in (*b.key_points, *b.timeline)])
                  for b in briefings.values()},
               **{t.site_path: ids(t.description_html) for t in topics.values()},
               **{f"sources/{s.id}/": s.has_paragraph for s in seeds.values()}}
    targets = Targets(pages, anchors, media)
    briefings = {slug: replace(b, body_html=resolve(
        b.body_html, b.path, b.site_path, sources[b.path].body, sources[b.path].body_line,
        targets, out)) for slug, b in briefings.items()}
    topics = {slug: replace(t, description_html=resolve(
        t.description_html, t.path, t.site_path, sources[t.path].description,
        sources[t.path].description_line, targets, out)) for slug, t in topics.items()}
    return briefings, topics, targets.used
