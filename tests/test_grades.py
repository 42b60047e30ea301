"""Source grading (the Admiralty code): a source's reliability A–F in its sidecar, an item's
credibility 1–6 on a key point or event; both shown beside every citation, and checked."""
from __future__ import annotations

import json

from conftest import edit

B = "content/briefings/harbour-reopens.md"


def _graded(small, reliability="B", credibility="2"):
    (small / "seeds/harbour.yaml").write_text(f"reliability: {reliability}\n")
    edit(small, B, "    cite: p1\n", f"    cite: p1\n    credibility: {credibility}\n")
    return small


def test_grades_show_beside_citations_on_every_page_that_cites(small, cli):
    code, _out, err = cli("build", "--root", _graded(small))
    assert code == 0, err
    out = small / "public"
    page = (out / "briefings/harbour-reopens/index.html").read_text()
    assert ('<abbr class="grade" title="source usually reliable (B); information probably '
            'true (2)">B2</abbr>') in page
    assert '<abbr class="grade" title="source usually reliable (B)">B</abbr>' in page  # kp 2
    source = (out / "sources/harbour/index.html").read_text()
    assert "<dt>Reliability</dt>" in source and "</abbr> usually reliable</dd>" in source
    assert ">B2</abbr></li>" in source  # beside the claim that cites p1
    assert ">B2</abbr>" in (out / "book/index.html").read_text()
    assert ">B</abbr>" in (out / "timeline/index.html").read_text()
    shards = "".join(p.read_text() for p in (out / "search/d").glob("p*.js"))
    assert shards.count('"B"]') == 3  # each of the source's paragraphs, in search results


def test_bad_grades_are_errors_at_their_line(small, cli):
    code, out, err = cli("check", "--root", _graded(small, "G", "7"))
    assert code == 1
    assert "seeds/harbour.yaml:1: error: 'reliability' must be a grade from A to F" in out
    assert f"{B}:10: error: 'credibility' must be a number from 1 to 6" in out


def test_an_ungraded_source_in_a_graded_site_and_weak_high_confidence_are_warned(small, cli):
    _graded(small, "E")
    (small / "seeds/other.txt").write_text("Other\n\nAnother paragraph of text here.\n")
    edit(small, B, "seeds: [harbour]", "seeds: [harbour, other]")
    edit(small, B, "    cite: p1\n", "    cite: harbour#p1\n")
    edit(small, B, "    cite: p3\n", "    cite: harbour#p3\n")
    edit(small, B, "bottom_line:", "confidence: high\nbottom_line:")
    code, out, _err = cli("check", "--root", small, "--format", "json")
    found = {(p["path"], p["code"], p["line"]) for p in json.loads(out)}
    assert ("seeds/other.txt", "ungraded-source", None) in found
    assert not any(code == "weak-sources" for _p, code, _l in found)  # `other` is ungraded
    (small / "seeds/other.yaml").write_text("reliability: D\n")
    code, out, _err = cli("check", "--root", small, "--format", "json")
    found = {(p["path"], p["code"], p["line"]) for p in json.loads(out)}
    assert (B, "weak-sources", 6) in found and not any(
        code == "ungraded-source" for _p, code, _l in found)
    (small / "seeds/other.yaml").write_text("reliability: B\n")
    code, out, _err = cli("check", "--root", small, "--format", "json")
    assert not any(p["code"] == "weak-sources" for p in json.loads(out))


def test_a_site_that_grades_nothing_is_not_asked_to(small, cli):
    code, out, _err = cli("check", "--root", small, "--format", "json")
    assert not any(p["code"] in ("ungraded-source", "weak-sources") for p in json.loads(out))


def test_high_confidence_on_a_single_source_is_warned(small, cli):
    edit(small, B, "bottom_line:", "confidence: high\nbottom_line:")
    code, out, _err = cli("check", "--root", small, "--format", "json")
    assert [(p["path"], p["line"]) for p in json.loads(out) if p["code"] == "single-source"] \
        == [(B, 6)]
    (small / "seeds/other.txt").write_text("Other\n\nAnother paragraph of text here.\n")
    edit(small, B, "seeds: [harbour]", "seeds: [harbour, other]")
    edit(small, B, "    cite: p1\n", "    cite: harbour#p1\n")
    edit(small, B, "    cite: p3\n", "    cite: harbour#p3\n")
    code, out, _err = cli("check", "--root", small, "--format", "json")
    assert not any(p["code"] == "single-source" for p in json.loads(out))
