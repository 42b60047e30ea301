"""Write a valid synthetic sitegen site of any size, for measurements.

`generate(root, n, seed=0)` writes `config.yaml`, N seeds (~800 words each, .txt with a
.yaml sidecar), ~N/20 topics and N briefings (~600 words of analysis, 2–5 topics drawn
Zipf-like, key points whose `cite` + `quote` point into the briefing's own seed, a
short timeline). The same `n` and `seed` always give the same files.

    python benchmarks/gen_site.py DIR [--n 1000] [--seed 0]
"""
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
from pathlib import Path

KINDS = ("country", "person", "organization", "place", "theme", "event")
_ONSETS = ("b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p",
           "pr", "r", "s", "st", "t", "tr", "v", "w", "z")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ou")
_CODAS = ("", "", "n", "r", "s", "t", "l", "nd", "st")


def _q(text: str) -> str:
    """A YAML scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


class _Words:
    """Pseudo-English: a fixed vocabulary drawn with Zipf-like frequencies."""

    def __init__(self, rng: random.Random, size: int = 6000):
        self.rng = rng
        vocab: list[str] = []
        seen = set()
        while len(vocab) < size:
            w = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                        for _ in range(self._syllables(len(vocab))))
            if w not in seen:
                seen.add(w)
                vocab.append(w)
        self.vocab = vocab
        self.cum_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(size)))

    @staticmethod
    def _syllables(rank: int) -> int:
        """Frequent words are short: running text then averages ~5 letters a word, about
        as English news prose does."""
        return 1 if rank < 800 else 2 if rank < 3500 else 3

    def words(self, k: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum_weights, k=k)

    def sentence(self, low: int = 8, high: int = 20) -> str:
        ws = self.words(self.rng.randint(low, high))
        return " ".join([ws[0].capitalize(), *ws[1:]]) + "."

    def paragraph(self, words: int) -> str:
        out, count = [], 0
        while count < words:
            s = self.sentence()
            out.append(s)
            count += len(s.split())
        return " ".join(out)

    def name(self) -> str:
        return " ".join(w.capitalize() for w in self.rng.sample(self.vocab[200:3000], 2))


def _seed_text(w: _Words, title: str, paragraphs: int = 10) -> tuple[str, list[str]]:
    """The title line, then `paragraphs` paragraphs of ~80 words (~800 words for ten)."""
    paras = [w.paragraph(80) for _ in range(paragraphs)]
    return title + "\n\n" + "\n\n".join(paras) + "\n", paras


def _quote(rng: random.Random, para: str) -> str:
    """Five to seven consecutive words of a paragraph, verbatim."""
    words = para.split()
    n = rng.randint(5, 7)
    start = rng.randrange(0, max(1, len(words) - n))
    return " ".join(words[start:start + n]).rstrip(".")


def _body(w: _Words, words: int) -> str:
    """~`words` words of Markdown: paragraphs of ~70 words, a `##` heading before every
    third (the first is always "Assessment", so heading ids repeat across briefings)."""
    parts, count, i = [], 0, 0
    while count < words:
        if i % 3 == 0:
            parts.append("## " + ("Assessment" if i == 0 else w.sentence(2, 4).rstrip(".")))
        p = w.paragraph(70)
        parts.append(p)
        count += len(p.split())
        i += 1
    return "\n\n".join(parts)


SHAPES = ("synthetic", "common")


def _topic_names(w: _Words, i: int, shape: str) -> tuple[str, list[str]]:
    """A topic's title and aliases. "synthetic": two rare words and a number, which the
    briefings' text never contains. "common": common words of the text itself (as real
    topics such as "Energy" or "the alliance" are), so the analysis mentions them often."""
    if shape == "synthetic":
        return f"{w.name()} {i}", ([f"{w.name()} {i}"] if i % 3 == 0 else [])
    word = w.vocab[(20 + i) % len(w.vocab)].capitalize()  # repeats past 6,000 topics
    title = f"{word} {w.vocab[40 + 7 * i % 900]}" if i % 4 == 0 else word
    return title, ([w.vocab[(1000 + i) % len(w.vocab)].capitalize()] if i % 3 == 0 else [])


def generate(root: Path | str, n: int, seed: int = 0, shape: str = "synthetic") -> Path:
    """Write a site of `n` briefings under `root` (created); returns `root`. `shape`
    (SHAPES): "synthetic" as in the module doc; "common" with topics named by common words
    (n/12 of them), and briefings and seeds of varied length (300 to 1,200 words of
    analysis, 2 to 8 key points, 5 to 20 paragraphs a seed)."""
    common = shape == "common"
    root = Path(root)
    rng = random.Random(seed)
    w = _Words(rng)
    for folder in ("seeds", "content/briefings", "content/topics"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "config.yaml").write_text(
        f"title: Synthetic briefings ({n})\ndescription: Generated for measurements.\n"
        "base_url: https://example.org/bench/\nlanguage: en\n", encoding="utf-8")

    topics = []
    for i in range(max(5, n // 12 if common else n // 20)):
        slug = f"topic-{i:04d}"
        title, aliases = _topic_names(w, i, shape)
        (root / f"content/topics/{slug}.yaml").write_text(
            f"title: {_q(title)}\nkind: {KINDS[i % len(KINDS)]}\n"
            f"aliases: [{', '.join(_q(a) for a in aliases)}]\n"
            f"description: {_q(w.sentence())}\n", encoding="utf-8")
        topics.append(slug)
    topic_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(topics))))

    start = dt.date(2020, 1, 1)
    for i in range(n):
        seed_id, slug = f"s{i:05d}", f"briefing-{i:05d}"
        day = start + dt.timedelta(days=i)
        text, paras = _seed_text(w, f"Report {i}: {w.sentence(3, 6).rstrip('.')}",
                                 rng.randint(5, 20) if common else 10)
        (root / f"seeds/{seed_id}.txt").write_text(text, encoding="utf-8")
        (root / f"seeds/{seed_id}.yaml").write_text(
            f"source: Synthetic Wire\npublished: {day.isoformat()}\n", encoding="utf-8")
        chosen: list[str] = []
        for t in rng.choices(topics, cum_weights=topic_weights, k=12):
            if t not in chosen:
                chosen.append(t)
        chosen = chosen[:rng.randint(2, 5)]
        key_points = []
        for _ in range(rng.randint(2, 8) if common else rng.randint(3, 6)):
            k = rng.randrange(len(paras))
            key_points.append(f"  - text: {_q(w.sentence())}\n    cite: p{k + 1}\n"
                              f"    quote: {_q(_quote(rng, paras[k]))}\n")
        events = [f"  - date: {day.year - rng.randint(0, 10)}\n"
                  f"    event: {_q(w.sentence(5, 10))}\n    cite: p{rng.randint(1, len(paras))}\n"
                  for _ in range(rng.randint(1, 3))]
        (root / f"content/briefings/{slug}.md").write_text(
            "---\n"
            f"title: {_q(f'Briefing {i}: ' + w.sentence(3, 7).rstrip('.'))}\n"
            f"date: {day.isoformat()}\n"
            f"seeds: [{seed_id}]\n"
            f"topics: [{', '.join(chosen)}]\n"
            f"bottom_line: {_q(w.sentence(20, 30) + ' ' + w.sentence(15, 25))}\n"
            f"confidence: {rng.choice(('low', 'moderate', 'high'))}\n"
            "key_points:\n" + "".join(key_points) +
            "timeline:\n" + "".join(events) +
            "---\n" + _body(w, rng.randint(300, 1200) if common else 600) + "\n",
            encoding="utf-8")
    return root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", help="folder to write the site into")
    parser.add_argument("--n", type=int, default=1000, help="number of briefings (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--shape", choices=SHAPES, default="synthetic",
                        help="the corpus' shape (see generate)")
    args = parser.parse_args(argv)
    generate(args.root, args.n, args.seed, args.shape)
    print(f"wrote a site of {args.n} briefings to {args.root}")


if __name__ == "__main__":
    main()
