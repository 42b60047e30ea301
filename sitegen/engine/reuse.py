"""Reusing the pages of the previous build: a page whose key (see `pagekey`) equals the
one it had when the current output was written is not rendered again; its file stays.
And the pieces of pages (`part()`), kept in the memo under keys of their own.

The pages' keys are kept in the store (`outputs`), and trusted only while the output
folder is the one the last build wrote (see `record.output_intact`).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, repeat
from operator import and_, attrgetter, eq, itemgetter, not_
from typing import Callable, Container, Iterator

import lz4.block

from .. import urls
from ..runtime import parallel, progress
from ..errors import Collector
from ..model.site import Site
from ..pages import Page
from ..render import Renderer
from ..theme import Theme
from ..memo import replaced
from .digest import Fingerprints, same
from .pagekey import PageKeys


class PartCachingRenderer(Renderer):
    """A Renderer that keeps the pieces of pages (`part()`: the book's chapters) in a warm
    memo under their keys (see pagekey), so a page that changed renders again only the
    pieces whose own inputs changed; and works out the pages' keys (see PageReuse).

    Rule: pieces are kept only by a memo that carries values to a later build of its
    process (the live preview's), and only where that memo lives: a worker renders them
    plainly. A book volume renders again when one of its chapters changes, a few dozen
    chapters; keeping every chapter of a build that renders all pages (a first build,
    on workers) would cost it more than that: the pieces' keys, packing them, handing
    them over and storing them."""

    def __init__(self, theme: Theme, site: Site, memo, fingerprints: Fingerprints | None = None):
        super().__init__(theme, site)
        self.memo = memo
        self.keys = PageKeys(self.env, theme, site, fingerprints or Fingerprints(), memo)
        self._read: list[tuple] = []  # keys of the pieces read since `take_reads`

    def render_part(self, page: Page, template: str, data: dict) -> str:
        if not self.memo.carries:  # (nor does a worker's copy of the memo)
            return Renderer.render_part(self, page, template, data)
        key = self.keys.part(page, template, data)
        made = []

        def compute(_out: Collector) -> bytes:
            made.append(Renderer.render_part(self, page, template, data))
            return pack(made[0])

        packed = self.memo("part", key, compute, Collector())
        self._read.append(key)
        return made[0] if made else unpack(packed)

    def take_reads(self) -> bytes:
        """The digests of the pieces read since last asked (those of one page), joined:
        while the page stands, they are in use (see PageReuse)."""
        read, self._read = self._read, []
        return b"".join(self.memo.digest("part", key) or b"" for key in read)


def _checked(keys: Iterator[str], total: int) -> list[str]:
    """The pages' keys, with progress lines (said only where they are worked out here:
    see parallel.in_background)."""
    found = []
    for done, key in enumerate(keys, 1):
        if not done % 1024:
            progress.tick("checking pages", done, total)
        found.append(key)
    return found


def pack(html: str) -> bytes:
    """A piece's HTML as the memo keeps it: UTF-8, compressed with LZ4 (the 10,000 chapters
    of a large site's book are about a third of their text packed). A volume renders
    all its chapters whenever one of them changes: LZ4 unpacks several times faster than
    zlib, and packs faster still."""
    return lz4.block.compress(html.encode("utf-8"))


def unpack(packed: bytes) -> str:
    return lz4.block.decompress(packed).decode("utf-8")


_PAGE, _PREFIX = itemgetter(0), itemgetter(1)  # of a page as `MadePages.at` holds it
_READS = itemgetter(1)  # of a file as `current` holds it: (key, reads)
_TEMPLATE = attrgetter("template")
_NO_PAGE = (None, None)  # (page, prefix) of a path the last build made no page at


def _output_file(page: Page) -> str:
    return urls.output_file(page.site_path)


@dataclass
class MadePages:
    """The pages a build made, for the next build of its process (see PageReuse)."""

    at: dict[str, tuple[Page, tuple]]  # output path -> (page, its key's prefix)
    pages: list[Page]  # as the build was given them, in order
    rels: list[str]  # their output paths
    prefixes: dict[str, tuple]  # template -> its pages' keys' prefix
    current: dict | None  # what the build wrote (its PageReuse.current)
    # What `PageReuse.standing` was asked, by the first path: (paths, their digests)
    asked: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)

    @classmethod
    def none(cls, current: dict | None = None) -> "MadePages":
        """No pages made yet (`current`: what the build making them writes)."""
        return cls({}, [], [], {}, current)

    def note(self, pages: list[Page], rels: list[str], prefixes: dict[str, tuple]) -> None:
        self.pages, self.rels, self.prefixes = pages, rels, prefixes


class PageReuse:
    """Decides, page by page, whether the previous output's file can stand. A page that
    stands keeps in use the pieces it was made of (`reads`: their digests), so the store
    keeps them for the day the page changes."""

    def __init__(self, previous: dict[str, tuple[str, bytes]], memo,
                 held: Container[str], pages: MadePages | None = None):
        """`previous`: what the last build wrote into this output, path -> (key, reads)
        (`build` has it from the store, while the output is the one the store's record
        describes; the preview from its previous build); `held`: the files the output
        holds as its own (see write.OutputWriter.held); `pages`: the previous build's
        pages (see `pages`), when this process made them (the preview; without it, this
        build's are not kept either). Rule: a caller passing the previous build's very
        `current` as `previous` passes, as `held`, what the output held after it."""
        self.memo, self.held, self.previous = memo, held, previous
        self.current: dict[str, tuple[str, bytes]] = {}  # path -> (key, reads)
        self.fresh = 0  # pages this build renders
        self.before = pages or MadePages.none()
        # This build's pages: a page the same as the previous build's (see digest.same:
        # by identity, mostly) has the key it had, without digesting it again (salsa's
        # early cut-off, by equality).
        self.pages = None if pages is None else MadePages.none(self.current)

    def split(self, pages: list[Page], renderer: PartCachingRenderer, workers: int | None = 1
              ) -> Callable[[], tuple[list[str], list[Page]]]:
        """A callable giving (paths of the files that stand as they are, pages to render),
        by the pages' keys. With no previous output every page renders, and its key is
        worked out while rendering (`key_after`, on the rendering core). Without the
        previous build's pages at hand (a new process), every page's key is worked out,
        on another core (when `workers` > 1) while the caller goes on (with the search
        index): ask late."""
        keys, templates = renderer.keys, set(map(_TEMPLATE, pages))
        if not self.previous:
            # Rule: what the templates read is worked out here, before workers fork, so
            # it is kept in the store (a worker's values are not) and each worker has it.
            for template in templates:
                keys.reads_site(template)
            if self.pages is not None:
                prefixes = {template: keys.prefix(template) for template in templates}
                rels = list(map(_output_file, pages))
                self.pages.at = dict(zip(rels, zip(pages, map(prefixes.get, map(
                    _TEMPLATE, pages)))))
                self.pages.note(pages, rels, prefixes)
            self.fresh = len(pages)
            return lambda: ([], pages)
        prefixes = {template: keys.prefix(template) for template in templates}
        kept, pages = self._same(pages, prefixes)
        rels = list(map(_output_file, pages))
        if self.pages is None:
            # (a pure function of the pages: see `_key`; prefixes and what the templates
            # read are worked out above, in this process, so the worker asks no memo. A
            # fork costs what the keys do, about: little on a small site, as its keys.)
            return partial(self._sorted, kept, pages, rels, parallel.in_background(
                lambda: _checked(map(partial(self.key, keys), pages), len(pages)), workers))
        made, previous = self.before.at, self.previous
        found = list(map(self._key, repeat(keys), pages, rels, map(previous.get, rels),
                         map(prefixes.get, map(_TEMPLATE, pages)), map(made.get, rels)))
        return partial(self._sorted, kept, pages, rels, lambda: found)

    def _sorted(self, kept: list[str], pages: list[Page], rels: list[str],
                worked: Callable[[], list[str]]) -> tuple[list[str], list[Page]]:
        """`split`'s result, from the pages that stand by identity (`kept`: their paths)
        and the keys of the others (`worked()`, in order)."""
        previous, current, held = self.previous, self.current, self.held
        befores = list(map(previous.get, kept))
        current.update(zip(kept, befores))
        fresh = []
        for page, rel, key in zip(pages, rels, worked()):
            before = previous.get(rel)
            if before and before[0] == key and rel in held:
                kept.append(rel)
                befores.append(before)
                current[rel] = before
            else:
                current[rel] = (key, b"")
                fresh.append(page)
        self.fresh = len(fresh)
        self.memo.use(list(zip(repeat("part"), filter(None, map(_READS, befores)))))
        return kept, fresh

    def _same(self, pages: list[Page], prefixes: dict[str, tuple]
              ) -> tuple[list[str], list[Page]]:
        """The paths of the pages that stand as they are — the very pages the last build
        made at them (see `pages`), their key's prefix the same, their files in the output
        as it made them — and the other pages. At C speed: on an edit, nearly all."""
        before, made = self.before, self.pages
        if made is None or not before.at:
            return [], pages
        if before.current is self.previous and before.prefixes == prefixes \
                and len(before.pages) == len(pages):
            return self._same_places(pages, prefixes)
        at = dict(zip(map(id, map(_PAGE, before.at.values())), before.at))  # all alive
        rels = list(map(at.get, map(id, pages)))
        was = list(map(before.at.get, rels, repeat(_NO_PAGE)))
        prefix_same = map(eq, map(_PREFIX, was), map(prefixes.get, map(_TEMPLATE, pages)))
        same = list(map(all, zip(prefix_same, map(self.previous.__contains__, rels),
                                 map(self.held.__contains__, rels))))
        kept = list(compress(rels, same))
        made.at.update(zip(kept, compress(was, same)))
        made.note(pages, [rel or _output_file(page) for rel, page in zip(rels, pages)],
                  prefixes)
        return kept, list(compress(pages, map(not_, same)))

    def _same_places(self, pages: list[Page], prefixes: dict[str, tuple]
                     ) -> tuple[list[str], list[Page]]:
        """`_same` where the previous build's pages were as many, their prefixes the same
        and `previous` is what it wrote (the preview's rebuild, mostly): a page at the
        place the very page was stands; only the others are looked at. (Rule: the pages
        come in a stable order, see pages.site_pages; every page of the previous build
        is in what it wrote, and the output holds it: see __init__.)"""
        before, made = self.before, self.pages
        changed = replaced(pages, before.pages)
        if not changed:
            made.at = before.at  # (neither build changes it in place: see `_key`)
            made.note(pages, before.rels, prefixes)
            return list(before.rels), []
        rels, stands = list(before.rels), [True] * len(pages)
        for i in changed:
            rels[i], stands[i] = _output_file(pages[i]), False
        made.at = dict(before.at)
        for rel in {before.rels[i] for i in changed}.difference(map(rels.__getitem__, changed)):
            del made.at[rel]  # no page there now (held no longer)
        made.note(pages, rels, prefixes)
        return list(compress(rels, stands)), list(map(pages.__getitem__, changed))

    def _key(self, keys: PageKeys, page: Page, rel: str, before: tuple | None,
             prefix: tuple, made: tuple | None) -> str:
        """The page's key: the one it had, when the page `made` at its path by the
        previous build and that page's key's prefix are the same as now; else worked
        out (`key`)."""
        if self.pages is None:
            return self.key(keys, page)
        self.pages.at[rel] = made if made is not None and made[0] is page and made[1] == prefix \
            else (page, prefix)
        if before and made and made[1] == prefix and same(made[0], page):
            return before[0]
        return self.key(keys, page)

    @staticmethod
    def key(keys: PageKeys, page: Page) -> str:
        """The page's key, as kept in the record."""
        return hashlib.blake2b(repr(keys.page(page)).encode(), digest_size=16).hexdigest()

    def key_after(self, renderer: PartCachingRenderer, page: Page, rel: str
                  ) -> tuple[str | None, bytes]:
        """For a page just rendered (in a worker, or here): its key for the record, unless
        `split` worked it out already, and the digests of the pieces it read."""
        return (None if rel in self.current else self.key(renderer.keys, page),
                renderer.take_reads())

    def standing(self, rels: list[str], digests: list[str]) -> list[bool]:
        """For each output file of `rels`, whether it stands: the last build made it from
        what its digest names (a copied file's bytes, a search shard's postings …) and
        the output holds it. Notes each digest as what the file is now made from, either
        way. (Asked for many at once, at C speed: a large site's copied seeds and search
        shards are tens of thousands.)"""
        made = list(zip(digests, repeat(b"")))
        self.current.update(zip(rels, made))
        if not rels:
            return []
        last = self.before.asked.get(rels[0]) if self.before.current is self.previous else None
        if self.pages is not None:
            self.pages.asked[rels[0]] = (rels, digests)
        if last is not None and last[0] == rels:
            # The last build asked of these very files (the preview's, mostly): it noted
            # those digests, and the output holds its files (see __init__).
            return list(map(eq, digests, last[1]))
        same = map(eq, map(self.previous.get, rels), made)
        return list(map(and_, same, map(self.held.__contains__, rels)))

    def rendered(self, rel: str, record: tuple[str | None, bytes]) -> None:
        """Note what `key_after` gave for a page (in this process)."""
        key, reads = record
        self.current[rel] = (key or self.current[rel][0], reads)
