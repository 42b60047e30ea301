"""Reading a seed for `sitegen new`: which known topics it mentions, and which of its
sentences look like key points (a simple extractive ranking, no model, no network).

A sentence scores by the average frequency of its content words across the seed
(words repeated through the document carry its subject), weighted by how rare each
word is across paragraphs (TF-IDF style), plus a bonus for standing early in the
document and for containing numbers or names.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from .load.content import TopicSource
from .load.seeds import Seed
from .model.sentences import spans as sentence_spans

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
STOPWORDS = frozenset("""
a about above after again against all also although am an and any are as at be because been
before being below between both but by can could did do does doing down during each either
even ever every few for from further had has have having he her here hers herself him himself
his how however i if in into is it its itself just least less like made make many may me might
more most much must my myself neither no nor not now of off often on once one only or other
our ours ourselves out over own per perhaps rather said same say says she should since so some
still such than that the their theirs them themselves then there these they this those though
through thus to too under until up upon us very was we were what when where whether which while
who whom whose why will with within without would yet you your yours yourself yourselves
""".split())


@dataclass(frozen=True)
class Sentence:
    text: str  # verbatim from the paragraph
    para: str  # paragraph id, e.g. "p3"
    position: int  # index of the sentence in the whole document
    score: float = 0.0


def sentences(seed: Seed) -> list[Sentence]:
    """Every sentence of the seed's paragraphs, verbatim, in document order."""
    found: list[Sentence] = []
    for block in seed.paragraphs:
        if block.preformatted:
            continue
        for start, end in sentence_spans(block.text):
            piece = block.text[start:end].strip()
            if piece:
                found.append(Sentence(piece, block.id, len(found)))
    return found


def _words(text: str) -> list[str]:
    return [w for w in (m.group(0).lower().replace("’", "'") for m in _WORD.finditer(text))
            if w not in STOPWORDS and len(w) > 2]


def rank_sentences(seed: Seed, limit: int = 5, per_paragraph: int = 1) -> list[Sentence]:
    """Up to `limit` candidate key sentences, in document order, at most `per_paragraph`
    from any one paragraph. Very short and very long sentences are skipped."""
    all_sentences = sentences(seed)
    if not all_sentences:
        return []
    tf = Counter(w for s in all_sentences for w in _words(s.text))
    df = Counter(w for p in seed.paragraphs for w in set(_words(p.text)))
    n_paras = max(len(seed.paragraphs), 1)
    top = max(tf.values(), default=1)
    weight = {w: (tf[w] / top) * (1 + math.log(n_paras / df[w])) if df[w] else 0.0
              for w in tf}
    total = len(all_sentences)
    scored = []
    for s in all_sentences:
        words = _words(s.text)
        size = len(s.text.split())
        if size < 6 or size > 60 or s.text.endswith("?") or not words:
            continue
        score = sum(weight[w] for w in words) / math.sqrt(len(words))
        score *= 1 + 0.5 * (1 - s.position / total)  # earlier is usually more central
        if re.search(r"\d", s.text):
            score *= 1.1
        scored.append(Sentence(s.text, s.para, s.position, score))
    chosen, per_para = [], Counter()
    for s in sorted(scored, key=lambda s: (-s.score, s.position)):
        if per_para[s.para] < per_paragraph:
            chosen.append(s)
            per_para[s.para] += 1
        if len(chosen) == limit:
            break
    return sorted(chosen, key=lambda s: s.position)


def _name_pattern(name: str) -> str:
    """Whole-word match; case-insensitive unless the name is an acronym like 'US'."""
    body = re.escape(name)
    if not (name.isupper() or len(name) <= 3):
        body = f"(?i:{body})"
    return rf"(?<!\w){body}(?!\w)"


def mentioned_topics(seed: Seed, topics: list[TopicSource]) -> list[tuple[str, int]]:
    """(topic slug, mentions) for every topic whose title or alias occurs in the seed's
    title or paragraphs, most mentioned first (ties by slug)."""
    text = "\n".join([seed.title, *(b.text for b in seed.blocks)])
    text = text.replace("’", "'")
    counts = []
    for t in topics:
        names = sorted({n.replace("’", "'") for n in (t.title, *t.aliases) if n.strip()},
                       key=len, reverse=True)
        if not names:
            continue
        pattern = re.compile("|".join(_name_pattern(n) for n in names))
        n = sum(1 for _ in pattern.finditer(text))
        if n:
            counts.append((t.slug, n))
    return sorted(counts, key=lambda c: (-c[1], c[0]))
