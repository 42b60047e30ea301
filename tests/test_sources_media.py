"""Real sources for readers: the original file on its source page, citation metadata,
bylines and revision histories (briefing page, book, feed)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO, edit, snapshot

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


# -- media and links in bodies ---------------------------------------------------------------

def png(width: int, height: int) -> bytes:
    """A real PNG image of that size (one grey colour)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0,
                                                             0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PORT = """---
title: The port reopens
date: 2024-03-02
seeds: [harbour]
topics: [harbour-town]
bottom_line: The port is open.
key_points:
  - text: It reopened.
    cite: p1
---
## Background

![Map of the port](map.png "The port in 2024")

The [inspection report](files/inspection.pdf) and the [chart](../../media/chart.png) say so;
see [the background](#background), [the first key point](#kp-1), [the mayor's words](
../../../seeds/harbour.txt#p2) and [the earlier briefing](../harbour-reopens.md#kp-2).
"""


def _media_site(small):
    bundle = small / "content/briefings/port"
    (bundle / "files").mkdir(parents=True)
    (bundle / "index.md").write_text(PORT, encoding="utf-8")
    (bundle / "map.png").write_bytes(png(40, 30))
    (bundle / "files/inspection.pdf").write_bytes(b"%PDF-1.4 not really\n")
    (small / "content/media").mkdir()
    (small / "content/media/chart.png").write_bytes(png(8, 8))
    return small


def test_a_briefing_folder_shows_its_image_and_links_its_files(small, cli):
    from linkcheck import check_site

    root = _media_site(small)
    code, _out, err = cli("build", "--root", root)
    assert code == 0, err
    out = root / "public"
    assert (out / "briefings/port/map.png").read_bytes() == png(40, 30)
    assert (out / "briefings/port/files/inspection.pdf").is_file()
    assert (out / "media/chart.png").is_file()
    page = _page(root, "briefings/port/index.html")
    assert ('<figure><img alt="Map of the port" src="../../briefings/port/map.png" '
            'title="The port in 2024" width="40" height="30" loading="lazy">'
            '<figcaption>The port in 2024</figcaption></figure>') in page
    assert 'href="../../briefings/port/files/inspection.pdf"' in page
    assert 'href="#h-background"' in page and 'href="#kp-1"' in page
    assert 'href="../../sources/harbour/index.html#p2"' in page
    assert 'href="../../briefings/harbour-reopens/index.html#kp-2"' in page
    book = _page(root, "book/index.html")
    assert 'src="../briefings/port/map.png"' in book
    assert check_site(out) == []  # every link and image resolves, on every page
    shown = "".join(p.read_text(encoding="utf-8") for p in (out / "search/d").glob("b*.js"))
    assert "The port in 2024" in shown  # the caption is text of the body, in search too


def test_a_caption_counts_in_the_length_search_weighs_a_body_by(small):
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    from sitegen.model.markup import html_text
    from sitegen.pipeline import load_site

    root = _media_site(small)
    port = load_site(root, load_config(root), Collector()).briefings["port"]
    assert "<figcaption>The port in 2024</figcaption>" in port.body_html
    assert port.body_chars == len(html_text(port.body_html))


def test_the_same_links_work_with_clean_links_under_a_sub_path(small, cli):
    from linkcheck import check_site

    root = _media_site(small)
    edit(root, "config.yaml", "title: Small site", "title: Small site\nclean_links: true\n"
                                                   "base_url: https://example.org/briefs/")
    assert cli("build", "--root", root)[0] == 0
    assert 'src="../../briefings/port/map.png"' in _page(root, "briefings/port/index.html")
    assert check_site(root / "public", clean=True, base_path="/briefs/") == []


def test_a_file_no_body_refers_to_is_a_warning_and_not_published(small, cli):
    root = _media_site(small)
    (root / "content/media/unused.png").write_bytes(png(2, 2))
    code, out, err = cli("build", "--root", root)
    assert code == 0
    assert ("content/media/unused.png: warning: no briefing or topic shows or links this "
            "file") in out + err
    assert not (root / "public/media/unused.png").exists()


BROKEN = """---
title: The port reopens
date: 2024-03-02
seeds: [harbour]
topics: [harbour-town]
bottom_line: The port is open.
---
See [x](../nope/index.html) and [y](#no-such-anchor).

![map](missing.png) and ![](map.png) and [x](../nope/index.html) again.

<a href="../harbour-reopen.md">raw</a> and [p](../../../seeds/harbour.txt#p99).
"""


def test_broken_links_images_and_anchors_are_each_reported_once_at_their_line(small, cli):
    root = _media_site(small)
    (root / "content/briefings/port/index.md").write_text(BROKEN, encoding="utf-8")
    code, out, err = cli("build", "--root", root)
    assert code == 1
    errors = [line for line in (out + err).splitlines() if ": error: " in line]
    path = "content/briefings/port/index.md"
    assert errors == [
        f"{path}:8: error: link '../nope/index.html' leads to nothing: "
        "content/briefings/nope/index.html is no file; link a briefing or topic as [[slug]], "
        "a file relative to this one",
        f"{path}:8: error: link '#no-such-anchor': no anchor 'no-such-anchor' on this page",
        f"{path}:10: error: image 'missing.png' leads to nothing: "
        "content/briefings/port/missing.png is no file; did you mean "
        "'content/briefings/port/map.png'?",
        f"{path}:10: error: image 'map.png' has no alt text: say what it shows, as "
        "![what it shows](map.png)",
        f"{path}:12: error: link '../harbour-reopen.md' leads to nothing: "
        "content/briefings/harbour-reopen.md is no file; did you mean "
        "'content/briefings/harbour-reopens.md'?",
        f"{path}:12: error: link '../../../seeds/harbour.txt#p99': no anchor 'p99' on that page",
    ]


def test_an_svg_with_a_script_is_not_published(small, cli):
    root = _media_site(small)
    (root / "content/briefings/port/map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4" onload="alert(1)"/>')
    edit(root, "content/briefings/port/index.md", "(map.png", "(map.svg")
    code, out, err = cli("build", "--root", root)
    assert code == 1
    assert "'map.svg' is an SVG that is not static drawing (it has an event handler" in out + err


def test_a_pdf_seed_is_cited_with_its_page(small, cli):
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=(595, 842))
    pdf.setTitle("Port authority report")
    pages = [["The harbour reopened on Monday after three months of repairs to the quay",
              "walls, the pier and the old customs house, which the storm of last winter had",
              "left in ruins."],
             ["Ferries resume their timetable in the spring, once the new landing stage has",
              "been tested by the port authority and the coastguard together with the",
              "operators."]]
    for page, lines in enumerate(pages, 1):
        pdf.setFont("Helvetica", 11)
        for i, line in enumerate(lines):
            pdf.drawString(72, 760 - 14 * i, line)
        pdf.drawString(290, 40, str(page))  # a page number, not a paragraph
        pdf.showPage()
    pdf.save()
    (small / "seeds/harbour.txt").unlink()
    (small / "seeds/harbour.pdf").write_bytes(buf.getvalue())
    edit(small, "content/briefings/harbour-reopens.md", 'quote: "we will rebuild the pier"',
         "cite: p2")
    edit(small, "content/briefings/harbour-reopens.md", "    cite: p3", "    cite: p2")
    code, _out, err = cli("build", "--root", small)
    assert code == 0, err
    source = _page(small, "sources/harbour/index.html")
    assert source.count("· page 2</a>") == 1 and "<p>2</p>" not in source
    assert "<h1>Port authority report</h1>" in source
    assert "p2 · page 2</a>" in _page(small, "briefings/harbour-reopens/index.html")
    assert "paragraph 2, page 2</a>" in _page(small, "book/index.html")
    assert "source p2 · page 2</a>" in _page(small, "timeline/index.html")
    assert (small / "public/sources/harbour/harbour.pdf").read_bytes() == buf.getvalue()


# -- what a body may publish, and how ---------------------------------------------------------

def test_two_files_publishing_to_one_path_are_an_error_naming_both(small, cli):
    """`notes.html` is published as `notes.html.txt`, where `notes.html.txt` goes too:
    one would silently be what both links show. An error at the later file, naming the
    other, and the output stays as it was."""
    root = _media_site(small)
    code, _out, err = cli("build", "--root", root)
    assert code == 0, err
    before = snapshot(root / "public")
    (root / "content/briefings/port/notes.html").write_text("<p>page</p>")
    (root / "content/briefings/port/notes.html.txt").write_text("plain notes")
    edit(root, "content/briefings/port/index.md", "## Background",
         "## Background\n\n[page](notes.html), [text](notes.html.txt)")
    code, _out, err = cli("build", "--root", root)
    assert code == 1
    assert "content/briefings/port/notes.html.txt: error: published as " \
           "briefings/port/notes.html.txt, as content/briefings/port/notes.html is too" in err
    code, out, _err = cli("check", "--root", root, "--format", "json")
    assert [p["code"] for p in json.loads(out) if p["severity"] == "error"] == ["duplicate-output"]
    assert snapshot(root / "public") == before
    edit(root, "content/briefings/port/index.md", ", [text](notes.html.txt)", "")
    code, _out, err = cli("build", "--root", root)  # one of them linked: no clash
    assert code == 0, err
    assert (root / "public/briefings/port/notes.html.txt").read_text() == "<p>page</p>"


def test_a_page_like_file_beside_a_briefing_is_published_as_text(small, cli):
    root = _media_site(small)
    (root / "content/briefings/port/index.html").write_text("<script>alert(1)</script>")
    (root / "content/briefings/port/notes.xml").write_text("<notes/>")
    edit(root, "content/briefings/port/index.md", "## Background",
         "## Background\n\n[old page](index.html) and [notes](notes.xml)")
    code, _out, err = cli("build", "--root", root)
    assert code == 0, err
    out = root / "public/briefings/port"
    assert "<script>alert(1)" not in (out / "index.html").read_text()  # the page is ours
    assert (out / "index.html.txt").read_text() == "<script>alert(1)</script>"
    assert (out / "notes.xml.txt").is_file() and not (out / "notes.xml").exists()
    assert 'href="../../briefings/port/index.html.txt"' in (out / "index.html").read_text()


UNSAFE_SVGS = {
    "script": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "handler": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "foreign": '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><iframe xmlns='
               '"http://www.w3.org/1999/xhtml" srcdoc="&lt;script&gt;x()&lt;/script&gt;"/>'
               '</foreignObject></svg>',
    "link": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            '<a x:href="&#106;avascript:alert(1)"><rect width="1" height="1"/></a></svg>',
    "animation": '<svg xmlns="http://www.w3.org/2000/svg"><a href="#a"><set attributeName='
                 '"href" to="javascript:alert(1)"/></a></svg>',
    "entity": '<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>',
    "remote": '<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://e.x/a)"/>'
              '</svg>',
}


@pytest.mark.parametrize("kind", sorted(UNSAFE_SVGS))
def test_only_static_svg_drawings_are_published(tmp_path, kind):
    from sitegen.load.svg import static_svg

    path = tmp_path / "x.svg"
    path.write_text(UNSAFE_SVGS[kind], encoding="utf-8")
    assert static_svg(path) != ""
    path.write_text(UNSAFE_SVGS["handler"], encoding="utf-16")
    assert static_svg(path) == "it is not UTF-8"
    example = REPO / "content/briefings/russian-demands-on-nato/demands.svg"
    assert static_svg(example) == ""  # text, shapes, groups and a title pass


def test_a_link_to_an_unsafe_svg_is_an_error_too(small, cli):
    root = _media_site(small)
    (root / "content/media/evil.svg").write_text(UNSAFE_SVGS["script"])
    edit(root, "content/briefings/port/index.md", "## Background",
         "## Background\n\n[drawing](../../media/evil.svg)")
    code, out, err = cli("build", "--root", root)
    assert code == 1 and "'../../media/evil.svg' is an SVG that is not static drawing (it " \
                         "has a <script> element)" in out + err
    assert not (root / "public/media/evil.svg").exists()


def test_media_reached_through_a_link_out_of_the_site_are_refused(small, cli, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET")
    (small / "content").mkdir(exist_ok=True)
    os.symlink(outside, small / "content/media")
    edit(small, "content/briefings/harbour-reopens.md", "The [[harbour-town]] story.",
         "The [[harbour-town]] story and [s](../media/secret.txt).")
    code, out, err = cli("build", "--root", small)
    assert code == 1 and "content/media/: error: leads to " in out + err
    assert not (small / "public").exists()


def test_an_authors_own_site_link_is_dropped_not_followed(small, cli):
    edit(small, "content/briefings/harbour-reopens.md", "The [[harbour-town]] story.",
         "The [[harbour-town]] story; [d](sitegen:root/../../../etc/passwd).")
    assert cli("build", "--root", small)[0] == 0
    page = _page(small, "briefings/harbour-reopens/index.html")
    assert "etc/passwd" not in page and 'href="../../topics/harbour-town/index.html"' in page


def test_a_link_to_a_draft_is_a_warning_and_shows_as_text(small, cli):
    root = _media_site(small)
    edit(root, "content/briefings/port/index.md", "bottom_line:", "draft: true\nbottom_line:")
    edit(root, "content/briefings/harbour-reopens.md", "The [[harbour-town]] story.",
         "The [[harbour-town]] story, and [the port](port/index.md).")
    code, out, err = cli("build", "--root", root)
    assert code == 0, err
    assert ("content/briefings/harbour-reopens.md:17: warning: link 'port/index.md' goes to a "
            "draft, which is not built: it shows as text") in out + err
    assert "<a>the port</a>" in _page(root, "briefings/harbour-reopens/index.html")
    assert "map.png" not in out + err  # the draft's own media are no unused files


def test_names_with_spaces_topic_descriptions_output_paths_and_seeds(small, cli):
    root = _media_site(small)
    (root / "content/briefings/port/my map.png").write_bytes(png(3, 2))
    edit(root, "content/briefings/port/index.md", "## Background",
         "## Background\n\n![Small map](my%20map.png) and [topic](../../topics/harbour-town/"
         "index.html) and [seed](../../../seeds/harbour.txt)")
    edit(root, "content/topics/harbour-town.yaml", "kind: place",
         "kind: place\ndescription: 'See [the port](../briefings/port/index.md#kp-1) and "
         "![a chart](../media/chart.png)'")
    code, _out, err = cli("build", "--root", root)
    assert code == 0, err
    page = _page(root, "briefings/port/index.html")
    assert 'src="../../briefings/port/my%20map.png"' in page and 'width="3"' in page
    assert (root / "public/briefings/port/my map.png").is_file()
    assert 'href="../../topics/harbour-town/index.html">topic' in page
    assert 'href="../../sources/harbour/index.html">seed' in page
    topic = _page(root, "topics/harbour-town/index.html")
    assert 'href="../../briefings/port/index.html#kp-1"' in topic
    assert 'src="../../media/chart.png"' in topic


def test_a_briefing_folder_may_take_any_slug(small, cli):
    root = small
    (root / "content/briefings/briefings").mkdir(parents=True)
    (root / "content/briefings/briefings/index.md").write_text(
        PORT.split("## Background")[0] + "Body.\n", encoding="utf-8")
    code, out, err = cli("build", "--root", root)
    assert code == 0, err
    assert (root / "public/briefings/briefings/index.html").is_file()
    assert "unused-file" not in out + err


def test_new_does_not_shadow_a_briefing_folder(small, cli):
    _media_site(small)
    code, _out, err = cli("new", "harbour", "--root", small, "--slug", "port")
    assert code == 1 and "content/briefings/port/index.md: error: already exists" in err
    assert not (small / "content/briefings/port.md").exists()


def test_a_seed_named_twice_lists_each_claim_citing_it_once(small, cli):
    edit(small, "content/briefings/harbour-reopens.md", "seeds: [harbour]",
         "seeds: [harbour, harbour]")
    for para in ("p1", "p3"):
        edit(small, "content/briefings/harbour-reopens.md", f"cite: {para}",
             f"cite: harbour#{para}")
    code, _out, err = cli("build", "--root", small, "--no-cache")
    assert code == 0, err
    page = (small / "public/sources/harbour/index.html").read_text(encoding="utf-8")
    assert page.count("It reopened on Monday.") == 1
    assert page.count("Ferries resume") == 1
