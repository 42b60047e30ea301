"""Assemble the site graph from what `load` read: check every reference between files,
prove citations, render Markdown, and work out all cross-links."""
from __future__ import annotations

import datetime as dt
import hashlib
import operator
from collections import defaultdict
from functools import partial

from ..memo import no_memo
from ..errors import Collector
from ..load.config import Config
from ..load.lockfile import Lock
from ..load.content import BriefingSource, TopicSource
from ..load.fields import suggest
from ..load.media import MediaFile
from ..load.seeds import Seed
from .. import urls
from . import hrefs
from . import related as rel
from .citations import SeedIndex, resolve_claim
from .markup import Link, MarkdownRenderer, wikilinks
from .site import Briefing, Citation, Site, Source, Topic


_SOURCES = "site-sources"  # what a warm memo carries to the next build (see `_sources`)


def _check_refs(b: BriefingSource, seeds: dict, topics: dict, briefings: dict,
                out: Collector) -> None:
    for key, known, what in (("seeds", seeds, "seed"), ("topics", topics, "topic"),
                             ("related", briefings, "briefing")):
        for i, ref in enumerate(getattr(b, key)):
            if ref not in known:
                hint = suggest(ref, known) or (f" (known {what}s: {', '.join(sorted(known)[:12])})"
                                               if known else f" (there are no {what}s yet)")
                out.error(b.path, b.doc.line(key, i), f"unknown {what} '{ref}'{hint}",
                          code=f"unknown-{what}")


def _check_topics(topics: dict[str, TopicSource], briefings: dict, out: Collector) -> None:
    for t in topics.values():
        if t.slug in briefings:
            out.error(t.path, None, f"slug '{t.slug}' names both this topic and the briefing "
                                    f"{briefings[t.slug].path}; [[{t.slug}]] would be "
                                    "ambiguous: rename one of the files", code="duplicate-slug")
        if t.parent is None:
            continue
        if t.parent not in topics:
            hint = suggest(t.parent, topics) or f" (known topics: {', '.join(sorted(topics)[:12])})"
            out.error(t.path, t.doc.line("parent"), f"unknown parent topic '{t.parent}'{hint}",
                      code="unknown-topic")
            continue
        seen, cur = [t.slug], t.parent
        while cur is not None and cur in topics:
            if cur in seen:
                out.error(t.path, t.doc.line("parent"),
                          f"parent '{t.parent}' makes a cycle of topics "
                          f"({' -> '.join(seen + [cur])}); remove one of these 'parent:' keys",
                          code="topic-cycle")
                break
            seen.append(cur)
            cur = topics[cur].parent


def _resolve_links(found, path: str, topics, briefings, published: set, seeds,
                   out: Collector) -> dict[str, Link]:
    """Resolve the `[[target]]`s `found` in one text (see markup.wikilinks); report those
    that point at nothing."""
    links = {}
    for target, at in found:
        kind, _, name = target.rpartition(":")
        kind = kind or None
        if kind == "topic" or (kind is None and name in topics):
            if name in topics:  # a topic with errors of its own: no error here
                links[target] = Link(None, name) if topics[name].failed else \
                    Link(urls.topic(name), topics[name].title)
                continue
        if kind == "briefing" or (kind is None and name in briefings):
            if name in briefings:
                b = briefings[name]
                if name in published:
                    links[target] = Link(urls.briefing(name), b.title)
                elif b.failed:  # errors of its own, reported in its file
                    links[target] = Link(None, name)
                else:
                    links[target] = Link(None, b.title)
                    out.warning(path, at, f"[[{target}]] links to a draft; it is shown as plain "
                                          "text until the draft is published", code="draft-link")
                continue
        if kind == "source":
            seed_id, _, para = name.partition("#")
            if seed_id in seeds and seeds[seed_id] is None:  # unreadable: its own error
                links[target] = Link(None, name)
                continue
            if seed_id in seeds and (not para or seeds[seed_id].has_paragraph(para)):
                links[target] = Link(urls.source(seed_id) + (f"#{para}" if para else ""),
                                     seeds[seed_id].title)
                continue
            if seed_id in seeds:
                why = (f"seed '{seed_id}' has no paragraph '{para}'; it has p1 to "
                       f"p{seeds[seed_id].paragraph_count}")
            else:
                why = f"there is no seed '{seed_id}'{suggest(seed_id, seeds)}"
            out.error(path, at, f"[[{target}]] links to nothing: {why}", code="broken-link")
            links[target] = Link(None, name)
            continue
        names = list(topics) + list(briefings)
        hint = suggest(name, names) or ("; write [[topic-slug]], [[briefing-slug]] or "
                                        "[[source:seed-id#p3]]")
        out.error(path, at, f"[[{target}]] links to nothing: no topic or briefing has that "
                            f"slug{hint}", code="broken-link")
        links[target] = Link(None, name)
    return links


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
    all_briefings = {b.slug: b for b in briefing_sources}
    known_topics = {t.slug: t for t in topic_sources}
    topic_src = {t.slug: t for t in topic_sources if not t.failed}
    _check_topics(known_topics, all_briefings, out)
    known_seeds = {**dict.fromkeys(unreadable_seeds), **seeds}
    for b in briefing_sources:
        _check_refs(b, known_seeds, known_topics, all_briefings, out)
    kept = _kept(config, briefing_sources, unreadable_seeds)
    published = {b.slug for b in kept}
    order = {b.slug: i for i, b in enumerate(kept)}
    md = _CachedMarkdown(_topic_names(topic_src), config.estimative, memo, out)
    index = SeedIndex(seeds)
    seed_ids = _hash("\n".join(seeds))

    links_of = {b.slug: _resolve_links(
        memo("wikilinks", (b.body, b.body_line), lambda _: tuple(wikilinks(b.body, b.body_line)),
             out), b.path, known_topics, all_briefings, published, known_seeds, out)
        for b in kept}
    md.prefetch([(b.body, links_of[b.slug]) for b in kept])
    claims_jobs = {b.slug: _claims_job(b, seeds, seed_ids, index) for b in kept}
    memo.run("claims", list(claims_jobs.values()), label="proving citations")
    topics_of = {b.slug: tuple(t for t in dict.fromkeys(b.topics) if t in topic_src)
                 for b in kept}
    around = _around(kept, all_briefings, published, order, topics_of, links_of, memo, out)
    briefings: dict[str, Briefing] = {}
    for b in kept:
        key_points, timeline = memo("claims", *claims_jobs.pop(b.slug), out)
        related, backlinks, previous, next_ = around[b.slug]
        briefings[b.slug] = Briefing(
            slug=b.slug, path=b.path, title=b.title, date=b.date, seeds=b.seeds,
            topics=topics_of[b.slug], bottom_line=b.bottom_line, confidence=b.confidence,
            key_points=key_points, timeline=timeline,
            body_html=md.render(b.body, links_of[b.slug]), draft=b.draft,
            related=related, backlinks=backlinks, previous=previous, next=next_,
            word_count=b.word_count, authors=b.authors, updated=b.updated,
            revisions=b.revisions)
    # Every event, oldest first (of one day, the older briefing's first): the site's
    # timeline, and each topic's events in the same order.
    timeline = tuple(sorted((e for b in briefings.values() for e in b.timeline),
                            key=lambda e: (e.date.key, -order[e.briefing], e.anchor)))
    topics = _topics(topic_src, known_topics, briefings, topics_of, timeline, md,
                     all_briefings, published, known_seeds, memo, out)
    briefings, topics, used = hrefs.resolve_bodies(
        briefings, topics, seeds, media or {},
        {f.path: f for f in (*topic_sources, *briefing_sources)}, out, memo)
    briefings = {b.slug: _interned(memo, "site-briefing", briefings[b.slug], out) for b in kept}
    topics = {slug: _interned(memo, "site-topic", t, out) for slug, t in topics.items()}
    sources = _sources(seeds, briefings, config.originals, memo)
    return Site(config, briefings, topics, sources, timeline,
                tuple(sorted(used.values(), key=lambda m: m.path)), lock)


def _around(kept: list[BriefingSource], all_briefings: dict[str, BriefingSource],
            published: set[str], order: dict[str, int], topics_of: dict[str, tuple[str, ...]],
            links_of: dict[str, dict[str, Link]], memo, out: Collector) -> dict[str, tuple]:
    """Slug -> (related briefings, backlinks, previous, next) of each briefing built:
    what its page shows around it, worked out from the other briefings."""
    explicit = {s: tuple(r for r in all_briefings[s].related if r in published)
                for s in topics_of}
    related = memo("related", (tuple(topics_of.items()), tuple(explicit.items()),
                               tuple(order.items())),
                   lambda _: rel.related_briefings(topics_of, explicit, order), out)
    backlinks: dict[str, list[str]] = defaultdict(list)
    for b in kept:  # newest first
        for link in links_of[b.slug].values():
            if link.site_path and link.site_path.startswith("briefings/"):
                to = link.site_path.split("/")[1]
                if to != b.slug and b.slug not in backlinks[to]:
                    backlinks[to].append(b.slug)
    by_date = [b.slug for b in reversed(kept)]  # oldest first
    return {slug: (related[slug], tuple(sorted(backlinks.get(slug, ()), key=order.get)),
                   by_date[i - 1] if i > 0 else None,
                   by_date[i + 1] if i + 1 < len(by_date) else None)
            for i, slug in enumerate(by_date)}


def _kept(config: Config, sources: list[BriefingSource], unreadable_seeds: frozenset[str]
          ) -> list[BriefingSource]:
    """The briefings the site is built from, newest first: not failed, not drafts (unless
    the build shows drafts), citing no seed that could not be read."""
    return sorted((b for b in sources if not b.failed and (config.drafts or not b.draft)
                   and not unreadable_seeds.intersection(b.seeds)),
                  key=lambda b: (b.date, b.slug), reverse=True)


def _topic_names(topics: dict[str, TopicSource]) -> dict[str, str]:
    """Title or alias -> topic slug (the first topic by slug, where two share a name)."""
    names: dict[str, str] = {}
    for t in sorted(topics.values(), key=lambda t: t.slug):
        for name in (t.title, *t.aliases):
            names.setdefault(name, t.slug)
    return names


def _interned(memo, step: str, value, out: Collector):
    """`value`, or the equal value the previous build made: a briefing or topic that did
    not change stays the same object from build to build (so does a source made of such:
    see `_sources`), so what is worked out from it later (its digest in
    sitegen.engine.digest, the pages and documents of sitegen.derived) is worked out
    once."""
    return memo(step, value, lambda _: value, out)


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
    topic being described."""

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

    def _render(self, job: tuple[str, dict[str, Link]], _out: Collector) -> str:
        return self.md.render(*job)

    def render(self, text: str, links: dict[str, Link], skip_topic: str | None = None) -> str:
        return self.memo("markdown", self.key(text, links, skip_topic),
                         lambda _: self.md.render(text, links, skip_topic), self.out)


def _topics(topic_src, known_topics, briefings, topics_of, timeline, md, all_briefings,
            published, seeds, memo, out):
    children = defaultdict(list)
    for t in topic_src.values():
        if t.parent in topic_src:
            children[t.parent].append(t.slug)
    members = defaultdict(list)
    for slug, b in briefings.items():  # newest first
        for t in b.topics:
            members[t].append(slug)
    related = memo("related-topics", (tuple(topics_of.items()),),
                   lambda _: rel.related_topics(topics_of), out)
    within = _with_subtopics(topic_src, children, members, {s: i for i, s in enumerate(briefings)})
    events = defaultdict(list)  # topic -> the events of the briefings on it, as `timeline`
    for e in timeline:
        for t in briefings[e.briefing].topics:
            events[t].append(e)
    topics = {}
    for t in sorted(topic_src.values(), key=lambda t: (t.title.lower(), t.slug)):
        links = _resolve_links(wikilinks(t.description, t.description_line), t.path,
                               known_topics, all_briefings, published, seeds, out)
        topics[t.slug] = Topic(
            slug=t.slug, path=t.path, title=t.title, kind=t.kind, aliases=t.aliases,
            parent=t.parent if t.parent in topic_src else None,
            description_html=md.render(t.description, links, skip_topic=t.slug)
            if t.description else "",
            children=tuple(sorted(children[t.slug], key=lambda s: topic_src[s].title.lower())),
            briefings=tuple(members[t.slug]), within=within[t.slug],
            related=related.get(t.slug, ()),
            events=tuple(events[t.slug]))
    return topics


def _with_subtopics(topics, children: dict, members: dict, rank: dict[str, int]) -> dict:
    """Topic slug -> the briefings on it or on any topic below it, newest first."""
    below: dict[str, set[str]] = {}

    def collect(slug: str, path: frozenset) -> set[str]:
        if slug not in below:
            slugs = set(members.get(slug, ()))
            for child in children.get(slug, ()):
                if child not in path:  # a cycle is an error reported elsewhere: never loop
                    slugs |= collect(child, path | {child})
            below[slug] = slugs
        return below[slug]

    return {slug: tuple(sorted(collect(slug, frozenset([slug])), key=rank.__getitem__))
            for slug in topics}


def _sources(seeds: dict[str, Seed], briefings: dict[str, Briefing], originals: bool,
             memo) -> dict[str, Source]:
    """The source pages; `originals`: publish the seeds' own files (each unless its
    sidecar says `original: false`). A source is made of its seed and the briefings
    naming it, whose claims are the only ones that may cite it (see
    citations.resolve_claim): a warm memo carries the sources to the next build, which
    takes a source as it was while its seed and those briefings are the very same
    objects (see `_interned`) and its original's path is the same."""
    citing = defaultdict(list)
    for b in briefings.values():  # newest first
        for sid in b.seeds:
            citing[sid].append(b)

    def joined(sid: str) -> tuple:
        """Sources in the order they joined the site, as far as it can be told: those no
        briefing cites by their `published` date, then the others by the date of the oldest
        briefing citing them (so a new briefing's new seed comes last), then by id."""
        if not citing[sid]:
            return (0, seeds[sid].meta.published_from or dt.date.min, sid)
        return (1, citing[sid][-1].date, sid)

    last, made = memo.carried(_SOURCES) or {}, {}

    def source(sid: str) -> Source:
        seed, by = seeds[sid], citing[sid]
        original = urls.original(sid, seed.file_name) if originals and seed.meta.original \
            else None
        was = last.get(sid)
        if was is not None and was[0] is seed and was[2] == original and len(was[1]) == len(by) \
                and all(map(operator.is_, was[1], by)):
            made[sid] = was
        else:
            made[sid] = (seed, by, original, _source(seed, tuple(by), original))
        return made[sid][3]

    sources = {sid: source(sid) for sid in sorted(seeds, key=joined)}
    memo.carry(_SOURCES, made)
    return sources


def _source(seed: Seed, by: tuple[Briefing, ...], original: str | None) -> Source:
    """A seed's source page record: the briefings naming it (newest first) and, by
    paragraph in the order first cited, the claims citing it."""
    cites: dict[str, list[Citation]] = defaultdict(list)
    for b in dict.fromkeys(by):  # a briefing may name a seed twice: its claims count once
        for claim in (*b.key_points, *b.timeline):
            if claim.ref and claim.ref.seed == seed.id:
                cites[claim.ref.para].append(Citation(claim.ref.para, claim))
    return Source(seed, tuple(b.slug for b in by),
                  tuple((p, tuple(cs)) for p, cs in cites.items()), original)
