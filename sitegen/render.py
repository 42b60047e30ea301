"""Render stage: Jinja2 templates of the theme, autoescaped, with relative links."""
from __future__ import annotations

import datetime as dt
import functools
from itertools import islice
from typing import Iterator

import jinja2
from markupsafe import Markup, escape

from . import __version__, urls
from .errors import SiteError
from .load.fields import PartialDate
from .model import estimative
from .model.site import Site
from .pages import Page
from .theme import Theme

_BATCH = 64  # pieces of a page joined at a time (the book's pieces are whole chapters: 64 of
# them are about 1 MB; 256 made the peak of a 10k edit 5 MB higher)


@jinja2.pass_context
def _canonical(ctx) -> str | None:
    """Absolute URL of the page being rendered, or None without `base_url` (and on 404.html)."""
    config, page = ctx["config"], ctx["page"]
    if not config.base_url or page.site_path == "404.html":
        return None
    return urls.absolute(config.base_url, page.site_path, config.clean_links)


@jinja2.pass_context
def _links(ctx, html: str) -> Markup:
    """Pre-rendered (already sanitised) HTML with its site links made relative to this page."""
    return Markup(urls.resolve_marks(html, ctx["page"].site_path, ctx["config"].clean_links))


def _css_string(text: str) -> Markup:
    """`text` as a quoted CSS string, safe inside <style>: every character that is not a
    letter, digit or space is a CSS escape (so no quote, backslash or `<` is left)."""
    return Markup('"' + "".join(c if c.isascii() and (c.isalnum() or c == " ")
                                else f"\\{ord(c):x} " for c in str(text)) + '"')


@jinja2.pass_context
def _likelihood(ctx, value) -> Markup:
    """Text (escaped first) or HTML with each likelihood word marked with its range."""
    scales = ctx["config"].estimative
    html = str(value if isinstance(value, Markup) else escape(value))
    return Markup(_marked(scales, html) if scales else html)


@jinja2.pass_context
def _likelihood_terms(ctx, b) -> tuple:
    """The likelihood words a briefing's judgments use, with their ranges: those of its
    texts (see `_likelihood`) and of its body (marked when its Markdown was rendered)."""
    scales = ctx["config"].estimative
    if not scales:
        return ()
    texts = [_marked(scales, str(escape(t)))
             for t in (b.bottom_line, *(c.text for c in (*b.key_points, *b.timeline)))]
    return estimative.terms_used(scales, [*texts, b.body_html])


@functools.lru_cache(maxsize=4096)  # a briefing's judgments are marked for its page, its
# likelihood note and its chapter of the book: once, for all of them
def _marked(scales, html: str) -> str:
    return estimative.mark(scales, html)


def _date(value, fmt: str = "long") -> str:
    """A day as "1 May 2024" (`long`) or 2024-05-01 (`iso`); a month or year (a
    PartialDate) as "May 2024" or "2024", or 2024-05 (both valid in `<time datetime>`)."""
    if isinstance(value, dt.date):
        return _long_date(value) if fmt == "long" else value.isoformat()
    if isinstance(value, PartialDate) and fmt == "long" and value.month and not value.day:
        return dt.date(value.year, value.month, 1).strftime("%B %Y")
    return str(value)


@functools.lru_cache(maxsize=4096)  # a site's pages show a few thousand dates, many times
def _long_date(value: dt.date) -> str:
    return value.strftime("%-d %B %Y")


class Renderer:
    """Compiled templates of one theme for one site; `render(page)` gives the HTML text."""

    def __init__(self, theme: Theme, site: Site):
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(theme.template_dirs),
            autoescape=True, trim_blocks=True, lstrip_blocks=True,
            undefined=jinja2.StrictUndefined, auto_reload=False)
        self.env.globals.update(site=site, config=site.config, canonical=_canonical,
                                part=self._part, generator=f"sitegen {__version__}",
                                likelihood_terms=_likelihood_terms)
        self.env.filters.update(links=_links, date=_date, css_string=_css_string,
                                likelihood=_likelihood)

    def render(self, page: Page) -> str:
        return "".join(self.stream(page))

    def render_bytes(self, page: Page) -> bytes:
        """The page's HTML as written: UTF-8."""
        return self.render(page).encode("utf-8")

    def stream(self, page: Page) -> Iterator[str]:
        """The page's HTML in a few large pieces (a large page is never held whole);
        errors are raised as SiteError while iterating."""
        try:
            template = self.env.get_template(page.template)
            context = template.new_context({"page": page, "url": self._url(page, page.data),
                                             **page.data})
            # Template.generate would pass each of the template's hundreds of small pieces
            # through two more generators, and the writer would encode each: batches cost
            # less (the 1k site's pages render 7% faster).
            pieces = template.root_render_func(context)
            try:
                while batch := list(islice(pieces, _BATCH)):
                    yield "".join(batch)
            except Exception:
                self.env.handle_exception()  # raises it with the template's lines
        except jinja2.TemplateSyntaxError as exc:
            raise SiteError.at(_where(exc.filename), exc.lineno,
                               f"template error: {exc.message}", code="template-error") from None
        except jinja2.TemplateNotFound as exc:
            raise SiteError.at("themes", None, f"template '{exc.name}' not found in the theme "
                                               f"(looked in {', '.join(self.env.loader.searchpath)})",
                               code="template-not-found") from None
        except jinja2.TemplateError as exc:
            raise SiteError.at(_where(_template_file(exc)), None,
                               f"template error in {page.template} while rendering "
                               f"{page.site_path or 'the home page'}: {exc.message}",
                               code="template-error") from None

    @jinja2.pass_context
    def _part(self, ctx, template: str, **data) -> Markup:
        """`{{ part("_x.html", a=…) }}`: a piece of a page rendered by a template of its own,
        which sees the globals, the keyword arguments and a `page` without its data (so the
        piece depends only on what it is given: see `render_part`)."""
        page = ctx["page"]
        if "url_base" in ctx:  # 404.html: links stay root-absolute in its pieces too
            data = {"url_base": ctx["url_base"], **data}
        return Markup(self.render_part(Page(page.site_path, page.template, page.title),
                                       template, data))

    def render_part(self, page: Page, template: str, data: dict) -> str:
        """The HTML of one piece of `page` (the engine reuses it while unchanged)."""
        return self.env.get_template(template).render(page=page, url=self._url(page, data),
                                                      **data)

    def _url(self, page: Page, data: dict):
        """The page's `url(site path)`: relative links, or root-absolute ones when the page
        sets `url_base` (404.html, which servers show at any depth)."""
        return urls.linker(page.site_path, self.env.globals["config"].clean_links,
                           data.get("url_base"))


def _template_file(exc: Exception) -> str | None:
    """The theme file a runtime template error came from (innermost frame)."""
    tb, found = exc.__traceback__, None
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".html"):
            found = name
        tb = tb.tb_next
    return found


def _where(filename: str | None) -> str:
    if not filename:
        return "themes"
    parts = filename.replace("\\", "/").split("/")
    return "/".join(parts[parts.index("themes"):]) if "themes" in parts else filename
