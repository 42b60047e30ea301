"""Real sources for readers: the original file on its source page, citation metadata,
bylines and revision histories (briefing page, book, feed)."""
from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET

from conftest import edit

ATOM = "{http://www.w3.org/2005/Atom}"


def _page(root, rel):
    return (root / "public" / rel).read_text(encoding="utf-8")


def test_a_source_page_offers_its_original_with_size_and_sha256(small, cli):
    (small / "seeds/harbour.yaml").write_text(
        "retrieved: 2024-03-02\narchived_url: https://web.archive.org/web/2024/harbour\n"
        "language: en-GB\n", encoding="utf-8")
    code, _out, err = cli("build", "--root", small)
    assert code == 0, err
    data = (small / "seeds/harbour.txt").read_bytes()
    assert (small / "public/sources/harbour/harbour.txt").read_bytes() == data
    html = _page(small, "sources/harbour/index.html")
    assert 'href="../../sources/harbour/harbour.txt" download="harbour.txt"' in html
    assert f"<code>{hashlib.sha256(data).hexdigest()}</code>" in html
    assert f"({len(data)} Bytes)" in html
    assert '<time datetime="2024-03-02">2 March 2024</time>' in html
    assert 'href="https://web.archive.org/web/2024/harbour"' in html
    assert 'lang="en-GB"' in html


def test_originals_can_be_withheld_per_seed_and_for_the_site(small, cli):
    (small / "seeds/harbour.yaml").write_text("original: false\n", encoding="utf-8")
    assert cli("build", "--root", small)[0] == 0
    assert not (small / "public/sources/harbour/harbour.txt").exists()
    assert "download=" not in _page(small, "sources/harbour/index.html")
    (small / "seeds/harbour.yaml").unlink()
    edit(small, "config.yaml", "title: Small site", "title: Small site\noriginals: false")
    assert cli("build", "--root", small)[0] == 0
    assert not (small / "public/sources/harbour/harbour.txt").exists()


def test_an_html_original_is_published_as_text_so_its_scripts_never_run(small, cli):
    (small / "seeds/page.html").write_text(
        "<html><head><title>P</title><script>alert(1)</script></head>"
        "<body><p>Only paragraph.</p></body></html>", encoding="utf-8")
    assert cli("build", "--root", small)[0] == 0
    assert not (small / "public/sources/page/page.html").exists()
    assert (small / "public/sources/page/page.html.txt").read_bytes() == \
        (small / "seeds/page.html").read_bytes()
    assert 'href="../../sources/page/page.html.txt" download="page.html"' in _page(small, "sources/page/index.html")


BYLINE = """title: Harbour reopens
authors: [Ana Silva, Ben Okafor, Chen Li]
updated: 2024-03-09
revisions:
  - date: 2024-03-05
    change: Added the mayor's promise.
  - date: 2024-03-08
    change: Corrected the ferry date."""


def test_bylines_and_revisions_show_on_the_page_in_the_book_and_in_the_feed(small, cli):
    edit(small, "content/briefings/harbour-reopens.md", "title: Harbour reopens", BYLINE)
    edit(small, "config.yaml", "title: Small site", "title: Small site\n"
                                                    "base_url: https://example.org/")
    code, _out, err = cli("build", "--root", small)
    assert code == 0, err
    page = _page(small, "briefings/harbour-reopens/index.html")
    assert '<span class="byline">By Ana Silva, Ben Okafor and Chen Li</span>' in page
    assert 'Updated <time datetime="2024-03-09">9 March 2024</time>' in page
    history = re.search(r'<ol class="revisions".*?</ol>', page, re.S).group(0)
    assert history.index("Corrected the ferry date.") < history.index("Added the mayor")
    assert "By Ana Silva, Ben Okafor and Chen Li" in _page(small, "book/index.html")
    entry = ET.parse(small / "public/feed.xml").getroot().find(f"{ATOM}entry")
    assert [a.findtext(f"{ATOM}name") for a in entry.findall(f"{ATOM}author")] == [
        "Ana Silva", "Ben Okafor", "Chen Li"]
    assert entry.findtext(f"{ATOM}updated").startswith("2024-03-09")
    assert entry.findtext(f"{ATOM}published").startswith("2024-03-01")


def test_updated_defaults_to_the_newest_revision(small, cli):
    edit(small, "content/briefings/harbour-reopens.md", "title: Harbour reopens",
         "title: Harbour reopens\nauthor: Ana Silva\nrevisions:\n"
         "  - {date: 2024-03-04, change: First fix.}\n  - {date: 2024-03-07, change: Second.}")
    assert cli("build", "--root", small)[0] == 0
    page = _page(small, "briefings/harbour-reopens/index.html")
    assert "By Ana Silva</span>" in page and 'datetime="2024-03-07">7 March 2024' in page


def test_bad_bylines_and_revisions_are_errors_at_their_line(small, cli):
    edit(small, "content/briefings/harbour-reopens.md", "title: Harbour reopens",
         "title: Harbour reopens\nauthor: Ana\nauthors: [Ben]\nupdated: 2024-02-01\n"
         "revisions:\n  - date: 2024-02-10\n    change: Too early.\n  - date: 2024-03-03\n")
    code, _out, err = cli("build", "--root", small)
    assert code == 1
    path = "content/briefings/harbour-reopens.md"
    assert f"{path}:4: error: give 'author' (one name) or 'authors' (a list), not both" in err
    assert f"{path}:5: error: 'updated' (2024-02-01) is before the briefing's date (2024-03-01)" in err
    assert f"{path}:7: error: revision dated 2024-02-10 is before the briefing's date" in err
    assert f"{path}:9: error: missing required key 'change'" in err
