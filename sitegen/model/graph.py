"""Assemble the site graph from what `load` read: check every reference between files,
prove citations, render Markdown, and work out all cross-links."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from ..errors import Collector
from ..load.config import Config
from ..load.content import BriefingSource, TopicSource
from ..load.fields import suggest
from ..load.seeds import Seed
from .. import urls
from . import related as rel
from .citations import SeedIndex, resolve_claim
from .markup import Link, MarkdownRenderer, wikilinks
from .site import Briefing, Citation, Site, Source, Topic


def _check_refs(b: BriefingSource, seeds: dict, topics: dict, briefings: dict,
                out: Collector) -> None:
    for key, known, what in (("seeds", seeds, "seed"), ("topics", topics, "topic"),
                             ("related", briefings, "briefing")):
        for i, ref in enumerate(getattr(b, key)):
            if ref not in known:
                hint = suggest(ref, known) or (f" (known {what}s: {', '.join(sorted(known)[:12])})"
                                               if known else f" (there are no {what}s yet)")
                out.error(b.path, b.doc.line(key, i), f"unknown {what} '{ref}'{hint}")


def _check_topics(topics: dict[str, TopicSource], briefings: dict, out: Collector) -> None:
    for t in topics.values():
        if t.slug in briefings:
            out.error(t.path, None, f"slug '{t.slug}' names both this topic and the briefing "
                                    f"{briefings[t.slug].path}; [[{t.slug}]] would be "
                                    "ambiguous: rename one of the files")
        if t.parent is None:
            continue
        if t.parent not in topics:
            out.error(t.path, t.doc.line("parent"),
                      f"unknown parent topic '{t.parent}'{suggest(t.parent, topics)}")
            continue
        seen, cur = {t.slug}, t.parent
        while cur is not None and cur in topics:
            if cur in seen:
                out.error(t.path, t.doc.line("parent"),
                          f"parent '{t.parent}' makes a cycle of topics ({' -> '.join(seen)})")
                break
            seen.add(cur)
            cur = topics[cur].parent


def _resolve_links(text: str, line: int, path: str, topics, briefings, published: set,
                   seeds, out: Collector) -> dict[str, Link]:
    """Resolve every `[[target]]` of one text; report those that point at nothing."""
    links = {}
    for target, at in wikilinks(text, line):
        kind, _, name = target.rpartition(":")
        kind = kind or None
        if kind == "topic" or (kind is None and name in topics):
            if name in topics:
                links[target] = Link(urls.topic(name), topics[name].title)
                continue
        if kind == "briefing" or (kind is None and name in briefings):
            if name in briefings:
                b = briefings[name]
                if name in published:
                    links[target] = Link(urls.briefing(name), b.title)
                else:
                    links[target] = Link(None, b.title)
                    out.warning(path, at, f"[[{target}]] links to a draft; it is shown as plain "
                                          "text until the draft is published", code="draft-link")
                continue
        if kind == "source":
            seed_id, _, para = name.partition("#")
            if seed_id in seeds and (not para or seeds[seed_id].paragraph(para)):
                links[target] = Link(urls.source(seed_id) + (f"#{para}" if para else ""),
                                     seeds[seed_id].title)
                continue
        names = list(topics) + list(briefings)
        out.error(path, at, f"[[{target}]] links to nothing: no topic or briefing has that "
                            f"slug{suggest(name, names)}")
        links[target] = Link(None, name)
    return links


def build_site(config: Config, seeds: dict[str, Seed], briefing_sources: list[BriefingSource],
               topic_sources: list[TopicSource], out: Collector) -> Site:
    """The resolved site graph; problems go to `out` (the caller raises on errors)."""
    all_briefings = {b.slug: b for b in briefing_sources}
    topic_src = {t.slug: t for t in topic_sources}
    _check_topics(topic_src, all_briefings, out)
    for b in briefing_sources:
        _check_refs(b, seeds, topic_src, all_briefings, out)
    kept = sorted((b for b in briefing_sources if config.drafts or not b.draft),
                  key=lambda b: (b.date, b.slug), reverse=True)
    published = {b.slug for b in kept}
    order = {b.slug: i for i, b in enumerate(kept)}

    names = {}
    for t in sorted(topic_src.values(), key=lambda t: t.slug):
        for name in (t.title, *t.aliases):
            names.setdefault(name, t.slug)
    md = MarkdownRenderer(names)
    index = SeedIndex(seeds)

    briefings: dict[str, Briefing] = {}
    backlinks: dict[str, list[str]] = defaultdict(list)
    for b in kept:
        links = _resolve_links(b.body, b.body_line, b.path, topic_src, all_briefings,
                               published, seeds, out)
        for target, link in links.items():
            if link.site_path and link.site_path.startswith("briefings/"):
                to = link.site_path.split("/")[1]
                if to != b.slug and b.slug not in backlinks[to]:
                    backlinks[to].append(b.slug)
        briefings[b.slug] = Briefing(
            slug=b.slug, path=b.path, title=b.title, date=b.date, seeds=b.seeds,
            topics=tuple(t for t in dict.fromkeys(b.topics) if t in topic_src),
            bottom_line=b.bottom_line, confidence=b.confidence,
            key_points=tuple(resolve_claim(b, c, f"kp-{i}", index, out)
                             for i, c in enumerate(b.key_points, 1)),
            timeline=tuple(resolve_claim(b, c, f"ev-{i}", index, out)
                           for i, c in enumerate(b.timeline, 1)),
            body_html=md.render(b.body, links), draft=b.draft,
            word_count=len(b.body.split()))

    topics_of = {s: b.topics for s, b in briefings.items()}
    explicit = {s: tuple(r for r in all_briefings[s].related if r in published)
                for s in briefings}
    related = rel.related_briefings(topics_of, explicit, order)
    by_date = list(reversed(kept))  # oldest first
    for i, b in enumerate(by_date):
        briefings[b.slug] = replace(
            briefings[b.slug], related=related[b.slug],
            backlinks=tuple(sorted(backlinks.get(b.slug, ()), key=order.get)),
            previous=by_date[i - 1].slug if i > 0 else None,
            next=by_date[i + 1].slug if i + 1 < len(by_date) else None)
    briefings = {b.slug: briefings[b.slug] for b in kept}

    topics = _topics(topic_src, briefings, topics_of, md, all_briefings, published, seeds, out)
    sources = _sources(seeds, briefings)
    timeline = tuple(sorted((e for b in briefings.values() for e in b.timeline),
                            key=lambda e: (e.date.key, order[e.briefing], e.anchor)))
    return Site(config, briefings, topics, sources, timeline)


def _topics(topic_src, briefings, topics_of, md, all_briefings, published, seeds, out):
    children = defaultdict(list)
    for t in topic_src.values():
        if t.parent in topic_src:
            children[t.parent].append(t.slug)
    members = defaultdict(list)
    for slug, b in briefings.items():  # newest first
        for t in b.topics:
            members[t].append(slug)
    related = rel.related_topics(topics_of)
    topics = {}
    for t in sorted(topic_src.values(), key=lambda t: (t.title.lower(), t.slug)):
        links = _resolve_links(t.description, t.description_line, t.path, topic_src,
                               all_briefings, published, seeds, out)
        events = sorted((e for s in members[t.slug] for e in briefings[s].timeline),
                        key=lambda e: (e.date.key, e.briefing, e.anchor))
        topics[t.slug] = Topic(
            slug=t.slug, path=t.path, title=t.title, kind=t.kind, aliases=t.aliases,
            parent=t.parent if t.parent in topic_src else None,
            description_html=md.render(t.description, links, skip_topic=t.slug)
            if t.description else "",
            children=tuple(sorted(children[t.slug], key=lambda s: topic_src[s].title.lower())),
            briefings=tuple(members[t.slug]), related=related.get(t.slug, ()),
            events=tuple(events))
    return topics


def _sources(seeds: dict[str, Seed], briefings: dict[str, Briefing]) -> dict[str, Source]:
    citing = defaultdict(list)
    cites = defaultdict(lambda: defaultdict(list))
    for b in briefings.values():  # newest first
        for sid in b.seeds:
            citing[sid].append(b.slug)
        for claim in (*b.key_points, *b.timeline):
            if claim.ref:
                cites[claim.ref.seed][claim.ref.para].append(Citation(claim.ref.para, claim))
    return {sid: Source(seed, tuple(citing[sid]),
                        {p: tuple(c) for p, c in cites[sid].items()})
            for sid, seed in sorted(seeds.items())}
