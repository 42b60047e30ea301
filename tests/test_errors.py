"""Bad input: exit 1, `path:line: error: message` for every problem, no traceback,
and the previous output left byte for byte as it was."""
from __future__ import annotations

import json
import re

import pytest

from conftest import BRIEFING, edit, snapshot, write_site

B = "content/briefings/harbour-reopens.md"


CASES = [
    # (file, old text, new text, expected "path:line: error: ..." regex)
    (B, "title: Harbour reopens", "titel: Harbour reopens",
     rf"{B}:2: error: unknown key 'titel' in briefing front matter; did you mean 'title'\?"),
    (B, "title: Harbour reopens\n", "",
     rf"{B}:\d+: error: missing required key 'title'"),
    (B, "date: 2024-03-01", "date: 2024-02-30",
     rf"{B}:3: error: 'date' must be a real date written YYYY-MM-DD, got '2024-02-30'"),
    (B, "seeds: [harbour]", "seeds: [harbor]",
     rf"{B}:4: error: unknown seed 'harbor'; did you mean 'harbour'\?"),
    (B, "topics: [harbour-town]", "topics: [harbor-town]",
     rf"{B}:5: error: unknown topic 'harbor-town'; did you mean 'harbour-town'\?"),
    (B, "bottom_line: The harbour is open again.", "bottom_line: [a, b]",
     rf"{B}:6: error: 'bottom_line' must be text, got a list"),
    (B, "cite: p1", "cite: p9",
     rf"{B}:9: error: cite 'p9': seed 'harbour' has no paragraph p9; it has p1 to p3"),
    (B, "cite: p1", "cite: para1",
     rf"{B}:9: error: cite 'para1' is not a paragraph id"),
    (B, 'quote: "we will rebuild the pier"', 'quote: "we will rebuild the bridge"',
     rf"{B}:11: error: quote \"we will rebuild the bridge\" not found in the briefing's seeds; "
     rf"nearest text \(harbour#p2\)"),
    (B, "    cite: p3", "    cite: p3\n    quote: the harbour reopened",
     rf"{B}:16: error: quote \"the harbour reopened\" not found in paragraph p3"),
    (B, "date: 2024\n", "date: 2024-13\n",
     rf"{B}:13: error: timeline date must be YYYY, YYYY-MM or YYYY-MM-DD"),
    (B, "The [[harbour-town]] story.", "The [[harbor-town]] story.",
     rf"{B}:17: error: \[\[harbor-town\]\] links to nothing.*did you mean 'harbour-town'\?"),
    (B, "bottom_line: The harbour is open again.",
     "bottom_line: The harbour is open again.\nrelated: [nowhere]",
     rf"{B}:7: error: unknown briefing 'nowhere'"),
    (B, "  - text: It reopened on Monday.", "  - txt: It reopened on Monday.",
     rf"{B}:8: error: unknown key 'txt' in key point; did you mean 'text'\?"),
    (B, "confidence", "confidence", None),  # placeholder removed below
    (B, "bottom_line: The harbour is open again.",
     "bottom_line: The harbour is open again.\nconfidence: certain",
     rf"{B}:7: error: 'confidence' must be one of low, moderate, high, got 'certain'"),
    (B, "seeds: [harbour]", "seeds: [harbour\n",
     rf"{B}:\d+: error: invalid YAML"),
    (B, "---\ntitle", "title", rf"{B}:1: error: missing front matter"),
    ("content/topics/harbour-town.yaml", "kind: place", "kind: place\nparent: coast",
     r"content/topics/harbour-town.yaml:3: error: unknown parent topic 'coast'"),
    ("content/topics/harbour-town.yaml", "kind: place", "kind: planet",
     r"content/topics/harbour-town.yaml:2: error: 'kind' must be one of country, person, "
     r"organization, place, theme, event, got 'planet'; did you mean 'place'\?"),
    ("config.yaml", "title: Small site", "title: Small site\nthem: dark",
     r"config.yaml:2: error: unknown key 'them' in config.yaml; did you mean 'theme'\?"),
    ("config.yaml", "title: Small site", "title: Small site\noutput_dir: ../elsewhere",
     r"config.yaml:2: error: 'output_dir' must be a folder inside the site root"),
    ("config.yaml", "title: Small site", "title: Small site\nbase_url: example.org/briefings/",
     r"config.yaml:2: error: 'base_url' must be an absolute http\(s\) URL like "
     r"https://example.org/briefings/ \(it needs http:// or https://\)"),
    ("config.yaml", "title: Small site", "title: Small site\nbase_url: https://example.org/?x=1",
     r"config.yaml:2: error: .*\(a site's address has no \?query or #fragment\)"),
    ("config.yaml", "title: Small site", "title: Small site\nbase_url: https://example.org/a#b",
     r"config.yaml:2: error: .*\(a site's address has no \?query or #fragment\)"),
    ("config.yaml", "title: Small site", "title: Small site\nbase_url: https://example.org/my site/",
     r"config.yaml:2: error: .*\(it has spaces: write them as %20\)"),
    ("config.yaml", "title: Small site", "title: Small site\nbase_url: https://example.org:99999/",
     r"config.yaml:2: error: .*\(its port is not a number from 1 to 65535\)"),
]
_LAUGHS = "".join(f"\n{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]"
                  for prev, name in zip("abcdefgh", "bcdefghi"))
CASES += [
    (B, "bottom_line: The harbour is open again.", "bottom_line:",
     rf"{B}:6: error: 'bottom_line' is empty in briefing front matter: write its value after "
     rf"'bottom_line:'"),
    (B, "    cite: p1", "   cite: p1",
     rf"{B}:9: error: invalid YAML: .*; check the indentation: the keys or '- ' items of one "
     rf"block must line up"),
]
CASES += [  # a quote not found: the commonest slips, named
    (B, "    cite: p3", "    cite: p3\n    quote: the harbour reopened",
     rf"{B}:16: error: quote \"the harbour reopened\" not found in paragraph p3 of 'harbour'; "
     rf"it is in p1: write cite: p1"),
    (B, 'quote: "we will rebuild the pier"', 'quote: "“we will rebuild the pier”"',
     rf"{B}:11: error: quote .* not found in the briefing's seeds; leave out the quote marks "
     rf"around it \(the page adds its own\): quote: we will rebuild the pier$"),
    (B, 'quote: "we will rebuild the pier"', 'quote: "A Section"',
     rf"{B}:11: error: quote \"A Section\" not found in the briefing's seeds; it is in a "
     rf"heading, and headings cannot be cited: quote a paragraph"),
]
CASES += [  # bounds: no document costs more than its size (see load.yamlsrc)
    (B, "bottom_line: The harbour is open again.",
     'bottom_line: The harbour is open again.\nlol: &a ["lol", "lol", "lol"]' + _LAUGHS,
     rf"{B}:\d+: error: too many values: more than 100,000 once the aliases \(\*name\) are "
     rf"expanded"),
    ("config.yaml", "title: Small site", 'title: Small site\nx: &a ["x", "x", "x"]' + _LAUGHS,
     r"config.yaml:\d+: error: too many values"),
    ("content/topics/harbour-town.yaml", "kind: place", "kind: place\nx: " + "[" * 5000
     + "]" * 5000, r"content/topics/harbour-town.yaml:\d+: error: YAML nested too deeply"),
    (B, "bottom_line: The harbour is open again.",
     "bottom_line: The harbour is open again.\nx: " + "[" * 60 + "]" * 60,
     rf"{B}:7: error: YAML nested too deeply: lists and mappings may be nested 40 levels"),
    (B, "bottom_line: The harbour is open again.",
     "bottom_line: The harbour is open again.\nx0: &a0 " + "[" * 30 + "]" * 30 + "".join(
         f"\nx{i}: &a{i} [*a{i - 1}]" for i in range(1, 30)),
     rf"{B}:\d+: error: YAML nested too deeply"),
    (B, "bottom_line: The harbour is open again.", "bottom_line: &x [*x]",
     rf"{B}:6: error: invalid YAML: a value refers to itself"),
    (B, "bottom_line: The harbour is open again.", "bottom_line: " + "long " * 50_000,
     rf"{B}:6: error: a value of 249,999 characters: one value may hold 200,000 at most"),
]
CASES = [c for c in CASES if c[3]]


@pytest.mark.parametrize("rel,old,new,expected", CASES,
                         ids=[re.sub(r"\W+", "-", c[3][len(c[0]):][:50]) for c in CASES])
def test_bad_input_is_reported_and_output_kept(small, cli, rel, old, new, expected):
    assert cli("build", "--root", small, "-q")[0] == 0
    before = snapshot(small / "public")
    edit(small, rel, old, new)
    code, out, err = cli("build", "--root", small)
    assert code == 1
    assert "Traceback" not in err
    assert re.search(expected, err, re.M), err
    for line in err.strip().splitlines()[:-1]:
        assert re.match(r"^[\w./-]+(:\d+)?: (error|warning): ", line), line
    assert snapshot(small / "public") == before


def test_an_alias_bomb_costs_check_no_time(small, cli):
    import time

    edit(small, B, "bottom_line: The harbour is open again.",
         'bottom_line: The harbour is open again.\nlol: &a ["lol", "lol"]' + _LAUGHS)
    start = time.perf_counter()
    code, out, err = cli("check", "--root", small)
    assert code == 1 and "too many values" in out + err
    assert time.perf_counter() - start < 5


def test_all_errors_of_a_build_are_reported_at_once(small, cli):
    edit(small, B, "cite: p1", "cite: p7")
    edit(small, B, "topics: [harbour-town]", "topics: [harbor-town]")
    write_site(small, {"content/briefings/second.md": BRIEFING.replace("seeds: [harbour]",
                                                                       "seeds: [nope]")})
    code, err, _summary = cli("check", "--root", small)
    assert code == 1
    assert "harbour-reopens.md:9: error: cite 'p7'" in err
    assert "harbour-reopens.md:5: error: unknown topic" in err
    assert "second.md:4: error: unknown seed 'nope'" in err


def test_a_claim_citing_an_unknown_seed_reports_the_seed_once(small, cli):
    """A briefing naming a seed that does not exist, and citing it: the unknown seed is
    the one error (the cite is its echo), never a crash."""
    edit(small, "content/briefings/harbour-reopens.md", "seeds: [harbour]",
         "seeds: [harbour, nosuch]")
    edit(small, "content/briefings/harbour-reopens.md", "cite: p1", "cite: nosuch#p1")
    edit(small, "content/briefings/harbour-reopens.md", "cite: p3", "cite: harbour#p3")
    code, _out, err = cli("build", "--root", small)
    assert code == 1 and "Traceback" not in err
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1 and "unknown seed 'nosuch'" in errors[0], err


def test_duplicate_slug_between_topic_and_briefing(small, cli):
    write_site(small, {"content/topics/harbour-reopens.yaml": "title: Clash\n"})
    code, _out, err = cli("build", "--root", small)
    assert code == 1
    assert "content/topics/harbour-reopens.yaml: error: slug 'harbour-reopens' names both" in err


def test_duplicate_topic_slug(small, cli):
    write_site(small, {"content/topics/harbour-town.md": "---\ntitle: Again\n---\n"})
    code, _out, err = cli("build", "--root", small)
    assert code == 1 and "duplicate topic slug 'harbour-town'" in err


def test_ambiguous_short_cite_with_several_seeds(small, cli):
    write_site(small, {"seeds/other.txt": "Other\n\nAnother paragraph of text here.\n"})
    edit(small, B, "seeds: [harbour]", "seeds: [harbour, other]")
    code, _out, err = cli("build", "--root", small)
    assert code == 1 and "cite 'p1' is ambiguous" in err and "'harbour#p1'" in err
    edit(small, B, "cite: p1", "cite: harbour#p1")
    edit(small, B, "cite: p3", "cite: harbour#p3")
    assert cli("build", "--root", small)[0] == 0


def test_missing_config_is_a_clear_error(tmp_path, cli):
    code, _out, err = cli("build", "--root", tmp_path)
    assert code == 1 and "config.yaml: error: no config.yaml" in err


def test_usage_error_exits_2(cli):
    assert cli("build", "--bogus")[0] == 2
    assert cli("frobnicate")[0] == 2


@pytest.mark.parametrize("args, expected", [
    (["build", "-j", "0"], "argument -j/--jobs: must be a whole number from 1 to 1024, not '0'"),
    (["build", "-j", "-3"], "not '-3'"),
    (["serve", "--port", "70000"],
     "argument --port: must be a whole number from 1 to 65535, not '70000'"),
    (["serve", "--port", "http"], "not 'http'"),
])
def test_out_of_range_options_are_usage_errors(cli, small, args, expected):
    code, _out, err = cli(*args, "--root", small)
    assert code == 2 and expected in err, err


FORGED = "x\nconfig.yaml:1: error: forged\x1b[2J"


def test_file_content_cannot_forge_a_message_line(cli, small):
    edit_text = (small / "content/briefings/harbour-reopens.md").read_text()
    (small / "content/briefings/harbour-reopens.md").write_text(edit_text.replace(
        "topics: [harbour-town]", 'topics: [harbour-town, "x\\nconfig.yaml:1: error: forged\\e[2J"]'))
    code, _out, err = cli("build", "--root", small)
    assert code == 1
    assert not any(line.startswith("config.yaml:1") for line in err.splitlines()), err
    assert "\x1b" not in err and "x\\nconfig.yaml:1: error: forged\\x1b[2J" in err, err
    code, out, _err = cli("check", "--root", small, "--format", "json")
    messages = [p["message"] for p in json.loads(out)]
    assert any("x\\nconfig.yaml:1: error: forged\\x1b[2J" in m for m in messages), messages
    assert not any("\n" in m or "\x1b" in m for m in messages)


def _errors(cli, small):
    code, out, err = cli("check", "--root", small)
    assert code == 1
    return [line for line in (out + err).splitlines() if ": error: " in line]


def test_a_broken_topic_gives_its_own_error_and_no_echoes(small, cli):
    edit(small, "content/topics/harbour-town.yaml", "kind: place", "kind: planet")
    errors = _errors(cli, small)
    assert len(errors) == 1 and errors[0].startswith("content/topics/harbour-town.yaml:2:")


def test_a_broken_briefing_gives_its_own_error_and_no_echoes(small, cli):
    write_site(small, {"content/briefings/second.md": BRIEFING.replace(
        "The [[harbour-town]] story.", "See [[harbour-reopens]].").replace(
        "bottom_line: The harbour is open again.",
        "bottom_line: The harbour is open again.\nrelated: [harbour-reopens]")})
    edit(small, B, "seeds: [harbour]", "seeds: [harbour\n")  # its front matter breaks
    errors = _errors(cli, small)
    assert len(errors) == 1 and errors[0].startswith(f"{B}:") and "invalid YAML" in errors[0]


def test_a_broken_seed_gives_its_own_error_and_no_echoes(small, cli):
    (small / "seeds/harbour.txt").write_bytes(b"\x00\x01\x02binary\x00" * 100)
    errors = _errors(cli, small)
    assert len(errors) == 1 and errors[0].startswith("seeds/harbour.txt:"), errors


def test_every_error_of_a_briefing_is_reported_at_once(small, cli):
    edit(small, B, "date: 2024-03-01", "date: 2024-02-30")
    edit(small, B, "bottom_line: The harbour is open again.",
         "bottom_line: The harbour is open again.\nconfidence: certain\ncolour: blue")
    edit(small, B, "seeds: [harbour]", "seeds: [harbor]")
    errors = "\n".join(_errors(cli, small))
    for expected in ("'date' must be a real date", "'confidence' must be one of",
                     "unknown key 'colour'", "unknown seed 'harbor'"):
        assert expected in errors, errors


def test_an_unsourced_event_is_warned_about_and_marked_on_its_pages(small, cli):
    edit(small, B, "    event: Ferries resume\n    cite: p3", "    event: Ferries resume")
    code, out, err = cli("check", "--root", small)
    assert code == 0
    assert (f"{B}:13: warning: timeline event 1 has neither 'cite' nor 'quote': add the "
            "paragraph it rests on ('cite: pN'); pages mark it unsourced until then") in out + err
    assert cli("build", "--root", small)[0] == 0
    for page in ("briefings/harbour-reopens/index.html", "timeline/index.html",
                 "topics/harbour-town/index.html", "book/index.html"):
        assert 'class="unsourced"' in (small / "public" / page).read_text(), page


def test_a_source_published_in_a_month_or_a_year_is_accepted(small, cli):
    write_site(small, {"seeds/harbour.yaml": "published: 2024-02\nsource: Harbour Times\n"})
    assert cli("check", "--root", small)[0] == 0
    assert cli("build", "--root", small)[0] == 0
    page = (small / "public/sources/harbour/index.html").read_text()
    assert '<time datetime="2024-02">February 2024</time>' in page
    write_site(small, {"seeds/harbour.yaml": "published: 2025\n"})
    code, out, err = cli("check", "--root", small)
    assert "warning: briefing dated 2024-03-01 is older than its source 'harbour', " \
           "published 2025" in out + err
    write_site(small, {"seeds/harbour.yaml": "published: 2024-13\n"})
    code, out, err = cli("check", "--root", small)
    assert code == 1 and "'published' is not a real date: '2024-13'" in out + err


def test_a_warning_can_be_turned_off_in_config(small, cli):
    code, out, err = cli("check", "--root", small, "--strict")
    assert code == 1 and "no 'base_url' set" in out + err
    write_site(small, {"config.yaml": "title: Small site\nignore_warnings: [no-base-url]\n"})
    code, out, err = cli("check", "--root", small, "--strict")
    assert code == 0 and "base_url" not in out + err, out + err
    write_site(small, {"config.yaml": "title: Small site\nignore_warnings: [no-base-uri]\n"})
    code, out, err = cli("check", "--root", small)
    assert code == 1 and "config.yaml:2: error: 'no-base-uri' is no warning code; did you " \
                         "mean 'no-base-url'?" in out + err


def test_ignored_warnings_stay_ignored_beside_errors(small, cli):
    write_site(small, {"config.yaml": "title: Small site\nignore_warnings: [no-base-url]\n"})
    edit(small, B, "seeds: [harbour]", "seeds: [harbor]")
    code, out, err = cli("check", "--root", small)
    assert code == 1 and "unknown seed 'harbor'" in out + err
    assert "base_url" not in out + err
