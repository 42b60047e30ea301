"""SVG media: whether a drawing is static, so it may be published on the site's own address.

An SVG file opened on its own is a document of the site: any script in it runs there (a
`<script>`, an event handler, a `javascript:` link, HTML inside `<foreignObject>`, an
animation that sets a link). Rule: an SVG is published only when every element is a
drawing element of an allow-list (elements of other namespaces, such as an editor's
metadata, are inert and pass; XHTML ones do not), no attribute is an event handler, every
link and `url(…)` points inside the file (`#id`), and it is UTF-8 without a DOCTYPE or
entities. Anything else is refused with the reason: export the drawing again, or as PNG.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

MAX_BYTES = 5 << 20
SVG_NS = "http://www.w3.org/2000/svg"
XHTML_NS = "http://www.w3.org/1999/xhtml"
_FILTERS = ("feBlend", "feColorMatrix", "feComponentTransfer", "feComposite",
            "feConvolveMatrix", "feDiffuseLighting", "feDisplacementMap", "feDistantLight",
            "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR",
            "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset",
            "fePointLight", "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence")
DRAWING = frozenset({
    "svg", "g", "defs", "symbol", "use", "title", "desc", "metadata", "switch", "view",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan",
    "textPath", "a", "linearGradient", "radialGradient", "stop", "pattern", "clipPath",
    "mask", "marker", "filter", "style", *_FILTERS})
_OUTSIDE_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
_DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def static_svg(path: Path) -> str:
    """'' when the SVG file is static drawing (see the module's rule), else why not."""
    data = path.read_bytes() if path.stat().st_size <= MAX_BYTES else None
    if data is None:
        return f"it is over {MAX_BYTES >> 20} MB"
    try:
        data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return "it is not UTF-8"
    if _DECLARATIONS.search(data):
        return "it has a DOCTYPE or entity declarations"
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return f"it is not well-formed XML ({exc})"
    for el in root.iter():
        why = _element_problem(el)
        if why:
            return why
    return ""


def _element_problem(el: ET.Element) -> str:
    ns, _, name = el.tag[1:].partition("}") if el.tag.startswith("{") else ("", "", el.tag)
    if ns == XHTML_NS or (ns in (SVG_NS, "") and name not in DRAWING):
        return f"it has a <{name}> element"
    for attr, value in el.attrib.items():
        local = attr.rpartition("}")[2]
        if local.lower().startswith("on"):
            return f"it has an event handler ({local})"
        if local == "href" and not value.strip().startswith("#"):
            return f"it links outside itself ({value[:60]})"
        if _OUTSIDE_URL.search(value):
            return f"a url(…) points outside it ({value[:60]})"
    if name == "style" and (_OUTSIDE_URL.search(el.text or "") or "@import" in (el.text or "")):
        return "its style sheet loads another file"
    return ""
