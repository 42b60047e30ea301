"""Incremental rebuilds (for `sitegen serve`): the pipeline of `build`, run again and again
with every pure, expensive step memoised, writing only the files that changed.

What a rebuild reuses, and why the result equals a clean build byte for byte:
- seeds, briefings and topics are read again only when their files' metadata changed,
  and parsed again only when their bytes changed (see load.files);
- rendered Markdown, proven claims and related lists are recomputed only when their
  inputs changed (the memo keys in `model.graph` name every input);
- the graph and the page list are rebuilt every time (cheap), so every cross-link is fresh;
  a briefing or topic equal to the previous build's is that same object again (interned
  in `model.graph`), so its digest and its search text are worked out once;
- a page is rendered again only when its fingerprint changed: its path, template, title
  and data, every template file of the theme, the non-callable template globals (config,
  …) and, for templates that read the global `site`, the whole site; a piece of a page
  rendered with `part()` (a chapter of the book) likewise, from what the piece is given;
- only files whose bytes changed are written; files no longer produced are deleted.

With `workers` > 1 (in the preview's build process, which has no threads: see
buildprocess) Markdown and pages are done on several cores; what workers render is
kept in this process's memo (see reuse.PartCachingRenderer).
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from ..pipeline import load_site, render_site
from ..errors import Collector, Problem
from ..runtime.gcpause import paused_gc
from ..load.config import Config, load_config
from ..model.site import Site
from ..pages import Page
from ..theme import Theme
from ..write import update_site
from .. import urls
from ..runtime import progress
from .digest import Fingerprints
from .memo import Memo
from .reuse import PartCachingRenderer
from .store import Store


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept in memory between builds; Jinja checks each against its source."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


class CachingRenderer(PartCachingRenderer):
    """A Renderer that returns a page's previous HTML while the page's inputs are unchanged."""

    def __init__(self, theme: Theme, site: Site, cache: Memo, fingerprints: Fingerprints,
                 compiled: CompiledTemplates | None = None):
        super().__init__(theme, site, cache, fingerprints)
        self.env.bytecode_cache = compiled
        self.cache = cache
        self._parts: list[tuple] = []  # (key, packed HTML): the pieces of this page

    def render_bytes(self, page: Page) -> bytes:
        """The page's HTML, as written. It is stored with the pieces it was made of (see
        render_part), and a reused page marks them used too, so they outlive the memo's
        pruning and are there when the page changes."""
        rendered = []

        def compute() -> tuple[bytes, tuple]:
            self._parts = []
            rendered.append(super(CachingRenderer, self).render_bytes(page))
            return rendered[0], tuple(self._parts)

        data, parts = self.remembered("page", self.keys.page(page), compute)
        if not rendered:
            for part_key, packed in parts:
                self.remembered("part", part_key, lambda packed=packed: packed)
        return data

    def render_part(self, page: Page, template: str, data: dict) -> str:
        """A piece of a page (see Renderer.render_part), reused while its inputs are unchanged:
        a page whose data changed renders again only the pieces whose own data changed."""
        key = self.keys.part(page, template, data)
        html, packed = self.cached_part(key, page, template, data)
        self._parts.append((key, packed))
        return html


class MemoPages:
    """Which pages a rebuild renders (see pipeline.iter_files): a page whose key the memo
    holds is taken from it here, the others are rendered (on several cores, when many)."""

    def __init__(self, cache: Memo):
        self.cache = cache

    def split(self, pages: list[Page], renderer: CachingRenderer
              ) -> tuple[list[tuple[str, bytes]], list[Page]]:
        """(pages the memo holds, as (output path, bytes); pages to render)."""
        kept, fresh = [], []
        for done, page in enumerate(pages, 1):
            progress.tick("checking pages", done, len(pages))
            if self.cache.has("page", renderer.keys.page(page)):
                kept.append((urls.output_file(page.site_path), renderer.render_bytes(page)))
            else:
                fresh.append(page)
        return kept, fresh

    @staticmethod
    def key_after(_renderer, _page, _rel) -> None:
        """Nothing to record: the memo holds the keys of what was rendered."""
        return None

    def rendered(self, _rel, _record) -> None:
        """Nothing to note (see key_after)."""

    @staticmethod
    def copy(_rel: str, path: Path, _digest: str) -> Path:
        """A file copied as it is: the preview's writer (write.update_site) compares it."""
        return path


@dataclass
class Rebuilt:
    """What one incremental build did."""

    warnings: list[Problem]
    pages: int
    files: int
    changed: list[str] = field(default_factory=list)  # output paths written or deleted
    rendered: int = 0  # pages rendered again (the others were reused)
    seconds: float = 0.0


class IncrementalBuilder:
    """Builds the site at `root` into the folder `out` again and again, redoing only what
    changed since the previous build. Not thread-safe: one build at a time."""

    def __init__(self, root: Path, out: Path, drafts: bool = False, workers: int = 1):
        self.root, self.out, self.drafts = Path(root), Path(out), drafts
        self.workers = workers  # > 1 only in a process without threads (see buildprocess)
        self.cache = Memo(_store(self.root), workers, warm=True)
        self.fingerprints = Fingerprints()
        self.compiled = CompiledTemplates()
        self.written: dict[str, bytes] = {}
        self.config: Config | None = None  # of the latest build that read config.yaml
        self._succeeded = False  # the latest build

    def build(self) -> Rebuilt:
        """Rebuild; raises SiteError (and leaves `out` as it was) when the site has errors.

        The cyclic garbage collector is paused meanwhile: a build makes few cycles, and
        each collection would walk the large cache again (a quarter of a rebuild's time)."""
        with paused_gc():
            return self._build()

    def _build(self) -> Rebuilt:
        start = time.perf_counter()
        self._succeeded = False
        self.cache.start()
        self.fingerprints.start()
        config = self.config = load_config(self.root).with_options(drafts=self.drafts or None)
        collector = Collector()
        site = load_site(self.root, config, collector, memo=self.cache, workers=self.workers)
        files, pages = render_site(self.root, site, self._renderer, self.workers,
                                   MemoPages(self.cache), memo=self.cache)
        self.written, changed = update_site(self.out, files, self.written)
        self.cache.save()
        self.cache.prune()
        self._succeeded = True
        self.fingerprints.prune()
        return Rebuilt(collector.warnings, pages, len(files), changed,
                       self.cache.misses("page"), time.perf_counter() - start)

    def idle(self) -> None:
        """Between builds: delete from the store what the latest build did not use, when
        it succeeded (a failed one stopped before using all it needs)."""
        if self._succeeded:
            self.cache.collect()

    def _renderer(self, theme: Theme, site: Site) -> CachingRenderer:
        return CachingRenderer(theme, site, self.cache, self.fingerprints, self.compiled)


def _store(root: Path) -> Store | None:
    """The site's store, or None where there is no place for one (then the preview is
    warm only in memory)."""
    try:
        return Store(root)
    except (OSError, sqlite3.Error):
        return None
