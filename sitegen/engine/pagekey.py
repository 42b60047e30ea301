"""What a page's HTML depends on, as a key: equal keys mean equal HTML.

A page's key digests its path, template, title and data, sitegen's own code, every
template file of the theme, the non-callable template globals (config, …) and, for
templates that read the global `site` (directly or through templates they extend,
include or render with `part()`), the whole site. Used by page reuse (`reuse`), in the
live preview and in `build`, to tell which pages of the previous build stand.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2
from jinja2 import meta, nodes

from ..errors import Collector
from ..model.site import Site
from ..pages import Page
from ..theme import Theme
from .digest import Fingerprints, code_digest


def templates_digest(theme: Theme) -> bytes:
    """Digest of every file in the theme's template folders, in lookup order."""
    h = hashlib.blake2b(digest_size=16)
    for i, folder in enumerate(theme.template_dirs):
        base = Path(folder)
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            data = path.read_bytes()
            h.update(f"{i}:{path.relative_to(base).as_posix()}:{len(data)}:".encode())
            h.update(data)
    return h.digest()


class PageKeys:
    """Keys of the pages and page pieces rendered by one Jinja environment for one site.
    `memo` (see sitegen.memo) keeps the template analysis between builds."""

    def __init__(self, env: jinja2.Environment, theme: Theme, site: Site,
                 fingerprints: Fingerprints, memo):
        self.env, self.site, self.fingerprints, self.cache = env, site, fingerprints, memo
        self.templates = templates_digest(theme)
        plain = tuple((k, v) for k, v in sorted(env.globals.items())
                      if k != "site" and not callable(v))
        self.base = fingerprints((code_digest(), self.templates, plain))
        self._site_digest: bytes | None = None
        self._reads: dict[str, bool] = {}  # template -> whether it reads the global `site`

    def page(self, page: Page) -> tuple:
        return (*self.prefix(page.template), self.fingerprints(page))

    def prefix(self, template: str) -> tuple:
        """What a page's key holds besides the page itself: sitegen's code, the theme's
        templates, the globals and, for a template that reads `site`, the whole site."""
        return self.base, self._whole_site(template)

    def part(self, page: Page, template: str, data: dict) -> tuple:
        fp = self.fingerprints  # the data's values were digested with the page already
        return (self.base, self._whole_site(template), page.site_path, page.template,
                page.title, template, tuple((k, fp(v)) for k, v in sorted(data.items())))

    def _whole_site(self, template: str) -> str:
        """The digest of the whole site for a template that reads the global `site`, else ''."""
        if not self.reads_site(template):
            return ""
        if self._site_digest is None:
            self._site_digest = self.fingerprints(self.site)
        return self._site_digest

    def reads_site(self, template: str) -> bool:
        """Whether `template` (or one it uses) reads the global `site`."""
        if template not in self._reads:
            names = self.cache("template-names", (self.templates, template),
                               lambda _: self._names_read(template), Collector())
            self._reads[template] = names is None or "site" in names
        return self._reads[template]

    def _names_read(self, template: str) -> frozenset[str] | None:
        """The variables a template and the templates it uses read from outside; None when
        unknown (a template chosen at run time, or one that does not parse)."""
        names: set[str] = set()
        todo, seen = [template], set()
        bare = jinja2.Environment(loader=self.env.loader)  # with globals, Jinja hides their use
        bare.filters.update(self.env.filters)
        bare.tests.update(self.env.tests)
        try:
            while todo:
                name = todo.pop()
                if name in seen:
                    continue
                seen.add(name)
                ast = bare.parse(bare.loader.get_source(bare, name)[0])
                names |= meta.find_undeclared_variables(ast)
                for ref in (*meta.find_referenced_templates(ast), *_parts_used(ast)):
                    if ref is None:
                        return None
                    todo.append(ref)
        except jinja2.TemplateError:
            return None
        return frozenset(names)


def _parts_used(ast: nodes.Template) -> list[str | None]:
    """Templates named by `part("…")` calls (None for a name known only at run time)."""
    return [call.args[0].value if call.args and isinstance(call.args[0], nodes.Const) else None
            for call in ast.find_all(nodes.Call)
            if isinstance(call.node, nodes.Name) and call.node.name == "part"]
