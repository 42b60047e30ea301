"""References between the site's files: the names a briefing or topic gives (seeds,
topics, related briefings, parents) checked, and the `[[target]]` links of a text
resolved — and carried from build to build while what they name stays the same."""
from __future__ import annotations

from itertools import chain, repeat
from operator import attrgetter, eq, itemgetter

from ..errors import Collector
from ..memo import no_memo, replaced
from ..load.content import BriefingSource, TopicSource
from ..load.fields import suggest
from .. import urls
from .markup import Link, wikilinks

_CARRIED = "briefing-links"  # what a warm memo carries to the next build (see `Links`)
_REFS = (("seeds", "seed"), ("topics", "topic"), ("related", "briefing"))  # field, what
_CHECKED = "briefing names checked"  # carried by a warm memo (see `check_refs`)
_NOT_MADE = (None, None, None, ())  # (see `Links.of`)
_LINKS, _PROBLEMS = itemgetter(2), itemgetter(3)


def check_refs(sources: list[BriefingSource], seeds: dict, topics: dict, briefings: dict,
               out: Collector, memo=no_memo) -> None:
    """Report each seed, topic and related briefing a briefing names that does not exist.
    A warm memo carries a check that found every name known: while the known names are
    the same, the next build checks only the sources that are not the very same objects
    at their places (told at C speed)."""
    checks = [(key, known, what) for (key, what), known in zip(_REFS, (seeds, topics, briefings))]
    names = (seeds.keys(), topics.keys(), briefings.keys())
    last, todo = memo.carried(_CHECKED), sources
    if last is not None and len(last[0]) == len(sources) and all(map(eq, last[1], names)):
        todo = [sources[i] for i in replaced(sources, last[0])]
    if all(all(map(known.__contains__, chain.from_iterable(map(attrgetter(key), todo))))
           for key, known, _what in checks):
        memo.carry(_CHECKED, (sources, names))
        return  # (the common case: every name of every briefing known, at C speed)
    for b in sources:
        for key, known, what in checks:
            _check(b, key, known, what, out)


def _check(b: BriefingSource, key: str, known: dict, what: str, out: Collector) -> None:
    refs = getattr(b, key)
    if not all(map(known.__contains__, refs)):
        for i, ref in enumerate(refs):
            if ref not in known:
                hint = suggest(ref, known) or (f" (known {what}s: {', '.join(sorted(known)[:12])})"
                                               if known else f" (there are no {what}s yet)")
                out.error(b.path, b.doc.line(key, i), f"unknown {what} '{ref}'{hint}",
                          code=f"unknown-{what}")


def check_topics(topics: dict[str, TopicSource], briefings: dict, out: Collector) -> None:
    """Report a topic slug that is also a briefing's, and unknown or cyclic parents."""
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


def resolve_links(found, path: str, topics, briefings, published: set, seeds,
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


def _views(topics, briefings, published: set, seeds) -> dict[str, tuple | None]:
    """What resolving a link reads of each thing it may name: by name, the topic's and
    the briefing's title and whether it failed (and the briefing's whether it is
    published); by "source:<seed id>", the seed's title and paragraph count (None: the
    seed could not be read)."""
    views: dict[str, tuple | None] = {slug: (t.title, t.failed) for slug, t in topics.items()}
    for slug, b in briefings.items():
        views[slug] = (views.get(slug), b.title, b.failed, slug in published)
    for sid, seed in seeds.items():
        views["source:" + sid] = None if seed is None else (seed.title, seed.paragraph_count)
    return views


def _views_since(context: tuple, views: dict, now: tuple) -> tuple[dict, set[str]]:
    """`_views` of `now` (topics, briefings, published, seeds) and the names whose view
    changed, from the `views` of an earlier `context`: looked at again are the topics
    (few), and the briefings and seeds that are not the very same objects or whose
    being published changed."""
    (topics, briefings, published, seeds), (was_topics, was_briefings, was_published,
                                            was_seeds) = now, context
    names = {*topics, *was_topics, *(published ^ was_published),
             *(s for s, b in briefings.items() if was_briefings.get(s) is not b),
             *(was_briefings.keys() - briefings.keys())}
    sources = {*(s for s, seed in seeds.items() if was_seeds.get(s, ()) is not seed),
               *(was_seeds.keys() - seeds.keys())}
    fresh = _views({s: topics[s] for s in names if s in topics},
                   {s: briefings[s] for s in names if s in briefings}, published,
                   {s: seeds[s] for s in sources if s in seeds})
    looked = names | {"source:" + s for s in sources}
    changed = {name for name in looked if views.get(name, ()) != fresh.get(name, ())}
    views = dict(views)
    for name in changed:
        if name in fresh:
            views[name] = fresh[name]
        else:
            del views[name]
    return views, changed


def _reads(target: str) -> str:
    """The key of `_views` whose value resolving `target` reads."""
    kind, _, name = target.rpartition(":")
    return "source:" + name.partition("#")[0] if kind == "source" else name


class Links:
    """The resolved links of each briefing built (see `resolve_links`). A warm memo (see
    sitegen.memo) carries them to the next build, which takes a briefing's links, and
    their problems, as they were while its source is the very same object (see
    load.files) and no view (`_views`) of what they name changed. Links with an error
    are resolved again every time: the error's hint names the closest of all names."""

    def __init__(self, topics, briefings, published: set, seeds, memo):
        self.context = (topics, briefings, published, seeds)
        self.memo, self.made = memo, {}
        was = memo.carried(_CARRIED)
        if was is None:
            self.views, self.last = _views(*self.context), {}
            self.changed = set(self.views)
        else:
            self.views, self.changed = _views_since(*was[:2], self.context)
            self.last = was[2]

    def of(self, kept: list[BriefingSource], out: Collector) -> dict[str, dict[str, Link]]:
        """Slug -> the links of each body of `kept` (target as written -> link), in order;
        problems go to `out`. Those carried are told with a few steps each (the briefings
        are thousands; an edit changes few)."""
        slugs = [b.slug for b in kept]
        entries = list(map(self.last.get, slugs, repeat(_NOT_MADE)))
        changed = self.changed
        for i in [i for i, (was, b) in enumerate(zip(entries, kept))
                  if was[0] is not b or was[1] is None or not was[1].isdisjoint(changed)]:
            entries[i] = self._made(kept[i])
        self.made.update(zip(slugs, entries))
        out.extend(chain.from_iterable(map(_PROBLEMS, entries)))
        return dict(zip(slugs, map(_LINKS, entries)))

    def _made(self, b: BriefingSource) -> tuple:
        """(source, names read (None: unknown), links, problems) of `b`'s body."""
        problems = Collector()
        found = self.memo("wikilinks", (b.body, b.body_line),
                          lambda _: tuple(wikilinks(b.body, b.body_line)), problems)
        links = resolve_links(found, b.path, *self.context, problems)
        reads = None if problems.errors else frozenset(_reads(t) for t, _at in found)
        return b, reads, links, tuple(problems.problems)

    def done(self) -> None:
        """Carry this build's links to the next build."""
        self.memo.carry(_CARRIED, (self.context, self.views, self.made))
