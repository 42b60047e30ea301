"""Check a built site: every relative link and #fragment resolves, nothing loads from afar."""
from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag, attrs):
        if tag == "link" and dict(attrs).get("rel") == "canonical":
            return  # an absolute URL by design; it loads nothing
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                self.links.append((tag, name, value))


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def check_site(out: Path, clean: bool = False, base_path: str | None = None) -> list[str]:
    """Problems found in the site at `out` (empty list: all links resolve).

    Root-absolute links are allowed only in 404.html and only under `base_path` (the
    path of `base_url`, e.g. '/briefings/'), and resolved from there."""
    pages = {p.relative_to(out).as_posix(): parse(p) for p in out.rglob("*.html")}
    problems = []
    for rel, page in pages.items():
        for tag, attr, value in page.links:
            parts = urlsplit(value)
            if parts.scheme or value.startswith("//"):
                if tag != "a":
                    problems.append(f"{rel}: <{tag} {attr}> loads from another host: {value}")
                continue
            if value.startswith("/"):
                if rel != "404.html" or not base_path or not value.startswith(base_path):
                    problems.append(f"{rel}: root-absolute link {value}")
                    continue
                target = posixpath.normpath(unquote(parts.path[len(base_path):]) or ".")
            else:
                target = rel if not parts.path else posixpath.normpath(
                    posixpath.join(posixpath.dirname(rel), unquote(parts.path)))
            if target.startswith(".."):
                problems.append(f"{rel}: link leaves the site: {value}")
                continue
            if (out / target).is_dir():
                if not clean:
                    problems.append(f"{rel}: link to a folder, not index.html: {value}")
                target = posixpath.join(target, "index.html") if target != "." else "index.html"
            if not (out / target).is_file():
                problems.append(f"{rel}: broken link {value}")
                continue
            if parts.fragment and target.endswith(".html"):
                if parts.fragment not in pages[target].ids:
                    problems.append(f"{rel}: missing anchor #{parts.fragment} in {target}")
    return problems
