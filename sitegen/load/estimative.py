"""The estimative-language table: which words say how likely something is (in scales,
each word with its probability range), which say how confident the analyst is, and which
hedge without saying how likely.

The default is `estimative.yaml` beside this module (ICD 203). A site's own
`estimative.yaml` at its root replaces it key by key (`name`, `scales`, `confidence`,
`hedges`), and `more_hedges` adds to the hedges.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from ..errors import Collector, SiteError
from .fields import Fields
from .yamlsrc import parse_yaml

ESTIMATIVE_FILE = "estimative.yaml"
KEYS = ("name", "scales", "confidence", "hedges", "more_hedges")
_DEFAULT = Path(__file__).with_name(ESTIMATIVE_FILE)


@dataclass(frozen=True, slots=True)
class Term:
    """A likelihood word of one scale, with its range ("55–80 %")."""

    words: str  # lower case, single spaces
    scale: str
    range: str


@dataclass(frozen=True, slots=True)
class Scales:
    name: str  # "ICD 203": whose words these are
    terms: tuple[Term, ...]
    confidence: tuple[str, ...]
    hedges: tuple[str, ...]

    def __hash__(self) -> int:  # by its name: a key of every marked text (render._marked)
        return hash(self.name)

    def scale_words(self, scale: str) -> list[str]:
        """The first word of each of the scale's ranges, least likely first."""
        firsts: dict[str, str] = {}
        for t in self.terms:
            if t.scale == scale:
                firsts.setdefault(t.range, t.words)
        return list(firsts.values())


def _words(text: str) -> str:
    return " ".join(text.lower().split())


def _read(path: Path, shown: str, terms: tuple[Term, ...] = ()) -> dict:
    """The keys a table file sets; `terms`: the scales' words if it sets none."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SiteError.at(shown, None, f"not valid UTF-8 ({exc.reason}); save the file as "
                                        "UTF-8", code="bad-encoding") from None
    out = Collector()
    f = Fields(parse_yaml(text, shown), shown, out, what=shown)
    f.check_keys(KEYS)
    values: dict = {}
    if "name" in f.data:
        values["name"] = f.text("name") or ""
        if not values["name"]:
            f.error(("name",), "'name' is empty: say whose words these are (it is shown "
                               "beside each range), e.g. name: ICD 203")
    for key in ("confidence", "hedges", "more_hedges"):
        if key in f.data:
            values[key] = tuple(_words(w) for w in f.text_list(key) if w.strip())
    if "scales" in f.data:
        values["scales"] = _scales(f)
        if "name" not in f.data:
            f.error(("scales",), "scales of your own need a 'name' (shown beside each "
                                 "range), e.g. name: Kent")
    for key in ("hedges", "more_hedges"):
        for i, word in enumerate(values.get(key, ())):
            if any(t.words == word for t in values.get("scales", terms)):
                f.error((key, i), f"'{word}' is a likelihood word of a scale: a hedge is a "
                                  "word that says no likelihood")
    out.raise_if_errors()
    return values


def _scales(f: Fields) -> tuple[Term, ...]:
    """The terms of every scale, each word once (the same word twice is an error at the
    row of its second use)."""
    scales = Fields(f.doc, f.relpath, f.out, ("scales",), what="'scales'")
    if not scales.data:
        scales.error((), "'scales' has no scale: give at least one, each a list of rows "
                         "like {words: [likely], range: \"55–80 %\"}", "empty-key")
    seen: dict[str, Term] = {}
    for name in scales.data:
        for i, row in enumerate(scales.records(name, "row")):
            row.check_keys(("words", "range"), required=("words", "range"))
            for word in (_words(w) for w in row.text_list("words") if w.strip()):
                t, first = Term(word, str(name), row.text("range") or ""), seen.get(word)
                if first is not None:
                    where = (f"scale '{first.scale}'" if first.scale != t.scale
                             else "this scale")
                    scales.error((name, i), f"'{word}' is already a word of {where} "
                                            f"({first.range}): a word has one meaning")
                seen.setdefault(word, t)
    return tuple(seen.values())


@functools.cache
def _default() -> dict:
    return _read(_DEFAULT, ESTIMATIVE_FILE)


def load_scales(root: Path) -> Scales:
    """The site's table: the default, with what the site's estimative.yaml sets."""
    values = dict(_default())
    if (root / ESTIMATIVE_FILE).is_file():
        values.update(_read(root / ESTIMATIVE_FILE, ESTIMATIVE_FILE, values["scales"]))
    hedges = values.get("hedges", ()) + values.get("more_hedges", ())
    return Scales(values["name"], values["scales"], values["confidence"],
                  tuple(dict.fromkeys(hedges)))
