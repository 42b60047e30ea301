"""The search index's files, end to end: the document shards, the term shards and the
manifest, remade only where what they follow from changed."""
from __future__ import annotations

from itertools import chain, compress, islice
from typing import Iterator, NamedTuple

from .. import urls
from ..errors import Collector
from ..memo import no_memo
from ..model.site import Site
from ..runtime.parallel import fork_map
from ..write import Kept
from .documents import PER_SHARD, Documents
from .merge import Index
from .scripts import INDEX_FILE, SEARCH_PAGE, json_text
from .termshards import Stands, shard_name, term_shards

CARRIED = "search-index"  # the memo carries the index from one build to the next
_FILES = "search document files"  # and the document shards' paths (see _document_files)


def nothing_stands(rels: list[str], _digests: list[str]) -> list[bool]:
    """A clean build's `stands`: every file is made anew."""
    return [False] * len(rels)


def index_files(site: Site, workers: int | None = 1, memo=no_memo, stands: Stands = nothing_stands
                ) -> Iterator[tuple[str, bytes] | Kept]:
    """Every file of the search index, as (output path, bytes), or `Kept`: the output's
    files that stand: the document shards, then the term shards and last the manifest
    (`INDEX_FILE`). `workers` > 1 indexes the documents, and renders many term shards,
    on several cores.

    `stands(paths, digests)` says of each file whether the output holds it as made from
    what its digest names (the engine's reuse: see engine.reuse.PageReuse.standing; by
    default nothing stands). `memo` (see sitegen.memo) keeps each group of documents'
    postings, so a rebuild indexes only the groups that changed, and renders only the document
    shards of those and the term shards whose postings changed; a memo that carries
    values from build to build carries the merged index too (see merge.Index)."""
    docs = Documents(site, memo)
    groups = docs.groups()
    keys, digests = map(list, zip(*docs.keys(groups))) if groups else ([], [])
    shards, rels, made_from = _document_files(docs, groups, digests, memo)
    standing = _all_stand(shards, stands(rels, made_from))
    index = Index.anew(memo.carried(CARRIED), groups, digests, hold=memo.carries)
    # A group whose shards stand and whose postings the carried index holds is not looked
    # up: its memo entry is counted used by the digest the index holds with them.
    holding = [stood and index.holding(i) for i, stood in enumerate(standing)]
    memo.use([("search", b"".join(filter(None, compress(index.stored, holding))))])
    missing = [g for g, key, stood, held in zip(groups, keys, standing, holding)
               if not held and (not stood or not memo.has("search", key))]
    # A group's result is its document shards (about a megabyte): one a chunk, so the
    # results waiting here for their turn stay few.
    fresh = fork_map(docs.group, missing, workers, min_items=2, label="indexing for search",
                     chunk=1)
    missing_set, out = set(missing), Collector()
    for i, (g, key, stood) in enumerate(zip(groups, keys, standing)):  # in order
        if holding[i]:
            yield Kept(shards[i])
            continue
        files, packed = next(fresh) if g in missing_set else ([], None)
        index.add(i, memo("search", key, lambda _out: packed or docs.group(g)[1], out),
                  memo.stored("search", key) if memo.carries else None)
        yield from [Kept(shards[i])] if stood else files
    highest, paragraphs = docs.highest, docs.paragraph_count
    docs.done()
    docs = fresh = None  # let go of the documents' text before the term shards
    firsts: list[str] = []
    yield from term_shards(index, firsts, highest, stands, workers)
    memo.carry(CARRIED, index)
    link = urls.linker(SEARCH_PAGE, site.config.clean_links)
    topics = [[t.title, link(t.site_path), list(t.aliases), len(t.within)]
              for t in site.topics.values()]
    manifest = dict(v=2, terms=firsts, files=[shard_name(w) for w in firsts],
                    briefings=len(site.briefings),
                    paragraphs=paragraphs,
                    per=list(PER_SHARD), topics=topics)
    yield INDEX_FILE, f"window.SITEGEN_SEARCH={json_text(manifest)};\n".encode("utf-8")


def _document_files(docs: Documents, groups: list, digests: list[str], memo
                    ) -> tuple[list[list[str]], list[str], list[str]]:
    """Each group's document shards' paths, and every shard's path and what it is made
    from (its group's digest and its place in the group: the engine notes it), in order.
    A warm memo carries them: the paths while the groups and the documents' counts are
    the same (the very same lists, so the engine's reuse tells them the same at once),
    and what each group's shards are made from while its digest is."""
    counts = (len(docs.briefings), docs.first_paragraph[-1])
    last = memo.carried(_FILES)
    if last is not None and last.groups == groups and last.counts == counts:
        shards, rels = last.shards, last.rels
        made_from = [was if digest == old else _made_from(digest, len(group))
                     for group, digest, old, was in zip(shards, digests, last.digests,
                                                        last.made_from)]
    else:
        shards = list(map(docs.shard_files, groups))
        rels = list(chain.from_iterable(shards))
        made_from = list(map(_made_from, digests, map(len, shards)))
    memo.carry(_FILES, _Files(groups, counts, shards, rels, digests, made_from))
    return shards, rels, list(chain.from_iterable(made_from))


def _made_from(digest: str, count: int) -> list[str]:
    return [f"{digest}:{i}" for i in range(count)]


class _Files(NamedTuple):
    """What `_document_files` carries to the next build."""

    groups: list
    counts: tuple[int, int]
    shards: list[list[str]]
    rels: list[str]
    digests: list[str]
    made_from: list[list[str]]


def _all_stand(shards: list[list[str]], stood: list[bool]) -> list[bool]:
    """Whether every one of each group's document shards (`shards`: each group's) stands,
    by whether each does (`stood`, in order)."""
    answers = iter(stood)
    return [all(list(islice(answers, len(group)))) for group in shards]
