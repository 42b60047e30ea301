"""`sitegen.lock`: a fingerprint of every cited source paragraph, to notice *source drift*
(a seed edited under a briefing that cites it).

Plain text, meant to be committed, one line per claim in a stable order:

    <briefing> <anchor> <seed>#<para> <sha256, 12 hex> <normalised paragraph text>

Only `sitegen check --update-lock` writes it; every build and check compares the cited
paragraphs with it and warns (`source-drift`) with the old and the new text.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem
from .load.content import BriefingSource
from .model.citations import SeedIndex
from .model.quotes import normalize
from .model.site import Site

LOCK_FILE = "sitegen.lock"
HEADER = (
    "# sitegen.lock: fingerprints of the source paragraphs the briefings cite.\n"
    "# Written by `sitegen check --update-lock`; commit it. `sitegen build` and `sitegen check`\n"
    "# warn (source-drift) when a cited paragraph no longer matches its line here.\n"
    "# briefing  claim  seed#paragraph  sha256  paragraph text\n")
_LINE_RE = re.compile(r"^(\S+) ((?:kp|ev)-\d+) (\S+)#(p\d+) ([0-9a-f]{12}) ?(.*)$")


@dataclass(frozen=True)
class Entry:
    """One cited paragraph as it was when the lock was written."""

    briefing: str
    anchor: str  # "kp-2", "ev-1"
    seed: str
    para: str
    digest: str
    text: str  # normalised paragraph text

    @property
    def key(self) -> tuple[str, str]:
        return (self.briefing, self.anchor)

    def line(self) -> str:
        return f"{self.briefing} {self.anchor} {self.seed}#{self.para} {self.digest} {self.text}"


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


def format_lock(entries: list[Entry]) -> str:
    return HEADER + "".join(e.line() + "\n" for e in sorted(entries, key=_order))


def write_lock(root: Path, site: Site) -> int:
    """Record every citation of `site` in `root/sitegen.lock`; the number of entries."""
    entries = current_entries(site)
    # A new file moved into place: a link at sitegen.lock is replaced, never written through.
    tmp = root / f".{LOCK_FILE}.sitegen-tmp"
    tmp.unlink(missing_ok=True)
    with open(tmp, "x", encoding="utf-8", newline="\n") as f:
        f.write(format_lock(entries))
    os.replace(tmp, root / LOCK_FILE)
    return len(entries)


def read_lock(root: Path) -> tuple[dict[tuple[str, str], Entry], list[Problem]] | None:
    """The entries of `root/sitegen.lock` by (briefing, anchor) and any malformed lines;
    None when there is no lock file."""
    path = root / LOCK_FILE
    if not path.is_file():
        return None
    entries, problems = {}, []
    text = path.read_bytes().decode("utf-8", errors="replace")
    for no, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        m = _LINE_RE.match(line)
        if m is None:
            problems.append(Problem(LOCK_FILE, no, "unreadable line: expected '<briefing> "
                                    "<kp-N|ev-N> <seed>#<pN> <sha256> <text>'; rewrite the file "
                                    "with `sitegen check --update-lock`", "warning", "bad-lock"))
            continue
        e = Entry(*m.groups())
        entries[e.key] = e
    return entries, problems


def drift_warnings(root: Path, site: Site, sources: list[BriefingSource] = ()) -> list[Problem]:
    """A `source-drift` warning for every citation whose paragraph text differs from the
    lock's; nothing when there is no lock. `sources` give the line of each claim."""
    locked = read_lock(root)
    if locked is None:
        return []
    entries, problems = locked
    by_slug = {b.slug: b for b in sources}
    for now in current_entries(site):
        was = entries.get(now.key)
        if was is None or was.digest == now.digest:
            continue
        b = site.briefings[now.briefing]
        moved = (f"now cites {now.seed}#{now.para} instead of {was.seed}#{was.para}, whose"
                 if (was.seed, was.para) != (now.seed, now.para) else
                 f"cites {now.seed}#{now.para}, whose")
        old, new = changed_excerpts(was.text, now.text)
        message = (f"source drift: {_claim_name(now.anchor)} {moved} text changed since "
                   f"{LOCK_FILE}: was “{old}”, now “{new}”; check the claim still holds, "
                   "then run `sitegen check --update-lock`")
        line = _claim_line(by_slug.get(now.briefing), now.anchor)
        problems.append(Problem(b.path, line, message, "warning", "source-drift"))
    return problems


def _claim_name(anchor: str) -> str:
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
