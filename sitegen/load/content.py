"""Briefings (`content/briefings/*.md`) and topics (`content/topics/*.yaml|.md`).

This stage checks each file on its own: keys, types, dates, slugs. References
between files (seeds, topics, citations, links) are resolved by `model`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

from ..memo import Carried, no_memo
from ..errors import Collector, SiteError
from .files import InputFiles, folder_problem, link_problem, listing, passed_over
from .scan import Scan
from .media import MEDIA_DIR
from .fields import SLUG_RE, Fields, PartialDate, parse_partial_date
from .yamlsrc import YamlDoc, parse_yaml, split_front_matter

CONTENT_DIR = "content"
BRIEFINGS_DIR = "content/briefings"
TOPICS_DIR = "content/topics"
BUNDLE_INDEX = "index.md"  # content/briefings/<slug>/index.md: a briefing with its media
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


RESERVED_SLUGS = frozenset({"page"})  # list pages live at <list>/page/<n>/ (sitegen.paging)


def _text(data: bytes, relpath: str) -> str:
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SiteError.at(relpath, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                                          "save the file as UTF-8", code="bad-encoding") from None


def _slug(path: Path, relpath: str, out: Collector) -> str | None:
    """The slug a content file (or a briefing's folder) gives its page, or None (an error)."""
    slug = path.stem if path.suffix.lower() in (".md", ".yaml", ".yml") else path.name
    if not SLUG_RE.match(slug):
        out.error(relpath, None, f"file name '{path.name}' is not a valid slug: use lower-case "
                                 "letters, digits and hyphens, e.g. 'talks-with-russia.md'",
                  code="bad-slug")
        return None
    if slug in RESERVED_SLUGS:
        out.error(relpath, None, f"the slug '{slug}' is taken by the site's own list pages "
                                 f"(briefings/{slug}/2/ is the second page of all briefings): rename the file, e.g. "
                                 f"'{slug}-1{path.suffix}'", code="bad-slug")
        return None
    return slug


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


def _files(root: Path, folder: str, suffixes: tuple[str, ...], out: Collector,
           bundles: bool = False, scan: Scan | None = None) -> list[Path]:
    """The content files of a folder (as the build's `scan` found them, when it did);
    with `bundles`, a subfolder holding an index.md is one too (a briefing with its media
    beside it, see load.media)."""
    base = root / folder
    if not base.is_dir():
        return []
    problem = folder_problem(base, root)
    if problem:
        out.error(f"{folder}/", None, problem, code="bad-link")
        return []
    files = []
    scanned = scan.entries(folder) if scan is not None else None
    for entry in listing(base) if scanned is None else scanned:
        problem = link_problem(base / entry.name, root) if entry.is_symlink() else None
        if problem:
            out.error(f"{folder}/{entry.name}", None, problem, code="bad-link")
            continue
        if entry.is_dir():
            if bundles and (base / entry.name / BUNDLE_INDEX).is_file():
                files.append(base / entry.name / BUNDLE_INDEX)
            else:
                where = f"; a briefing in a folder of its own is {folder}/{entry.name}/" \
                        f"{BUNDLE_INDEX}" if bundles else ""
                out.warning(f"{folder}/{entry.name}/", None, f"ignored: files are read from "
                            f"{folder}/ itself, not from folders inside it{where}",
                            code="ignored-file")
            continue
        path = base / entry.name
        if not entry.is_file():  # a pipe, a device: reading it could wait for ever
            out.warning(f"{folder}/{path.name}", None, "ignored: not a regular file",
                        code="ignored-file")
        elif path.suffix.lower() in suffixes:
            files.append(path)
        else:
            out.warning(f"{folder}/{path.name}", None,
                        f"ignored: not a {' or '.join(suffixes)} file", code="ignored-file")
    return files


def _load(root: Path, folder: str, suffixes: tuple[str, ...], step: str, parse, failed,
          out: Collector, memo, files: InputFiles | None) -> list:
    """Parse every file of a content folder (through the memo, by the digest of its bytes:
    see load.files); problems go to `out`, and a file that cannot be read at all stands as
    `failed(slug, path)`. The memo is first given every parse to do (to work out ahead,
    where it can). `files`: the load's InputFiles. A warm memo carries each file's parse
    (see sitegen.memo.Carried), taken again while the build's scan says the file is as
    it was, without looking up its digest and parse."""
    result, order, jobs = [], [], []
    inputs = files or InputFiles(memo)
    carried = Carried(memo, f"parsed {folder}")
    for path, relpath, slug in _plan(root, folder, suffixes, step, out, memo, inputs.scan):
        known = inputs.known(relpath)
        was = carried.get(relpath, known)
        if was is not None:
            order.append((relpath, known, None, was))
            continue
        try:
            job = _parse_job(path, inputs.digest(path, relpath), slug, relpath, parse)
        except OSError as exc:
            out.error(relpath, None, f"cannot read file: {exc.strerror or exc}",
                      code="read-error")
            result.append(failed(slug, relpath))
            continue
        jobs.append(job)
        order.append((relpath, known, job, None))
    memo.run(step, jobs, label=f"parsing {step}s")
    for relpath, known, job, was in order:
        if was is not None:  # carried: (inputs, parse, problems, digests)
            out.extend(was[2])
            result.append(was[1])
            continue
        key, compute = job
        problems = Collector()
        try:
            result.append(memo(step, key, compute, problems))
        except SiteError as exc:
            out.extend(exc.problems)
            result.append(failed(key[1], key[2]))
            continue
        out.extend(problems.problems)
        if known is not None:
            carried.put(relpath, known, result[-1], problems.problems,
                        (("file-digest", known), (step, key)))
    carried.done()
    return result


def _plan(root: Path, folder: str, suffixes: tuple[str, ...], step: str, out: Collector,
          memo, scan: Scan | None) -> list[tuple[Path, str, str]]:
    """(path, shown path, slug) of each content file of a folder to parse, in order;
    problems (names that are no slug, two files of one slug, what is ignored) go to
    `out`. A warm memo carries the plan while the build's scan lists the folder as the
    very same entries (see load.scan: no file in it came, went or changed kind)."""
    name, listed = f"plan {folder}", scan.entries(folder) if scan is not None else None
    was = memo.carried(name)
    if was is not None and listed is not None and was[0] is listed:
        memo.carry(name, was)
        out.extend(was[2])
        return was[1]
    problems, plan, seen, base = Collector(), [], {}, root / folder
    for path in _files(root, folder, suffixes, problems, folder == BRIEFINGS_DIR, scan):
        bundle = path.name == BUNDLE_INDEX and path.parent != base
        relpath = f"{folder}/{path.parent.name}/{path.name}" if bundle else f"{folder}/{path.name}"
        slug = _slug(path.parent if bundle else path, relpath, problems)
        if slug is None:
            continue
        if slug in seen:  # e.g. nato.yaml and nato.md, or x.md and x/index.md
            problems.error(relpath, None, f"duplicate {step} slug '{slug}': also defined by "
                                          f"{seen[slug]}; keep one of the two files",
                           code="duplicate-slug")
            continue
        seen[slug] = relpath
        plan.append((path, relpath, slug))
    if listed is not None:
        memo.carry(name, (listed, plan, tuple(problems.problems)))
    out.extend(problems.problems)
    return plan


def _parse_job(path: Path, digest: str, slug: str, relpath: str, parse):
    """The memo key and computation of parsing one file (of bytes with that digest)."""
    return (digest, slug, relpath), lambda out: parse(
        _text(InputFiles.data(path, relpath, digest), relpath), slug, relpath, out)


def _strays(root: Path, out: Collector) -> None:
    """Warn about what lies in content/ beside the briefings and topics folders: sitegen
    reads nothing else there (a briefing saved one folder too high is easy to miss)."""
    content = root / CONTENT_DIR
    if not content.is_dir():
        return
    known = {Path(BRIEFINGS_DIR).name, Path(TOPICS_DIR).name, Path(MEDIA_DIR).name}
    for name in sorted(os.listdir(content)):
        if name not in known and not passed_over(name):
            out.warning(f"{CONTENT_DIR}/{name}", None, f"ignored: briefings go in "
                        f"{BRIEFINGS_DIR}/, topics in {TOPICS_DIR}/, shared images and "
                        f"files in {MEDIA_DIR}/", code="ignored-file")


def load_briefings(root: Path, out: Collector, memo=no_memo,
                   files: InputFiles | None = None) -> list[BriefingSource]:
    """Every briefing; `memo` (see sitegen.memo) may reuse the parse of unchanged text;
    `files`: the load's InputFiles (see load.files). Also warns about files in content/
    that are neither briefings nor topics."""
    _strays(root, out)
    return _load(root, BRIEFINGS_DIR, (".md",), "briefing", parse_briefing, failed_briefing,
                 out, memo, files)


def load_topics(root: Path, out: Collector, memo=no_memo,
                files: InputFiles | None = None) -> list[TopicSource]:
    """Every topic; `memo` and `files`: see load_briefings."""
    return _load(root, TOPICS_DIR, (".yaml", ".yml", ".md"), "topic", parse_topic, failed_topic,
                 out, memo, files)
