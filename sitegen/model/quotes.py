"""Finding a quote in source text, ignoring whitespace and straight-vs-curly quote marks."""
from __future__ import annotations

import difflib
import unicodedata

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                         "\u2032": "'", "\u00b4": "'", "\u0060": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
                         "\u2033": '"', "\u00ab": '"', "\u00bb": '"', "\u00a0": " "})


def normalize(text: str) -> str:
    """The form quotes are compared in: NFC, straight quotes, single spaces."""
    if text.isascii():  # the common case, four times faster: NFC leaves ASCII alone
        text = text.replace("`", "'")
    else:
        text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    return " ".join(text.split())  # str.split's whitespace is exactly re's \s


def find(quote: str, paragraphs: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """Every (seed id, paragraph id) whose normalised text holds the normalised quote.

    `paragraphs` is a list of (seed id, paragraph id, normalised text).
    """
    needle = normalize(quote)
    if not needle:
        return []
    return [(seed, pid) for seed, pid, text in paragraphs if needle in text]


def nearest(quote: str, paragraphs: list[tuple[str, str, str]]) -> tuple[str, str, str] | None:
    """The closest passage to a quote that was not found: (seed id, paragraph id, text)."""
    needle = normalize(quote)
    best, best_size = None, 0
    for seed, pid, text in paragraphs:
        matcher = difflib.SequenceMatcher(None, needle, text, autojunk=False)
        match = matcher.find_longest_match(0, len(needle), 0, len(text))
        if match.size > best_size:
            start = max(0, match.b - match.a)
            best, best_size = (seed, pid, text[start:start + len(needle)]), match.size
    return best if best and best_size >= min(8, len(needle) // 2) else None
