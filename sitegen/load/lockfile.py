"""Reading `sitegen.lock` (written by `sitegen check --update-lock`: see sitegen.lock).

Plain text, one record per line, comments after `#`:

    @written <date>                                    the last update that changed it
    <briefing> @changed <date>                         its judgment last changed that day
    <briefing> @<part> <sha256, 12 hex> <text>         part: bottom-line, confidence, kp-N
    <briefing> <anchor> <seed>#<para> <sha256, 12 hex> <normalised paragraph text>

The last kind, one per citation, fingerprints each cited source paragraph (to notice
*source drift*); the others record each briefing's judgment (to tell what changed).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem

LOCK_FILE = "sitegen.lock"
_CITATION = re.compile(r"^(\S+) ((?:kp|ev)-\d+) (\S+)#(p\d+) ([0-9a-f]{12}) ?(.*)$")
_PART = re.compile(r"^(\S+) @(bottom-line|confidence|kp-\d+) ([0-9a-f]{12}) ?(.*)$")
_CHANGED = re.compile(r"^(\S+) @changed (\d{4}-\d{2}-\d{2})$")
_WRITTEN = re.compile(r"^@written (\d{4}-\d{2}-\d{2})$")


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


@dataclass(frozen=True)
class Judgment:
    """A briefing's judgment as the lock recorded it: its parts (name, digest, text) and
    the day it last changed (None: not since the briefing was first recorded)."""

    briefing: str
    parts: tuple[tuple[str, str, str], ...]
    changed: dt.date | None = None

    def lines(self) -> list[str]:
        found = [f"{self.briefing} @changed {self.changed}"] if self.changed else []
        return found + [f"{self.briefing} @{name} {digest} {text}"
                        for name, digest, text in self.parts]


@dataclass(frozen=True)
class Lock:
    written: dt.date | None  # None: a lock from before judgments were recorded
    citations: dict[tuple[str, str], Entry]  # by (briefing, anchor)
    judgments: dict[str, Judgment]  # by briefing (none without `written`)
    problems: tuple[Problem, ...] = field(default=(), compare=False)


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def read_lock(root: Path) -> Lock | None:
    """The lock of the site at `root`, with a `bad-lock` warning per unreadable line;
    None when there is none."""
    path = root / LOCK_FILE
    if not path.is_file():
        return None
    citations, parts, changed, problems, written = {}, {}, {}, [], None
    text = path.read_bytes().decode("utf-8", errors="replace")
    for no, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if m := _CITATION.match(line):
            e = Entry(*m.groups())
            citations[e.key] = e
        elif m := _PART.match(line):
            parts.setdefault(m.group(1), []).append(m.group(2, 3, 4))
        elif (m := _CHANGED.match(line)) and _day(m.group(2)):
            changed[m.group(1)] = _day(m.group(2))
        elif (m := _WRITTEN.match(line)) and _day(m.group(1)):
            written = _day(m.group(1))
        else:
            problems.append(Problem(LOCK_FILE, no, "unreadable line: expected '<briefing> "
                                    "<kp-N|ev-N> <seed>#<pN> <sha256> <text>' or a judgment's "
                                    "'@' line; rewrite the file with `sitegen check "
                                    "--update-lock`", "warning", "bad-lock"))
    # Judgments count from the day they were recorded: without it they are not read.
    judgments = {slug: Judgment(slug, tuple(p), changed.get(slug))
                 for slug, p in parts.items()} if written else {}
    return Lock(written, citations, judgments, tuple(problems))
