"""`sitegen new SEED`: the prefilled briefing, topic detection, refusal to overwrite, and
a scaffold that builds and passes `check` once its bottom line is written."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from conftest import write_site
from sitegen.extract import rank_sentences, sentences
from sitegen.load.seeds import load_seed_file
from sitegen.commands.new import slugify

STORM = """Storm Closes the Northern Harbour

The storm closed the northern harbour on Tuesday, the port authority said.

Ferries to the islands were cancelled for three days while the harbour stayed shut.

Damage

Engineers found cracks in the old pier, which the Harbour Town council had planned to repair in 2019.

The council said that repairs to the pier will cost 4 million euros and take two years.

Fishermen said the storm was the worst since 1987. The port authority expects the harbour to reopen next week.
"""


def _site(small: Path) -> Path:
    return write_site(small, {
        "seeds/storm.txt": STORM,
        "content/topics/ferries.yaml": "title: Ferries\n",
        "content/topics/port-authority.yaml": "title: Port Authority\naliases: [the port]\n",
        "content/topics/weather.yaml": "title: Weather\n",
    })


def _fill(path: Path, key_points: bool = False) -> None:
    text = path.read_text(encoding="utf-8").replace("bottom_line:", "bottom_line: Written.", 1)
    if key_points:
        text = re.sub(r"^# (key_points:|  - text:|    cite:|    quote:)", r"\1", text, flags=re.M)
    path.write_text(text, encoding="utf-8")


def _front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def test_new_writes_a_prefilled_briefing(small, cli):
    root = _site(small)
    code, out, err = cli("new", "storm", "--root", root)
    assert code == 0, err
    rel = "content/briefings/storm-closes-the-northern-harbour.md"
    assert out.strip() == str(root / rel)
    path = root / rel
    text = path.read_text(encoding="utf-8")
    data = _front_matter(path)
    assert data["title"] == "Storm Closes the Northern Harbour"
    assert str(data["date"]) == dt.date.today().isoformat()
    assert data["seeds"] == ["storm"]
    assert data["bottom_line"] is None
    assert "bottom_line:  # TODO (required)" in text
    # every paragraph, with its id, as a comment; headings too
    assert "# p1: The storm closed the northern harbour on Tuesday, the port authority said." in text
    assert "# ## Damage" in text
    assert "# p5: Fishermen said the storm was the worst since 1987." in text
    # candidate key points, commented, ready to uncomment
    assert "# key_points:" in text
    candidates = re.findall(r"^#   - text: (.*)\n#     cite: (p\d+)\n#     quote: (.*)$", text, re.M)
    assert 1 <= len(candidates) <= 5
    seed, _ = load_seed_file(root, root / "seeds/storm.txt")
    for sentence, para, quote in candidates:
        paragraph = seed.paragraph(para).text
        assert yaml.safe_load(quote) in paragraph and yaml.safe_load(sentence) in paragraph


def test_topics_are_detected_most_mentioned_first(small, cli):
    root = _site(small)
    assert cli("new", "storm", "--root", root, "--slug", "storm")[0] == 0
    path = root / "content/briefings/storm.md"
    # harbour-town: "Harbour Town" once; port-authority: title twice (case-insensitive);
    # ferries: once; weather: never
    assert _front_matter(path)["topics"] == ["port-authority", "ferries", "harbour-town"]
    comments = re.sub(r"\n# ?", " ", path.read_text(encoding="utf-8"))
    assert "most mentioned first: port-authority (2), ferries (1), harbour-town (1)" in comments


def test_no_topic_found_leaves_a_placeholder(small, cli):
    write_site(small, {"seeds/plain.txt": "Nothing Known\n\nA paragraph about nothing we know.\n"})
    assert cli("new", "plain", "--root", small)[0] == 0
    path = small / "content/briefings/nothing-known.md"
    text = path.read_text(encoding="utf-8")
    assert "topics: []" in text and "TODO: no existing topic is mentioned" in text
    _fill(path)
    code, out, _err = cli("check", "--root", small)
    assert code == 1 and "nothing-known.md:" in out and "'topics' is an empty list in briefing front matter: it needs at least one item" in out


def test_scaffold_builds_and_passes_check_once_filled(small, cli):
    root = _site(small)
    assert cli("new", "storm", "--root", root, "--slug", "storm")[0] == 0
    path = root / "content/briefings/storm.md"
    code, out, _err = cli("check", "--root", root)
    assert code == 1 and "storm.md" in out and "'bottom_line' is empty in briefing front matter" in out
    _fill(path)
    code, out, err = cli("check", "--root", root)
    assert code == 0, out
    assert " error: " not in out
    assert cli("build", "--root", root, "-q")[0] == 0
    _fill(path, key_points=True)
    assert _front_matter(path)["key_points"]
    code, out, _err = cli("check", "--root", root, "--format", "json")
    assert code == 0, out
    assert '"severity": "error"' not in out and "ambiguous-quote" not in out
    assert cli("build", "--root", root, "-q")[0] == 0
    assert (root / "public/briefings/storm/index.html").is_file()


def test_scaffold_of_the_example_site_passes_check(example, cli):
    code, out, err = cli("new", "000_533b14a5b1547bde", "--root", example, "--slug", "scaffold",
                         "--title", "A: title with a colon")
    assert code == 0, err
    path = example / "content/briefings/scaffold.md"
    assert _front_matter(path)["title"] == "A: title with a colon"
    _fill(path, key_points=True)
    code, out, _err = cli("check", "--root", example)
    assert code == 0, out
    assert "scaffold.md" not in out


def test_seed_given_as_a_path(small, cli, monkeypatch):
    root = _site(small)
    assert cli("new", root / "seeds/storm.txt", "--root", root, "--slug", "a")[0] == 0
    monkeypatch.chdir(root)
    assert cli("new", "seeds/storm.txt", "--slug", "b")[0] == 0
    assert cli("new", "storm.txt", "--slug", "c")[0] == 0
    for slug in "abc":
        assert _front_matter(root / f"content/briefings/{slug}.md")["seeds"] == ["storm"]


def test_seed_outside_seeds_is_refused(small, cli, tmp_path):
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("Elsewhere\n\nSome text.\n", encoding="utf-8")
    code, _out, err = cli("new", outside, "--root", small)
    assert code == 1 and "not a file in seeds/" in err


def test_refuses_to_overwrite(small, cli):
    path = small / "content/briefings/harbour-reopens.md"
    before = path.read_bytes()
    code, out, err = cli("new", "harbour", "--root", small, "--slug", "harbour-reopens")
    assert code == 1 and out == ""
    assert err.startswith("content/briefings/harbour-reopens.md: error: already exists; "
                          "not overwritten")
    assert path.read_bytes() == before


def test_unknown_seed_suggests_the_nearest(small, cli):
    code, _out, err = cli("new", "harbor", "--root", small)
    assert code == 1
    assert err.strip() == "seeds: error: unknown seed 'harbor'; did you mean 'harbour'?"
    code, _out, err = cli("new", "zzz", "--root", small)
    assert code == 1 and "unknown seed 'zzz' (seeds: harbour)" in err


def test_bad_or_clashing_slug(small, cli):
    code, _out, err = cli("new", "harbour", "--root", small, "--slug", "Not A Slug")
    assert code == 1 and "is not a valid slug" in err and "--slug not-a-slug" in err
    code, _out, err = cli("new", "harbour", "--root", small, "--slug", "harbour-town")
    assert code == 1 and "already a topic's slug" in err


def test_slugify():
    assert slugify("Talks with Russia Break Down") == "talks-with-russia-break-down"
    assert slugify("Ünïcödé — Putin’s “red lines”!") == "unicode-putins-red-lines"
    long = slugify("word " * 40)
    assert len(long) <= 60 and not long.endswith("-") and long.startswith("word-word")
    assert slugify("x" * 80) == "x" * 60
    assert slugify("!!!") == ""


def test_sentences_and_ranking(small):
    root = _site(small)
    seed, _ = load_seed_file(root, root / "seeds/storm.txt")
    found = [s.text for s in sentences(seed)]
    assert "Fishermen said the storm was the worst since 1987." in found
    assert "The port authority expects the harbour to reopen next week." in found
    ranked = rank_sentences(seed, limit=3)
    assert len(ranked) == 3
    assert [s.position for s in ranked] == sorted(s.position for s in ranked)
    assert len({s.para for s in ranked}) == 3
    assert rank_sentences(seed, limit=3) == ranked  # deterministic


def test_new_suggests_a_gitignore_where_there_is_none(small, cli):
    code, _out, err = cli("new", "harbour", "--root", small)
    assert code == 0
    assert "tip: no .gitignore here; if the site is kept in git, write one with the lines " \
           "public/ and .sitegen-cache/" in err
    (small / ".gitignore").write_text("public/\n.sitegen-cache/\n")
    code, _out, err = cli("new", "harbour", "--root", small, "--slug", "another")
    assert code == 0 and "gitignore" not in err
