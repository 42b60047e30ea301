"""Where the sentences of a plain text begin and end.

Rule: a sentence ends at `.`, `!`, `?` or `…` (with any closing quote or bracket) before
a space and a capital or digit, except after a title ("Mr.", "Gen."), a month's short
name or a single capital ("J. Smith", "U.S. officials").
"""
from __future__ import annotations

import re

_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Gen|Col|Lt|Sgt|Gov|Sen|Rep|vs|etc|"
                           r"No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z])\.$")


def spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, in order; together they cover it."""
    found, start = [], 0
    for m in _END.finditer(text):
        if _ABBREVIATION.search(text[start:m.end()]):
            continue
        found.append((start, m.end()))
        start = m.end()
    if start < len(text):
        found.append((start, len(text)))
    return found
