"""Estimative language (ICD 203 by default, or the site's estimative.yaml): `check`'s
warnings, each with a sentence that triggers it and one that must not, and the range of
each likelihood word on the page."""
from __future__ import annotations

import json

import pytest

from conftest import edit, snapshot
from sitegen.commands.build import build
from sitegen.load import files

B = "content/briefings/harbour-reopens.md"
BODY = "The [[harbour-town]] story."
BODY_LINE = 17


def warnings(cli, root) -> list[dict]:
    code, out, err = cli("check", "--root", root, "--format", "json")
    assert code == 0 and "Traceback" not in err, out
    return json.loads(out)


# (body, code, line, message part) that must be warned
TRIGGERS = [
    ("The pier may be rebuilt.", "vague-likelihood", BODY_LINE,
     "'may' says neither how likely nor how sure: say how likely with a word of ICD 203 "
     "(almost no chance, very unlikely, unlikely, roughly even chance, likely, very likely, "
     "almost certain)"),
    ("Some text.\n\nPerhaps the ferry returns.", "vague-likelihood", BODY_LINE + 2,
     "'Perhaps' says neither"),
    ("A new pier is likely.\nA second one is improbable.", "mixed-scales", BODY_LINE + 1,
     "'improbable' is a word of the probability scale, 'likely' earlier of the chance scale"),
    ("We assess with high confidence that a new pier is likely.",
     "confidence-with-likelihood", BODY_LINE,
     "'high confidence' and 'likely' in one sentence"),
]

# bodies that must give no estimative warning at all
QUIET = [
    "The pier opened in May 2024.",  # the month
    'The mayor said a new pier "may" come, and called it “likely”.',  # the source's words
    "> The council thinks it may be rebuilt.",  # a block quote
    "Use `may` sparingly.\n\n```\nit could be\n```",  # code
    "A new pier is unlikely; a ferry is very likely.",  # one scale
    "We have high confidence in the reports. A new pier is likely.",  # two sentences
    "The [mayor spoke](https://example.org/may-be) today.",  # a link's target
    "The mayor said <q>it may fail</q>.",  # an HTML quotation
    "Text. <!-- it may change -->",  # a comment
    "> The council thinks\nit may be rebuilt.",  # a block quote's lazy continuation
    "- > it may be rebuilt",  # a block quote in a list item
    "````\n```\nit may\n```\n````",  # a fence holding a shorter one
    "Sie sagte „es ist likely“, and «très likely» and »likely«.",  # other quotation marks
    "The army could not hold the town.",  # past inability
    "## MAY 2024",  # the month, in capitals
]


@pytest.mark.parametrize("body,code,line,message", TRIGGERS,
                         ids=[f"{t[1]}-{i}" for i, t in enumerate(TRIGGERS)])
def test_estimative_warnings_at_their_line(site, cli, body, code, line, message):
    edit(site, B, BODY, body)
    found = [w for w in warnings(cli, site) if w["code"] == code]
    assert len(found) == 1, found
    assert (found[0]["path"], found[0]["line"]) == (B, line)
    assert message in found[0]["message"], found[0]["message"]


@pytest.mark.parametrize("body", QUIET)
def test_estimative_words_that_are_not_the_analysts_judgment_are_not_warned(site, cli, body):
    edit(site, B, BODY, body)
    assert warnings(cli, site) == []


def test_what_follows_a_stray_mark_is_still_checked(site, cli):
    edit(site, B, BODY, 'The 6" guns may fire.\n\n~~~\n```\n~~~\nIt might rain.')
    assert [(w["code"], w["line"]) for w in warnings(cli, site)] == [
        ("vague-likelihood", BODY_LINE), ("vague-likelihood", BODY_LINE + 5)]


def test_a_link_text_is_still_the_analysts_words(site, cli):
    edit(site, B, BODY, "The [mayor may speak](https://example.org/) today.")
    assert [w["code"] for w in warnings(cli, site)] == ["vague-likelihood"]


def test_a_key_point_stating_a_likelihood_needs_a_citation(site, cli):
    edit(site, B, "timeline:", "  - text: The ferry will likely resume.\ntimeline:")
    found = [(w["code"], w["line"]) for w in warnings(cli, site)]
    assert found == [("uncited-likelihood", 12)]  # in place of uncited-key-point
    edit(site, B, "will likely resume.\n", "will likely resume.\n    cite: p3\n")
    assert warnings(cli, site) == []
    edit(site, B, "will likely resume.\n    cite: p3\n", "will resume.\n")
    assert [w["code"] for w in warnings(cli, site)] == ["uncited-key-point"]


def test_a_claims_own_quote_is_the_sources_words(site, cli):
    edit(site, B, "The mayor promises a new pier.", "The mayor says we will rebuild the pier, "
         "maybe.")
    assert [w["code"] for w in warnings(cli, site)] == ["vague-likelihood"]
    edit(site, B, "rebuild the pier, maybe.", "rebuild the pier.")
    edit(site, "seeds/harbour.txt", "we will rebuild the pier.", "we might rebuild the pier.")
    edit(site, B, 'quote: "we will rebuild the pier"', 'quote: "we might rebuild the pier"')
    edit(site, B, "The mayor says we will rebuild", "The mayor says we might rebuild")
    assert warnings(cli, site) == []


def test_judgments_outside_the_body_are_checked_too(site, cli):
    edit(site, B, "bottom_line: The harbour is open again.",
         "bottom_line: The harbour might stay open.")
    edit(site, B, "It reopened on Monday.", "It is likely to stay open, with low confidence.")
    found = sorted((w["code"], w["line"]) for w in warnings(cli, site))
    assert found == [("confidence-with-likelihood", 8), ("vague-likelihood", 6)]


def test_the_site_table_replaces_and_extends_the_default(site, cli):
    (site / "estimative.yaml").write_text("hedges: []\nmore_hedges: [arguably]\n")
    edit(site, B, BODY, "The pier may be rebuilt. Arguably it matters.")
    assert [(w["code"], w["message"][:10]) for w in warnings(cli, site)] == [
        ("vague-likelihood", "'Arguably'")]
    (site / "estimative.yaml").write_text(
        "name: Kent\nscales:\n  kent:\n    - {words: [probable], range: \"63–87 %\"}\n")
    edit(site, B, "Arguably it matters.", "It is probable, and likely.")
    cli("build", "--root", site, "-q")
    page = (site / "public/briefings/harbour-reopens/index.html").read_text()
    assert '<abbr class="likelihood" title="63–87 % (Kent)">probable</abbr>' in page
    assert ">likely</abbr>" not in page  # not a word of this table


@pytest.mark.parametrize("table,line,message", [
    ("scales:\n  a:\n    - {words: [likely], range: \"5 %\"}\n", 1,
     "scales of your own need a 'name'"),
    ("name: ''\n", 1, "'name' is empty"),
    ("name: X\nscales: {}\n", 2, "'scales' has no scale"),
    ("name: X\nscales:\n  a:\n    - {words: [likely], range: \"5 %\"}\n  b:\n"
     "    - {words: [likely], range: \"9 %\"}\n", 6,
     "'likely' is already a word of scale 'a' (5 %)"),
    ("more_hedges: [likely]\n", 1, "'likely' is a likelihood word of a scale"),
])
def test_a_table_that_cannot_mean_one_thing_is_an_error(site, cli, table, line, message):
    (site / "estimative.yaml").write_text(table)
    code, out, _err = cli("check", "--root", site)
    assert code == 1
    assert f"estimative.yaml:{line}: error: {message}" in out, out


def test_a_word_split_by_emphasis_gets_no_wrong_range(site, cli):
    edit(site, B, BODY, "Un*likely*, very *likely*, but likely.")
    assert cli("build", "--root", site, "-q")[0] == 0
    page = (site / "public/briefings/harbour-reopens/index.html").read_text()
    assert page.count('<abbr class="likelihood"') == 1
    assert "but <abbr" in page


def test_a_bad_table_is_an_error_at_its_line(site, cli):
    (site / "estimative.yaml").write_text("scales:\n  a:\n    - {words: [likely]}\n"
                                          "colour: red\n")
    code, out, _err = cli("check", "--root", site)
    assert code == 1
    assert "estimative.yaml:3: error: missing required key 'range'" in out
    assert "estimative.yaml:4: error: unknown key 'colour'" in out


def test_likelihood_words_show_their_range_on_the_page_and_in_the_book(site, cli):
    edit(site, B, "bottom_line: The harbour is open again.",
         "bottom_line: The harbour is very likely to stay open.")
    edit(site, B, BODY, 'Ferries are unlikely to stop. The mayor said “likely”.\n\n'
                        '> A quoted source thinks it probable.')
    assert cli("build", "--root", site, "-q")[0] == 0
    for path in ("briefings/harbour-reopens/index.html", "book/index.html"):
        page = (site / "public" / path).read_text()
        assert ('<abbr class="likelihood" title="80–95 % (ICD 203)">very likely</abbr>'
                in page), path
        assert '<abbr class="likelihood" title="20–45 % (ICD 203)">unlikely</abbr>' in page
        assert "“likely”" in page  # the source's word is not marked
        assert "thinks it probable." in page
        assert ("Likelihood words, as ICD 203 defines them: <i>very likely</i> 80–95 %; "
                "<i>unlikely</i> 20–45 %.") in page, path


def test_an_edited_table_rebuilds_what_shows_it(site, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "SETTLE_NS", 0)  # a build may trust what it just saw
    edit(site, B, BODY, "Ferries are unlikely to stop.")
    build(site)
    assert build(site).site is None  # nothing changed
    (site / "estimative.yaml").write_text(
        "name: Test\nscales:\n  chance:\n    - {words: [unlikely], range: \"10–40 %\"}\n")
    build(site)  # with the store of the first build
    build(site, out_dir=str(tmp_path / "clean"), workers=1, cache=False)
    assert snapshot(site / "public") == snapshot(tmp_path / "clean")
    assert "10–40 %" in (site / "public/briefings/harbour-reopens/index.html").read_text()
