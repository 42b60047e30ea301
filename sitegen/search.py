"""The search index: ranked full-text search of briefings and source paragraphs, split
into shards the search page loads only as a query needs them.

Every file is a classic script (`<script src>`), so search works from `file://`: no
fetch, no modules. The engine is our own (`themes/default/static/search.js`, with this
module): a library such as MiniSearch keeps one whole index in memory, with tables
that grow with every document, and cannot load a slice of it on demand.

Files (links in them are relative to the search page and follow `clean_links`):

    search/index.js        window.SITEGEN_SEARCH = {"v": 2, "terms": [first term of each
                           term shard], "files": [its name], "briefings": B, "paragraphs": P, "per": [briefings,
                           paragraphs per doc shard], "topics": [[title, link, [alias, …],
                           briefing count], …]}
    search/t/<name>.js     SITEGEN_SEARCH_SHARD("<name>", {term: [capped, document frequency,
                           doc, weight, doc (as the difference to the previous one),
                           weight, …], …})   # briefings' docs, then paragraphs': one
                                             # difference may be negative
    search/d/b<n>.js       SITEGEN_SEARCH_SHARD("b<n>", [[title, link, iso date, [topic
                           index, …], bottom line, [key point, …], analysis, [source title,
                           …]], …])   # briefings, oldest first: doc 2k is the k-th
    search/d/p<n>.js       SITEGEN_SEARCH_SHARD("p<n>", [[source title, link to the
                           paragraph, paragraph id, text, the source's reliability grade
                           or ""], …])   # doc 2k+1 is the k-th

Ranking is BM25F, worked out here but for the idf, which the browser takes from the
document frequency: a posting's score is the term's idf times the posting's weight, its
saturated, length-normalised, field-weighted frequency in the document (1 … 99).
Terms are words folded to lower case without accents, as the browser folds a query.
A term found in more than `CAP` documents keeps the `CAP` where it scores highest and is
marked capped (the browser then does not require it), so no shard grows with the site.
"""
from __future__ import annotations

import hashlib
import json
import math
import operator
import re
import unicodedata
import zlib
from array import array
from bisect import bisect_right
from collections import Counter, defaultdict
from functools import partial
from itertools import accumulate, chain, islice, repeat
from typing import Callable, Iterator

from . import urls
from .memo import no_memo
from .write import Kept
from .errors import Collector, SiteError
from .model.site import Site
from .runtime.parallel import fork_map

INDEX_FILE = "search/index.js"
SEARCH_PAGE = "search/"
SHARD_BYTES = 32_000  # a term shard holds terms in order up to about this much JSON
CAP = 2_500  # postings kept for one term
PER_SHARD = (2, 16)  # briefings, source paragraphs per document shard (~10 kB each)
K1, B = 1.2, 0.75
# Field weights: (name, weight). A briefing's fields, then a source paragraph's.
BRIEFING_FIELDS = (("title", 5.0), ("topics", 3.0), ("bottom line", 2.0),
                   ("key points", 1.5), ("sources", 1.5), ("analysis", 1.0))
PARAGRAPH_FIELDS = (("paragraph", 1.0),)

Stands = Callable[[str, str], bool]  # (output path, digest of what makes it): see index_files
_SHIFT = 25  # a packed posting: weight << _SHIFT | doc, in 32 bits (see _Postings)
_DOC = (1 << _SHIFT) - 1  # 33 million documents at most: 16 million source paragraphs
_WORD = re.compile(r"[^\W_]+")
_MARKS = re.compile("[\u0300-\u036f]")
_ASCII_GAPS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def terms(text: str) -> list[str]:
    """The words of `text` as the index holds them (the browser folds a query the same
    way): lower case, compatibility forms unfolded (NFKD: fullwidth `ＮＡＴＯ` is `nato`, `ﬁ`
    is `fi`), accents taken off, letters and digits only."""
    text = text.lower()
    if text.isascii():  # the same words, five times faster
        return text.translate(_ASCII_GAPS).split()
    return _WORD.findall(_MARKS.sub("", unicodedata.normalize("NFKD", text)))


class _Postings:
    """Term -> array of postings, each `weight << _SHIFT | doc` (weight: the saturated,
    length-normalised, field-weighted frequency, 1 … 99), built one document at a time
    in doc order. Packed so, a term's postings sort by weight in C, and stay in doc order
    as they are added (within one kind of document: index_files appends the paragraphs'
    postings after the briefings')."""

    def __init__(self, fields: tuple[tuple[str, float], ...], averages: list[float]):
        self.fields, self.averages = fields, averages
        self.lists: defaultdict[str, array] = defaultdict(partial(array, "I"))

    def add(self, doc: int, texts: list[str]) -> None:
        """Index one document's fields (this runs once for every word of the site: it is
        written for speed)."""
        lists = self.lists
        if len(texts) == 1:  # one field: the weight follows from the count alone
            text = texts[0]
            norm = self.fields[0][1] / (1 - B + B * len(text) / self.averages[0])
            packed = [0] + [_weight(tf * norm) << _SHIFT | doc for tf in range(1, 8)]
            for word, tf in Counter(terms(text)).items():
                lists[word].append(packed[tf] if tf < 8 else _weight(tf * norm) << _SHIFT | doc)
            return
        weighted: dict[str, float] = {}
        for (_, weight), avg, text in sorted(zip(self.fields, self.averages, texts),
                                             key=lambda f: -len(f[2])):
            norm = weight / (1 - B + B * len(text) / avg)
            if not weighted:  # the longest field first: its words need no sum
                weighted = {word: tf * norm for word, tf in Counter(terms(text)).items()}
                continue
            for word, tf in Counter(terms(text)).items():
                weighted[word] = weighted.get(word, 0.0) + tf * norm
        for word, w in weighted.items():
            lists[word].append(_weight(w) << _SHIFT | doc)


def _weight(w: float) -> int:
    """A weighted term frequency, saturated (BM25's k1) and scaled to 1 … 99."""
    return 1 + int(98 * w / (w + K1))


def _averages(rows: list[list[str]], count: int) -> list[float]:
    """Each field's average length, on a coarse grid (steps of about 19%): one more
    document seldom moves it, and with it the weight of every posting."""
    return [_coarse(sum(len(r[i]) for r in rows) / max(1, len(rows))) for i in range(count)]


def _coarse(length: float) -> float:
    return 2 ** (round(4 * math.log2(max(1.0, length))) / 4)


def _briefing_texts(site: Site, briefings: list) -> list[list[str]]:
    """Each briefing's fields, in the order of BRIEFING_FIELDS."""
    topics, sources = site.topics, site.sources
    return [[b.title,
             " ".join(n for t in b.topics if t in topics
                      for n in (topics[t].title, *topics[t].aliases)),
             b.bottom_line, " ".join(kp.text for kp in b.key_points),
             " ".join(sources[s].seed.title for s in b.seeds if s in sources),
             b.body_text] for b in briefings]


def _paragraphs(sources) -> Iterator[tuple[str, str]]:
    """(paragraph id, text) of every paragraph of `sources`, in order."""
    for source in sources:
        for block in source.seed.paragraphs:
            yield block.id, block.text


def _row(flat: array) -> str:
    """One term's postings as the JSON the browser reads: [capped, document frequency,
    doc, weight, doc (as the difference to the previous one), weight, …], at most CAP."""
    df = len(flat)
    if df > CAP:  # keep the heaviest (a sort of the packed values, in C), in doc order
        flat = sorted(sorted(flat, reverse=True)[:CAP], key=_DOC.__and__)
    ids = list(map(operator.and_, flat, repeat(_DOC)))
    row = [0] * (2 * len(ids) + 2)
    row[0], row[1] = int(df > CAP), df
    row[2::2] = list(map(operator.sub, ids, chain((0,), ids)))
    row[3::2] = list(map(operator.rshift, flat, repeat(_SHIFT)))
    return _json(row)


def _term_shards(postings: dict[str, array], firsts: list[str], highest: int, stands: Stands
                 ) -> Iterator[tuple[str, bytes | Kept]]:
    """The term shards, words in order; each shard's first word goes to `firsts`. A shard
    whose words and postings are those the output's file was made from (`stands`, by
    their digest) is not rendered again: it comes as `Kept`.

    Where a shard ends depends on its words, not on the sizes before it (content-defined,
    as rsync cuts files): a shard starts at a word whose hash is 0 modulo `every`, sized
    so shards hold about SHARD_BYTES (by `_typical` sizes), at least a quarter of that and
    at most twice (by `_most`: no row is larger). Words gaining documents then change
    their own shard only, and `every`, a power of two, changes only when the index
    doubles or halves. Sizes come from the postings alone (`highest`: the highest doc
    number), so a shard's words are known before any of its rows is written."""
    words = sorted(postings, key=_utf16)  # the order the browser compares strings in
    estimate = sum(_typical(w, p) for w, p in postings.items())
    per_shard = SHARD_BYTES * len(words) / max(1, estimate)
    every = 2 ** max(0, round(math.log2(max(1.0, per_shard))))
    digits = len(str(highest)) + 1  # a doc difference's, with its sign
    shard: list[str] = []
    size = most = 0
    for word in words:
        typical, largest = _typical(word, postings[word]), _most(word, postings[word], digits)
        cut = most + largest > 2 * SHARD_BYTES or (
            size >= SHARD_BYTES // 4 and zlib.crc32(word.encode("utf-8")) % every == 0)
        if shard and cut:
            yield _term_shard(shard, postings, stands)
            shard, size, most = [], 0, 0
        if not shard:
            firsts.append(word)
        shard.append(word)
        size, most = size + typical, most + largest
    if shard:
        yield _term_shard(shard, postings, stands)


def _typical(word: str, flat: array) -> int:
    """About the bytes of a word's row in a shard: its postings' doc differences are
    mostly short."""
    return len(word) + 8 + 7 * min(len(flat), CAP)


def _most(word: str, flat: array, digits: int) -> int:
    """At least the bytes of a word's row in a shard, whatever its postings (`digits`:
    the most a doc difference, with its sign, can have)."""
    return 4 * len(word) + 9 + len(str(len(flat))) + (digits + 4) * min(len(flat), CAP)


def _utf16(word: str) -> bytes:
    return word.encode("utf-16-be", "surrogatepass")


def _json(value) -> str:
    # JSON is valid JavaScript except, in old engines, for raw U+2028/U+2029.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _shard(name: str, data) -> bytes:
    return f"SITEGEN_SEARCH_SHARD({_json(name)},{_json(data)});\n".encode("utf-8")


def shard_name(first: str) -> str:
    """A term shard's name: a digest of its first word (stable while the shard is)."""
    return "t" + hashlib.blake2b(first.encode("utf-8"), digest_size=5).hexdigest()


def _term_shard(words: list[str], postings: dict[str, array], stands: Stands
                ) -> tuple[str, bytes | Kept]:
    """One term shard's file; its postings leave `postings` (the index is large)."""
    name = shard_name(words[0])
    rel = f"search/t/{name}.js"
    h = hashlib.blake2b(f"{CAP}:{_SHIFT}".encode(), digest_size=16)
    for word in words:
        h.update(f"\0{word}\0{len(postings[word])}\0".encode("utf-8", "surrogatepass"))
        h.update(postings[word])
    if stands(rel, h.hexdigest()):
        for word in words:
            del postings[word]
        return rel, Kept()
    rows = [f"{_json(word)}:{_row(postings.pop(word))}" for word in words]
    return rel, (f'SITEGEN_SEARCH_SHARD("{name}",{{' + ",".join(rows) + "});\n"
                 ).encode("utf-8")


def nothing_stands(_rel: str, _digest: str) -> bool:
    """A clean build's `stands`: every file is made anew."""
    return False


GROUP = 32  # document shards indexed together: by one worker, kept as one memo entry


def index_files(site: Site, workers: int | None = 1, memo=no_memo, stands: Stands = nothing_stands
                ) -> Iterator[tuple[str, bytes | Kept]]:
    """Every file of the search index, as (output path, bytes, or `Kept`: the output's
    file stands): the document shards, then the term shards and last the manifest
    (`INDEX_FILE`). `workers` > 1 indexes the documents on several cores.

    `stands(path, digest)` says whether the output holds the file as made from what
    `digest` names (the engine's reuse: see engine.reuse.PageReuse.stands; by default
    nothing stands). `memo` (see sitegen.memo) keeps each group of documents' postings,
    so a rebuild indexes only the groups that changed, and renders only the document
    shards of those and the term shards whose postings changed.

    Documents are numbered in the order they joined the site (briefings oldest first,
    the sources' paragraphs in the sources' order), briefings even and paragraphs odd, so
    an added briefing or seed adds documents at the end and leaves the others' shards
    and numbers alone."""
    docs = _Documents(site)
    groups = docs.groups()
    keys = [docs.key(g) for g in groups]
    standing = [_all_stand(docs.shard_files(g), _key_digest(key), stands)
                for g, key in zip(groups, keys)]
    missing = [g for g, key, stood in zip(groups, keys, standing)
               if not stood or not memo.has("search", key)]
    fresh = fork_map(docs.group, missing, workers, min_items=2, label="indexing for search")
    missing_set, out = set(missing), Collector()
    postings: defaultdict[str, array] = defaultdict(partial(array, "I"))
    for g, key, stood in zip(groups, keys, standing):  # in order: kept, made by workers
        files, packed = next(fresh) if g in missing_set else ([], None)
        _unpack(memo("search", key, lambda _out: packed or docs.group(g)[1], out), postings)
        yield from ((rel, Kept()) for rel in docs.shard_files(g)) if stood else files
    highest = 2 * max(len(docs.briefings), docs.paragraph_count) + 1
    docs = fresh = None  # let go of the documents' text before the term shards
    firsts: list[str] = []
    yield from _term_shards(postings, firsts, highest, stands)
    link = urls.linker(SEARCH_PAGE, site.config.clean_links)
    topics = [[t.title, link(t.site_path), list(t.aliases), len(t.within)]
              for t in site.topics.values()]
    manifest = dict(v=2, terms=firsts, files=[shard_name(w) for w in firsts],
                    briefings=len(site.briefings),
                    paragraphs=sum(s.seed.paragraph_count for s in site.sources.values()),
                    per=list(PER_SHARD), topics=topics)
    yield INDEX_FILE, f"window.SITEGEN_SEARCH={_json(manifest)};\n".encode("utf-8")


def _key_digest(key: tuple) -> str:
    """A group's key as a digest (its parts are str, numbers and tuples of them)."""
    return hashlib.blake2b(repr(key).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


def _all_stand(files: list[str], digest: str, stands: Stands) -> bool:
    """Whether every one of a group's document shards stands (each is asked: the engine
    notes what each output file is made from)."""
    return all([stands(rel, f"{digest}:{i}") for i, rel in enumerate(files)])


class _Documents:
    """The documents of the index, in groups of GROUP document shards that worker
    processes index on their own: `group(g)` gives the group's document shards and its
    postings (word -> packed array bytes)."""

    def __init__(self, site: Site):
        self.site, self.link = site, urls.linker(SEARCH_PAGE, site.config.clean_links)
        self.briefings = list(site.briefings.values())[::-1]
        self.texts = _briefing_texts(site, self.briefings)
        self.topic_ids = {slug: i for i, slug in enumerate(site.topics)}
        self.records = [self._record(b) for b in self.briefings]
        self.averages = _averages(self.texts, len(BRIEFING_FIELDS))
        lengths = [len(text) for _, text in _paragraphs(site.sources.values())]
        self.paragraph_count = len(lengths)
        if 2 * max(self.paragraph_count, len(self.briefings)) >= _DOC:
            raise SiteError.at("seeds", None, f"{self.paragraph_count:,} source paragraphs: "
                               f"the search index holds at most {_DOC // 2:,}",
                               code="too-large")
        self.paragraph_average = [_coarse(sum(lengths) / max(1, len(lengths)))]
        self.sources = list(site.sources.values())
        self.first_paragraph = list(accumulate((s.seed.paragraph_count for s in self.sources),
                                               initial=0))

    def groups(self) -> list[tuple[str, int]]:
        """(kind, first document) of each group."""
        out = []
        for kind, count, per in (("b", len(self.briefings), PER_SHARD[0]),
                                 ("p", self.paragraph_count, PER_SHARD[1])):
            out += [(kind, start) for start in range(0, count, per * GROUP)]
        return out

    def shard_files(self, g: tuple[str, int]) -> list[str]:
        """The output paths of group `g`'s document shards."""
        kind, start = g
        per = PER_SHARD[kind == "p"]
        count = len(self.briefings) if kind == "b" else self.paragraph_count
        end = min(count, start + per * GROUP)
        return [f"search/d/{kind}{n}.js" for n in range(start // per, -(-end // per))]

    def key(self, g: tuple[str, int]) -> tuple:
        """Everything group `g`'s shards and postings follow from (for the memo)."""
        kind, start = g
        per = PER_SHARD[kind == "p"]
        end = start + per * GROUP
        if kind == "b":
            return (kind, start, tuple(self.averages),  # (a text's last field is the body,
                    _json([self.records[start:end],   # which its record holds too)
                           [text[:-1] for text in self.texts[start:end]]]))
        first = bisect_right(self.first_paragraph, start) - 1
        last = bisect_right(self.first_paragraph, end - 1) - 1
        return (kind, start, tuple(self.paragraph_average), self.first_paragraph[first],
                tuple((s.seed.id, s.seed.digest, s.seed.title, self.link(s.site_path))
                      for s in self.sources[first:last + 1]))

    def group(self, g: tuple[str, int]) -> tuple[list[tuple[str, bytes]], tuple]:
        """The group's document shards, and its postings packed (see `_pack`)."""
        kind, start = g
        per = PER_SHARD[kind == "p"]
        if kind == "b":
            postings = _Postings(BRIEFING_FIELDS, self.averages)
            records = self._briefings(postings, start, start + per * GROUP)
        else:
            postings = _Postings(PARAGRAPH_FIELDS, self.paragraph_average)
            records = self._paragraphs(postings, start, start + per * GROUP)
        files = list(_doc_shards(kind, records, per, start // per))
        return files, _pack(postings.lists)

    def _record(self, b) -> list:
        """A briefing as the browser shows it (see the module doc)."""
        sources = self.site.sources
        return [b.title, self.link(b.site_path), b.date.isoformat(),
                [self.topic_ids[t] for t in b.topics if t in self.topic_ids],
                b.bottom_line, [kp.text for kp in b.key_points], b.body_text,
                [sources[s].seed.title for s in b.seeds if s in sources]]

    def _briefings(self, postings: _Postings, start: int, end: int) -> Iterator[list]:
        for i in range(start, min(end, len(self.briefings))):
            postings.add(2 * i, self.texts[i])
            yield self.records[i]

    def _paragraphs(self, postings: _Postings, start: int, end: int) -> Iterator[list]:
        """Paragraphs `start` to `end` (numbered across all sources, in order)."""
        first = bisect_right(self.first_paragraph, start) - 1  # the source paragraph
        j = self.first_paragraph[first]  # `start` is in
        for (pid, text), source in ((p, s) for s in islice(self.sources, first, None)
                                    for p in _paragraphs([s])):
            if j >= end:
                return
            if j >= start:
                postings.add(2 * j + 1, [text])
                yield [source.seed.title, self.link(f"{source.site_path}#{pid}"), pid, text,
                       source.seed.meta.reliability or ""]
            j += 1


def _pack(lists: dict[str, array]) -> tuple[str, bytes, bytes]:
    """Postings as three values, whatever their number: the words joined by newlines
    (which no word holds), each word's posting count and all postings, as 32-bit arrays."""
    return ("\n".join(lists), array("I", map(len, lists.values())).tobytes(),
            b"".join(flat.tobytes() for flat in lists.values()))


def _unpack(packed: tuple[str, bytes, bytes], postings: defaultdict[str, array]) -> None:
    """Append packed postings (see `_pack`) to `postings`."""
    words, counts, data = packed
    view, at = memoryview(data), 0
    for word, count in zip(words.split("\n") if words else (), array("I", counts)):
        postings[word].frombytes(view[at:at + 4 * count])
        at += 4 * count


def _doc_shards(name: str, docs: Iterator[list], per: int, number: int
                ) -> Iterator[tuple[str, bytes]]:
    chunk: list[list] = []
    for doc in docs:
        chunk.append(doc)
        if len(chunk) == per:
            yield f"search/d/{name}{number}.js", _shard(f"{name}{number}", chunk)
            chunk, number = [], number + 1
    if chunk:
        yield f"search/d/{name}{number}.js", _shard(f"{name}{number}", chunk)
