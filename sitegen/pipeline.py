"""The stages, end to end: load → model → pages → render (the write stage is
sitegen.write). `load_site` stops after the model (for `check`); `iter_files` gives
every output file's bytes one at a time without touching the disk. The verbs
(sitegen.commands) run them, with the engine's memo (sitegen.memo is all they know of it).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import Collector
from .load.config import Config
from .load.content import BriefingSource, TopicSource, load_briefings, load_topics
from .load.files import InputFiles
from .load.folders import BUNDLE_INDEX
from .load.lockfile import Lock, read_lock
from .load.scan import Scan
from .load.media import MEDIA_DIR, MediaFile, list_media
from .load.seed_folder import load_seeds
from .load.seeds import Seed
from .memo import no_memo, replaced
from .model.graph import build_site
from .model.site import Site
from .changes import site_changes
from .pages import Page, site_pages
from .render import Renderer
from .runtime.parallel import fork_map
from .theme import Theme, load_theme
from .write import Kept, Staged
from . import feeds, lock, search, urls


LARGE_SITE = 2000  # briefings: from here, a site's list pages and book each take 0.1 s or more
_ORIGINALS = "published originals"  # what a warm memo carries (see `_originals`)


@dataclass
class Inputs:
    """Everything `load` read, before the model resolves it."""

    seeds: dict[str, Seed]
    briefings: list[BriefingSource]  # those with errors too, marked `failed`
    topics: list[TopicSource]  # likewise
    unreadable_seeds: frozenset[str]  # ids of seed files with errors that left no seed
    media: dict[str, MediaFile]  # the files beside briefings and in content/media/
    lock: Lock | None  # sitegen.lock, when there is one


def load_inputs(root: Path, out: Collector, memo=no_memo, scan: Scan | None = None) -> Inputs:
    """Read seeds, briefings, topics and the lock, list media; problems go to `out`.
    `memo`: see sitegen.memo (one that works ahead parses on several cores); `scan`: the
    build's scan of its inputs, if it made one (see load.scan)."""
    files = InputFiles(memo, scan)  # one for the whole load: each file is digested once
    seeds, problems = load_seeds(root, memo=memo, scan=scan, files=files)
    out.extend(problems)
    unreadable = frozenset(Path(p.path).stem for p in problems if p.severity == "error"
                           and p.path.startswith("seeds/")) - seeds.keys()
    briefings = load_briefings(root, out, memo, files)
    media = {}
    for folder in (MEDIA_DIR, *(b.path.rsplit("/", 1)[0] for b in briefings
                                if b.path.endswith(f"/{BUNDLE_INDEX}"))):
        media.update(list_media(root, folder, out, files))
    return Inputs(seeds, briefings, load_topics(root, out, memo, files), unreadable, media,
                  read_lock(root))


def load_site(root: Path, config: Config, out: Collector, inputs: Inputs | None = None,
              memo=no_memo, scan: Scan | None = None) -> Site:
    """Load every input (unless given) and resolve the graph; raises SiteError with all
    errors found. Warns about cited source paragraphs that changed since `sitegen.lock`.
    `memo` (see sitegen.memo) lets a rebuild reuse what did not change, and works out
    on several cores what it can (the engine's); `scan`: see load_inputs."""
    inputs = inputs or load_inputs(root, out, memo, scan)
    site = build_site(config, inputs.seeds, inputs.briefings, inputs.topics, out, memo,
                      inputs.unreadable_seeds, inputs.media, inputs.lock)
    no_feeds = feeds.base_url_warning(config)
    if no_feeds:
        out.extend([no_feeds])
    out.raise_if_errors()
    used = {m.path for m in site.media}
    unbuilt = tuple(b.path.removesuffix(BUNDLE_INDEX) for b in inputs.briefings
                    if b.slug not in site.briefings and b.path.endswith("/" + BUNDLE_INDEX))
    for path in sorted(inputs.media.keys() - used):
        if path.startswith(unbuilt):  # a draft's media: used once it is built
            continue
        out.warning(path, None, "no briefing or topic shows or links this file, so it is not "
                                "published: link it, or remove it", code="unused-file")
    out.extend(lock.drift_warnings(site, inputs.briefings))
    out.drop_warnings(config.ignore_warnings)
    return site


def iter_files(root: Path, site: Site, renderer: Callable[[Theme, Site], Renderer] = Renderer,
               workers: int | None = 1, reuse=None,
               put: Callable[[str, Iterable[str]], Staged] | None = None, memo=no_memo,
               index: bool = True
               ) -> Iterator[tuple[str, bytes | Path | Staged | Iterator[str]] | Kept]:
    """Every output file as (path, bytes or a theme file to copy), or `Kept`: files of
    the previous output that stand, one at a time, so a large site never sits in memory
    whole.
    `renderer` makes the page renderer (the engine passes a caching one); `workers` > 1
    renders on several cores; `reuse` (the engine's: it needs a renderer with page
    `keys`) skips pages whose inputs did not change since they were last rendered; `put`
    (see write.OutputWriter) writes each page where it is rendered (then what it
    returned stands for the bytes), and large files come as text in pieces; `memo` keeps
    what the search index works out (see search.index_files); `index`: make the search
    index (`check`, which renders only to find template errors, does not)."""
    theme = load_theme(root, site.config.theme)
    changes = site_changes(site)
    pages = site_pages(site, changes, memo)
    page_renderer = renderer(theme, site)
    # (asked for after the search index: the engine may work the pages' keys out meanwhile)
    split = reuse.split(pages, page_renderer, workers) if reuse is not None else lambda: ([], pages)

    def make(page: Page) -> tuple[str, bytes | Staged, str | None]:
        """Render one page (in a worker, or here); with its key for the next build."""
        rel = urls.output_file(page.site_path)
        content = put(rel, page_renderer.stream(page)) if put else page_renderer.render_bytes(page)
        key = reuse.key_after(page_renderer, page, rel) if reuse else None
        return rel, content, key

    # Before the pages: the index forks workers of its own, from this process while it is
    # at its smallest, and no two pools of workers run at once (beside them, in a new
    # process's rebuild, may run the one worker that works out the pages' keys).
    if index:
        yield from search.index_files(site, workers, memo,
                                      reuse.standing if reuse else search.nothing_stands)
    kept, fresh = split()
    del split
    if kept:
        yield Kept(kept)
    # On a large site a few pages can be much work when made from nothing (the book, the
    # lists): fork for them too, where workers write them (`put`; through a pipe, the book
    # of 10,000 briefings would cost about what rendering it does). A rebuild's few pages
    # reuse their pieces: forking a large process would cost more than they do.
    few = 2 if put and len(site.briefings) >= LARGE_SITE and len(fresh) == len(pages) \
        else None
    for rel, content, key in fork_map(make, fresh, workers, min_items=few,
                                      label="rendering pages"):
        if key is not None:
            reuse.rendered(rel, key)
        yield rel, content
    for rel, path in theme.static_files().items():
        yield f"assets/{rel}", path
    yield from _copies(root, site, reuse, memo)
    yield from feeds.feed_files(site, [page.site_path for page in pages], changes,
                                memo).items()


def _copies(root: Path, site: Site, reuse, memo) -> Iterator[tuple[str, bytes] | Kept]:
    """The seeds' originals and the media files, as iter_files gives them (`reuse` and
    `memo`: see there): those that stand first, in one `Kept`."""
    copies = _originals(list(site.sources.values()), memo)
    # (each output path comes once: no two media publish to one, see model.hrefs)
    copies += [(m.site_path, m.path, m.sha256) for m in site.media]
    rels, _paths, digests = zip(*copies) if copies else ((), (), ())
    stood = reuse.standing(list(rels), list(digests)) if reuse else [False] * len(copies)
    if any(stood):
        yield Kept([copy[0] for copy, stands in zip(copies, stood) if stands])
    for (rel, path, digest), stands in zip(copies, stood):
        # Rule: a copy holds the bytes the load digested: a file changed since is an error
        # of that file (build again), never published as if it were those bytes.
        if not stands:
            yield rel, InputFiles.data(root / path, path, digest)


def _originals(sources: list, memo) -> list[tuple[str, str, str]]:
    """(output path, input path, digest) of each seed's own file the site publishes. A
    warm memo carries them while the sources are the very same records (told at C speed:
    they are thousands)."""
    last = memo.carried(_ORIGINALS)
    if last is not None and len(last[0]) == len(sources) and not replaced(sources, last[0]):
        copies = last[1]
    else:
        copies = [(urls.output_file(s.original), s.seed.path, s.seed.sha256)
                  for s in sources if s.original]
    memo.carry(_ORIGINALS, (sources, copies))
    return list(copies)


def render_site(root: Path, site: Site, index: bool = True
                ) -> tuple[dict[str, bytes | Path], int]:
    """Every output file of a clean render in one dict, and the page count (for check);
    `index`: see iter_files."""
    files = dict(iter_files(root, site, index=index))
    return files, sum(1 for rel in files if rel.endswith(".html"))
