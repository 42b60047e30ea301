"""The pipeline, end to end: load → model → pages → render → write.

`load_site` stops after the model (for `check`); `render_site` gives every output
file's bytes without touching the disk; `build` also writes them atomically.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .cache import no_memo
from .errors import Collector, Problem, SiteError
from .load.config import Config, load_config
from .load.content import BriefingSource, TopicSource, load_briefings, load_topics
from .load.seeds import Seed, load_seeds
from .model.graph import build_site
from .model.site import Site
from .pages import site_pages
from .render import Renderer
from .theme import Theme, load_theme
from .write import check_output_dir, write_site
from . import feeds, lock, search, urls


@dataclass
class BuildResult:
    site: Site
    files: dict[str, bytes | Path]
    warnings: list[Problem] = field(default_factory=list)
    pages: int = 0
    seconds: float = 0.0


@dataclass
class Inputs:
    """Everything `load` read, before the model resolves it."""

    seeds: dict[str, Seed]
    briefings: list[BriefingSource]
    topics: list[TopicSource]


def load_inputs(root: Path, out: Collector, memo=no_memo) -> Inputs:
    """Read seeds, briefings and topics; problems go to `out`. `memo`: see sitegen.cache."""
    seeds, problems = load_seeds(root, memo=memo)
    out.extend(problems)
    return Inputs(seeds, load_briefings(root, out, memo), load_topics(root, out, memo))


def load_site(root: Path, config: Config, out: Collector, inputs: Inputs | None = None,
              memo=no_memo) -> Site:
    """Load every input (unless given) and resolve the graph; raises SiteError with all
    errors found. Warns about cited source paragraphs that changed since `sitegen.lock`.
    `memo` (see sitegen.cache) lets a rebuild reuse what did not change."""
    inputs = inputs or load_inputs(root, out, memo)
    site = build_site(config, inputs.seeds, inputs.briefings, inputs.topics, out, memo)
    no_feeds = feeds.base_url_warning(config)
    if no_feeds:
        out.extend([no_feeds])
    out.raise_if_errors()
    out.extend(lock.drift_warnings(root, site, inputs.briefings))
    return site


def render_site(root: Path, site: Site, renderer: Callable[[Theme, Site], Renderer] = Renderer
                ) -> tuple[dict[str, bytes | Path], int]:
    """Every output file (path -> bytes, or a theme file to copy) and the page count.
    `renderer` makes the page renderer (sitegen.incremental passes a caching one)."""
    theme = load_theme(root, site.config.theme)
    renderer = renderer(theme, site)
    files: dict[str, bytes | Path] = {}
    pages = site_pages(site)
    for page in pages:
        files[urls.output_file(page.site_path)] = renderer.render(page).encode("utf-8")
    for rel, path in theme.static_files().items():
        files[f"assets/{rel}"] = path
    files[search.INDEX_FILE] = search.index_js(site)
    files.update(feeds.feed_files(site, [page.site_path for page in pages]))
    return files, len(pages)


def build(root: Path, out_dir: str | None = None, drafts: bool = False,
          clean_links: bool | None = None, log: Callable[[str], None] | None = None,
          write: bool = True) -> BuildResult:
    """Build the site at `root`; on any error raise SiteError and leave the output as it was."""
    start = time.perf_counter()
    say = log or (lambda _msg: None)
    config = load_config(root).with_options(drafts=drafts or None, clean_links=clean_links)
    out_path = Path(out_dir) if out_dir else root / config.output_dir
    if write:
        check_output_dir(root, out_path, "--out" if out_dir else "output_dir")
    collector = Collector()
    site = load_site(root, config, collector)
    say(f"loaded {len(site.sources)} seeds, {len(site.briefings)} briefings, "
        f"{len(site.topics)} topics")
    files, pages = render_site(root, site)
    if write:
        write_site(out_path, files)
    seconds = time.perf_counter() - start
    say(f"wrote {pages} pages ({len(files)} files) to {out_path} in {seconds:.2f} s"
        if write else f"rendered {pages} pages in {seconds:.2f} s")
    return BuildResult(site, files, collector.warnings, pages, seconds)


__all__ = ["build", "load_site", "render_site", "BuildResult", "SiteError"]
