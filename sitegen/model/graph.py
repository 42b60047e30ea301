"""Assemble the site graph from what `load` read: check every reference between files,
prove citations, render Markdown, and work out all cross-links.

Rule: a record equal to the previous build's is that very object again (a warm memo
carries the records: see sitegen.memo), so what is worked out from it later (its digest
in sitegen.engine.digest, the pages and documents of sitegen.derived, the source records)
is worked out once. And a briefing's record is made again only when what it is made of
changed (see `_Records`): an edit costs the records it touches."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from functools import partial
from itertools import chain, compress, repeat
from operator import attrgetter, eq, is_, itemgetter, not_
from typing import NamedTuple

from ..memo import Carried, as_last, carried_whole, differing, no_memo, replaced
from ..errors import Collector
from ..load.config import Config
from ..load.lockfile import Lock
from ..load.content import BriefingSource, TopicSource
from ..load.media import MediaFile
from ..load.seeds import Seed
from . import hrefs
from . import related as rel
from .citations import SeedIndex, resolve_claim
from .links import Links, check_refs, check_topics
from .lists import Lists
from .markup import Link, MarkdownRenderer, html_text
from .site import Briefing, Site
from .sources import source_records
from .topics import topic_records

# carried by a warm memo: briefing records as made, and as resolved (see hrefs); topics;
# the topics each briefing is on
_RECORDS, _FINAL, _TOPICS, _TOPICS_OF = "briefing-records", "briefings", "topics", "topics of"


def build_site(config: Config, seeds: dict[str, Seed], briefing_sources: list[BriefingSource],
               topic_sources: list[TopicSource], out: Collector, memo=no_memo,
               unreadable_seeds: frozenset[str] = frozenset(),
               media: dict[str, MediaFile] | None = None, lock: Lock | None = None) -> Site:
    """The resolved site graph; problems go to `out` (the caller raises on errors).
    `memo` (see sitegen.memo) may reuse rendered Markdown, proven claims, related lists,
    and work out the Markdown and the claims on several cores; `media`: the files bodies
    may show or link (see load.media; the site keeps those they do); `lock`:
    sitegen.lock as read.

    Rule: a file with errors of its own (a `failed` briefing or topic, a seed in
    `unreadable_seeds`) still names something: other files may refer to it without an
    error of their own, and its own references are checked too, so a build reports every
    cause at once and no echo of one. Nothing is built from it, nor from a briefing citing
    an unreadable seed (its links are checked once the seed reads)."""
    all_briefings = dict(zip(map(_SLUG, briefing_sources), briefing_sources))
    known_topics = {t.slug: t for t in topic_sources}
    topic_src = {t.slug: t for t in topic_sources if not t.failed}
    check_topics(known_topics, all_briefings, out)
    known_seeds = {**dict.fromkeys(unreadable_seeds), **seeds}
    check_refs(briefing_sources, known_seeds, known_topics, all_briefings, out, memo)
    kept = _kept(config, briefing_sources, unreadable_seeds)
    order = dict(zip(map(_SLUG, kept), range(len(kept))))
    published = set(order)
    md = _CachedMarkdown(_topic_names(topic_src), config.estimative, memo, out)
    links = Links(known_topics, all_briefings, published, known_seeds, memo)
    links_of = links.of(kept, out)
    links.done()
    topics_of = _topics_of(kept, topic_src, memo)
    around = _around(kept, all_briefings, published, order, topics_of, links_of, memo, out)
    records = _Records(memo, md, seeds)
    briefings = records.make(kept, links_of, topics_of, around, out)
    lists = Lists(memo, briefings, topic_src)
    topics = topic_records(topic_src, known_topics, lists, topics_of, md, all_briefings,
                           published, known_seeds, memo, out)
    briefings, topics, used = hrefs.resolve_bodies(
        briefings, topics, seeds, media or {},
        {f.path: f for f in (*topic_sources, *briefing_sources)}, out, memo)
    briefings = as_last(memo, _FINAL, briefings)  # (see the module doc)
    topics = as_last(memo, _TOPICS, topics)
    sources = source_records(seeds, briefings, lists.citing, config.originals, memo)
    return Site(config, briefings, topics, sources, lists.timeline,
                tuple(sorted(used.values(), key=lambda m: m.path)), lock)


class _Records:
    """The briefing records of one build. A warm memo carries each briefing's record
    (see sitegen.memo.Carried) with what it was made of: its source, resolved links,
    cited seeds, topics, the briefings around it, and the topic names and seed ids every
    record reads. The next build takes the record as it was while all of that is the
    same, without asking for its claims and Markdown: told at C speed for the briefings
    whose source, links, topics and seeds are the very objects the record was made of
    (an edit changes few of thousands), by comparing the rest; where the last build had
    as many briefings, by comparing what it was given with what this one is (see
    `_standing_places`), as every record it made or kept holds those very inputs."""

    def __init__(self, memo, md: "_CachedMarkdown", seeds: dict[str, Seed]):
        self.memo, self.md, self.seeds = memo, md, seeds
        self.seed_ids = _hash("\n".join(seeds))
        self.carried = Carried(memo, _RECORDS)

    def make(self, kept: list[BriefingSource], links_of: dict, topics_of: dict, around: dict,
             out: Collector) -> dict[str, Briefing]:
        """Slug -> record of each briefing in `kept`, in its order."""
        index = SeedIndex(self.seeds)
        slugs = list(map(_SLUG, kept))
        stands, entries = self._standing(kept, slugs, links_of, topics_of, around)
        made, todo = dict.fromkeys(slugs), []  # (in `kept`'s order)
        made.update(zip(compress(slugs, stands), entries))
        for i in list(compress(range(len(kept)), map(not_, stands))):
            b = kept[i]
            inputs = _Inputs(b, links_of[b.slug], self.md.names, self.seed_ids,
                             tuple(map(self.seeds.get, b.seeds)), topics_of[b.slug],
                             around[b.slug])
            made[b.slug] = self.carried.get(b.slug, inputs)
            if made[b.slug] is None:
                todo.append((b, inputs, _claims_job(b, self.seeds, self.seed_ids, index)))
        self.md.prefetch([(b.body, links_of[b.slug]) for b, _inputs, _job in todo])
        self.memo.run("claims", [job for _b, _inputs, job in todo], label="proving citations")
        for b, inputs, job in todo:
            problems = Collector()
            key_points, timeline = self.memo("claims", *job, problems)
            body = self.md.render(b.body, inputs.links)
            made[b.slug] = self.carried.put(
                b.slug, inputs, _briefing(b, inputs, key_points, timeline, body),
                problems.problems,
                (("claims", job[0]), ("markdown", self.md.key(b.body, inputs.links))))
        self.carried.done()
        # in `kept`'s order, as a clean build reports them
        out.extend(chain.from_iterable(map(_PROBLEMS, made.values())))
        return dict(zip(made, map(_VALUE, made.values())))

    def _standing(self, kept: list[BriefingSource], slugs: list[str], links_of: dict,
                  topics_of: dict, around: dict) -> tuple[list[bool], list[tuple]]:
        """Whether each briefing's carried record stands by identity — made of its very
        source, links, topics and seeds, the same briefings around it, while the topic
        names and seed ids are equal — and the carried entries of those that do (kept:
        see Carried), in order."""
        last, was = self.carried.last, self.memo.carried(_CONTEXT)
        self.memo.carry(_CONTEXT, _Context(self.seeds, self.md.names, self.seed_ids, kept,
                                           links_of, topics_of, around))
        if not last or was is None or (was.names, was.seed_ids) != (self.md.names,
                                                                    self.seed_ids):
            return [False] * len(kept), []
        if len(was.kept) == len(kept):
            stands = self._standing_places(was, kept, slugs, links_of, topics_of, around)
        else:
            entries = list(map(_INPUTS, map(last.get, slugs, repeat(_NOT_CARRIED))))
            stands = list(map(all, zip(
                map(is_, map(_SOURCE, entries), kept),
                map(is_, map(_LINKS, entries), map(links_of.__getitem__, slugs)),
                map(is_, map(_TOPICS_ON, entries), map(topics_of.__getitem__, slugs)),
                map(eq, map(_AROUND_OF, entries), map(around.__getitem__, slugs)))))
        seeds, was_seeds = self.seeds, was.seeds  # (the same ids: see seed_ids)
        changed = set(differing(seeds, was_seeds)) if seeds is not was_seeds else ()
        if changed:  # the briefings citing a seed that is not the very same look again
            stands = [same and changed.isdisjoint(b.seeds) for same, b in zip(stands, kept)]
        return stands, self.carried.keep_many(list(compress(slugs, stands)))

    def _standing_places(self, was: "_Context", kept: list[BriefingSource], slugs: list[str],
                         links_of: dict, topics_of: dict, around: dict) -> list[bool]:
        """`_standing`'s answer (whether each record stands, but for the seeds) where the
        last build had as many briefings: a record the last build made or kept holds the
        very inputs that build had (see Carried), so only the places whose source is not
        that build's very object, and the briefings whose links, topics or briefings
        around are not the very same (an equal `around` will do), are looked at."""
        stands = [True] * len(kept)
        for i in replaced(kept, was.kept):
            stands[i] = False
        look = {*differing(links_of, was.links_of), *differing(topics_of, was.topics_of)}
        last = self.carried.last
        look.update(slug for slug in differing(around, was.around)
                    if _AROUND_OF(last.get(slug, _NOT_CARRIED)[0]) != around[slug])
        if look:
            at = dict(zip(slugs, range(len(slugs)))) if len(look) > 16 else None
            for slug in look:
                stands[at[slug] if at else slugs.index(slug)] = False
        return stands


class _Inputs(NamedTuple):
    """What a briefing's record is made of (see `_Records`)."""

    source: BriefingSource
    links: dict[str, Link]  # its body's resolved links
    names: str  # the topic names' digest (see _CachedMarkdown)
    seed_ids: str  # which seeds exist (their digest)
    seeds: tuple  # the seeds it cites (None: no such seed)
    topics: tuple[str, ...]
    around: tuple  # related, backlinks, previous, next (see `_around`)


class _Context(NamedTuple):
    """What every record of a build was made from (see `_Records._standing`)."""

    seeds: dict
    names: str
    seed_ids: str
    kept: list
    links_of: dict
    topics_of: dict
    around: dict


_CONTEXT = "briefing-records context"  # carried: what every record reads (see _Records)
_AROUND = "around briefings"  # carried (see `_around`)
_NOT_CARRIED = (_Inputs(*[None] * len(_Inputs._fields)), None, (), ())
_INPUTS, _VALUE, _PROBLEMS = itemgetter(0), itemgetter(1), itemgetter(2)
_SOURCE, _LINKS, _TOPICS_ON, _AROUND_OF = (attrgetter(name) for name in (
    "source", "links", "topics", "around"))
_SLUG = attrgetter("slug")


def _briefing(b: BriefingSource, inputs: _Inputs, key_points: tuple, timeline: tuple,
              body: tuple[str, int]) -> Briefing:
    """The record of `b`, from what `_Records` gathered."""
    related, backlinks, previous, next_ = inputs.around
    return Briefing(
        slug=b.slug, path=b.path, title=b.title, date=b.date, seeds=b.seeds,
        topics=inputs.topics, bottom_line=b.bottom_line, confidence=b.confidence,
        key_points=key_points, timeline=timeline, body_html=body[0], body_chars=body[1],
        draft=b.draft, related=related, backlinks=backlinks, previous=previous, next=next_,
        word_count=b.word_count, authors=b.authors, updated=b.updated,
        revisions=b.revisions)


def _around(kept: list[BriefingSource], all_briefings: dict[str, BriefingSource],
            published: set[str], order: dict[str, int], topics_of: dict[str, tuple[str, ...]],
            links_of: dict[str, dict[str, Link]], memo, out: Collector) -> dict[str, tuple]:
    """Slug -> (related briefings, backlinks, previous, next) of each briefing built:
    what its page shows around it, worked out from the other briefings. A warm memo
    carries it: while the related lists, the backlinks and the order are the same, it is
    the last build's very dict (so the records it goes into stand by identity)."""
    explicit = dict.fromkeys(topics_of, ())
    for s in [s for s in topics_of if all_briefings[s].related]:
        explicit[s] = tuple([r for r in all_briefings[s].related if r in published])
    related = carried_whole(memo, "related", (topics_of, explicit, order), lambda: (
        (tuple(topics_of.items()), tuple(explicit.items()), tuple(order.items())),
        lambda _: rel.related_briefings(topics_of, explicit, order)), out)
    last = memo.carried(_AROUND)
    backlinked = _backlinks(kept, order, links_of, last)
    by_date = list(map(_SLUG, reversed(kept)))  # oldest first
    if last is not None and last.related is related and last.backlinked is backlinked \
            and last.by_date == by_date:
        made = last.made
    else:
        made = {slug: (related[slug], backlinked.get(slug, ()),
                       by_date[i - 1] if i > 0 else None,
                       by_date[i + 1] if i + 1 < len(by_date) else None)
                for i, slug in enumerate(by_date)}
    memo.carry(_AROUND, _Around(links_of, order, related, backlinked, by_date, made))
    return made


class _Around(NamedTuple):
    """What `_around` carries to the next build: what it was made from, and made."""

    links_of: dict
    order: dict
    related: dict
    backlinked: dict
    by_date: list
    made: dict


def _backlinks(kept: list[BriefingSource], order: dict[str, int],
               links_of: dict[str, dict[str, Link]], last: "_Around | None"
               ) -> dict[str, tuple[str, ...]]:
    """Slug -> the briefings linking to it, in `order`: the last build's (`last`: what
    `_around` carried) while the order and every briefing's links are equal."""
    if last is not None and last.order == order and last.links_of.keys() == links_of.keys():
        was = last.links_of
        if all(was[slug] == links_of[slug] for slug in differing(links_of, was)):
            return last.backlinked
    backlinks: dict[str, list[str]] = defaultdict(list)
    for b in kept:  # newest first
        for link in links_of[b.slug].values():
            if link.site_path and link.site_path.startswith("briefings/"):
                to = link.site_path.split("/")[1]
                if to != b.slug and b.slug not in backlinks[to]:
                    backlinks[to].append(b.slug)
    return {to: tuple(sorted(slugs, key=order.get)) for to, slugs in backlinks.items()}


def _topics_of(kept: list[BriefingSource], topics: dict[str, TopicSource], memo=no_memo
               ) -> dict[str, tuple[str, ...]]:
    """Slug -> the topics each briefing is on: those it names that exist and have no
    errors, each once, in its order (a briefing's own `topics` where they all are: the
    common case, told at C speed). A warm memo carries it: while the topics are the same
    and the briefings the same, in the same order, it is worked out again only for the
    sources that are not the very same objects, and is the last build's very dict when
    none of those changed topics (so what follows from it alone stands: see `_around`)."""
    last = memo.carried(_TOPICS_OF)
    if last is not None and len(last[0]) == len(kept) and last[1] == topics.keys():
        was_kept, _names, was = last
        changed = replaced(kept, was_kept)
        if len(changed) * 8 < len(kept) and \
                all(kept[i].slug == was_kept[i].slug for i in changed):  # the same order
            now = {kept[i].slug: _named(kept[i], topics) for i in changed}
            if any(was[slug] != named for slug, named in now.items()):
                was = {**was, **now}
            memo.carry(_TOPICS_OF, (kept, topics.keys(), was))
            return was
    if all(map(topics.__contains__, chain.from_iterable(map(attrgetter("topics"), kept)))):
        made = {b.slug: b.topics if len(set(b.topics)) == len(b.topics)
                else tuple(dict.fromkeys(b.topics)) for b in kept}
    else:
        made = {b.slug: _named(b, topics) for b in kept}
    memo.carry(_TOPICS_OF, (kept, topics.keys(), made))
    return made


def _named(b: BriefingSource, topics: dict[str, TopicSource]) -> tuple[str, ...]:
    """The topics `b` is on (see `_topics_of`)."""
    named = tuple([t for t in dict.fromkeys(b.topics) if t in topics])
    return b.topics if named == b.topics else named


def _kept(config: Config, sources: list[BriefingSource], unreadable_seeds: frozenset[str]
          ) -> list[BriefingSource]:
    """The briefings the site is built from, newest first: not failed, not drafts (unless
    the build shows drafts), citing no seed that could not be read. (At C speed: this
    runs over every briefing on every build.)"""
    kept = list(compress(sources, map(not_, map(_FAILED, sources))))
    if not config.drafts:
        kept = list(compress(kept, map(not_, map(_DRAFT, kept))))
    if unreadable_seeds:
        kept = list(compress(kept, map(unreadable_seeds.isdisjoint, map(_SEEDS, kept))))
    return sorted(kept, key=_NEWEST, reverse=True)


_FAILED, _DRAFT, _SEEDS, _NEWEST = (attrgetter("failed"), attrgetter("draft"),
                                    attrgetter("seeds"), attrgetter("date", "slug"))


def _topic_names(topics: dict[str, TopicSource]) -> dict[str, str]:
    """Title or alias -> topic slug (the first topic by slug, where two share a name)."""
    names: dict[str, str] = {}
    for t in sorted(topics.values(), key=lambda t: t.slug):
        for name in (t.title, *t.aliases):
            names.setdefault(name, t.slug)
    return names


def _claims_job(b: BriefingSource, seeds: dict[str, Seed], seed_ids: str, index: SeedIndex):
    """The memo key and computation of a briefing's proven claims. The key holds everything
    resolve_claim reads: the briefing (by the digest of its text), its seeds' content, and
    which seed ids exist (`seed_ids`: their digest)."""
    return ((b.slug, b.path, b.digest, seed_ids,
             tuple((s, seeds[s].path, seeds[s].digest) for s in b.seeds if s in seeds)),
            lambda o: _claims(b, index, o))


def _claims(b: BriefingSource, index: SeedIndex, out: Collector):
    """(key points, timeline events) of a briefing, each citation proven."""
    return (tuple(resolve_claim(b, c, f"kp-{i}", index, out)
                  for i, c in enumerate(b.key_points, 1)),
            tuple(resolve_claim(b, c, f"ev-{i}", index, out)
                  for i, c in enumerate(b.timeline, 1)))


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class _CachedMarkdown:
    """`MarkdownRenderer.render` through the memo: the HTML depends only on the text, its
    resolved links, the topic names (title/alias -> slug), the estimative table and the
    topic being described. Its value is the HTML and the length of its visible text (see
    markup.html_text: what the search index holds of a body, and weighs by its length),
    worked out on the worker that renders the Markdown."""

    def __init__(self, names: dict[str, str], scales, memo, out: Collector):
        self.md, self.memo, self.out = MarkdownRenderer(names, scales), memo, out
        # A digest stands for the names in every key: hashing a tuple of thousands of
        # names for each of a hundred thousand keys would grow with topics x briefings.
        self.names = _hash(repr((tuple(names.items()), scales)))

    def key(self, text: str, links: dict[str, Link], skip_topic: str | None = None) -> tuple:
        return self.names, text, tuple(links.items()), skip_topic

    def prefetch(self, jobs: list[tuple[str, dict[str, Link]]]) -> None:
        """Render (text, links) jobs ahead, on several cores where the memo can (see
        sitegen.memo), for `render` to pick up."""
        self.memo.run("markdown", [(self.key(*job), partial(self._render, job)) for job in jobs],
                      label="rendering Markdown")

    def _render(self, job: tuple, _out: Collector) -> tuple[str, int]:
        """(HTML, its visible text's length) of a job: (text, links[, topic described])."""
        html = self.md.render(*job)
        return html, len(html_text(html))

    def render(self, text: str, links: dict[str, Link], skip_topic: str | None = None
               ) -> tuple[str, int]:
        """(HTML, its visible text's length) of Markdown `text`."""
        return self.memo("markdown", self.key(text, links, skip_topic),
                         partial(self._render, (text, links, skip_topic)), self.out)
