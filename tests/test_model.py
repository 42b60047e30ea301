"""Unit tests of the model stage and the link helpers."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sitegen import urls
from sitegen.load.fields import parse_partial_date
from sitegen.model import quotes
from sitegen.model.markup import Link, MarkdownRenderer
from sitegen.model.related import related_briefings, related_topics

REPO = Path(__file__).resolve().parent.parent


def test_quote_matching_ignores_whitespace_and_curly_quotes():
    rows = [("s", "p1", quotes.normalize("He said, \u201cthere is\n  nowhere to retreat.\u201d"))]
    assert quotes.find('"there is nowhere   to retreat."', rows) == [("s", "p1")]
    assert quotes.find("there is nowhere to go", rows) == []
    near = quotes.nearest("there is nowhere to hide", rows)
    assert near and near[:2] == ("s", "p1") and "nowhere" in near[2]


def test_quote_normal_form_is_the_same_for_ascii_and_other_text():
    # ASCII text takes a shortcut; both ways give one form: straight quotes, single spaces
    assert quotes.normalize("  a `b'\t\n c\x1c d\v ") == "a 'b' c d"
    assert quotes.normalize("  a \u2018b\u2019\u00a0\u2003c\x1c e\u0301 ") == "a 'b' c \u00e9"


def test_partial_dates():
    assert str(parse_partial_date(2014)) == "2014"
    assert str(parse_partial_date("2014-3")) == "2014-03"
    assert str(parse_partial_date("2014-03-18")) == "2014-03-18"
    assert parse_partial_date("2014-02-30") is None
    assert parse_partial_date("March 2014") is None
    assert parse_partial_date("2014") < parse_partial_date("2014-01")


def test_relative_links_from_every_depth():
    assert urls.relative("", "topics/nato/", False) == "topics/nato/index.html"
    assert urls.relative("briefings/x/", "", False) == "../../index.html"
    assert urls.relative("briefings/x/", "", True) == "../../"
    assert urls.relative("", "", True) == "./"
    assert urls.relative("topics/", "sources/s/#p3", True) == "../sources/s/#p3"
    assert urls.relative("briefings/x/", "briefings/x/#kp-1", False) == "#kp-1"
    assert urls.relative("404.html", "assets/style.css", False) == "assets/style.css"


def test_resolve_marks_rewrites_only_site_links():
    html = '<a href="sitegen:root/topics/nato/">N</a> <a href="https://x.org/">x</a>'
    assert urls.resolve_marks(html, "briefings/b/", False) == (
        '<a href="../../topics/nato/index.html">N</a> <a href="https://x.org/">x</a>')


def test_rarer_shared_topics_weigh_more_and_explicit_related_come_first():
    topics_of = {"a": ("common", "rare"), "b": ("common",), "c": ("rare",),
                 "d": ("common",), "e": ("common",)}
    order = {s: i for i, s in enumerate(sorted(topics_of))}
    related = related_briefings(topics_of, {"a": ("e",)}, order, limit=3)
    assert related["a"][0] == "e"  # explicit first
    assert related["a"][1] == "c"  # shares the rare topic
    assert "a" not in related["a"]


def test_related_work_is_bounded_for_overcommon_topics():
    topics_of = {f"b{i:02d}": ("everything",) for i in range(40)}
    order = {s: i for i, s in enumerate(sorted(topics_of))}
    related = related_briefings(topics_of, {}, order, window=6)
    assert related["b20"] == ("b17", "b18", "b19", "b21", "b22")  # nearest in date only
    assert len(related_briefings(topics_of, {}, order, window=60)["b00"]) == 5


RELATED_SCRIPT = """
import random
from sitegen.model.related import related_briefings
rng = random.Random(0)
topics = [f"t{i}" for i in range(40)]
topics_of = {f"b{i:03d}": tuple(rng.sample(topics[:5 + i % 35], rng.randint(2, 5)))
             for i in range(400)}
order = {s: i for i, s in enumerate(sorted(topics_of))}
print(sorted(related_briefings(topics_of, {}, order).items()))
"""


def test_related_briefings_do_not_depend_on_string_hashing():
    """Scores summed in set order differed in the last bit from run to run, so ties broke
    differently and two clean builds of one site were not the same."""
    outputs = {subprocess.run([sys.executable, "-c", RELATED_SCRIPT], capture_output=True,
                              text=True, check=True, cwd=REPO,
                              env=dict(os.environ, PYTHONHASHSEED=str(seed))).stdout
               for seed in (1, 2, 3)}
    assert len(outputs) == 1


def test_a_rare_shared_topic_beats_several_common_ones_far_away():
    topics_of = {f"c{i:02d}": ("common",) for i in range(30)}
    topics_of |= {"me": ("common", "rare"), "far": ("rare",)}
    order = {s: i for i, s in enumerate(sorted(topics_of))}
    assert related_briefings(topics_of, {}, order, window=4)["me"][0] == "far"


def test_related_topics_by_cooccurrence():
    rel = related_topics({"x": ("a", "b"), "y": ("a", "b"), "z": ("a", "c")})
    assert rel["a"] == ("b", "c") and rel["c"] == ("a",)


def test_markdown_wikilinks_and_first_mention_only():
    md = MarkdownRenderer({"NATO": "nato", "the alliance": "nato", "Putin": "putin"})
    html = md.render("Putin and NATO. Later Putin and the alliance.\n\n`NATO` [[b|see]]",
                     {"b": Link("briefings/b/", "B")})
    assert html.count('href="sitegen:root/topics/putin/"') == 1
    assert html.count('href="sitegen:root/topics/nato/"') == 1
    assert '<a class="wikilink" href="sitegen:root/briefings/b/">see</a>' in html
    assert "<code>NATO</code>" in html


_INLINE_CASES = [  # one kind of inline syntax each (see markup._INLINE_SYNTAX)
    "plain words, nothing to mark", "*em* and **strong**", "_em_ and __strong__",
    "a * lone star and a_snake_case word", "`code` and ``co`de``", "1986\\. not a list",
    "[link](https://example.org) and ![img](a.png)", "<https://example.org>", "<b>bold</b>",
    "fish &amp; chips &copy;", "line  \nbreak", "a footnote[^1]\n\n[^1]: the note",
    "[[b|wiki]] and [[nowhere]]", "# Heading *em*\n\ntext", "- item *em*\n- plain item",
    "| a | b |\n|---|---|\n| *c* | d |", "Term\n: definition *em*",
    "*[ABBR]: An abbreviation\n\nThe ABBR is plain text here", "<div>raw block</div>\n\nafter",
    "NATO is mentioned; the alliance too", "> quoted *em* text", "a paragraph {: #id }",
]


def test_texts_skipped_by_the_inline_patterns_render_as_when_tried():
    """A text with no inline syntax is not tried against the inline patterns; every
    body renders as it does when all are tried."""
    names = {"NATO": "nato", "the alliance": "nato"}
    links = {"b": Link("briefings/b/", "B"), "nowhere": Link(None, "nowhere")}
    bodies = _INLINE_CASES + ["\n\n".join(_INLINE_CASES)] + [
        path.read_text(encoding="utf-8").split("---", 2)[-1]
        for path in sorted((REPO / "content/briefings").rglob("*.md"))]
    fast, tried = MarkdownRenderer(names), MarkdownRenderer(names)
    tried.plain_text.run = lambda root: None
    for body in bodies:
        assert fast.render(body, links) == tried.render(body, links), body


def test_mentions_do_not_match_inside_words_or_other_case():
    md = MarkdownRenderer({"US": "us"})
    html = md.render("Thus USA and us, but the US.", {})
    assert html.count("topics/us/") == 1 and ">US</a>." in html


def test_mentions_are_found_alike_in_ascii_and_other_text():
    # ASCII text takes a shortcut (split in C, only the words that begin a name looked
    # for); text with any other character is scanned word by word: both find the same
    from sitegen.model.markup import NameMatcher

    names = {"New York": "ny", "New York City": "nyc", "New": "new", "aa": "aa", "x_1": "x",
             "Kyiv-Pechersk": "kp", "St. Louis": "stl", "Zürich": "zh"}
    matcher = NameMatcher(names)
    texts = ["New York City, New York and New.", "aaa aa aa_ aa-aa (aa)", "x_1 x_12 _x_1 x_1.",
             "Kyiv-Pechersk, Kyiv-Pecherska, St. Louis St.Louis", "NewYork New  York New\nYork",
             "New York City New York City", ""]
    expected = {0: ["nyc", "ny", "new"], 1: ["aa"] * 4, 2: ["x", "x"],
                3: ["kp", "stl"], 4: ["new", "new"], 5: ["nyc", "nyc"], 6: []}
    for i, text in enumerate(texts):
        found = list(matcher.finditer(text))
        assert [slug for _s, _e, slug in found] == expected[i], text
        assert list(matcher.finditer(text + " é")) == found, text
        assert list(matcher.finditer(text, {"ny", "aa"})) == list(
            matcher.finditer(text + " é", {"ny", "aa"})), text
    assert [slug for *_, slug in matcher.finditer("In Zürich and New York")] == ["zh", "ny"]


def test_a_parsed_briefing_keeps_only_the_outline_of_its_front_matter():
    """Later stages need the lines of keys and list items for their messages, not the
    whole parsed document (which would double a large site's memory)."""
    from sitegen.errors import Collector
    from sitegen.load.content import parse_briefing

    text = ("---\ntitle: T\ndate: 2024-01-02\nseeds: [a]\ntopics:\n  - x\n  - y\n"
            "bottom_line: B\nkey_points:\n  - text: K\n    cite: p1\n---\nBody\n")
    b = parse_briefing(text, "t", "content/briefings/t.md", Collector())
    assert b.word_count == 1  # counted when parsed (on the parsing cores), for themes
    assert b.doc.data is None
    assert b.doc.line("topics", 1) == 7 and b.doc.line("date") == 3
    assert b.doc.line("key_points", 0, "cite") == 10  # deeper keys: their list item's line
    assert all(len(path) <= 2 for path in b.doc.lines)


def test_records_hash_by_the_fields_that_tell_them_apart():
    """A record in a memo key (a page part's, a related list's) hashes every briefing, topic and
    claim: a record hashes by a few strings, not by each field and nested record."""
    import datetime as dt
    from dataclasses import replace

    from sitegen.load.seeds import Seed
    from sitegen.model.site import Briefing, Claim, Source, Topic

    class Costly:  # a nested value that must not be hashed
        def __hash__(self):
            raise AssertionError("hashed a nested value")

    claim = Claim("b", "kp-1", "A point.", Costly())
    b = Briefing("b", "content/briefings/b.md", "B", dt.date(2024, 1, 1), ("s",), ("t",),
                 "Bottom line.", None, (claim,), (), "<p>Body</p>", False)
    topic = Topic("t", "content/topics/t.yaml", "T", None, (), None, "", events=(claim,))
    source = Source(Seed("s", "seeds/s.txt", "txt", "S", Costly(), Costly(), "d1"), ("b",))
    assert {b: 1}[replace(b)] == 1 and {topic: 1}[replace(topic)] == 1
    assert {source: 1}[source] == 1 and hash(source) == hash(replace(source))
    assert hash(claim) == hash(replace(claim))
    assert replace(b, title="Other") != b and replace(claim, text="Other.") != claim


def test_likelihood_scales_hash_by_their_name():
    """Every text a page marks is looked up by (scales, text) (render._marked): the scales
    hash by their name, not by each of their terms."""
    from sitegen.load.estimative import Scales

    class Costly:  # a term that must not be hashed
        def __hash__(self):
            raise AssertionError("hashed a term")

    scales = Scales("ICD 203", (Costly(),), ("high",), ())
    assert {scales: 1}[scales] == 1


def test_the_search_text_of_a_body_is_what_a_reader_sees():
    from sitegen.model.markup import html_text

    html = ('<h3 id="h-x">Head</h3><p>One <em>two</em> <a title="a &gt; b > c" '
            'href="x">three</a></p><ul><li>four</li><li>five&amp;lt;six</li></ul>'
            '<p>seven<br>eight &#8212; nine</p>')
    assert html_text(html) == "Head One two three four five&lt;six seven eight \u2014 nine"


def test_a_briefing_on_a_topic_named_twice_is_on_it_once(example):
    """The topics a briefing is on: each it names once, in its order (the common case,
    none named twice, is told at C speed: see model.graph._topics_of)."""
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    from sitegen.pipeline import load_site

    path = example / "content/briefings/putins-red-lines.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "topics: [vladimir-putin, russia,", "topics: [vladimir-putin, russia, vladimir-putin,"),
        encoding="utf-8")
    site = load_site(example, load_config(example), Collector())
    assert site.briefings["putins-red-lines"].topics[:3] == ("vladimir-putin", "russia", "nato")
    assert list(site.topics["vladimir-putin"].briefings).count("putins-red-lines") == 1
