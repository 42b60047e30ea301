"""Safe output: atomic swap, refusing folders sitegen does not own, sanitised content."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from conftest import edit, snapshot, write_site

B = "content/briefings/harbour-reopens.md"
OWN_SCRIPTS = re.compile(r'<script src="(?:\.\./)*(?:search/index|assets/search)\.js"></script>')


def test_build_refuses_root_content_and_foreign_folders(small, cli):
    for out in (small, small / "content", small / "seeds" / "x", small.parent):
        code, _o, err = cli("build", "--root", small, "--out", out)
        assert code == 1, out
        assert "error: output folder" in err
    foreign = small / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("precious")
    code, _o, err = cli("build", "--root", small, "--out", foreign)
    assert code == 1 and "not empty and was not made by sitegen" in err
    assert (foreign / "notes.txt").read_text() == "precious"
    code, _o, err = cli("build", "--root", small, "--out", foreign / "notes.txt" / "site")
    assert code == 1 and "Traceback" not in err
    assert f"cannot be made: {foreign / 'notes.txt'} is a file, not a folder" in err


def test_build_replaces_its_own_output_and_marks_it(small, cli):
    assert cli("build", "--root", small)[0] == 0
    out = small / "public"
    (out / "stale.html").write_text("old")
    assert (out / ".sitegen-output").is_file()
    assert cli("build", "--root", small)[0] == 0
    assert not (out / "stale.html").exists()
    assert not list(small.glob(".public.sitegen-*"))


def test_failed_render_leaves_previous_output(small, cli):
    assert cli("build", "--root", small)[0] == 0
    out = small / "public"
    before = snapshot(out)
    dates = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    write_site(small, {"themes/default/templates/topic.html":
                       "{% extends 'base.html' %}{% block main %}{{ nope.x }}{% endblock %}"})
    code, _o, err = cli("build", "--root", small)
    assert code == 1 and "Traceback" not in err
    # the error names the template file, the page and what is wrong
    assert ("themes/default/templates/topic.html: error: template error in topic.html while "
            "rendering topics/harbour-town/: 'nope' is undefined") in err
    assert snapshot(out) == before
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == dates
    assert not list(small.glob(".public.sitegen-*"))


def test_an_output_that_cannot_be_written_is_an_error_and_changes_nothing(small, cli,
                                                                          monkeypatch):
    from sitegen.write import OutputWriter

    assert cli("build", "--root", small)[0] == 0
    out = small / "public"
    before = snapshot(out)
    edit(small, "content/briefings/harbour-reopens.md", "title: ", "title: New ")
    put = OutputWriter.put

    def full_disk(self, rel, data):
        if rel.endswith("harbour-reopens/index.html"):
            raise OSError(28, "No space left on device", str(self.stage / rel))
        return put(self, rel, data)

    monkeypatch.setattr(OutputWriter, "put", full_disk)
    code, _o, err = cli("build", "--root", small, "-j", "1")
    assert code == 1 and "Traceback" not in err
    assert f"{out}: error: cannot write the output: No space left on device (" in err
    assert snapshot(out) == before
    assert not list(small.glob(".public.sitegen-*"))


def test_no_script_handler_or_javascript_url_from_content_or_seeds(small, cli):
    evil = ('<script>alert(1)</script><img src=//evil.example/x.png onerror="alert(2)">'
            '<a href="javascript:alert(3)">x</a><iframe src="https://evil.example/"></iframe>'
            '<p onclick="alert(4)" style="x">hi</p>[link](javascript:alert(5))')
    (small / B).write_text((small / B).read_text() + "\n" + evil + "\n")
    write_site(small, {
        "seeds/harbour.txt": (small / "seeds/harbour.txt").read_text()
        + "\n<script>alert(6)</script> and <img src=x onerror=alert(7)> text.\n",
        "content/topics/harbour-town.yaml":
            "title: Harbour Town\ndescription: 'A <script>alert(8)</script> <b onmouseover=\"x\">town</b>.'\n",
    })
    code, _o, err = cli("build", "--root", small)
    assert code == 0, err
    for page in (small / "public").rglob("*.html"):
        html = OWN_SCRIPTS.sub("", page.read_text())  # the search page's own, local scripts
        assert "<script" not in html.lower(), page
        assert "<iframe" not in html.lower(), page
        assert not [a for a in _attributes(html) if a.startswith("on")], page
        assert "javascript:" not in html.lower(), page
        assert "alert(1)" not in html
    source = (small / "public/sources/harbour/index.html").read_text()
    assert "&lt;script&gt;alert(6)&lt;/script&gt;" in source  # seed text is shown, escaped


def _attributes(html: str) -> list[str]:
    names = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            names.extend(name for name, _ in attrs)

    Collect().feed(html)
    return names


def test_remote_images_do_not_load(small, cli):
    (small / B).write_text((small / B).read_text() + "\n![a chart](https://cdn.example/c.png)\n")
    assert cli("build", "--root", small)[0] == 0
    html = (small / "public/briefings/harbour-reopens/index.html").read_text()
    assert "cdn.example" not in html and "a chart" in html


def test_drafts_are_built_only_with_drafts_flag(small, cli):
    write_site(small, {"content/briefings/later.md": (small / B).read_text()
                       .replace("title: Harbour reopens", "title: Later news\ndraft: true")})
    assert cli("build", "--root", small)[0] == 0
    assert not (small / "public/briefings/later").exists()
    assert cli("build", "--root", small, "--drafts")[0] == 0
    assert (small / "public/briefings/later/index.html").is_file()
