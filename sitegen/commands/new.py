"""`sitegen new SEED`: start `content/briefings/<slug>.md` for a seed, prefilled with its
title, today's date, the topics it mentions, candidate key points and, as YAML comments,
its paragraphs with their ids. Never overwrites a file.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import textwrap
import unicodedata
from pathlib import Path

from ..errors import Collector, Problem, SiteError
from ..load.config import load_config
from ..extract import mentioned_topics, rank_sentences
from ..load.content import TopicSource, load_topics
from ..load.folders import BRIEFINGS_DIR, BUNDLE_INDEX
from ..load.fields import SLUG_RE, suggest
from ..load.seeds import FORMATS, SIDECAR_EXTS, Seed, load_seed_file

SEEDS_DIR = "seeds"
MAX_TOPICS = 8
WIDTH = 88


class ScaffoldError(Exception):
    """A reason not to write the briefing, as a `path: error: message` problem."""

    def __init__(self, path: str, message: str, code: str):
        super().__init__(message)
        self.problem = Problem(path, None, message, "error", code)


def slugify(text: str, limit: int = 60) -> str:
    """ASCII, lower case, words joined by hyphens, at most `limit` characters (cut at a word)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’]", "", ascii_text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > limit:
        cut = slug[:limit + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:limit]
    return slug.strip("-")


def find_seed(root: Path, arg: str) -> Path:
    """The seed document named by `arg`: an id, or a path (from here or from the root)
    to a file in seeds/. Raises ScaffoldError with a did-you-mean."""
    folder = root / SEEDS_DIR
    docs = {p.stem: p for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() in FORMATS} if folder.is_dir() else {}
    if arg in docs:
        return docs[arg]
    given = Path(arg)
    suffix = given.suffix.lower()
    if "/" in arg or os.sep in arg or suffix in FORMATS or suffix in SIDECAR_EXTS:
        candidates = [given] if given.is_absolute() else [Path.cwd() / given, root / given]
        for path in candidates:
            if path.is_file():
                if path.resolve().parent != folder.resolve():
                    raise ScaffoldError(arg, f"not a file in {SEEDS_DIR}/ of the site: put the "
                                             f"document in {folder} first", "unknown-seed")
                if given.stem in docs:
                    return docs[given.stem]  # the document itself, or its sidecar
        if given.stem in docs and given.parent.name in ("", SEEDS_DIR):
            return docs[given.stem]
    hint = suggest(given.stem if suffix in FORMATS else arg, docs)
    if not hint:
        hint = (f" (seeds: {', '.join(list(docs)[:12])}{', …' if len(docs) > 12 else ''})"
                if docs else f" ({SEEDS_DIR}/ has no documents)")
    raise ScaffoldError(SEEDS_DIR, f"unknown seed '{arg}'{hint}", "unknown-seed")


def _yaml_str(text: str) -> str:
    """A YAML double-quoted scalar for any text (JSON strings are valid YAML)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in quoted)


def _comment(text: str, first: str, rest: str = "") -> list[str]:
    rest = rest or " " * len(first)
    lines = textwrap.wrap(" ".join(text.split()), WIDTH - 2, initial_indent=first,
                          subsequent_indent=rest, break_on_hyphens=False) or [first.rstrip()]
    return ["# " + line if line else "#" for line in lines]


def _quote_of(sentence: str, limit: int = 120) -> str:
    """The sentence, or its first words up to `limit` characters: still a verbatim quote."""
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:—–- ")


def briefing_text(seed: Seed, title: str, topics: list[TopicSource], today: dt.date) -> str:
    """The prefilled briefing file for `seed`."""
    found = mentioned_topics(seed, topics)
    shown, more = found[:MAX_TOPICS], found[MAX_TOPICS:]
    lines = ["---", f"title: {_yaml_str(title)}", f"date: {today.isoformat()}",
             f"seeds: [{seed.id}]"]
    if shown:
        counts = ", ".join(f"{slug} ({n})" for slug, n in shown)
        lines += _comment(f"Topics mentioned in the seed, most mentioned first: {counts}. "
                          "Keep those this briefing is about.", "")
        lines.append(f"topics: [{', '.join(slug for slug, _ in shown)}]")
        if more:
            lines += _comment("Also mentioned: " + ", ".join(f"{s} ({n})" for s, n in more), "")
    else:
        lines += _comment("TODO: no existing topic is mentioned in this seed. List topic slugs "
                          "here, e.g. [nato, ukraine]; a new topic needs a file "
                          "content/topics/<slug>.yaml with at least 'title:'.", "")
        lines.append("topics: []")
    lines.append("bottom_line:  # TODO (required): the one-paragraph conclusion, main point first")
    lines += ["# confidence: moderate  # low | moderate | high",
              "# draft: true  # keeps the briefing out of the site until it is ready", "#"]
    candidates = rank_sentences(seed)
    if candidates:
        lines += _comment("Candidate key points: sentences of the seed that look central, in "
                          "document order. Uncomment those you keep (with 'key_points:') and "
                          "rewrite each 'text' in your own words; 'cite' and 'quote' are "
                          "checked against the seed.", "")
        lines.append("# key_points:")
        for s in candidates:
            lines += [f"#   - text: {_yaml_str(s.text)}", f"#     cite: {s.para}",
                      f"#     quote: {_yaml_str(_quote_of(s.text))}"]
        lines.append("#")
    lines += _comment(f"Paragraphs of seed {seed.id} ({seed.path}); cite them as p1, p2, …", "")
    for block in seed.blocks:
        text = block.text if len(block.text) <= 400 else block.text[:399].rstrip() + "…"
        if block.kind == "heading":
            lines += _comment(text, "## ")
        else:
            lines += _comment(text, f"{block.id}: ", " " * (len(block.id) + 2))
    lines.append("---")
    example = f"[[{found[0][0]}]]" if found else "[[topic-slug]]"
    lines.append(f"<!-- The analysis, in Markdown. Link a topic as {example} and a source "
                 f"paragraph as [[source:{seed.id}#p1]]. -->" if found else
                 "<!-- The analysis, in Markdown. Link a topic by its slug in double square "
                 f"brackets, a source paragraph as [[source:{seed.id}#p1]]. -->")
    lines.append("")
    return "\n".join(lines)


def run_new(root: Path, args) -> int:
    try:
        path = find_seed(root, args.seed)
        seed, problems = load_seed_file(root, path)
        if seed is None:
            for p in problems:
                print(p, file=sys.stderr)
            return 1
        topics = load_topics(root, Collector())
        slug = args.slug or slugify(seed.title) or slugify(seed.id)
        rel = f"{BRIEFINGS_DIR}/{slug}.md"
        if not SLUG_RE.match(slug):
            raise ScaffoldError(rel, f"'{slug}' is not a valid slug: use lower-case letters, "
                                     f"digits and hyphens, e.g. --slug {slugify(slug) or 'my-briefing'}",
                                "bad-slug")
        if slug in {t.slug for t in topics}:
            raise ScaffoldError(rel, f"'{slug}' is already a topic's slug; choose another with "
                                     f"--slug, e.g. --slug {slug}-briefing", "duplicate-slug")
        target = root / rel
        folder = f"{BRIEFINGS_DIR}/{slug}/{BUNDLE_INDEX}"  # the same briefing, as a folder
        for taken in (rel, folder):
            if (root / taken).exists() or (root / taken).is_symlink():
                raise ScaffoldError(taken, "already exists; not overwritten (choose another "
                                           "name with --slug)", "file-exists")
        if any(p.is_symlink() for p in (root / "content", target.parent)):
            raise ScaffoldError(rel, "content/ or content/briefings/ is a symbolic link; "
                                     "sitegen does not write through links", "bad-link")
        text = briefing_text(seed, args.title or seed.title, topics, dt.date.today())
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except ScaffoldError as exc:
        print(exc.problem, file=sys.stderr)
        return 1
    print(Path(args.root) / rel)
    print("next: write the bottom line and key points, then run `sitegen check`",
          file=sys.stderr)
    if not (root / ".gitignore").exists():
        print(f"tip: no .gitignore here; if the site is kept in git, write one with the "
              f"lines {_output_dir(root)}/ and .sitegen-cache/ to keep the output and the "
              "cache out of it", file=sys.stderr)
    return 0


def _output_dir(root: Path) -> str:
    try:
        return load_config(root).output_dir
    except SiteError:  # reported by every build: not new's business
        return "public"
