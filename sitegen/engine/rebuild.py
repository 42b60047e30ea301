"""Incremental rebuilds (for `sitegen serve`): what `build` runs — the same stages, page
reuse (reuse.PageReuse) and writer (write.OutputWriter) — again and again, with the memo
kept warm in memory between builds and the previous build's page keys at hand.

What a rebuild reuses, and why the result equals a clean build byte for byte:
- seeds, briefings and topics are read again only when their files' metadata changed,
  and parsed again only when their bytes changed (see load.files); while no file in
  seeds/ changed, the seeds are the previous build's, and after a change only the
  documents whose files changed are loaded again, the others being the very same seeds
  (see load.seed_folder);
- rendered Markdown, proven claims and related lists are recomputed only when their
  inputs changed (the memo keys in `model.graph` name every input);
- the graph is assembled every time, so every cross-link is fresh, but a briefing's
  record is made again only when what it is made of changed, and a briefing, topic or
  source equal to the previous build's is that same object again (see `model.graph`,
  `model.lists`, `model.sources`), so the pages, book chapters and search documents
  showing only such records are the previous build's (see sitegen.derived), and its
  digest is worked out once;
- the search index's merged postings are carried to the next build, which replaces
  only the postings of the groups of documents that changed (see search.merge);
- a page the same as the previous build's (engine.digest.same: the same records, by
  identity, in lists laid out alike) keeps its key without being digested again;
- a page is rendered again only when its key changed (see pagekey): its path, template, title
  and data, every template file of the theme, the non-callable template globals (config,
  …) and, for templates that read the global `site`, the whole site; a piece of a page
  rendered with `part()` (a chapter of the book) likewise, from what the piece is given;
- only files whose bytes changed are written; files no longer produced are deleted (the
  writer stages them first: a failed build leaves the folder as it was).

With `workers` > 1 (in the preview's build process, which has no threads: see
buildprocess) Markdown and pages are done on several cores; a page a worker rendered
stands by the key it brings back (see reuse.PageReuse), and the pieces of pages are
kept only where this process renders them (see reuse.PartCachingRenderer).
"""
from __future__ import annotations

import sqlite3
import time
import traceback
from itertools import chain
from operator import methodcaller
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import jinja2

from ..pipeline import iter_files, load_site
from ..errors import Collector, Problem, SiteError
from ..runtime.gcpause import paused_gc
from ..load.config import Config, load_config
from ..load.content import load_briefings, load_topics
from ..load.files import WAITING, InputFiles, settled_digests, settling
from ..load.seed_folder import load_seeds
from ..load.scan import Scan
from ..model.site import Site
from ..theme import Theme, load_theme
from ..integrity import Listed
from ..outfolder import MARKER
from ..write import OutputWriter
from . import record
from .digest import Fingerprints
from .memo import Memo
from .reuse import MadePages, PageReuse, PartCachingRenderer
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
        self.fingerprints = Fingerprints()
        self.cache = Memo(_store(self.root), workers, warm=True, fingerprints=self.fingerprints)
        self.compiled = CompiledTemplates()
        self.outputs: dict[str, tuple[str, bytes]] = {}  # what the last build wrote (PageReuse)
        self.pages = MadePages.none()  # the last build's pages (PageReuse.pages)
        self.holds: frozenset[str] = frozenset()  # the files the folder holds since
        self.listed: Listed | None = None  # and its manifest
        self.config: Config | None = None  # of the latest build that read config.yaml
        self._succeeded = False  # the latest build
        self._last_renderer: PartCachingRenderer | None = None
        self._warming: Iterator[str | None] = iter(())  # see `warm_up`

    def build(self, scan: Scan | None = None) -> Rebuilt:
        """Rebuild; raises SiteError (and leaves `out` as it was) when the site has errors.
        `scan`: a scan of the inputs taken since the last change the build must see (the
        preview's watcher has one: see load.scan); by default the build makes its own.

        The cyclic garbage collector is paused meanwhile: a build makes few cycles, and
        each collection would walk the large cache again (a quarter of a rebuild's time)."""
        with paused_gc():
            return self._build(scan)

    def _build(self, scan: Scan | None) -> Rebuilt:
        start = time.perf_counter()
        self._succeeded, self._warming, self._last_renderer = False, iter(()), None
        self.cache.start()
        self.fingerprints.start()
        config = self.config = load_config(self.root).with_options(drafts=self.drafts or None)
        collector = Collector()
        # One scan of the inputs: the load knows each file it saw by it (see load.files),
        # and loads seeds/ whole while it is as it was.
        scan = scan or record.inputs(self.root, list(load_theme(self.root, config.theme).chain))
        site = load_site(self.root, config, collector, memo=self.cache, scan=scan)
        # The folder is private: what the last build left in it is known (a folder made
        # anew, or by someone else, is written whole).
        known = (self.out / MARKER).is_file() and self.outputs
        writer = OutputWriter(self.out, self.holds if known else None,
                              self.listed if known else None)
        reuse = PageReuse(self.outputs if known else {}, self.cache, writer.held,
                          self.pages)
        pages, files = writer.write(
            iter_files(self.root, site, self._renderer, self.workers, reuse, writer.put,
                       self.cache),
            before_change=self.outputs.clear)  # from here, the folder is no longer known
        self.outputs, self.holds, self.pages = reuse.current, writer.produced, reuse.pages
        self.listed = writer.listed
        self.cache.save()
        self._succeeded = True
        self._warming = chain(_warm_up(self._last_renderer, site, self.fingerprints),
                              settled_digests(scan, self.cache),
                              _settled_seeds(self.root, scan, self.cache),
                              _settled_content(self.root, scan, self.cache),
                              _saved(self.cache))
        return Rebuilt(collector.warnings, pages, files, writer.changed, reuse.fresh,
                       time.perf_counter() - start)

    def idle(self) -> None:
        """Between builds (the preview calls it once the author pauses), what a build puts
        off, when it succeeded (a failed one stopped before using all it needs): letting
        go of what it did not use, in memory and in the store."""
        if self._succeeded:
            self.cache.prune()
            self.fingerprints.prune()
            self.cache.collect()

    def warm_up(self, seconds: float) -> bool:
        """Between builds, for about `seconds`: make ready what the next build would
        otherwise work out while the author waits (see `_warm_up`). False once all is."""
        end = time.perf_counter() + seconds
        try:
            for step in self._warming:
                if step is WAITING or time.perf_counter() >= end:
                    return True  # (after a wait, at once: a save may have come)
        except (SiteError, OSError, sqlite3.Error):
            pass  # an input changed meanwhile, or the store is busy: the next build sees
        except Exception:  # noqa: BLE001 - a bug: say so, but the preview goes on
            traceback.print_exc()
        self._warming = iter(())  # (the next build works out the rest itself)
        return False

    def _renderer(self, theme: Theme, site: Site) -> PartCachingRenderer:
        renderer = PartCachingRenderer(theme, site, self.cache, self.fingerprints)
        renderer.env.bytecode_cache = self.compiled  # kept from build to build
        self._last_renderer = renderer
        return renderer


def _warm_up(renderer: PartCachingRenderer | None, site: Site, fingerprints: Fingerprints
             ) -> Iterator[None]:
    """Steps making ready what the next build asks for, where this process has not: its
    templates compiled and the digests of the records pages show (a build whose pages
    workers rendered, the first above all, has neither here; a changed page's key digests
    every record it shows). Rule: each step is short, as a save may come meanwhile."""
    try:
        names = renderer.env.list_templates(extensions=["html"]) if renderer else []
    except OSError:  # a theme folder gone meanwhile: the next build says so
        names = []
    for name in names:
        try:
            renderer.env.get_template(name)  # into `compiled`
        except (jinja2.TemplateError, OSError, UnicodeError):
            pass  # the build that renders with it says what is wrong
        yield
    for records in (site.topics, site.briefings):
        for value in records.values():
            fingerprints(value)
            yield


def _settled_seeds(root: Path, scan: Scan, memo, seeds_dir: str = "seeds"
                   ) -> Iterator[str | None]:
    """Steps loading the seeds as the next build will (see `load_seeds`), where files of
    the folder were racy in `scan`: a build knows the folder's seeds by its state only
    once none is racy (see Scan.folder), so the first save after a preview started on a
    site just written or copied, or the next after a seed's, would load them all again.
    The steps wait until those files have settled (see files.settling), then load the
    folder in one step. Rules: only while it is as `scan` saw it (see `_still`); nothing
    where it was not racy."""
    racy = [name for name in scan.racy if name.startswith(f"{seeds_dir}/")]
    if not racy:
        return
    yield from settling(scan, racy)
    settled = _still(root, scan, seeds_dir)
    if settled is not None:
        load_seeds(root, seeds_dir, memo, settled)
        yield


def _settled_content(root: Path, scan: Scan, memo, folder: str = "content"
                     ) -> Iterator[None]:
    """Steps loading the briefings and topics as the next build will (see load.content),
    where files of content/ were racy in `scan`: a racy file is known by its bytes, so
    its parse was not carried, and the first save would look every one up again. Rules:
    only where half of content/'s files or more were racy (a site just written or
    copied: a save's own file or two is for the next build to look up, not worth a
    look at the whole folder); once they settled (their digests stored by
    `settled_digests` before); only while content/ is as `scan` saw it (see `_still`)."""
    prefix = f"{folder}/"
    racy = [name for name in scan.racy if name.startswith(prefix)]
    if not racy or 2 * len(racy) < sum(map(methodcaller("startswith", prefix), scan.files)):
        return
    yield from settling(scan, racy)
    settled = _still(root, scan, folder)
    yield
    if settled is None:
        return
    files = InputFiles(memo, settled)
    load_briefings(root, Collector(), memo, files)
    yield
    load_topics(root, Collector(), memo, files)
    yield


def _still(root: Path, scan: Scan, folder: str) -> Scan | None:
    """`scan` brought up to date once its racy files settled, where a look at `folder`
    again finds its files as that saw them, none racy (else None: a file changed since,
    or now a link or a pipe, is for the next build to meet)."""
    settled = scan.updated(())
    if settled is None:
        return None
    prefix = f"{folder}/"
    seen = {name: noted for name, noted in settled.files.items() if name.startswith(prefix)}
    again = Scan(root, (folder,))
    if again.racy or settled.racy.keys() & seen.keys() or again.files != seen:
        return None
    return settled


def _saved(memo: Memo) -> Iterator[None]:
    """A step storing what the warm-up worked out (the digests of settled files: tens of
    thousands on a site just copied), which the next build would otherwise store."""
    try:
        memo.save()
    except (OSError, sqlite3.Error):
        pass  # the next build's save says so
    yield


def _store(root: Path) -> Store | None:
    """The site's store, or None where there is no place for one (then the preview is
    warm only in memory)."""
    try:
        return Store(root)
    except (OSError, sqlite3.Error):
        return None
