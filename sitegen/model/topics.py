"""The topic records of the site graph: hierarchy, members, related topics, events (the
lists of `lists`)."""
from __future__ import annotations

from collections import defaultdict

from ..memo import carried_whole
from . import related as rel
from .links import resolve_links
from .lists import Lists
from .markup import wikilinks
from .site import Topic


def topic_records(topic_src, known_topics, lists: Lists, topics_of, md, all_briefings,
                  published, seeds, memo, out) -> dict[str, Topic]:
    """The topics built (`topic_src`: those without errors of their own), by title: each
    with its subtopics, its briefings and those of its subtopics and its events (from
    `lists`), and related topics. `md` renders descriptions (see graph's Markdown); the
    other arguments as graph.build_site has them."""
    children = defaultdict(list)
    for t in topic_src.values():
        if t.parent in topic_src:
            children[t.parent].append(t.slug)
    related = carried_whole(memo, "related-topics", (topics_of,), lambda: (
        (tuple(topics_of.items()),), lambda _: rel.related_topics(topics_of)), out)
    topics = {}
    for t in sorted(topic_src.values(), key=lambda t: (t.title.lower(), t.slug)):
        links = resolve_links(wikilinks(t.description, t.description_line), t.path,
                              known_topics, all_briefings, published, seeds, out)
        topics[t.slug] = Topic(
            slug=t.slug, path=t.path, title=t.title, kind=t.kind, aliases=t.aliases,
            parent=t.parent if t.parent in topic_src else None,
            description_html=md.render(t.description, links, skip_topic=t.slug)[0]
            if t.description else "",
            children=tuple(sorted(children[t.slug], key=lambda s: topic_src[s].title.lower())),
            briefings=lists.members.get(t.slug, ()), within=lists.within[t.slug],
            related=related.get(t.slug, ()), events=lists.events.get(t.slug, ()))
    return topics
