"""The documents of the search index — briefings and source paragraphs — as the browser
shows them (the document shards) and as they are indexed (their fields' texts), in
groups of GROUP document shards that are indexed, and remembered, together."""
from __future__ import annotations

import hashlib
from bisect import bisect_right
from itertools import accumulate, groupby, islice
from operator import itemgetter
from typing import Iterator

from .. import urls
from ..errors import SiteError
from ..derived import Derived
from ..memo import Carried, no_memo, replaced
from ..model.markup import html_text
from ..model.site import Site
from .postings import DOC, Packed, Postings, averages, coarse, pack
from .scripts import SEARCH_PAGE, shard_script

PER_SHARD = (2, 16)  # briefings, source paragraphs per document shard (~10 kB each)
GROUP = 32  # document shards indexed together: by one worker, kept as one memo entry
# Field weights: (name, weight). A briefing's fields, then a source paragraph's.
BRIEFING_FIELDS = (("title", 5.0), ("topics", 3.0), ("bottom line", 2.0),
                   ("key points", 1.5), ("sources", 1.5), ("analysis", 1.0))
PARAGRAPH_FIELDS = (("paragraph", 1.0),)

_BODY = 6  # the body's text: its place in a briefing's record
_WEIGHED_MOST = 4 * PER_SHARD[0] * GROUP  # briefings whose weights are carried, at most
Group = tuple[str, int]  # (kind: "b" or "p", its first document of that kind)
# Carried by a warm memo (see where each is used).
_LENGTHS, _SIZES, _WEIGHED = "search field lengths", "search paragraph sizes", "search weighed"


def digest(value) -> str:
    """The search stage's digest of a value made of str, numbers, lists and tuples (their
    repr is unambiguous): a group's key stands for its documents by it, so the memo and
    the output's record digest a short key, not a group's whole text."""
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


def _paragraphs(sources) -> Iterator[tuple[str, str]]:
    """(paragraph id, text) of every paragraph of `sources`, in order."""
    for source in sources:
        for block in source.seed.paragraphs:
            yield block.id, block.text


class Documents:
    """The documents of the index, in groups that worker processes index on their own:
    `group(g)` gives the group's document shards and its postings.

    Documents are numbered in the order they joined the site (briefings oldest first,
    the sources' paragraphs in the sources' order), briefings even and paragraphs odd, so
    an added briefing or seed adds documents at the end and leaves the others' shards
    and numbers alone. Each source's paragraphs start a document shard of their own
    (their numbers run on from a multiple of its size), so a paragraph added to or taken
    from a source leaves the numbers of the others' paragraphs alone, but where the
    source then fills one shard more or one less (see `_span`): a term's postings hold
    the numbers, and a shift would make every term shard again."""

    def __init__(self, site: Site, memo=no_memo):
        """A warm `memo` (see sitegen.memo) carries the briefings' documents (see
        sitegen.derived), so a rebuild in the same process works out only those of the
        briefings that changed. The sources' paragraphs are counted and measured without
        being read (see load.blocks)."""
        self.site, self.link = site, urls.linker(SEARCH_PAGE, site.config.clean_links)
        self.briefings = list(site.briefings.values())[::-1]
        self.memo = memo
        docs = self._documents()
        self.records, self.texts, self.digests, self.lengths = (
            list(column) for column in zip(*docs)) if docs else ([], [], [], [])
        self.averages = averages(self._field_lengths(), len(self.texts))
        self.sources = list(site.sources.values())
        counts, chars = self._paragraph_sizes()
        self.paragraph_count = sum(counts)
        # The number of each source's first paragraph, and one past the last's numbers.
        self.first_paragraph = list(accumulate(map(_span, counts), initial=0))
        if 2 * max(self.first_paragraph[-1], len(self.briefings)) >= DOC:
            raise SiteError.at("seeds", None, f"{self.paragraph_count:,} source paragraphs "
                               f"in {len(counts):,} sources: the search index numbers "
                               f"{DOC // 2:,} at most, a source's from a multiple of "
                               f"{PER_SHARD[1]}", code="too-large")
        self.paragraph_average = [coarse(chars / max(1, self.paragraph_count))]
        # The briefings indexed here in the last build, by digest (see `_briefings`).
        last = memo.carried(_WEIGHED)
        self._weighed = last[1] if last is not None and last[0] == self.averages else {}
        self._weighed_now: dict[str, tuple[dict[str, int], str]] = {}

    def done(self) -> None:
        """Carry, in a warm memo, what the groups indexed in this process worked out of
        their briefings: a save in a briefing makes its group again, and the group's other
        briefings are weighed as they were. (Four groups' at most: a memo holding every
        briefing's words would hold the index twice.)"""
        self.memo.carry(_WEIGHED, (self.averages, self._weighed_now))

    def _kept_weights(self) -> dict:
        """Where `_briefings` keeps what it weighs for `done`: nowhere where the memo
        carries nothing (a worker's, a single build's), nor once four groups' briefings
        are kept (a build that indexes every group here)."""
        keep = self.memo.carries and len(self._weighed_now) < _WEIGHED_MOST
        return self._weighed_now if keep else {}

    def _field_lengths(self) -> list[int]:
        """The length of each of the briefings' fields, summed over their documents. A
        warm memo carries the sums with the documents' lengths: the next build adds and
        takes off those that are not the very same tuples at their places (a document
        made again), instead of adding up every document's again."""
        last, lengths = self.memo.carried(_LENGTHS), self.lengths
        if last is not None and len(last[0]) == len(lengths):
            was, sums = last
            for i in replaced(lengths, was):
                sums = [total + new - old for total, new, old in zip(sums, lengths[i], was[i])]
        else:
            sums = [sum(map(itemgetter(i), lengths)) for i in range(len(BRIEFING_FIELDS))]
        self.memo.carry(_LENGTHS, (lengths, sums))
        return sums

    def _paragraph_sizes(self) -> tuple[list[int], int]:
        """Each source's paragraph count, and the length of all paragraphs: carried by a
        warm memo with the sources, and brought up to date from those that are not the
        very same records at their places."""
        last, sources = self.memo.carried(_SIZES), self.sources
        if last is not None and len(last[0]) == len(sources):
            was, counts, chars = last
            changed = replaced(sources, was)
            counts = list(counts) if changed else counts
            for i in changed:
                counts[i] = sources[i].seed.paragraph_count
                chars += sources[i].seed.paragraph_chars - was[i].seed.paragraph_chars
        else:
            counts = [s.seed.paragraph_count for s in sources]
            chars = sum(s.seed.paragraph_chars for s in sources)
        self.memo.carry(_SIZES, (sources, counts, chars))
        return counts, chars

    def _documents(self) -> list[tuple]:
        """Each briefing's document (see `_document`), made again only when what it
        follows from changed (see sitegen.derived): the briefing, the topics and sources it
        names, the topics' ids, how links are written (a change of the topics' ids, as a
        topic added before others makes, makes every document again)."""
        site, topic_ids = self.site, {slug: i for i, slug in enumerate(self.site.topics)}
        topics, sources = site.topics, site.sources
        made = Derived(site, self.memo, "search", (topic_ids, site.config.clean_links))

        def document(b) -> tuple[tuple, tuple]:
            named = tuple(topics[t] for t in b.topics if t in topics)
            shown = (b, named, tuple(sources[s] for s in b.seeds if s in sources))
            return shown, self._document(*shown, ids=tuple(topic_ids[t.slug] for t in named))
        docs = made.each("briefing", ((b.slug, b) for b in self.briefings), document)
        made.done()
        return docs

    def _document(self, b, topics: tuple, sources: tuple, *, ids: tuple
                  ) -> tuple[list, list[str], str, tuple[int, ...]]:
        """A briefing's record as the browser shows it (see the package doc) but for its
        body's text, its fields' texts in the order of BRIEFING_FIELDS but for the last
        (the body's text), the digest of both with the body's HTML, and each field's
        length. Rule: the body's text is worked out where the group's shards and postings
        are made (`group`), so this process never holds the texts of all bodies."""
        key_points = [kp.text for kp in b.key_points]
        seed_titles = [s.seed.title for s in sources]
        record = [b.title, self.link(b.site_path), b.date.isoformat(), list(ids),
                  b.bottom_line, key_points, None, seed_titles]
        texts = [b.title, " ".join(n for t in topics for n in (t.title, *t.aliases)),
                 b.bottom_line, " ".join(key_points), " ".join(seed_titles)]
        # (the body by the digest of its bytes: a repr would copy it, escaped, first)
        body = hashlib.blake2b(b.body_html.encode("utf-8", "surrogatepass"), digest_size=16)
        return (record, texts, digest((record, texts, body.hexdigest())),
                (*map(len, texts), b.body_chars))

    @property
    def highest(self) -> int:
        """More than any document's number."""
        return 2 * max(len(self.briefings), self.first_paragraph[-1]) + 1

    def groups(self) -> list[Group]:
        """(kind, first document) of each group."""
        out = []
        for kind, count, per in (("b", len(self.briefings), PER_SHARD[0]),
                                 ("p", self.first_paragraph[-1], PER_SHARD[1])):
            out += [(kind, start) for start in range(0, count, per * GROUP)]
        return out

    def shard_files(self, g: Group) -> list[str]:
        """The output paths of group `g`'s document shards."""
        kind, start = g
        per = PER_SHARD[kind == "p"]
        # (no shard in the range is empty: each source's paragraphs fill their shards but
        # the last, see `_span`)
        count = len(self.briefings) if kind == "b" else self.first_paragraph[-1]
        end = min(count, start + per * GROUP)
        return [f"search/d/{kind}{n}.js" for n in range(start // per, -(-end // per))]

    def keys(self, groups: list[Group]) -> list[tuple[tuple, str]]:
        """(key, its digest) of each group: everything its shards and postings follow
        from (for the memo). A warm memo carries them (see sitegen.memo.Carried): a
        group's stands while its documents' digests, or its sources (the very same
        records) and their first paragraph's number, and the averages are the same."""
        carried, keys = Carried(self.memo, "search keys"), []
        for g in groups:
            kind, start = g
            end = start + PER_SHARD[kind == "p"] * GROUP
            if kind == "b":
                inputs = (g, tuple(self.averages), tuple(self.digests[start:end]))
            else:
                first = bisect_right(self.first_paragraph, start) - 1
                last = bisect_right(self.first_paragraph, end - 1) - 1
                inputs = (g, tuple(self.paragraph_average), self.first_paragraph[first],
                          tuple(self.sources[first:last + 1]), self.site.config.clean_links)
            was = carried.get(g, inputs)
            if was is None:
                key = self._key(inputs)
                was = carried.put(g, inputs, (key, digest(key)), (), ())
            keys.append(was[1])
        carried.done()
        return keys

    def _key(self, inputs: tuple) -> tuple:
        """A group's key, from its inputs as `keys` gathers them."""
        if inputs[0][0] == "b":
            g, averages, digests = inputs
            return (*g, averages, digest(list(digests)))
        g, averages, first, sources, _clean_links = inputs  # (what self.link follows)
        return (*g, averages, first, tuple((s.seed.parsed_from, s.seed.title,
                                           self.link(s.site_path)) for s in sources))

    def group(self, g: Group) -> tuple[list[tuple[str, bytes]], Packed]:
        """The group's document shards, and its postings packed (see postings.pack)."""
        kind, start = g
        per = PER_SHARD[kind == "p"]
        if kind == "b":
            postings = Postings(BRIEFING_FIELDS, self.averages)
            records = self._briefings(postings, start, start + per * GROUP)
        else:
            postings = Postings(PARAGRAPH_FIELDS, self.paragraph_average)
            records = self._paragraphs(postings, start, start + per * GROUP)
        files = list(_doc_shards(kind, records, per))
        return files, pack(postings.lists)

    def _briefings(self, postings: Postings, start: int, end: int
                   ) -> Iterator[tuple[int, list]]:
        """The briefings' numbers and records; each weighed as the last build did (see
        `done`), when its digest (of its record, texts and body) and the averages are as
        they were."""
        kept = self._kept_weights()
        for i in range(start, min(end, len(self.briefings))):
            weighed = self._weighed.get(self.digests[i])
            if weighed is None:
                body = html_text(self.briefings[i].body_html)
                weighed = (postings.weights([*self.texts[i], body]), body)
            kept[self.digests[i]] = weighed
            postings.add_weights(2 * i, weighed[0])
            record = list(self.records[i])
            record[_BODY] = weighed[1]
            yield i, record

    def _paragraphs(self, postings: Postings, start: int, end: int
                    ) -> Iterator[tuple[int, list]]:
        """The numbers and records of the paragraphs numbered `start` to `end`."""
        first = bisect_right(self.first_paragraph, start) - 1  # the source `start` is in
        for s, source in enumerate(islice(self.sources, first, None), first):
            j = self.first_paragraph[s]
            if j >= end:
                return
            # (never into the next source's numbers, whatever its stored count said)
            for pid, text in islice(_paragraphs([source]), self.first_paragraph[s + 1] - j):
                if j >= end:
                    return
                if j >= start:
                    postings.add(2 * j + 1, [text])
                    yield j, [source.seed.title, self.link(f"{source.site_path}#{pid}"), pid,
                              text, source.seed.meta.reliability or ""]
                j += 1


def _span(count: int) -> int:
    """The numbers a source's `count` paragraphs take: whole document shards."""
    per = PER_SHARD[1]
    return -(-count // per) * per


def _doc_shards(name: str, docs: Iterator[tuple[int, list]], per: int
                ) -> Iterator[tuple[str, bytes]]:
    """The document shards of (number, record)s in order: shard n holds the documents
    numbered n * per on, the browser finds one at its number's place in it."""
    for number, chunk in groupby(docs, key=lambda doc: doc[0] // per):
        records = [record for _n, record in chunk]
        yield f"search/d/{name}{number}.js", shard_script(f"{name}{number}", records)
