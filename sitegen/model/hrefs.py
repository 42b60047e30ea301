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
from urllib.parse import quote, unquote

from ..memo import no_memo
from ..errors import Collector
from ..load.media import IMAGE_TYPES, MediaFile
from .. import urls
from ..urls import ROOT_MARK, output_file
from .markup import html_text

_SCHEME = r"[a-zA-Z][a-zA-Z0-9+.-]*:|//"  # a URL with a scheme (or another host): not ours
_RELATIVE = re.compile(rf'(?:href|src)="(?!{_SCHEME})')
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
    unbuilt: dict[str, bool] = field(default_factory=dict)  # briefings not built: path ->
    # whether it failed (has errors of its own: a link to it is no error of the linker's)
    used: dict[str, MediaFile] = field(default_factory=dict)  # media some body refers to

    def page_at(self, site_path: str) -> str | None:
        """The page a link against the output names ('x/index.html' or 'x/'), if any."""
        path = site_path[:-len("index.html")] if site_path.endswith("index.html") else site_path
        return path if path in self.anchors else None


_TOLD = "relative links"  # body HTML -> whether it has any, carried by a warm memo


def _relative_links(html: str) -> bool:
    """Whether `html` has a relative link or image (site links alone are the common case:
    counted first, which is several times faster than the search)."""
    marks = html.count('href="' + ROOT_MARK) + html.count('src="' + ROOT_MARK)
    return html.count('href="') + html.count('src="') != marks \
        and _RELATIVE.search(html) is not None


def page_ids(html: str) -> set[str]:
    return set(_IDS.findall(html))


@dataclass
class _Body:
    """One body being resolved: where it is, and its problems (each link's once)."""

    source: str  # its file, relative to the root
    site_path: str  # the page that shows it
    text: str  # its Markdown, for line numbers
    first_line: int
    own_ids: set[str]
    out: Collector
    used: dict[str, MediaFile]  # where the media it uses are noted (Targets.used)
    reported: set[str] = field(default_factory=set)

    def fail(self, value: str, message: str, code: str = "broken-link") -> None:
        if value not in self.reported:
            self.reported.add(value)
            line = _line(self.text, value, self.first_line)
            if code == "broken-link":
                self.out.error(self.source, line, message, code=code)
            else:
                self.out.warning(self.source, line, message, code=code)


def resolve(html: str, source: str, site_path: str, text: str, first_line: int,
            targets: Targets, out: Collector) -> str:
    """`html` (a body rendered from `text`, which starts at `first_line` of the file
    `source`, shown at `site_path`) with every relative link and image checked and made a
    site link; problems go to `out`, each broken link once."""
    if not _relative_links(html):
        return html
    body = _Body(source, site_path, text, first_line, page_ids(html), out, targets.used)

    def tag(m: re.Match) -> str:
        name, attrs = m.group(1), dict(_ATTR.findall(m.group(2)))
        key = "href" if name == "a" else "src"
        if key not in attrs or re.match(_SCHEME, attrs[key]):
            return m.group(0)
        value = htmllib.unescape(attrs[key])
        link, medium = _target(value, body, targets, image=name == "img")
        if link is None:
            return m.group(0)
        if link:
            attrs[key] = link
        else:
            del attrs[key]  # a link to a draft: its text stays, as a [[link]]'s does
        if medium is not None and not _medium_ok(attrs, medium, value, body, name == "img"):
            return m.group(0)
        return f"<{name}" + "".join(f' {k}="{htmllib.escape(v)}"' for k, v in attrs.items()) + ">"

    html = _TAG.sub(tag, html)
    return _FIGURE.sub(lambda m: f"<figure>{m.group(1)}<figcaption>{m.group(2)}</figcaption>"
                                 "</figure>", html)


def _target(value: str, body: _Body, targets: Targets, image: bool
            ) -> tuple[str | None, MediaFile | None]:
    """(the site link for a relative link — a mark, '#id' on the same page, '' to drop it
    — or None to leave it as it is, and the medium it names, if any)."""
    path, _, fragment = value.partition("#")
    path, query, _ = path.partition("?")
    query = "?" + query if query else ""
    if not path:
        if image:
            body.fail(value, f"image '{value}' names no file")
            return None, None
        return _same_page(value, fragment, body, targets), None
    resolved = _resolved(path, body.source)
    if resolved in targets.unbuilt and not image:
        if not targets.unbuilt[resolved]:
            body.fail(value, f"link '{value}' goes to a draft, which is not built: it shows "
                             "as text", code="draft-link")
        return "", None
    medium = targets.media.get(resolved)
    page = targets.pages.get(resolved) or (None if medium else targets.page_at(
        posixpath.normpath(posixpath.join(posixpath.dirname(output_file(body.site_path)),
                                          unquote(path))) + ("/" if path.endswith("/") else "")))
    if page is not None and not image:
        ident = _anchor(fragment, page, targets) if fragment else ""
        if ident is None:
            body.fail(value, f"link '{value}': no anchor '{fragment}' on that page")
            return None, None
        return f"{ROOT_MARK}{page}{query}{'#' + ident if ident else ''}", None
    if medium is not None and (medium.is_image or not image):
        return (ROOT_MARK + quote(medium.site_path) + query
                + (f"#{fragment}" if fragment else "")), medium
    what = "image" if image else "link"
    kind = "an image" if image and medium else "no file"
    names = [p for p in (*targets.media, *targets.pages)
             if p != body.source and (not image or p.lower().endswith(IMAGE_TYPES))]
    close = _closest(resolved, names)
    body.fail(value, f"{what} '{value}' leads to nothing: {resolved} is {kind}"
                     f"{f'; did you mean {close!r}?' if close else _where_hint(image)}")
    return None, None


def _same_page(value: str, fragment: str, body: _Body, targets: Targets) -> str | None:
    ident = _anchor(fragment, body.site_path, targets)
    if ident is None:
        body.fail(value, f"link '{value}': no anchor '{fragment}' on this page")
        return None
    # An id of the body itself stays '#id' (the book gives the body's ids a prefix);
    # one of the page (a key point's) becomes a site link, which works in the book too.
    if ident in body.own_ids:
        return None if ident == fragment else "#" + ident
    return f"{ROOT_MARK}{body.site_path}#{ident}"


def _closest(path: str, names: list[str]) -> str | None:
    """The candidate most like `path`: in its folder, else anywhere by file name."""
    folder = posixpath.dirname(path)
    near = get_close_matches(path, [n for n in names if posixpath.dirname(n) == folder], 1)
    if near:
        return near[0]
    by_name = {posixpath.basename(n): n for n in names}
    far = get_close_matches(posixpath.basename(path), list(by_name), 1)
    return by_name[far[0]] if far else None


def _resolved(path: str, source: str) -> str:
    """A link's path (percent-encoded) read against the file it is written in."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), unquote(path)))


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


def _medium_ok(attrs: dict[str, str], medium: MediaFile, value: str, body: _Body,
               image: bool) -> bool:
    """Check a medium a body uses, and note it used; an image gets its size and lazy
    loading. False when it is an error."""
    if medium.unsafe:
        body.fail(value, f"'{value}' is an SVG that is not static drawing ({medium.unsafe}), "
                         "which sitegen does not publish: export it again without scripts, "
                         "links or embedded HTML, or as PNG")
        return False
    if image and not attrs.get("alt", "").strip():
        body.fail(value, f"image '{value}' has no alt text: say what it shows, as "
                         f"![what it shows]({value})")
        return False
    if image:
        if medium.width and medium.height and "width" not in attrs and "height" not in attrs:
            attrs["width"], attrs["height"] = str(medium.width), str(medium.height)
        attrs["loading"] = "lazy"
    body.used[medium.path] = medium
    return True


def _line(text: str, value: str, first_line: int) -> int:
    """The line of `text` where `value` is written (the body's first line if not found)."""
    for candidate in (value, htmllib.escape(value), value.split("#")[0] or value):
        at = text.find(candidate)
        if at >= 0:
            return first_line + text.count("\n", 0, at)
    return first_line


def resolve_bodies(briefings: dict, topics: dict, seeds: dict, media: dict[str, MediaFile],
                   sources: dict, out: Collector, memo=no_memo
                   ) -> tuple[dict, dict, dict[str, MediaFile]]:
    """The briefings and topics (model records, by slug) with the links and images of
    their bodies resolved (see `resolve`), and the media they use. `sources`: the parsed
    files by path (their Markdown text, for line numbers; a briefing among them that is
    not in `briefings` is not built: a link to it is a draft-link). A warm `memo` (see
    sitegen.memo) carries, for the bodies looked at, whether each has relative links (by
    its HTML)."""
    last, told = memo.carried(_TOLD) or {}, {}

    def relative(html: str) -> bool:
        found = last.get(html)
        told[html] = found = _relative_links(html) if found is None else found
        return found

    simple = not media and not any(relative(r.body_html) for r in briefings.values()) \
        and not any(relative(t.description_html) for t in topics.values())
    memo.carry(_TOLD, told)
    if simple:
        return briefings, topics, {}  # nothing to resolve (the common case: [[links]] only)

    def ids(html: str, more=()) -> Callable[[str], bool]:
        found = None

        def has(ident: str) -> bool:  # a page's ids are gathered when a link first asks
            nonlocal found
            found = page_ids(html) | set(more) if found is None else found
            return ident in found
        return has

    pages = {**{b.path: b.site_path for b in briefings.values()},
             **{t.path: t.site_path for t in topics.values()},
             **{s.path: urls.source(s.id) for s in seeds.values()}}
    anchors = {**{b.site_path: ids(b.body_html, [c.anchor for c in (*b.key_points, *b.timeline)])
                  for b in briefings.values()},
               **{t.site_path: ids(t.description_html) for t in topics.values()},
               **{urls.source(s.id): s.has_paragraph for s in seeds.values()}}
    built = {b.path for b in briefings.values()}
    unbuilt = {p: f.failed for p, f in sources.items()
               if p.startswith("content/briefings/") and p not in built}
    targets = Targets(pages, anchors, media, unbuilt)
    def resolved(record, field_name: str, text: str, line: int):
        html = getattr(record, field_name)
        if not relative(html):  # (told already, or carried: see above)
            return record
        new = resolve(html, record.path, record.site_path, text, line, targets, out)
        if new is html:
            return record
        # Rule: a briefing's body length is its body's text's (a caption made of an
        # image's title is text of the page)
        more = {"body_chars": len(html_text(new))} if field_name == "body_html" else {}
        return replace(record, **{field_name: new}, **more)

    briefings = {slug: resolved(b, "body_html", sources[b.path].body, sources[b.path].body_line)
                 for slug, b in briefings.items()}
    topics = {slug: resolved(t, "description_html", sources[t.path].description,
                             sources[t.path].description_line) for slug, t in topics.items()}
    _one_file_a_path(targets.used, out)
    return briefings, topics, targets.used


def _one_file_a_path(used: dict[str, MediaFile], out: Collector) -> None:
    """Rule: two media published at one path (`notes.html` is published as
    `notes.html.txt`, where `notes.html.txt` would go too) are an error of the later
    one: one of them would silently be what both links show."""
    first: dict[str, MediaFile] = {}
    for medium in sorted(used.values(), key=lambda m: m.path):
        was = first.setdefault(medium.site_path, medium)
        if was is not medium:
            out.error(medium.path, None, f"published as {medium.site_path}, as "
                      f"{was.path} is too (a file a browser would run as a page is "
                      "published as text, with .txt added): rename one of them",
                      code="duplicate-output")
