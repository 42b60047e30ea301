"""`sitegen.lock`: a fingerprint of every cited source paragraph, to notice *source drift*
(a seed edited under a briefing that cites it), and of every briefing's judgment, to tell
what changed and when (load.lockfile has the format and reads it).

Meant to be committed. Only `sitegen check --update-lock` writes it; every build and
check compares the cited paragraphs with it and warns (`source-drift`) with the old and
the new text. Rules: a judgment's `@changed` day is the day of the update that saw it
differ; `@written` moves only when an update changes something, so an update with
nothing new leaves the file as it was.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from .errors import Problem
from .load.content import BriefingSource
from .load.lockfile import LOCK_FILE, Entry, Judgment
from .model.citations import SeedIndex
from .model.quotes import normalize
from .model.site import Briefing, Site

HEADER = (
    "# sitegen.lock: fingerprints of the source paragraphs the briefings cite, and of their\n"
    "# judgments. Written by `sitegen check --update-lock`; commit it. `sitegen build` and\n"
    "# `sitegen check` warn (source-drift) when a cited paragraph no longer matches its line.\n")


def fingerprint(text: str) -> str:
    """Short sha256 of a paragraph's normalised text (whitespace and quote marks ignored)."""
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()[:12]


def _order(e: Entry) -> tuple:
    kind, _, number = e.anchor.partition("-")
    return (e.briefing, kind != "kp", int(number))


def current_entries(site: Site) -> list[Entry]:
    """Every citation of the site with its paragraph's text now, in lock order."""
    entries = []
    index = SeedIndex({sid: source.seed for sid, source in site.sources.items()})
    for b in site.briefings.values():
        for claim in (*b.key_points, *b.timeline):
            ref = claim.ref
            block = index.paragraph(ref.seed, ref.para) if ref and ref.seed in index.seeds \
                else None
            if block is not None:
                entries.append(Entry(b.slug, claim.anchor, ref.seed, ref.para,
                                     fingerprint(block.text), normalize(block.text)))
    return sorted(entries, key=_order)


def judgment_parts(b: Briefing) -> tuple[tuple[str, str, str], ...]:
    """The parts of a briefing's judgment as the lock records them: (name, digest, text)."""
    texts = [("bottom-line", b.bottom_line)] + [("confidence", b.confidence)] * bool(b.confidence)
    texts += [(kp.anchor, kp.text) for kp in b.key_points]
    return tuple((name, fingerprint(text), normalize(text)) for name, text in texts)


def current_judgments(site: Site, today: dt.date) -> list[Judgment]:
    """Every published briefing's judgment now (a draft's is not yet a judgment: once
    published, it is new); one that differs from the lock's changed `today`."""
    was = site.lock.judgments if site.lock else {}
    found = []
    for slug in sorted(s for s, b in site.briefings.items() if not b.draft):
        parts, old = judgment_parts(site.briefings[slug]), was.get(slug)
        changed = old.changed if old else None
        if old and [p[:2] for p in old.parts] != [p[:2] for p in parts]:
            changed = today
        found.append(Judgment(slug, parts, changed))
    return found


def format_lock(written: dt.date, entries: list[Entry], judgments: list[Judgment]) -> str:
    body = [line for j in judgments for line in j.lines()]
    body += [e.line() for e in sorted(entries, key=_order)]
    return HEADER + f"@written {written}\n" + "".join(line + "\n" for line in body)


def write_lock(root: Path, site: Site, today: dt.date | None = None) -> int:
    """Record every citation and judgment of `site` (read with its lock, `site.lock`) in
    `root/sitegen.lock`; the number of citations."""
    today = today or dt.date.today()
    entries, judgments = current_entries(site), current_judgments(site, today)
    old = site.lock
    if old and old.written and format_lock(old.written, entries, judgments) == format_lock(
            old.written, list(old.citations.values()), list(old.judgments.values())):
        today = old.written  # nothing new: the file stays as it is
    # A new file moved into place: a link at sitegen.lock is replaced, never written through.
    tmp = root / f".{LOCK_FILE}.sitegen-tmp"
    tmp.unlink(missing_ok=True)
    with open(tmp, "x", encoding="utf-8", newline="\n") as f:
        f.write(format_lock(today, entries, judgments))
    os.replace(tmp, root / LOCK_FILE)
    return len(entries)


def drifted(site: Site) -> list[tuple[Entry, Entry]]:
    """(as locked, now) for every citation whose paragraph changed since the lock."""
    if site.lock is None:
        return []
    was = site.lock.citations
    return [(was[now.key], now) for now in current_entries(site)
            if now.key in was and was[now.key].digest != now.digest]


def drift_warnings(site: Site, sources: list[BriefingSource] = ()) -> list[Problem]:
    """The lock's unreadable lines, and a `source-drift` warning for every citation whose
    paragraph text differs from the lock's. `sources` give the line of each claim."""
    if site.lock is None:
        return []
    problems = list(site.lock.problems)
    by_slug = {b.slug: b for b in sources}
    for was, now in drifted(site):
        b = site.briefings[now.briefing]
        moved = (f"now cites {now.seed}#{now.para} instead of {was.seed}#{was.para}, whose"
                 if (was.seed, was.para) != (now.seed, now.para) else
                 f"cites {now.seed}#{now.para}, whose")
        old, new = changed_excerpts(was.text, now.text)
        message = (f"source drift: {claim_name(now.anchor)} {moved} text changed since "
                   f"{LOCK_FILE}: was “{old}”, now “{new}”; check the claim still holds, "
                   "then run `sitegen check --update-lock`")
        line = _claim_line(by_slug.get(now.briefing), now.anchor)
        problems.append(Problem(b.path, line, message, "warning", "source-drift"))
    return problems


def claim_name(anchor: str) -> str:
    kind, _, number = anchor.partition("-")
    return f"{'key point' if kind == 'kp' else 'timeline event'} {number}"


def _claim_line(b: BriefingSource | None, anchor: str) -> int | None:
    if b is None:
        return None
    kind, _, number = anchor.partition("-")
    claims = b.key_points if kind == "kp" else b.timeline
    i = int(number) - 1
    if not 0 <= i < len(claims):
        return None
    c = claims[i]
    return c.cite_line if c.cite else c.quote_line if c.quote else c.line


def changed_excerpts(old: str, new: str, context: int = 40, width: int = 200) -> tuple[str, str]:
    """Both texts from a little before their first difference, at most `width` characters
    each, marked with … where cut."""
    i = 0
    while i < min(len(old), len(new)) and old[i] == new[i]:
        i += 1
    start = max(0, i - context)
    space = old.find(" ", start, min(i, start + 15))
    if start and space >= 0:
        start = space + 1  # begin at a word

    def cut(s: str) -> str:
        end = min(len(s), start + width)
        return ("…" if start else "") + s[start:end] + ("…" if end < len(s) else "")
    return cut(old), cut(new)
