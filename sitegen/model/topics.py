"""The topic records of the site graph: hierarchy, members, related topics, events."""
from __future__ import annotations

from collections import defaultdict

from . import related as rel
from .links import resolve_links
from .markup import wikilinks
from .site import Topic


def topic_records(topic_src, known_topics, briefings, topics_of, timeline, md, all_briefings,
                  published, seeds, memo, out) -> dict[str, Topic]:
    """The topics built (`topic_src`: those without errors of their own), by title: each
    with its subtopics, its briefings (newest first) with and without those of its
    subtopics, related topics and the events of its briefings (in `timeline`'s order).
    `md` renders descriptions (see graph's Markdown); the other arguments as
    graph.build_site has them."""
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
        links = resolve_links(wikilinks(t.description, t.description_line), t.path,
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
