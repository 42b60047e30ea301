"""Editor warnings of `sitegen check`: things that build fine but a careful editor wants
to know (uncited key points, orphan seeds, unused topics, shared aliases, ambiguous quotes,
links to drafts, briefings older than their sources, sources left ungraded in a site that
grades them, high confidence resting on weak sources, estimative language outside the
site's table). Each has a stable `code`.

Works on what `load` read, so it runs even when other files have errors.
"""
from __future__ import annotations


import re

from .errors import Collector
from .load.estimative import Scales
from .load.content import BriefingSource, TopicSource
from .load.seeds import Seed
from .model import estimative, quotes
from .model.citations import SeedIndex
from .model.markup import wikilinks
from .model.sentences import spans as sentence_spans


def editor_warnings(seeds: dict[str, Seed], briefings: list[BriefingSource],
                    topics: list[TopicSource], scales: Scales, out: Collector) -> None:
    """Report every editor warning into `out`. A file with errors (`failed`) gets none: its
    errors come first; its seeds and topics still count as used."""
    ok = [b for b in briefings if not b.failed]
    ok_topics = [t for t in topics if not t.failed]
    _unsourced(ok, scales, out)
    for b in ok:
        _estimative(b, scales, out)
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


def _unsourced(briefings: list[BriefingSource], scales: Scales, out: Collector) -> None:
    for b in briefings:
        for field, what, advice, code in _UNSOURCED:
            for i, c in enumerate(getattr(b, field), 1):
                if c.cite or c.quote:
                    continue
                said = [h for h in estimative.find(scales, c.text) if h.kind == "likelihood"]
                if said and field == "key_points":
                    out.warning(b.path, c.line, f"key point {i} says '{said[0].words}' "
                                f"({said[0].term.range}) with no source: add 'cite: pN' for "
                                "the paragraph that judgment rests on", code="uncited-likelihood")
                else:
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


def _estimative(b: BriefingSource, scales: Scales, out: Collector) -> None:
    """The briefing's own words (not its quotes) against the table: hedges that say no
    likelihood, words of two scales, confidence and likelihood in one sentence."""
    first: estimative.Hit | None = None  # the first likelihood word: its scale is the one
    for text, line in _judgment_texts(b):
        hits = estimative.find(scales, text)
        for h in hits:
            at = line + text.count("\n", 0, h.start)
            if h.kind == "hedge":
                out.warning(b.path, at, f"'{h.words}' says neither how likely nor how sure: "
                            f"say how likely with a word of {scales.name} "
                            f"({_scale_words(scales, first)}), or leave it out",
                            code="vague-likelihood")
            elif h.kind == "likelihood" and first is None:
                first = h
            elif h.kind == "likelihood" and h.term.scale != first.term.scale:
                out.warning(b.path, at, f"'{h.words}' is a word of the {h.term.scale} scale, "
                            f"'{first.words}' earlier of the {first.term.scale} scale: keep to "
                            f"one scale in a briefing ({_scale_words(scales, first)})",
                            code="mixed-scales")
        for start, end in sentence_spans(text):
            inside = [h for h in hits if start <= h.start < end]
            sure = next((h for h in inside if h.kind == "confidence"), None)
            likely = next((h for h in inside if h.kind == "likelihood"), None)
            if sure and likely:
                out.warning(b.path, line + text.count("\n", 0, start),
                            f"'{sure.words}' and '{likely.words}' in one sentence: say how "
                            "likely in one, how confident in another (confidence is about the "
                            "evidence, likelihood about the event)",
                            code="confidence-with-likelihood")


def _scale_words(scales: Scales, first: "estimative.Hit | None") -> str:
    """The words of the briefing's scale (else the first), the first word of each range."""
    scale = first.term.scale if first else scales.terms[0].scale if scales.terms else ""
    return ", ".join(scales.scale_words(scale))


def _judgment_texts(b: BriefingSource) -> list[tuple[str, int]]:
    """The analyst's own text of a briefing with the line each piece starts on; in a claim,
    the words it quotes from its source (its `quote:`) are blanked."""
    texts = [(b.bottom_line, b.doc.line("bottom_line"))]
    texts += [(c.text.replace(c.quote, " " * len(c.quote)) if c.quote else c.text, c.line)
              for c in (*b.key_points, *b.timeline)]
    return texts + _prose(b.body, b.body_line)


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_QUOTE_LINE = re.compile(r"^ {0,3}(?:(?:[-*+]|\d+[.)]) +)?>")  # "> …", also in a list item
# Not the analyst's prose: code spans, link targets, <q>uotes, comments, tags, [[targets|
_NOT_PROSE = re.compile(r"`[^`\n]*`|\]\([^)\n]*\)|<q\b[^>]*>.*?</q>|<!--.*?-->|<[^>\n]*>"
                        r"|\[\[[^\]|\n]*\|?", re.IGNORECASE)


def _prose(body: str, first_line: int) -> list[tuple[str, int]]:
    """The paragraphs of a Markdown body as text, with their first lines: fenced code,
    block quotes (with their lazy continuation lines), and inline code, link targets,
    `<q>` quotations, comments, HTML tags and `[[link` targets left out (blanked, so
    columns and lines stay where they were)."""
    found, lines, fence, quoting = [], [], None, False
    for no, line in enumerate(body.split("\n"), first_line):
        m = _FENCE.match(line)
        if fence is None and m:
            fence, line = m.group(1), ""
        elif fence is not None:  # closed by a fence of its kind, as long or longer
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            line = ""
        quoting = bool(line.strip()) and (bool(_QUOTE_LINE.match(line)) or quoting)
        if quoting:
            line = ""
        if line.strip():
            lines.append((no, _NOT_PROSE.sub(lambda m: " " * len(m.group(0)), line)))
        elif lines:
            found.append(("\n".join(t for _, t in lines), lines[0][0]))
            lines = []
    if lines:
        found.append(("\n".join(t for _, t in lines), lines[0][0]))
    return found


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
