"""What changed: since the last `check --update-lock` (the default) or a day
(`changes_since`), the changes page and its feed list briefings added, judgments changed
(old and new), revisions recorded and citations whose paragraph drifted (old and new),
and a briefing page says when its judgment changed."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from conftest import BRIEFING, edit, write_site
from sitegen.lock import write_lock
from sitegen.pipeline import load_site
from sitegen.errors import Collector
from sitegen.load.config import load_config

B = "content/briefings/harbour-reopens.md"
PAGE = "public/changes/index.html"
BRIEFING_PAGE = "public/briefings/harbour-reopens/index.html"
TODAY = dt.date.today()
ATOM = "{http://www.w3.org/2005/Atom}"


def _text(html: str) -> str:
    """The visible text: a space where a block starts or ends."""
    html = re.sub(r"</?(?:p|li|h\d|td|th|tr|ul|table|caption|section|article)\b[^>]*>", " ",
                  html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def _main(root) -> str:
    html = (root / PAGE).read_text(encoding="utf-8")
    return html[html.index("<main"):html.index("</main>")]


def _update_lock(root, day: dt.date) -> None:
    """`check --update-lock`, as on `day`."""
    write_lock(root, load_site(root, load_config(root), Collector()), today=day)


def _edit_everything(root) -> None:
    edit(root, B, "bottom_line: The harbour is open again.",
         "bottom_line: The harbour is open again, for now.")
    edit(root, B, "It reopened on Monday.", "It reopened on Tuesday.")
    edit(root, "seeds/harbour.txt", "reopened on Monday", "reopened on Tuesday")
    edit(root, B, "timeline:", "revisions:\n  - date: 2030-01-02\n    change: Monday was "
                               "Tuesday.\ntimeline:")
    write_site(root, {"content/briefings/storm-warning.md": BRIEFING.replace(
        "Harbour reopens", "Storm warning")})


def test_changes_since_the_lock_list_everything_with_old_and_new(site, cli):
    _update_lock(site, dt.date(2030, 1, 1))
    _edit_everything(site)
    assert cli("build", "--root", site, "-q")[0] == 0
    main = _main(site)
    text = _text(main)
    assert "Since the last review of the sources, recorded in sitegen.lock on 1 January " \
           "2030: 4 changes." in text
    assert re.search(r"New briefings .*Storm warning", text)
    assert "Harbour reopens Changed since the last review, not yet recorded" in text
    assert ("<tr><th scope=\"row\">Bottom line</th><td>The harbour is open again.</td>"
            "<td>The harbour is open again, for now.</td></tr>") in main
    assert ("<tr><th scope=\"row\">Key point 1</th><td>It reopened on Monday.</td>"
            "<td>It reopened on Tuesday.</td></tr>") in main
    assert "2 January 2030: Harbour reopens — Monday was Tuesday." in text
    assert ("<td>The first paragraph says that the harbour reopened on Monday.</td>"
            "<td>The first paragraph says that the harbour reopened on Tuesday.</td>") in main
    assert "Harbour reopens, key point 1" in text
    page = _text((site / BRIEFING_PAGE).read_text(encoding="utf-8"))
    assert "Judgment changed since 1 January 2030" in page

    _update_lock(site, dt.date(2030, 1, 3))  # reviewed: recorded, nothing new since
    assert cli("build", "--root", site, "-q")[0] == 0
    text = _text(_main(site))
    assert "recorded in sitegen.lock on 3 January 2030: 1 change. " in text
    assert "Judgments changed Harbour reopens Changed on 3 January 2030" in text
    page = (site / BRIEFING_PAGE).read_text(encoding="utf-8")
    assert ('<a class="judgment-changed" href="../../changes/index.html#judgment-harbour-'
            'reopens">Judgment changed on <time datetime="2030-01-03">3 January 2030</time>'
            '</a>') in page
    assert 'id="judgment-harbour-reopens"' in _main(site)
    assert "@changed 2030-01-03" in (site / "sitegen.lock").read_text()
    assert "storm-warning @changed" not in (site / "sitegen.lock").read_text()  # only added


def test_an_update_with_nothing_new_leaves_the_lock_as_it_was(site):
    _update_lock(site, dt.date(2030, 1, 1))
    before = (site / "sitegen.lock").read_bytes()
    _update_lock(site, dt.date(2030, 2, 1))
    assert (site / "sitegen.lock").read_bytes() == before
    edit(site, B, "bottom_line:", "confidence: low\nbottom_line:")
    _update_lock(site, dt.date(2030, 2, 1))
    text = (site / "sitegen.lock").read_text()
    assert "@written 2030-02-01" in text and "harbour-reopens @changed 2030-02-01" in text


def test_changes_since_a_day(site, cli):
    _update_lock(site, dt.date(2030, 1, 1))
    edit(site, B, "It reopened on Monday.", "It reopened on Tuesday.")
    _update_lock(site, dt.date(2030, 3, 1))  # the change is recorded on 1 March
    edit(site, "config.yaml", "title: Small site", "title: Small site\n"
                                                    "changes_since: 2030-02-01")
    assert cli("build", "--root", site, "-q")[0] == 0
    text = _text(_main(site))
    assert "Since 1 February 2030: 1 change." in text
    assert "Harbour reopens Changed on 1 March 2030" in text
    assert "New briefings" not in text  # dated 2024
    edit(site, "config.yaml", "changes_since: 2030-02-01", "changes_since: 2024-01-01")
    assert cli("build", "--root", site, "-q")[0] == 0
    assert "Since 1 January 2024: 2 changes. " in _text(_main(site))
    assert "New briefings Harbour reopens" in _text(_main(site))
    edit(site, "config.yaml", "changes_since: 2024-01-01", "changes_since: soon")
    code, out, _err = cli("check", "--root", site)
    assert code == 1 and "config.yaml:2: error: 'changes_since' must be 'lock'" in out


def test_without_a_lock_the_page_says_how_to_make_one(site, cli):
    assert cli("build", "--root", site, "-q")[0] == 0
    assert "No point to count changes from yet: sitegen check --update-lock" in \
           _text(_main(site))
    assert "Judgment changed" not in (site / BRIEFING_PAGE).read_text(encoding="utf-8")


def test_the_changes_feed(site, cli):
    _update_lock(site, dt.date(2030, 1, 1))
    _edit_everything(site)
    assert cli("build", "--root", site, "-q")[0] == 0
    feed = ET.parse(site / "public/changes/feed.xml").getroot()
    entries = [(e.find(f"{ATOM}title").text, e.find(f"{ATOM}updated").text,
                e.find(f"{ATOM}id").text) for e in feed.iter(f"{ATOM}entry")]
    ids = [re.sub(r"-[0-9a-f]{12}$", "-<digest>", i) for _t, _u, i in entries]
    assert [(t, u) for t, u, _i in entries] == [
        ("Revised: Harbour reopens", "2030-01-02T00:00:00Z"),
        ("Judgment changed: Harbour reopens", "2030-01-01T00:00:00Z"),
        ("Source changed under key point 1 of Harbour reopens", "2030-01-01T00:00:00Z"),
        ("New briefing: Storm warning", "2024-03-01T00:00:00Z")]
    assert ids == ["https://example.org/changes/#revision-harbour-reopens-2030-01-02-1",
                   "https://example.org/changes/#judgment-harbour-reopens-<digest>",
                   "https://example.org/changes/#drift-harbour-reopens-kp-1-<digest>",
                   "https://example.org/changes/#added-storm-warning"]
    first_judgment_id = entries[1][2]
    edit(site, B, "for now.", "for now, at least.")  # a second change: a new entry id
    assert cli("build", "--root", site, "-q")[0] == 0
    feed = ET.parse(site / "public/changes/feed.xml").getroot()
    again = [e.find(f"{ATOM}id").text for e in feed.iter(f"{ATOM}entry")]
    assert first_judgment_id not in again and len(set(again)) == len(again) == 4
    summary = next(feed.iter(f"{ATOM}entry")).find(f"{ATOM}summary").text
    assert summary == "Monday was Tuesday."
    html = (site / PAGE).read_text(encoding="utf-8")
    assert 'rel="alternate" type="application/atom+xml" title="What changed' in html


def test_incremental_changes_equal_a_clean_build(site, tmp_path):
    from conftest import snapshot
    from sitegen.commands.build import build
    build(site)
    _update_lock(site, dt.date(2030, 1, 1))
    build(site)
    _edit_everything(site)
    build(site)
    build(site, out_dir=str(tmp_path / "clean"), workers=1, cache=False)
    assert snapshot(site / "public") == snapshot(tmp_path / "clean")


def test_the_preview_shows_a_judgment_recorded_since_its_last_build(site, tmp_path):
    """Recording a review changes what the briefing's page says of its judgment, not the
    briefing: the warm preview's page must follow all the same."""
    from conftest import snapshot
    from sitegen.commands.build import build
    from sitegen.engine.rebuild import IncrementalBuilder
    builder = IncrementalBuilder(site, tmp_path / "preview")
    _update_lock(site, dt.date(2030, 1, 1))
    _edit_everything(site)
    builder.build()
    _update_lock(site, dt.date(2030, 1, 3))
    builder.build()
    build(site, out_dir=str(tmp_path / "clean"), workers=1, cache=False)
    page = BRIEFING_PAGE.removeprefix("public/")
    assert "Judgment changed on" in (tmp_path / "preview" / page).read_text(encoding="utf-8")
    assert snapshot(tmp_path / "preview") == snapshot(tmp_path / "clean")


def test_the_preview_drops_the_judgment_line_when_the_lock_goes(site, tmp_path):
    """Without the lock, no briefing's judgment changed: the warm preview's pages of
    briefings that did not change lose the line all the same."""
    from conftest import snapshot
    from sitegen.commands.build import build
    from sitegen.engine.rebuild import IncrementalBuilder
    builder = IncrementalBuilder(site, tmp_path / "preview")
    _update_lock(site, dt.date(2030, 1, 1))
    _edit_everything(site)
    _update_lock(site, dt.date(2030, 1, 3))
    builder.build()
    page = tmp_path / "preview" / BRIEFING_PAGE.removeprefix("public/")
    assert "Judgment changed on" in page.read_text(encoding="utf-8")
    (site / "sitegen.lock").unlink()
    builder.build()
    assert "Judgment changed on" not in page.read_text(encoding="utf-8")
    build(site, out_dir=str(tmp_path / "clean"), workers=1, cache=False)
    assert snapshot(tmp_path / "preview") == snapshot(tmp_path / "clean")


def test_two_revisions_of_one_day_are_two_entries(site, cli):
    edit(site, B, "timeline:", "revisions:\n  - date: 2030-01-02\n    change: One.\n"
                               "  - date: 2030-01-02\n    change: Two.\ntimeline:")
    edit(site, "config.yaml", "title: Small site", "title: Small site\n"
                                                    "changes_since: 2030-01-01")
    assert cli("build", "--root", site, "-q")[0] == 0
    feed = ET.parse(site / "public/changes/feed.xml").getroot()
    ids = [e.find(f"{ATOM}id").text for e in feed.iter(f"{ATOM}entry")]
    assert len(ids) == len(set(ids)) == 2


def test_a_draft_is_not_recorded_and_is_new_once_published(site, cli):
    edit(site, B, "bottom_line:", "draft: true\nbottom_line:")
    assert cli("check", "--root", site, "--update-lock")[0] == 0
    assert "@bottom-line" not in (site / "sitegen.lock").read_text()
    edit(site, B, "draft: true\n", "")
    assert cli("build", "--root", site, "-q")[0] == 0
    assert "New briefings Harbour reopens" in _text(_main(site))


def test_a_change_the_page_does_not_list_is_named_without_a_link(site, cli):
    _update_lock(site, dt.date(2030, 1, 1))
    edit(site, B, "It reopened on Monday.", "It reopened on Tuesday.")
    _update_lock(site, dt.date(2030, 3, 1))
    edit(site, "config.yaml", "title: Small site", "title: Small site\n"
                                                    "changes_since: 2030-04-01")
    assert cli("build", "--root", site, "-q")[0] == 0
    page = (site / BRIEFING_PAGE).read_text(encoding="utf-8")
    assert '<span class="judgment-changed">Judgment changed on <time' in page
    assert "Judgments changed" not in _main(site)


def test_a_lock_without_its_day_records_no_judgments(site, cli):
    _update_lock(site, dt.date(2030, 1, 1))
    lock = site / "sitegen.lock"
    lock.write_text(lock.read_text().replace("@written 2030-01-01\n", "  # a comment\n"))
    edit(site, B, "It reopened on Monday.", "It reopened on Tuesday.")
    code, out, _err = cli("check", "--root", site, "--format", "json")
    assert "bad-lock" not in out  # an indented comment is a comment
    assert cli("build", "--root", site, "-q")[0] == 0
    assert "Judgment changed" not in (site / BRIEFING_PAGE).read_text(encoding="utf-8")


def test_a_briefing_gone_since_the_lock_is_withdrawn(site, cli):
    write_site(site, {"content/briefings/storm-warning.md": BRIEFING.replace(
        "Harbour reopens", "Storm warning")})
    _update_lock(site, dt.date(2030, 1, 1))
    (site / "content/briefings/storm-warning.md").unlink()
    assert cli("build", "--root", site, "-q")[0] == 0
    assert "Briefings withdrawn In sitegen.lock, no longer published (deleted, renamed or " \
           "made a draft): storm-warning" in _text(_main(site))
    feed = (site / "public/changes/feed.xml").read_text(encoding="utf-8")
    assert "<title>Withdrawn: storm-warning</title>" in feed
