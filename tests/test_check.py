"""`sitegen check`: error and warning codes, text and JSON output, --strict, and source
drift against `sitegen.lock` (written only by --update-lock)."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from conftest import BRIEFING, edit, write_site
from sitegen.lock import changed_excerpts

B = "content/briefings/harbour-reopens.md"
T = "content/topics/harbour-town.yaml"
LOCK = "sitegen.lock"


def problems(cli, root, *extra):
    code, out, err = cli("check", "--root", root, "--format", "json", *extra)
    assert "Traceback" not in err
    return code, json.loads(out)


def test_clean_site_passes_strict(site, cli):
    code, out, err = cli("check", "--root", site, "--strict")
    assert code == 0, out
    assert out == ""
    assert err.strip() == "0 error(s), 0 warning(s)"
    assert not (site / "public").exists()  # nothing written


def test_json_output_shape(site, cli):
    edit(site, B, "cite: p1", "cite: p9")
    code, found = problems(cli, site)
    assert code == 1
    assert isinstance(found, list) and found
    for p in found:
        assert set(p) == {"path", "line", "severity", "code", "message"}
        assert p["severity"] in ("error", "warning")
    assert {"path": B, "line": 9, "severity": "error", "code": "unknown-paragraph",
            "message": "cite 'p9': seed 'harbour' has no paragraph p9; it has p1 to p3"} in found


def test_text_output_is_one_problem_per_line_then_a_summary(site, cli):
    edit(site, B, "cite: p1", "cite: p9")
    write_site(site, {"seeds/other.txt": "Other\n\nA paragraph nobody cites at all.\n"})
    code, out, err = cli("check", "--root", site)
    assert code == 1
    lines = out.strip().splitlines()
    assert lines == [f"{B}:9: error: cite 'p9': seed 'harbour' has no paragraph p9; it has p1 to p3",
                     "seeds/other.txt: warning: seed 'other' is not cited by any briefing; "
                     "start one with `sitegen new other`"]
    assert err.strip() == "1 error(s), 1 warning(s)"


def test_strict_fails_on_warnings_only(site, cli):
    write_site(site, {"seeds/other.txt": "Other\n\nA paragraph nobody cites at all.\n"})
    assert cli("check", "--root", site)[0] == 0
    assert cli("check", "--root", site, "--strict")[0] == 1
    assert cli("check", "--root", site, "--strict", "--format", "json")[0] == 1


# (files to write, edits (file, old, new), code, path, line, message regex)
WARNINGS = [
    ({}, [(B, "timeline:", "  - text: A claim with no source.\ntimeline:")],
     "uncited-key-point", B, 12, r"key point 3 has neither 'cite' nor 'quote'"),
    ({"seeds/other.txt": "Other\n\nA paragraph nobody cites at all.\n"}, [],
     "orphan-seed", "seeds/other.txt", None, r"seed 'other' is not cited by any briefing"),
    ({"content/topics/lighthouse.yaml": "title: Lighthouse\n"}, [],
     "unused-topic", "content/topics/lighthouse.yaml", None, r"topic 'lighthouse' has no briefing"),
    ({"content/topics/zz-port.yaml": "title: Port\naliases: [harbour town]\n"}, [],
     "shared-alias", "content/topics/zz-port.yaml", 2,
     r"alias 'harbour town' is also the title or an alias of topic 'harbour-town'"),
    ({}, [(B, 'quote: "we will rebuild the pier"', 'quote: "paragraph"')],
     "ambiguous-quote", B, 11,
     r"quote \"paragraph\" occurs in 3 paragraphs \(p1, p2, p3\); it links to the first, p1"),
    ({"seeds/harbour.yaml": "published: 2024-03-05\n"}, [],
     "before-source", B, 3,
     r"briefing dated 2024-03-01 is older than its source 'harbour', published 2024-03-05"),
    ({"content/briefings/next-steps.md": BRIEFING.replace("draft", "x").replace(
        "bottom_line:", "draft: true\nbottom_line:")},
     [(B, "The [[harbour-town]] story.", "The [[harbour-town]] story, see [[next-steps]].")],
     "draft-link", B, 17, r"\[\[next-steps\]\] links to the draft 'next-steps'"),
    ({"content/briefings/next-steps.md": BRIEFING.replace("bottom_line:", "draft: true\nbottom_line:")},
     [(B, "bottom_line: The", "related: [next-steps]\nbottom_line: The")],
     "draft-link", B, 6, r"related briefing 'next-steps' is a draft"),
]


@pytest.mark.parametrize("files,edits,code,path,line,message", WARNINGS,
                         ids=[f"{w[2]}-{i}" for i, w in enumerate(WARNINGS)])
def test_editor_warnings(site, cli, files, edits, code, path, line, message):
    write_site(site, files)
    for change in edits:
        edit(site, *change)
    exit_code, found = problems(cli, site)
    assert exit_code == 0, found  # warnings only
    hits = [p for p in found if p["code"] == code]
    assert len(hits) == 1, found
    assert (hits[0]["path"], hits[0]["line"], hits[0]["severity"]) == (path, line, "warning")
    assert re.search(message, hits[0]["message"]), hits[0]["message"]
    assert cli("check", "--root", site, "--strict")[0] == 1


def test_parent_of_a_used_topic_is_not_unused(site, cli):
    write_site(site, {"content/topics/coast.yaml": "title: Coast\n"})
    edit(site, T, "kind: place", "kind: place\nparent: coast")
    assert problems(cli, site) == (0, [])


def test_draft_link_is_reported_by_build_too(site, cli):
    write_site(site, {"content/briefings/next-steps.md":
                      BRIEFING.replace("bottom_line:", "draft: true\nbottom_line:")})
    edit(site, B, "The [[harbour-town]] story.", "See [[next-steps]].")
    code, _out, err = cli("build", "--root", site, "-q")
    assert code == 0
    assert f"{B}:17: warning: [[next-steps]] links to a draft" in err


def test_check_validates_drafts(site, cli):
    write_site(site, {"content/briefings/next-steps.md": BRIEFING.replace(
        "bottom_line:", "draft: true\nbottom_line:").replace("cite: p1", "cite: p8")})
    assert cli("build", "--root", site, "-q")[0] == 0  # the draft is not built
    code, found = problems(cli, site)
    assert code == 1
    assert [(p["path"], p["code"]) for p in found if p["severity"] == "error"] == [
        ("content/briefings/next-steps.md", "unknown-paragraph")]


# (file, old text, new text, code): every kind of error carries a stable code
ERRORS = [
    (B, "title: Harbour reopens", "titel: Harbour reopens", "unknown-key"),
    (B, "title: Harbour reopens\n", "", "missing-key"),
    (B, "date: 2024-03-01", "date: 2024-02-30", "bad-date"),
    (B, "date: 2024\n", "date: 2024-13\n", "bad-date"),
    (B, "seeds: [harbour]", "seeds: [harbor]", "unknown-seed"),
    (B, "topics: [harbour-town]", "topics: [harbor-town]", "unknown-topic"),
    (B, "bottom_line: The", "related: [nowhere]\nbottom_line: The", "unknown-briefing"),
    (B, "bottom_line: The harbour is open again.", "bottom_line: [a, b]", "wrong-type"),
    (B, "bottom_line: The", "confidence: certain\nbottom_line: The", "bad-value"),
    (B, "cite: p1", "cite: para1", "bad-cite"),
    (B, "cite: p1", "cite: other#p1", "bad-cite"),
    (B, "cite: p1", "cite: p9", "unknown-paragraph"),
    (B, 'quote: "we will rebuild the pier"', 'quote: "we will rebuild the bridge"',
     "quote-not-found"),
    (B, "The [[harbour-town]] story.", "The [[harbor-town]] story.", "broken-link"),
    (B, "The [[harbour-town]] story.", "See [[source:harbour#p7]].", "broken-link"),
    (B, "seeds: [harbour]", "seeds: [harbour\n", "invalid-yaml"),
    (B, "---\ntitle", "title", "missing-front-matter"),
    (T, "kind: place", "kind: place\nparent: coast", "unknown-topic"),
    (T, "kind: place", "kind: planet", "bad-value"),
    (T, "kind: place", "kind: place\nparent: harbour-town", "topic-cycle"),
    ("config.yaml", "title: Small site", "title: Small site\nthem: dark", "unknown-key"),
    ("config.yaml", "title: Small site", "title: Small site\noutput_dir: ../x", "bad-path"),
    ("config.yaml", "title: Small site", "title: Small site\ntheme: nope", "unknown-theme"),
]


@pytest.mark.parametrize("rel,old,new,code", ERRORS, ids=[f"{e[3]}-{i}" for i, e in enumerate(ERRORS)])
def test_every_error_has_a_code(small, cli, rel, old, new, code):
    edit(small, rel, old, new)
    exit_code, found = problems(cli, small)
    assert exit_code == 1
    errors = [p for p in found if p["severity"] == "error"]
    assert errors and all(p["code"] not in ("error", "warning") for p in errors), errors
    assert code in {p["code"] for p in errors}, errors


def test_more_error_codes(small, cli):
    write_site(small, {"seeds/other.txt": "Other\n\nAnother paragraph of text here.\n",
                       "content/topics/harbour-reopens.yaml": "title: Clash\n",
                       "content/briefings/Bad Name.md": BRIEFING,
                       "content/briefings/notes.txt": "ignored\n"})
    edit(small, B, "seeds: [harbour]", "seeds: [harbour, other]")
    codes = {(p["code"], p["severity"]) for p in problems(cli, small)[1]}
    assert {("ambiguous-cite", "error"), ("duplicate-slug", "error"), ("bad-slug", "error"),
            ("ignored-file", "warning")} <= codes


def test_briefings_out_of_place_are_named_not_silently_skipped(small, cli):
    write_site(small, {"content/stray.md": BRIEFING, "content/briefings/2024/nested.md": BRIEFING,
                       "content/topics/old/x.yaml": "title: X\n", "content/.hidden.md": "x\n"})
    found = {(p["path"], p["code"], p["message"]) for p in problems(cli, small)[1]}
    assert found >= {
        ("content/stray.md", "ignored-file",
         "ignored: briefings go in content/briefings/, topics in content/topics/, shared images"
         " and files in content/media/"),
        ("content/briefings/2024/", "ignored-file", "ignored: files are read from "
         "content/briefings/ itself, not from folders inside it; a briefing in a folder of its "
         "own is content/briefings/2024/index.md"),
        ("content/topics/old/", "ignored-file", "ignored: files are read from "
         "content/topics/ itself, not from folders inside it")}, found
    assert not any(".hidden" in path for path, _code, _message in found)


def test_a_pipe_among_the_inputs_is_skipped_not_read(small, cli):
    """A named pipe would make a read wait for a writer for ever: it is no input."""
    import os
    os.mkfifo(small / "content/briefings/pipe.md")
    os.mkfifo(small / "seeds/pipe.txt")
    code, found = problems(cli, small)
    assert code == 0 and ("content/briefings/pipe.md", "ignored-file") in {
        (p["path"], p["code"]) for p in found}, found


def test_editor_leftovers_and_folder_litter_are_passed_over_everywhere(small, cli):
    """One rule for every input folder (and the preview's watcher): before, a `.bak` in
    seeds/ failed the build while the same file in content/briefings/ was skipped."""
    leftovers = ("notes.bak", "draft.md~", "x.md.swp", "x.swo", "Thumbs.db", "desktop.ini", "4913")
    write_site(small, {f"{folder}/{name}": "x\n" for folder in
                       ("seeds", "content", "content/briefings", "content/topics")
                       for name in leftovers})
    code, found = problems(cli, small)
    assert code == 0 and not [p for p in found if p["code"] == "ignored-file"], found
    assert not any(p["severity"] == "error" for p in found), found


def test_error_messages_say_what_would_be_right(small, cli):
    edit(small, B, "The [[harbour-town]] story.", "See [[source:harbour#p7]] and [[source:harbor]].")
    write_site(small, {"content/topics/a.yaml": "title: A\nparent: b\n",
                       "content/topics/b.yaml": "title: B\nparent: a\n"})
    edit(small, T, "kind: place", "kind: place\nparent: nowhere-at-all")
    messages = "\n".join(p["message"] for p in problems(cli, small)[1])
    assert "[[source:harbour#p7]] links to nothing: seed 'harbour' has no paragraph 'p7'; " \
           "it has p1 to p3" in messages
    assert "[[source:harbor]] links to nothing: there is no seed 'harbor'; did you mean " \
           "'harbour'?" in messages
    assert "parent 'b' makes a cycle of topics (a -> b -> a)" in messages
    assert "unknown parent topic 'nowhere-at-all' (known topics: a, b, harbour-town)" in messages


def test_yaml_errors_say_how_to_fix_them(small, cli):
    edit(small, B, "title: Harbour reopens", "title: Harbour: reopened")
    code, found = problems(cli, small)
    assert code == 1
    [error] = [p for p in found if p["severity"] == "error"]
    assert (error["path"], error["line"], error["code"]) == (B, 2, "invalid-yaml")
    assert "quote a value that contains ': '" in error["message"]


# -- sitegen.lock and source drift ----------------------------------------------------------

def test_lock_is_written_only_by_update_lock(site, cli):
    assert cli("check", "--root", site)[0] == 0
    assert cli("build", "--root", site, "-q")[0] == 0
    assert not (site / LOCK).exists()
    code, _out, err = cli("check", "--root", site, "--update-lock")
    assert code == 0 and "wrote sitegen.lock: 3 cited paragraph(s)" in err
    text = (site / LOCK).read_text(encoding="utf-8")
    entries = [line for line in text.splitlines() if not line.startswith("#")]
    assert entries == [
        f"@written {dt.date.today()}",
        "harbour-reopens @bottom-line " + _sha("The harbour is open again."),
        "harbour-reopens @kp-1 " + _sha("It reopened on Monday."),
        "harbour-reopens @kp-2 " + _sha("The mayor promises a new pier."),
        "harbour-reopens kp-1 harbour#p1 " + _sha("The first paragraph says that the harbour "
                                                   "reopened on Monday."),
        "harbour-reopens kp-2 harbour#p2 " + _sha('The second paragraph quotes the mayor: '
                                                   '"we will rebuild the pier."'),
        "harbour-reopens ev-1 harbour#p3 " + _sha("The third paragraph notes that ferries "
                                                   "resume in 2024."),
    ]
    before = (site / LOCK).read_bytes()
    assert cli("check", "--root", site)[0] == 0
    assert cli("build", "--root", site, "-q")[0] == 0
    assert (site / LOCK).read_bytes() == before
    assert cli("check", "--root", site, "--update-lock")[0] == 0
    assert (site / LOCK).read_bytes() == before  # stable: same input, same bytes


def _sha(text: str) -> str:
    import hashlib
    return f"{hashlib.sha256(text.encode()).hexdigest()[:12]} {text}"


def test_update_lock_refuses_when_there_are_errors(site, cli):
    edit(site, B, "cite: p1", "cite: p9")
    code, _out, err = cli("check", "--root", site, "--update-lock")
    assert code == 1 and "sitegen.lock not updated" in err
    assert not (site / LOCK).exists()


def test_source_drift_in_check_and_build(site, cli):
    assert cli("check", "--root", site, "--update-lock")[0] == 0
    edit(site, "seeds/harbour.txt", "The second paragraph", "The 2nd paragraph")
    code, found = problems(cli, site)
    assert code == 0
    drift = [p for p in found if p["code"] == "source-drift"]
    assert len(drift) == 1 and (drift[0]["path"], drift[0]["line"]) == (B, 11)
    message = drift[0]["message"]
    assert "key point 2 cites harbour#p2, whose text changed since sitegen.lock" in message
    assert 'was “The second paragraph quotes the mayor: "we will rebuild the pier."”' in message
    assert 'now “The 2nd paragraph quotes the mayor: "we will rebuild the pier."”' in message
    assert cli("check", "--root", site, "--strict")[0] == 1

    code, _out, err = cli("build", "--root", site, "-q")
    assert code == 0
    assert f"{B}:11: warning: source drift: key point 2 cites harbour#p2" in err
    assert "was “The second paragraph" in err and "now “The 2nd paragraph" in err

    code, _out, err = cli("check", "--root", site, "--update-lock")
    assert code == 0 and "source-drift" not in err and "source drift" not in _out
    assert problems(cli, site) == (0, [])


def test_drift_when_paragraph_numbers_shift(site, cli):
    assert cli("check", "--root", site, "--update-lock")[0] == 0
    edit(site, "seeds/harbour.txt", "A Small Source\n",
          "A Small Source\n\nA new opening paragraph was added above the others.\n")
    edit(site, B, 'quote: "we will rebuild the pier"', 'quote: "we will rebuild the pier"\n'
                                                        "    cite: p3")
    found = [p for p in problems(cli, site)[1] if p["code"] == "source-drift"]
    assert [p["message"].split(":")[1].strip() for p in found] == [
        "key point 1 cites harbour#p1, whose text changed since sitegen.lock",
        "timeline event 1 cites harbour#p3, whose text changed since sitegen.lock"]
    assert "was “The first paragraph says" in found[0]["message"]
    assert "now “A new opening paragraph" in found[0]["message"]


def test_changed_excerpts_show_where_long_texts_differ():
    old = "word " * 100 + "the old ending of a long paragraph."
    new = "word " * 100 + "the new ending of a long paragraph."
    was, now = changed_excerpts(old, new)
    assert was.startswith("…word") and was.endswith("the old ending of a long paragraph.")
    assert now.startswith("…word") and now.endswith("the new ending of a long paragraph.")
    assert len(was) < 100 < len(old)
    assert changed_excerpts("short", "shorter") == ("short", "shorter")


def test_output_folder_problems_are_reported_by_check(site, cli):
    write_site(site, {"public/someone-elses.txt": "keep me\n"})
    code, found = problems(cli, site)
    assert code == 1
    assert [(p["path"], p["code"]) for p in found] == [("config.yaml", "bad-output")]


def test_unreadable_lock_line_is_a_warning(site, cli):
    (site / LOCK).write_text("# header\nthis is not a lock line\n", encoding="utf-8")
    code, found = problems(cli, site)
    assert code == 0
    assert [(p["path"], p["line"], p["code"]) for p in found] == [(LOCK, 2, "bad-lock")]


def test_check_shares_the_builds_store_both_ways(small, monkeypatch, tmp_path):
    """`check` runs on the engine `build` runs on: after a build it parses nothing again,
    and a build after a check reuses the check's parses."""
    from conftest import record_calls
    from sitegen.commands.build import build
    from sitegen.commands.check import collect_problems
    from sitegen.load import content, files

    monkeypatch.setattr(files, "SETTLE_NS", -10**12)  # files just written count as settled
    log = tmp_path / "parsed"
    record_calls(monkeypatch, content, "parse_briefing", log, lambda _t, slug, *_: slug)
    build(small, workers=1)
    assert log.read_text().split() == ["harbour-reopens"]
    collect_problems(small)
    assert log.read_text().split() == ["harbour-reopens"]  # check parsed nothing again
    edit(small, B, "title: Harbour reopens", "title: Harbour reopened")
    collect_problems(small)
    assert log.read_text().split() == ["harbour-reopens"] * 2
    build(small, workers=1)
    assert log.read_text().split() == ["harbour-reopens"] * 2  # the build took check's parse
