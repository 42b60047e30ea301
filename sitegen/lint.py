"""Editor warnings of `sitegen check`: things that build fine but a careful editor wants
to know (uncited key points, orphan seeds, unused topics, shared aliases, ambiguous quotes,
links to drafts, briefings older than their sources, sources left ungraded in a site that
grades them, high confidence resting on weak sources). Each has a stable `code`.

Works on what `load` read, so it runs even when other files have errors.
"""
from __future__ import annotations


from .errors import Collector
from .load.content import BriefingSource, TopicSource
from .load.seeds import Seed
from .model import quotes
from .model.citations import SeedIndex
from .model.markup import wikilinks


def editor_warnings(seeds: dict[str, Seed], briefings: list[BriefingSource],
                    topics: list[TopicSource], out: Collector) -> None:
    """Report every editor warning into `out`. A file with errors (`failed`) gets none: its
    errors come first; its seeds and topics still count as used."""
    ok = [b for b in briefings if not b.failed]
    ok_topics = [t for t in topics if not t.failed]
    _unsourced(ok, out)
    _orphan_seeds(seeds, briefings, out)
    _unused_topics(ok_topics, briefings, out)
    _shared_aliases(ok_topics, out)
    _ambiguous_quotes(seeds, ok, out)
    _draft_links(ok, topics, out)
    _before_source(seeds, ok, out)
    _grades(seeds, ok, out)


_UNSOURCED = (  # claims with neither cite nor quote: (field, what, advice, code)
    ("key_points", "key point", "add 'cite: pN' for the paragraph it rests on, or a 'quote:' "
     "from the source", "uncited-key-point"),
    ("timeline", "timeline event", "add the paragraph it rests on ('cite: pN'); pages mark it "
     "unsourced until then", "unsourced-event"))


def _unsourced(briefings: list[BriefingSource], out: Collector) -> None:
    for b in briefings:
        for field, what, advice, code in _UNSOURCED:
            for i, c in enumerate(getattr(b, field), 1):
                if not c.cite and not c.quote:
                    out.warning(b.path, c.line, f"{what} {i} has neither 'cite' nor 'quote': "
                                                f"{advice}", code=code)


def _orphan_seeds(seeds: dict[str, Seed], briefings: list[BriefingSource],
                  out: Collector) -> None:
    used = {s for b in briefings for s in b.seeds}
    for sid, seed in seeds.items():
        if sid not in used:
            out.warning(seed.path, None, f"seed '{sid}' is not cited by any briefing; start one "
                                         f"with `sitegen new {sid}`", code="orphan-seed")


def _unused_topics(topics: list[TopicSource], briefings: list[BriefingSource],
                   out: Collector) -> None:
    """A topic no briefing uses; a parent of a used topic is in use as a group."""
    by_slug = {t.slug: t for t in topics}
    used = {t for b in briefings for t in b.topics if t in by_slug}
    for slug in list(used):
        seen, parent = {slug}, by_slug[slug].parent
        while parent in by_slug and parent not in seen:
            used.add(parent)
            seen.add(parent)
            parent = by_slug[parent].parent
    for t in topics:
        if t.slug not in used:
            out.warning(t.path, None, f"topic '{t.slug}' has no briefing: add it to the "
                                      "'topics:' of a briefing, or remove the file",
                        code="unused-topic")


def _shared_aliases(topics: list[TopicSource], out: Collector) -> None:
    """A title or alias of two topics: mentions of it link to only one of them."""
    owner: dict[str, TopicSource] = {}
    for t in sorted(topics, key=lambda t: t.slug):
        names = [((), t.title)] + [(("aliases", i), a) for i, a in enumerate(t.aliases)]
        mine = set()
        for where, name in names:
            key = name.casefold()
            if not key or key in mine:
                continue
            mine.add(key)
            first = owner.setdefault(key, t)
            if first is not t:
                what = "title" if not where else "alias"
                line = t.doc.line("title") if not where else t.doc.line(*where)
                out.warning(t.path, line, f"{what} '{name}' is also the title or an alias of "
                                          f"topic '{first.slug}' ({first.path}); a mention of it "
                                          f"links to '{first.slug}' only: keep it on one topic",
                            code="shared-alias")


def _ambiguous_quotes(seeds: dict[str, Seed], briefings: list[BriefingSource],
                      out: Collector) -> None:
    """A quote without `cite` found in several paragraphs: the first one is linked."""
    index = SeedIndex(seeds)
    for b in briefings:
        mine = [s for s in b.seeds if s in seeds]
        for c in (*b.key_points, *b.timeline):
            if not c.quote or c.cite:
                continue
            hits = quotes.find(c.quote, index.paragraphs(mine))
            if len(hits) < 2:
                continue
            one_seed = len(b.seeds) == 1
            names = [para if one_seed else f"{sid}#{para}" for sid, para in hits]
            shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
            out.warning(b.path, c.quote_line, f"quote \"{_short(c.quote)}\" occurs in "
                                              f"{len(hits)} paragraphs ({shown}); it links to the "
                                              f"first, {names[0]}: add a 'cite:' naming the one "
                                              "you mean, or quote more words",
                        code="ambiguous-quote")


def _draft_links(briefings: list[BriefingSource], topics: list[TopicSource],
                 out: Collector) -> None:
    """Published pages that link to a draft (shown as plain text until it is published)."""
    drafts = {b.slug: b for b in briefings if b.draft}
    if not drafts:
        return
    topic_slugs = {t.slug for t in topics}
    texts = [(b.path, b.body, b.body_line) for b in briefings if not b.draft]
    texts += [(t.path, t.description, t.description_line) for t in topics]
    for path, text, line in texts:
        for target, at in wikilinks(text, line):
            kind, _, name = target.rpartition(":")
            if name in drafts and (kind == "briefing" or (not kind and name not in topic_slugs)):
                out.warning(path, at, f"[[{target}]] links to the draft '{name}' "
                                      f"({drafts[name].path}); it is shown as plain text until "
                                      "that briefing is published (draft: false)",
                            code="draft-link")
    for b in briefings:
        if b.draft:
            continue
        for i, slug in enumerate(b.related):
            if slug in drafts:
                out.warning(b.path, b.doc.line("related", i),
                            f"related briefing '{slug}' is a draft; it is left out until that "
                            "briefing is published (draft: false)", code="draft-link")


def _before_source(seeds: dict[str, Seed], briefings: list[BriefingSource],
                   out: Collector) -> None:
    for b in briefings:
        for sid in b.seeds:
            published = seeds[sid].meta.published_from if sid in seeds else None
            if b.date and published and b.date < published:
                out.warning(b.path, b.doc.line("date"),
                            f"briefing dated {b.date} is older than its source '{sid}', "
                            f"published {seeds[sid].meta.published} ({seeds[sid].path}): is the "
                            "date right?",
                            code="before-source")


WEAK = frozenset("DEF")  # reliability grades no high-confidence judgment should rest on alone


def _grades(seeds: dict[str, Seed], briefings: list[BriefingSource], out: Collector) -> None:
    """Sourcing of judgments: a high-confidence briefing rests on more than one source,
    and (the Admiralty code) on at least one graded A–C; once a site grades its sources,
    every cited source is graded."""
    graded = any(s.meta.reliability for s in seeds.values())
    for sid in sorted({s for b in briefings for s in b.seeds if s in seeds} if graded else ()):
        if not seeds[sid].meta.reliability:
            out.warning(seeds[sid].path, None, "no 'reliability' grade, while other sources "
                        "have one: add 'reliability: A'…'F' to its sidecar (F: cannot be "
                        "judged)", code="ungraded-source")
    for b in briefings:
        grades = [seeds[s].meta.reliability for s in b.seeds if s in seeds]
        if b.confidence == "high" and len(grades) == 1:
            out.warning(b.path, b.doc.line("confidence"), "high confidence resting on a "
                        "single source: corroborate it with another, or lower the "
                        "confidence", code="single-source")
        if b.confidence == "high" and grades and all(g in WEAK for g in grades):
            out.warning(b.path, b.doc.line("confidence"), f"high confidence resting only on "
                        f"sources graded {', '.join(sorted(set(grades)))} (D–F: not usually "
                        "reliable, unreliable, cannot be judged): lower the confidence or "
                        "cite a better source", code="weak-sources")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
