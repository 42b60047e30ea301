"""The pipeline, end to end: load → model → pages → render → write.

`load_site` stops after the model (for `check`); `iter_files` gives every output
file's bytes one at a time without touching the disk; `build` writes them atomically.
"""
from __future__ import annotations

import sqlite3
import time
from functools import partial
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import Collector, Problem, SiteError
from .gcpause import paused_gc
from .load.config import Config, load_config
from .load.content import BriefingSource, TopicSource, load_briefings, load_topics
from .load.seeds import Seed, load_seeds
from .memo import no_memo
from .model.graph import build_site
from .model.site import Site
from .pages import Page, site_pages
from .parallel import default_workers, fork_map
from .render import Renderer
from .engine import record
from .engine.memo import LOAD_STEPS, Memo
from .engine.reuse import PageReuse, PartCachingRenderer
from .engine.store import Store
from .theme import Theme, load_theme
from .write import (MARKER, Kept, OutputWriter, Staged, check_output_dir, largest_files,
                    output_lock, write_errors)
from . import feeds, lock, progress, search, urls


LARGE_SITE = 2000  # briefings: from here, a site's list pages and book each take 0.1 s or more


@dataclass
class BuildResult:
    site: Site | None  # None when nothing had changed since the last build
    warnings: list[Problem] = field(default_factory=list)
    pages: int = 0
    files: int = 0
    seconds: float = 0.0
    largest: dict = field(default_factory=dict)  # see write.largest_files


@dataclass
class Inputs:
    """Everything `load` read, before the model resolves it."""

    seeds: dict[str, Seed]
    briefings: list[BriefingSource]  # those with errors too, marked `failed`
    topics: list[TopicSource]  # likewise
    unreadable_seeds: frozenset[str]  # ids of seed files with errors that left no seed


def load_inputs(root: Path, out: Collector, memo=no_memo, workers: int = 1) -> Inputs:
    """Read seeds, briefings and topics; problems go to `out`. `memo`: see sitegen.memo
    (one that works ahead parses on several cores)."""
    seeds, problems = load_seeds(root, memo=memo)
    out.extend(problems)
    unreadable = frozenset(Path(p.path).stem for p in problems if p.severity == "error"
                           and p.path.startswith("seeds/")) - seeds.keys()
    return Inputs(seeds, load_briefings(root, out, memo), load_topics(root, out, memo),
                  unreadable)


def load_site(root: Path, config: Config, out: Collector, inputs: Inputs | None = None,
              memo=no_memo, workers: int = 1) -> Site:
    """Load every input (unless given) and resolve the graph; raises SiteError with all
    errors found. Warns about cited source paragraphs that changed since `sitegen.lock`.
    `memo` (see sitegen.memo) lets a rebuild reuse what did not change; `workers` > 1
    renders Markdown on several cores."""
    inputs = inputs or load_inputs(root, out, memo, workers)
    site = build_site(config, inputs.seeds, inputs.briefings, inputs.topics, out, memo, workers,
                      inputs.unreadable_seeds)
    no_feeds = feeds.base_url_warning(config)
    if no_feeds:
        out.extend([no_feeds])
    out.raise_if_errors()
    out.extend(lock.drift_warnings(root, site, inputs.briefings))
    out.drop_warnings(config.ignore_warnings)
    return site


def iter_files(root: Path, site: Site, renderer: Callable[[Theme, Site], Renderer] = Renderer,
               workers: int | None = 1, reuse: PageReuse | None = None,
               put: Callable[[str, Iterable[str]], Staged] | None = None, memo=no_memo,
               index: bool = True
               ) -> Iterator[tuple[str, bytes | Path | Kept | Staged | Iterator[str]]]:
    """Every output file as (path, bytes, a theme file to copy, or `Kept`: the previous
    output's file stands), one at a time, so a large site never sits in memory whole.
    `renderer` makes the page renderer (sitegen.incremental passes a caching one);
    `workers` > 1 renders on several cores; `reuse` (see reuse.PageReuse, and the live
    preview's incremental.MemoPages; it needs a renderer with page `keys`) skips pages
    whose inputs did not change since they were last rendered; `put` (see
    write.OutputWriter) writes each page where it is rendered (then what it returned
    stands for the bytes), and large files come as text in pieces; `memo` keeps what the
    search index works out (see search.index_files: the live preview's memo); `index`:
    make the search index (`check`, which renders only to find template errors, does not)."""
    theme = load_theme(root, site.config.theme)
    pages = site_pages(site)
    page_renderer = renderer(theme, site)
    fresh = pages
    if reuse is not None:
        kept, fresh = reuse.split(pages, page_renderer)
        yield from kept

    def make(page: Page) -> tuple[str, bytes | Staged, str | None, list]:
        """Render one page (in a worker, or here); with its key and the pieces rendered
        for it, so this process keeps them for the next build."""
        rel = urls.output_file(page.site_path)
        content = put(rel, page_renderer.stream(page)) if put else page_renderer.render_bytes(page)
        key = reuse.key_after(page_renderer, page, rel) if reuse else None
        return rel, content, key, page_renderer.take_parts()

    # On a large site a few pages can be much work (the book, the lists): fork for them
    # too, where workers write them (`put`); else their bytes would come back through a
    # pipe (the book of 10,000 briefings: 100 MB), which costs about what rendering does.
    few = 2 if put and len(site.briefings) >= LARGE_SITE else None
    # Before the pages: the index forks workers of its own, from this process while it is
    # at its smallest, and no two pools of workers run at once.
    if index:
        yield from search.index_files(site, workers, memo)
    page_renderer.prepare()
    try:
        for rel, content, key, parts in fork_map(make, fresh, workers, min_items=few,
                                                 label="rendering pages"):
            if key is not None:
                reuse.rendered(rel, key)
            page_renderer.keep_parts(parts)
            yield rel, content
    finally:
        page_renderer.close()
    for rel, path in theme.static_files().items():
        yield f"assets/{rel}", path
    yield from feeds.feed_files(site, [page.site_path for page in pages]).items()


def render_site(root: Path, site: Site, renderer: Callable[[Theme, Site], Renderer] = Renderer,
                workers: int = 1, reuse=None, memo=no_memo, index: bool = True
                ) -> tuple[dict[str, bytes | Path], int]:
    """Every output file in one dict, and the page count (for check and the preview);
    `workers`, `reuse`, `memo` and `index`: see iter_files."""
    files = dict(iter_files(root, site, renderer, workers, reuse, memo=memo, index=index))
    return files, sum(1 for rel in files if rel.endswith(".html"))


def build(root: Path, out_dir: str | None = None, drafts: bool = False,
          clean_links: bool | None = None, log: Callable[[str], None] | None = None,
          workers: int | None = None, cache: bool = True) -> BuildResult:
    """Build the site at `root`; on any error raise SiteError and leave the output as it was.
    `workers`: processes rendering (default: one per core). `cache`: reuse and keep
    `.sitegen-cache/` (parsed inputs, rendered Markdown), and skip the build entirely
    when no input changed since the last one."""
    with paused_gc(), progress.reporting(log):
        return _build(root, out_dir, drafts, clean_links, log, workers, cache)


def _build(root: Path, out_dir: str | None, drafts: bool, clean_links: bool | None,
           log: Callable[[str], None] | None, workers: int | None, cache: bool) -> BuildResult:
    start = time.perf_counter()
    say = log or (lambda _msg: None)
    config = load_config(root).with_options(drafts=drafts or None, clean_links=clean_links)
    out_path = Path(out_dir) if out_dir else root / config.output_dir
    check_output_dir(root, out_path, "--out" if out_dir else "output_dir")
    theme = load_theme(root, config.theme)
    current = record.stamp(root, list(theme.chain),
                           (str(out_path.resolve()), config.drafts, config.clean_links))
    store = _open_store(root, say) if cache else None
    if store is not None:
        warnings = record.up_to_date(store, out_path, current, MARKER)
        if warnings is not None:
            say(f"nothing changed: {out_path} is up to date")
            return BuildResult(None, warnings, seconds=time.perf_counter() - start)
    collector = Collector()
    workers = default_workers() if workers is None else workers
    memo = Memo(store, workers)
    memo.start()
    site = load_site(root, config, collector, memo=memo, workers=workers)
    _saved(say, memo.settle, LOAD_STEPS)
    say(f"loaded {len(site.sources)} seeds, {len(site.briefings)} briefings, "
        f"{len(site.topics)} topics in {time.perf_counter() - start:.2f} s")
    with write_errors(out_path), output_lock(out_path, say):
        reuse = PageReuse(store, out_path, MARKER, memo) if store else None
        renderer = partial(PartCachingRenderer, memo=memo) if store else Renderer
        writer = OutputWriter(out_path)
        # Once the output starts to change, the last build's record no longer describes it.
        pages, files = writer.write(
            iter_files(root, site, renderer, workers, reuse, writer.put, memo),
            before_change=lambda: store and _saved(say, store.forget_build))
        say(f"wrote {pages} pages ({files} files) at {time.perf_counter() - start:.2f} s")
        largest = largest_files(out_path)
        say("largest " + ", ".join(f"{what}: {largest[suffix][0]} ({largest[suffix][1] / 1024:,.0f} KiB)"
                                   for suffix, what in ((".html", "page"), (".js", "script"))
                                   if suffix in largest))
        if store is not None:  # the record last: until it is written, the output is not trusted
            _saved(say, memo.save)
            _saved(say, store.commit_build, record.record(
                out_path, MARKER, current, collector.warnings), reuse.current, memo.used())
            store.close()
    seconds = time.perf_counter() - start
    say(f"built {out_path} in {seconds:.2f} s")
    return BuildResult(site, collector.warnings, pages, files, seconds, largest)


def _open_store(root: Path, say: Callable[[str], None]) -> Store | None:
    """The site's store, or None (and why) where there is no place for one."""
    try:
        return Store(root, say)
    except (OSError, sqlite3.Error) as exc:
        say(f"cache: not used ({exc})")
        return None


def _saved(say: Callable[[str], None], write: Callable, *args) -> None:
    """Write to the store; one that cannot be written is reported and skipped: the build
    stands, and the next one does what this one could not keep."""
    try:
        write(*args)
    except (OSError, sqlite3.Error) as exc:
        say(f"cache: not saved ({exc})")


__all__ = ["build", "load_site", "render_site", "BuildResult", "SiteError"]
