"""`sitegen build`: the stages (sitegen.pipeline) run with the engine's memo and store,
writing the output atomically (sitegen.write); a build whose inputs did not change since
the last stops at that."""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..engine import record
from ..engine.store import CACHE_DIR, Store
from ..errors import Problem, SiteError, Collector
from ..load.config import Config, load_config
from ..runtime import progress
from ..runtime.gcpause import paused_gc
from ..theme import load_theme
from ..outfolder import MARKER, check_output_dir

if TYPE_CHECKING:
    from ..load.scan import Scan
    from ..model.site import Site


@dataclass
class BuildResult:
    site: Site | None  # None when nothing had changed since the last build
    warnings: list[Problem] = field(default_factory=list)
    pages: int = 0
    files: int = 0
    seconds: float = 0.0
    largest: dict = field(default_factory=dict)  # see write.largest_files


def build(root: Path, out_dir: str | None = None, drafts: bool = False,
          clean_links: bool | None = None, log: Callable[[str], None] | None = None,
          workers: int | None = None, cache: bool = True) -> BuildResult:
    """Build the site at `root`; on any error raise SiteError (see sitegen.write for what
    the output is then). `workers`: processes (default: one per core). `cache`: use and
    keep the store (`.sitegen-cache/store.sqlite`: see engine.store), and skip the build
    entirely when no input changed since the last one."""
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
    scan = record.inputs(root, list(theme.chain))
    current = record.stamp(scan, (str(out_path.resolve()), config.drafts, config.clean_links))
    store = open_store(root, say) if cache else None
    if store is not None:
        warnings = record.up_to_date(store, out_path, current, scan, MARKER)
        if warnings is not None:
            say(f"nothing changed: {out_path} is up to date")
            return BuildResult(None, warnings, seconds=time.perf_counter() - start)
    return _run_stages(root, config, out_path, store, scan, current, say, workers,
                       start)


def _run_stages(root: Path, config: Config, out_path: Path, store: Store | None,
                scan: Scan, current: str, say: Callable[[str], None], workers: int | None,
                start: float) -> BuildResult:
    """The stages, with the engine's memo and store. Rule: the stages are imported here,
    not with this module: a build that stops at "nothing changed" loads none of them
    (0.2 s of a no-change build's 0.5 s went to importing them)."""
    from ..engine.digest import Fingerprints
    from ..engine.memo import LOAD_STEPS, Memo
    from ..engine.reuse import PageReuse, PartCachingRenderer
    from ..pipeline import iter_files, load_site
    from ..render import Renderer
    from ..runtime.parallel import default_workers
    from ..outfolder import output_lock, write_errors
    from ..write import OutputWriter, largest_files
    collector = Collector()
    workers = default_workers() if workers is None else workers
    fingerprints = Fingerprints()  # of the pages' keys (the memo tells it of stored records)
    memo = Memo(store, workers, fingerprints=fingerprints)
    memo.start()
    site = load_site(root, config, collector, memo=memo, scan=scan)
    saved(say, memo.settle, LOAD_STEPS)
    say(f"loaded {len(site.sources)} seeds, {len(site.briefings)} briefings, "
        f"{len(site.topics)} topics in {time.perf_counter() - start:.2f} s")
    with write_errors(out_path), output_lock(out_path, say):
        writer = OutputWriter(out_path)
        reuse = PageReuse(store.outputs() if record.output_intact(store, out_path, MARKER)
                          else {}, memo, writer.held) if store else None
        renderer = partial(PartCachingRenderer, memo=memo, fingerprints=fingerprints) \
            if store else Renderer
        # Once the output starts to change, the last build's record no longer describes it.
        pages, files = writer.write(
            iter_files(root, site, renderer, workers, reuse, writer.put, memo),
            before_change=lambda: store and _forget(store))
        say(f"wrote {pages} pages ({files} files) at {time.perf_counter() - start:.2f} s")
        largest = largest_files(writer.sizes)
        say("largest " + ", ".join(
            f"{what}: {largest[suffix][0]} ({largest[suffix][1] / 1024:,.0f} KiB)"
            for suffix, what in ((".html", "page"), (".js", "script")) if suffix in largest))
        if store is not None:  # the record last: until it is written, the output is not trusted
            saved(say, memo.save)
            saved(say, store.commit_build, record.record(
                out_path, MARKER, current, scan, collector.warnings), reuse.current,
                memo.to_collect())
            store.close()
    seconds = time.perf_counter() - start
    say(f"built {out_path} in {seconds:.2f} s")
    return BuildResult(site, collector.warnings, pages, files, seconds, largest)


def open_store(root: Path, say: Callable[[str], None]) -> Store | None:
    """The site's store, or None (and why) where there is no place for one."""
    try:
        return Store(root, say)
    except (OSError, sqlite3.Error) as exc:
        say(f"cache: not used ({exc})")
        return None


def _forget(store: Store) -> None:
    """Drop the record of the output before it changes; if that cannot be done, stop
    here: a record left standing would describe an output that is no longer there."""
    try:
        store.forget_build()
    except sqlite3.Error as exc:
        raise SiteError.at(f"{CACHE_DIR}/store.sqlite", None, f"cannot update the store "
                           f"({exc}); the output was not changed: build again, or build "
                           "with --no-cache", code="write-error") from None


def saved(say: Callable[[str], None], write: Callable, *args) -> None:
    """Write to the store; one that cannot be written is reported and skipped: the build
    stands, and the next one does what this one could not keep."""
    try:
        write(*args)
    except (OSError, sqlite3.Error) as exc:
        say(f"cache: not saved ({exc})")


__all__ = ["build", "BuildResult", "SiteError"]
