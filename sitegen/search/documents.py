"""The documents of the search index — briefings and source paragraphs — as the browser
shows them (the document shards) and as they are indexed (their fields' texts), in
groups of GROUP document shards that are indexed, and remembered, together."""
from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate, islice
from typing import Iterator

from .. import urls
from ..errors import SiteError
from ..model.site import Site
from .postings import DOC, Packed, Postings, averages, coarse, pack
from .scripts import SEARCH_PAGE, json_text, shard_script

PER_SHARD = (2, 16)  # briefings, source paragraphs per document shard (~10 kB each)
GROUP = 32  # document shards indexed together: by one worker, kept as one memo entry
# Field weights: (name, weight). A briefing's fields, then a source paragraph's.
BRIEFING_FIELDS = (("title", 5.0), ("topics", 3.0), ("bottom line", 2.0),
                   ("key points", 1.5), ("sources", 1.5), ("analysis", 1.0))
PARAGRAPH_FIELDS = (("paragraph", 1.0),)

Group = tuple[str, int]  # (kind: "b" or "p", its first document of that kind)


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


class Documents:
    """The documents of the index, in groups that worker processes index on their own:
    `group(g)` gives the group's document shards and its postings.

    Documents are numbered in the order they joined the site (briefings oldest first,
    the sources' paragraphs in the sources' order), briefings even and paragraphs odd, so
    an added briefing or seed adds documents at the end and leaves the others' shards
    and numbers alone."""

    def __init__(self, site: Site):
        self.site, self.link = site, urls.linker(SEARCH_PAGE, site.config.clean_links)
        self.briefings = list(site.briefings.values())[::-1]
        self.texts = _briefing_texts(site, self.briefings)
        self.topic_ids = {slug: i for i, slug in enumerate(site.topics)}
        self.records = [self._record(b) for b in self.briefings]
        self.averages = averages(self.texts, len(BRIEFING_FIELDS))
        lengths = [len(text) for _, text in _paragraphs(site.sources.values())]
        self.paragraph_count = len(lengths)
        if 2 * max(self.paragraph_count, len(self.briefings)) >= DOC:
            raise SiteError.at("seeds", None, f"{self.paragraph_count:,} source paragraphs: "
                               f"the search index holds at most {DOC // 2:,}",
                               code="too-large")
        self.paragraph_average = [coarse(sum(lengths) / max(1, len(lengths)))]
        self.sources = list(site.sources.values())
        self.first_paragraph = list(accumulate((s.seed.paragraph_count for s in self.sources),
                                               initial=0))

    @property
    def highest(self) -> int:
        """More than any document's number."""
        return 2 * max(len(self.briefings), self.paragraph_count) + 1

    def groups(self) -> list[Group]:
        """(kind, first document) of each group."""
        out = []
        for kind, count, per in (("b", len(self.briefings), PER_SHARD[0]),
                                 ("p", self.paragraph_count, PER_SHARD[1])):
            out += [(kind, start) for start in range(0, count, per * GROUP)]
        return out

    def shard_files(self, g: Group) -> list[str]:
        """The output paths of group `g`'s document shards."""
        kind, start = g
        per = PER_SHARD[kind == "p"]
        count = len(self.briefings) if kind == "b" else self.paragraph_count
        end = min(count, start + per * GROUP)
        return [f"search/d/{kind}{n}.js" for n in range(start // per, -(-end // per))]

    def key(self, g: Group) -> tuple:
        """Everything group `g`'s shards and postings follow from (for the memo)."""
        kind, start = g
        per = PER_SHARD[kind == "p"]
        end = start + per * GROUP
        if kind == "b":
            return (kind, start, tuple(self.averages),  # (a text's last field is the body,
                    json_text([self.records[start:end],   # which its record holds too)
                               [text[:-1] for text in self.texts[start:end]]]))
        first = bisect_right(self.first_paragraph, start) - 1
        last = bisect_right(self.first_paragraph, end - 1) - 1
        return (kind, start, tuple(self.paragraph_average), self.first_paragraph[first],
                tuple((s.seed.id, s.seed.digest, s.seed.title, self.link(s.site_path))
                      for s in self.sources[first:last + 1]))

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
        files = list(_doc_shards(kind, records, per, start // per))
        return files, pack(postings.lists)

    def _record(self, b) -> list:
        """A briefing as the browser shows it (see the package doc)."""
        sources = self.site.sources
        return [b.title, self.link(b.site_path), b.date.isoformat(),
                [self.topic_ids[t] for t in b.topics if t in self.topic_ids],
                b.bottom_line, [kp.text for kp in b.key_points], b.body_text,
                [sources[s].seed.title for s in b.seeds if s in sources]]

    def _briefings(self, postings: Postings, start: int, end: int) -> Iterator[list]:
        for i in range(start, min(end, len(self.briefings))):
            postings.add(2 * i, self.texts[i])
            yield self.records[i]

    def _paragraphs(self, postings: Postings, start: int, end: int) -> Iterator[list]:
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


def _doc_shards(name: str, docs: Iterator[list], per: int, number: int
                ) -> Iterator[tuple[str, bytes]]:
    chunk: list[list] = []
    for doc in docs:
        chunk.append(doc)
        if len(chunk) == per:
            yield f"search/d/{name}{number}.js", shard_script(f"{name}{number}", chunk)
            chunk, number = [], number + 1
    if chunk:
        yield f"search/d/{name}{number}.js", shard_script(f"{name}{number}", chunk)
