"""Plain-text seeds (.txt) as people write them: the first non-empty line is the title;
blocks are separated by blank lines (hard-wrapped lines joined), or one per line; a short
line standing alone reads as a heading, and so does one underlined or boxed by a rule
(`====`, `----`, `* TITLE *`); a rule alone is a separator and dropped."""
from __future__ import annotations

import re

from .document import Chunk
from .seed_html import collapse

_CLOSERS = "\"'”’»›)]}"
_END_PUNCT = ".!?:;,…—–-"
_SENTENCE_END = ".!?:;…"

Line = tuple[int, str]  # (1-based line number, raw text)


def txt_chunks(text: str) -> tuple[str | None, list[Chunk]]:
    """Title = first non-empty line; blocks are separated by blank lines (or one per line)."""
    lines, headings = _ruled(text.split("\n"))
    groups = _groups(lines)
    if not groups:
        return None, []
    title, rest = collapse(groups[0][0][1]), groups[0][1:]
    groups = ([rest] if rest else []) + groups[1:]
    if len(groups) == 1 and len(groups[0]) > 1:  # no blank lines after the title
        body = groups[0]
        groups = _reflow(body) if _looks_wrapped(body) else [[line] for line in body]
    return title, _classify(groups, headings)


_RULE = re.compile(r"\s*([=\-*_~#+])(?:\s*\1){2,}\s*")  # ====, ----, * * *, ~~~ …
_BOXED = re.compile(r"\s*([*|#])\s*(.*?)\s*\1\s*")  # * SECTION *, | SECTION |


def _ruled(lines: list[str]) -> tuple[list[str], set[int]]:
    """The lines with rules (a line of one repeated mark) blanked, and the numbers of
    the lines they make headings: a line standing alone underlined by a rule (setext:
    `Title` then `=====`), or boxed on a line of its own (`* TITLE *`). A rule under
    a paragraph of several lines only ends it."""
    out, headings = list(lines), set()

    def alone(i: int) -> bool:
        return out[i].strip() != "" and (i == 0 or not out[i - 1].strip())

    for i, raw in enumerate(lines):
        if _RULE.fullmatch(raw):
            out[i] = ""
            above = out[i - 1].strip() if i else ""
            if above and (alone(i - 1) and len(above) <= 100 or _heading_like(collapse(above))
                          and _ends_sentence(out[i - 2], _SENTENCE_END)):
                headings.add(i)  # line i is line number i of the one above
                out[i - 1] = "\f" + out[i - 1]  # a block of its own (see _groups)
    for i, raw in enumerate(out):
        boxed = _BOXED.fullmatch(raw)
        if boxed and boxed.group(2) and alone(i) \
                and (i + 1 == len(out) or not out[i + 1].strip()):
            out[i] = boxed.group(2)
            headings.add(i + 1)
    return out, headings


def _groups(lines: list[str]) -> list[list[Line]]:
    """Runs of non-blank lines; a form feed at a line start also starts a new run."""
    groups: list[list[Line]] = []
    cur: list[Line] = []
    for no, raw in enumerate(lines, 1):
        if cur and (not raw.strip() or raw.startswith("\f")):
            groups.append(cur)
            cur = []
        if raw.strip():
            cur.append((no, raw))
    return groups + [cur] if cur else groups


def _ends_sentence(text: str, punct: str = _END_PUNCT) -> bool:
    """Ends in closing punctuation, maybe then closing quotes/brackets (`.”` `!'”` `?)`)."""
    core = text.rstrip().rstrip(_CLOSERS)
    return bool(core) and core[-1] in punct


def _heading_like(s: str) -> bool:
    """Whether a line (whitespace collapsed) reads as a heading."""
    return (0 < len(s) <= 80 and len(s.split()) <= 12 and any(c.isalpha() for c in s)
            and not s[0].islower() and s[0] not in "-*•+–—·"
            and not re.match(r"(?i)(copyright\b|\(c\)|©)", s) and not _ends_sentence(s))


def _starts_lower(raw: str) -> bool:
    return raw.lstrip()[:1].islower()


def _looks_wrapped(body: list[Line]) -> bool:
    """Hard-wrapped prose rather than one paragraph per line: lines run on in lower case."""
    pairs = list(zip(body, body[1:]))
    runs_on = sum(not _ends_sentence(a, _SENTENCE_END) and _starts_lower(b)
                  for (_, a), (_, b) in pairs)
    return runs_on >= max(1, 0.2 * len(pairs))


def _reflow(body: list[Line]) -> list[list[Line]]:
    """Split blank-line-free wrapped text at short (sentence-final) lines or indented starts."""
    width = max(len(raw.strip()) for _, raw in body)
    base = min(len(raw) - len(raw.lstrip()) for _, raw in body)
    groups = [[body[0]]]
    for (_, prev), (no, raw) in zip(body, body[1:]):
        indented = len(raw) - len(raw.lstrip()) > base
        size = len(prev.strip())
        short_end = size < 0.6 * width or (size < 0.85 * width
                                           and _ends_sentence(prev, _SENTENCE_END))
        if not _starts_lower(raw) and (indented or short_end):
            groups.append([])
        groups[-1].append((no, raw))
    return groups


def _classify(groups: list[list[Line]], headings: set[int] = frozenset()) -> list[Chunk]:
    """A one-line, heading-like block is a heading when a paragraph follows somewhere after
    it; a line marked as one by rules (`headings`: line numbers) is one."""
    lines = [[collapse(raw) for _, raw in group] for group in groups]
    kinds, para_follows = [], False
    for group, parts in zip(reversed(groups), reversed(lines)):
        marked = len(parts) == 1 and group[0][0] in headings
        candidate = marked or (len(parts) == 1 and _heading_like(parts[0]))
        kinds.append("heading" if marked or (candidate and para_follows) else "paragraph")
        para_follows = para_follows or not candidate
    kinds.reverse()
    return [Chunk(kind, _join(parts), 2, group[0][0])
            for group, parts, kind in zip(groups, lines, kinds)]


def _join(parts: list[str]) -> str:
    """Join wrapped lines (whitespace collapsed) with single spaces (none after a
    word-break hyphen or an em dash)."""
    text = ""
    for part in parts:
        glue = text.endswith("—") or (re.search(r"[^\W\d_]-$", text) and part[:1].islower())
        text = text + part if glue or not text else f"{text} {part}"
    return text
