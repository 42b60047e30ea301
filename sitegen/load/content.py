"""Briefings (`content/briefings/*.md`) and topics (`content/topics/*.yaml|.md`).

This stage checks each file on its own: keys, types, dates, slugs. References
between files (seeds, topics, citations, links) are resolved by `model`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from itertools import chain, compress, repeat
from operator import is_
from pathlib import Path

from ..memo import Carried, no_memo
from ..errors import Collector, SiteError
from .files import InputFiles
from .folders import BRIEFINGS_DIR, TOPICS_DIR, plan, strays
from .fields import Fields, PartialDate, parse_partial_date
from .yamlsrc import YamlDoc, parse_yaml, split_front_matter

BRIEFING_KEYS = ("title", "date", "seeds", "topics", "bottom_line", "confidence",
                 "key_points", "timeline", "related", "draft", "author", "authors", "updated",
                 "revisions")
BRIEFING_REQUIRED = ("title", "date", "seeds", "topics", "bottom_line")
KEY_POINT_KEYS = ("text", "cite", "quote", "credibility")
EVENT_KEYS = ("date", "event", "cite", "quote", "credibility")
# The Admiralty (NATO) code: an item of information's credibility, judged apart from its
# source's reliability (load.seed_meta.RELIABILITY).
CREDIBILITY = {1: "confirmed by other sources", 2: "probably true", 3: "possibly true",
               4: "doubtful", 5: "improbable", 6: "truth cannot be judged"}
REVISION_KEYS = ("date", "change")
TOPIC_KEYS = ("title", "kind", "aliases", "parent", "description")
CONFIDENCE = ("low", "moderate", "high")
TOPIC_KINDS = ("country", "person", "organization", "place", "theme", "event")


@dataclass(frozen=True, slots=True)
class Claim:
    """A key point or timeline event as written: text plus where it says it comes from."""

    text: str
    cite: str | None
    quote: str | None
    line: int
    date: PartialDate | None = None  # timeline events only
    cite_line: int = 0
    quote_line: int = 0
    credibility: int | None = None  # 1–6 (CREDIBILITY)


@dataclass(frozen=True, slots=True)
class Revision:
    """One entry of a briefing's revision history."""

    date: dt.date
    change: str  # what changed, as the author wrote it


@dataclass(frozen=True, slots=True)
class BriefingSource:
    slug: str
    path: str
    title: str
    date: dt.date
    seeds: tuple[str, ...]
    topics: tuple[str, ...]
    bottom_line: str
    confidence: str | None
    key_points: tuple[Claim, ...]
    timeline: tuple[Claim, ...]
    related: tuple[str, ...]
    draft: bool
    body: str
    body_line: int
    word_count: int  # of the body, worked out here: parsing runs on every core
    doc: YamlDoc  # its outline: lines of the keys and list items, for later messages
    digest: str  # of the text it was parsed from, which (with slug and path) fixes every field
    failed: bool = False  # it has errors: it is checked and referred to, never built
    authors: tuple[str, ...] = ()  # `author` or `authors`
    updated: dt.date | None = None  # last changed: `updated`, else the newest revision's date
    revisions: tuple[Revision, ...] = ()  # newest first


@dataclass(frozen=True, slots=True)
class TopicSource:
    slug: str
    path: str
    title: str
    kind: str | None
    aliases: tuple[str, ...]
    parent: str | None
    description: str
    description_line: int
    doc: YamlDoc  # its outline (see BriefingSource)
    failed: bool = False  # see BriefingSource


def failed_briefing(slug: str, relpath: str) -> BriefingSource:
    """A briefing whose file has errors that leave no fields to check: still a slug that
    other files may name (their links are then no errors of their own)."""
    return BriefingSource(slug, relpath, "", None, (), (), "", None, (), (), (), False, "", 0,
                          0, YamlDoc(None, {}), "", failed=True)


def failed_topic(slug: str, relpath: str) -> TopicSource:
    """A topic whose file has errors that leave no fields to check (see failed_briefing)."""
    return TopicSource(slug, relpath, "", None, (), None, "", 0, YamlDoc(None, {}), failed=True)


def _text(data: bytes, relpath: str) -> str:
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SiteError.at(relpath, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                                          "save the file as UTF-8", code="bad-encoding") from None


def _claims(f: Fields, key: str, keys: tuple[str, ...], with_date: bool) -> tuple[Claim, ...]:
    what = "timeline event" if with_date else "key point"
    text_key = "event" if with_date else "text"
    claims = []
    for item in f.records(key, what):
        item.check_keys(keys, required=(text_key, "date") if with_date else (text_key,))
        date = None
        if with_date and item.data.get("date") is not None:
            date = parse_partial_date(item.data["date"])
            if date is None:
                item.error(("date",), f"timeline date must be YYYY, YYYY-MM or YYYY-MM-DD and "
                                      f"a real date, got '{item.data['date']}'", "bad-date")
        text, credibility = item.text(text_key), item.data.get("credibility")
        if credibility is not None and (isinstance(credibility, bool)
                                        or credibility not in CREDIBILITY):
            item.error(("credibility",), f"'credibility' must be a number from 1 to 6 (1 "
                                         f"confirmed by other sources … 5 improbable, 6 cannot "
                                         f"be judged), got {credibility!r}", "bad-value")
            credibility = None
        if text and (not with_date or date):
            claims.append(Claim(text, item.text("cite"), item.text("quote"), item.line(), date,
                                item.line("cite"), item.line("quote"), credibility))
    return tuple(claims)


def parse_briefing(text: str, slug: str, relpath: str, out: Collector) -> BriefingSource:
    """The briefing; with errors (reported to `out`), one marked `failed`, which keeps what
    could be read for the checks of the whole site (its seeds, topics, related)."""
    try:
        fm, body, body_line = split_front_matter(text, relpath)
        doc = parse_yaml(fm, relpath, line_offset=1)
    except SiteError as exc:
        out.extend(exc.problems)
        return failed_briefing(slug, relpath)
    f = Fields(doc, relpath, out, what="briefing front matter")
    if not f.data:
        return failed_briefing(slug, relpath)
    before = len(out.errors)
    f.check_keys(BRIEFING_KEYS, BRIEFING_REQUIRED)
    b = BriefingSource(
        slug=slug, path=relpath, title=f.text("title") or "", date=f.day("date"),
        seeds=f.text_list("seeds"), topics=f.text_list("topics"),
        bottom_line=f.text("bottom_line") or "", confidence=f.choice("confidence", CONFIDENCE),
        key_points=_claims(f, "key_points", KEY_POINT_KEYS, False),
        timeline=_claims(f, "timeline", EVENT_KEYS, True),
        related=f.text_list("related"), draft=f.flag("draft"), body=body, body_line=body_line,
        word_count=len(body.split()), doc=doc.outline(),
        digest=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        authors=_authors(f), **_history(f))
    return b if len(out.errors) == before else replace(b, failed=True)


def _authors(f: Fields) -> tuple[str, ...]:
    if "author" in f.data and "authors" in f.data:
        f.error(("authors",), "give 'author' (one name) or 'authors' (a list), not both")
    one = f.text("author")
    return (one,) if one else tuple(a for a in f.text_list("authors") if a)


def _history(f: Fields) -> dict:
    """`revisions` (newest first) and `updated`, each no earlier than the briefing's date;
    `updated` defaults to the newest revision's date."""
    published, revisions = f.day("date"), []
    for item in f.records("revisions", "revision"):
        item.check_keys(REVISION_KEYS, required=REVISION_KEYS)
        when, change = item.day("date"), item.text("change")
        if when and published and when < published:
            item.error(("date",), f"revision dated {when} is before the briefing's date "
                                  f"{published}", "bad-date")
        elif when and change:
            revisions.append(Revision(when, change))
    revisions.sort(key=lambda r: r.date, reverse=True)
    updated = f.day("updated")
    if updated and published and updated < published:
        f.error(("updated",), f"'updated' ({updated}) is before the briefing's date "
                              f"({published})", "bad-date")
        updated = None
    newest = revisions[0].date if revisions else None
    if updated and newest and updated < newest:
        f.error(("updated",), f"'updated' ({updated}) is before the newest revision "
                              f"({newest}): leave 'updated' out, or make it {newest} or later",
                "bad-date")
    return dict(revisions=tuple(revisions), updated=updated or newest)


def parse_topic(text: str, slug: str, relpath: str, out: Collector) -> TopicSource:
    """The topic; with errors, one marked `failed` (see parse_briefing)."""
    try:
        if relpath.endswith(".md"):
            fm, body, body_line = split_front_matter(text, relpath)
            doc = parse_yaml(fm, relpath, line_offset=1)
        else:
            body, body_line = "", 0
            doc = parse_yaml(text, relpath)
    except SiteError as exc:
        out.extend(exc.problems)
        return failed_topic(slug, relpath)
    f = Fields(doc, relpath, out, what="topic")
    if not f.data and not isinstance(doc.data, dict):
        return failed_topic(slug, relpath)
    before = len(out.errors)
    f.check_keys(TOPIC_KEYS, ("title",))
    description = f.text("description") or ""
    description_line = f.line("description")
    if body.strip():
        if description:
            out.error(relpath, body_line, "topic has both a 'description' key and a Markdown "
                                          "body; keep one", code="duplicate-description")
        description, description_line = body.strip(), body_line
    t = TopicSource(slug=slug, path=relpath, title=f.text("title") or "",
                    kind=f.choice("kind", TOPIC_KINDS), aliases=f.text_list("aliases"),
                    parent=f.text("parent"), description=description,
                    description_line=description_line, doc=doc.outline())
    return t if len(out.errors) == before else replace(t, failed=True)


def _load(root: Path, folder: str, suffixes: tuple[str, ...], step: str, parse, failed,
          out: Collector, memo, files: InputFiles | None) -> list:
    """Parse every file of a content folder (through the memo, by the digest of its bytes:
    see load.files); problems go to `out`, and a file that cannot be read at all stands as
    `failed(slug, path)`. The memo is first given every parse to do (to work out ahead,
    where it can). `files`: the load's InputFiles. A warm memo carries each file's parse
    (see sitegen.memo.Carried), taken again while the build's scan saw the file as it
    was, without looking up its digest and parse (all files asked at once: an edit
    changes one of thousands)."""
    inputs = files or InputFiles(memo)
    carried = Carried(memo, f"parsed {folder}")
    planned = plan(root, folder, suffixes, step, out, memo, inputs.scan)
    rels = [relpath for _path, relpath, _slug in planned]
    seen = inputs.seen(rels)
    were = carried.get_many(rels, seen)  # carried: (inputs, parse, problems, digests)
    jobs: dict[int, tuple | None] = {}  # position -> parse job (None: the file is unread)
    for i in list(compress(range(len(were)), map(is_, were, repeat(None)))):
        path, relpath, slug = planned[i]
        try:
            jobs[i] = _parse_job(path, inputs.digest(path, relpath), slug, relpath, parse)
        except OSError as exc:
            out.error(relpath, None, f"cannot read file: {exc.strerror or exc}",
                      code="read-error")
            jobs[i] = None
    memo.run(step, [job for job in jobs.values() if job is not None], label=f"parsing {step}s")
    result = [was[1] if was is not None else None for was in were]
    problems = [was[2] if was is not None else () for was in were]
    for i, job in jobs.items():
        _path, relpath, slug = planned[i]
        if job is None:
            result[i] = failed(slug, relpath)
            continue
        key, compute = job
        made = Collector()
        try:
            result[i] = memo(step, key, compute, made)
        except SiteError as exc:
            problems[i], result[i] = exc.problems, failed(key[1], key[2])
            continue
        problems[i] = made.problems
        if seen[i] is not None:
            carried.put(relpath, seen[i], result[i], made.problems,
                        (("file-digest", inputs.known(relpath)), (step, key)))
    carried.done()
    out.extend(chain.from_iterable(problems))
    return result


def _parse_job(path: Path, digest: str, slug: str, relpath: str, parse):
    """The memo key and computation of parsing one file (of bytes with that digest)."""
    return (digest, slug, relpath), lambda out: parse(
        _text(InputFiles.data(path, relpath, digest), relpath), slug, relpath, out)


def load_briefings(root: Path, out: Collector, memo=no_memo,
                   files: InputFiles | None = None) -> list[BriefingSource]:
    """Every briefing; `memo` (see sitegen.memo) may reuse the parse of unchanged text;
    `files`: the load's InputFiles (see load.files). Also warns about files in content/
    that are neither briefings nor topics."""
    strays(root, out)
    return _load(root, BRIEFINGS_DIR, (".md",), "briefing", parse_briefing, failed_briefing,
                 out, memo, files)


def load_topics(root: Path, out: Collector, memo=no_memo,
                files: InputFiles | None = None) -> list[TopicSource]:
    """Every topic; `memo` and `files`: see load_briefings."""
    return _load(root, TOPICS_DIR, (".yaml", ".yml", ".md"), "topic", parse_topic, failed_topic,
                 out, memo, files)
