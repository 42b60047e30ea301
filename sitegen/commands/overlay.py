"""The live preview's error overlay: build errors as HTML, laid over the pages the browser
asks for while the site does not build.

Drawn by the theme's `_error.html` (the bundled default theme has one; a site theme may
override it). Should that template be missing or broken, a plain built-in overlay is used,
so an error in a theme can still be shown.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ..errors import Problem, SiteError
from ..load.config import load_config
from ..theme import bundled_themes_dir, load_theme

TEMPLATE = "_error.html"


@dataclass(frozen=True)
class Shown:
    """A problem as the overlay shows it: 'path:line', severity, message."""

    where: str
    severity: str
    message: str


def _shown(problems: list[Problem]) -> list[Shown]:
    return [Shown(f"{p.path}:{p.line}" if p.line else p.path, p.severity, p.message)
            for p in problems]


def _template_dirs(root: Path) -> list[str]:
    dirs: list[str] = []
    try:
        dirs = load_theme(root, load_config(root).theme).template_dirs
    except (SiteError, OSError):  # a broken config or theme: maybe the error being shown
        pass
    return dirs + [str(bundled_themes_dir() / "default" / "templates")]


def render_overlay(root: Path, problems: list[Problem], stale: bool) -> str:
    """The overlay's HTML for these problems; `stale`: the last good build is underneath."""
    shown = _shown(problems)
    try:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(_template_dirs(root)),
                                 autoescape=True, trim_blocks=True, lstrip_blocks=True)
        return env.get_template(TEMPLATE).render(problems=shown, stale=stale)
    except Exception:  # whatever is wrong with the theme, the errors must be shown
        items = "".join(f"<li><code>{html.escape(f'{p.where}: {p.severity}: {p.message}')}"
                        "</code></li>" for p in shown)
        return ('<div id="sitegen-error" role="dialog" aria-modal="true" style="position:fixed;'
                'inset:0;z-index:2147483647;overflow:auto;padding:2rem;background:#fff;'
                'color:#1d232a;font:1rem/1.5 system-ui,sans-serif"><h2 style="color:#b42318">'
                f"The site did not build: {len(shown)} error(s)</h2><ol>{items}</ol>"
                "<p>Fix the file and save it: this page reloads by itself.</p></div>")


def inject(page: bytes, overlay: str) -> bytes:
    """The page with the overlay added at the end of its body."""
    data = overlay.encode("utf-8")
    at = page.rfind(b"</body>")
    return page[:at] + data + page[at:] if at >= 0 else page + data


def error_page(overlay: str) -> bytes:
    """A whole page holding only the overlay, for when no build has worked yet."""
    return ('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "<title>Build failed · sitegen</title>\n</head>\n<body>\n"
            f"{overlay}\n</body>\n</html>\n").encode("utf-8")
