"""Outputs for offline reading and static hosting, checked without a browser: search
index, search box, Atom feed, sitemap, robots.txt, 404.html, the briefing book."""
from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO, edit
from linkcheck import check_site, parse

sys.path.insert(0, str(REPO / "benchmarks"))
from gen_site import generate  # noqa: E402

ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://example.org/briefings/"
TALKS = "briefings/talks-with-russia-break-down/"


def index_of(out: Path) -> dict:
    text = (out / "search/index.js").read_text(encoding="utf-8")
    assert text.startswith("window.SITEGEN_SEARCH=") and text.rstrip().endswith(";")
    return json.loads(text[len("window.SITEGEN_SEARCH="):].rstrip().rstrip(";"))


def hrefs(path: Path) -> list[str]:
    return [v for tag, attr, v in parse(path).links if attr == "href"]


@pytest.fixture
def built(example, cli):
    assert cli("build", "--root", example)[0] == 0
    return example / "public"


# -- search ---------------------------------------------------------------------------------

def shard_of(out: Path, rel: str):
    """The data of one search shard file (`SITEGEN_SEARCH_SHARD(name, data);`)."""
    text = (out / "search" / rel).read_text(encoding="utf-8")
    name, data = json.loads("[" + text[text.index("(") + 1:text.rindex(")")] + "]")
    assert name == rel.rsplit("/", 1)[-1].removesuffix(".js")
    return data


def test_search_index_docs_hold_each_field_with_relative_links(built):
    data = index_of(built)
    assert data["v"] == 2 and data["briefings"] == 4 and data["paragraphs"] == 18
    per = data["per"][0]
    oldest = [d for n in range(0, 4, per) for d in shard_of(built, f"d/b{n // per}.js")]
    assert [d[0] for d in oldest][2] == "Talks with Russia break down"  # oldest first
    talks = oldest[2]
    assert talks[1] == "../" + TALKS + "index.html" and talks[2] == "2022-01-14"
    assert "Putin presents Russia as cornered, saying it has nowhere left to retreat." in talks[5]
    assert "Moscow's demands go well beyond" in talks[6] and "<" not in talks[6]
    assert talks[7] == ["Talks with Russia Break Down"]
    topics = {t[0]: t for t in data["topics"]}
    assert topics["NATO"][1] == "../topics/nato/index.html"
    assert "North Atlantic Treaty Organization" in topics["NATO"][2]
    assert "NATO" in [data["topics"][i][0] for i in talks[3]]
    # Source paragraphs are documents too, each linking to its paragraph's anchor.
    paragraph = shard_of(built, "d/p0.js")[5]
    assert paragraph[:3] == ["Talks with Russia Break Down",
                             "../sources/000_533b14a5b1547bde/index.html#p6", "p6"]


def test_search_index_links_follow_clean_links(example, cli):
    assert cli("build", "--root", example, "--clean-links")[0] == 0
    out = example / "public"
    assert shard_of(out, "d/b1.js")[0][1] == "../" + TALKS
    assert shard_of(out, "d/p0.js")[0][1] == "../sources/000_533b14a5b1547bde/#p1"
    assert all(t[1].endswith("/") and not t[1].startswith("/") for t in index_of(out)["topics"])


def test_every_page_has_a_labelled_get_search_box_leading_to_the_search_page(built):
    for page in built.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        form = re.search(r'<form class="search-box" role="search"[^>]*>(.*?)</form>', html, re.S)
        assert form, page
        assert 'method="get"' in form.group(0)
        assert '<label class="visually-hidden" for="site-search-q">' in form.group(1)
        assert '<input id="site-search-q" type="search" name="q"' in form.group(1)
        action = re.search(r'action="([^"]*)"', form.group(0)).group(1)
        rel = page.relative_to(built).as_posix()
        if rel != "404.html":
            depth = rel.count("/")
            assert action == "../" * depth + "search/index.html", rel


def test_search_page_loads_index_and_script_and_has_noscript_fallback(built):
    html = (built / "search/index.html").read_text(encoding="utf-8")
    assert '<script src="../search/index.js"></script>' in html
    assert '<script src="../assets/search.js"></script>' in html
    assert 'role="status" aria-live="polite"' in html
    noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.S).group(1)
    assert "needs JavaScript" in noscript and 'href="../topics/index.html"' in noscript
    js = (built / "assets/search.js").read_text(encoding="utf-8")
    assert "fetch(" not in js and "XMLHttpRequest" not in js and "http" not in js


# -- feed, sitemap, robots ------------------------------------------------------------------

def test_atom_feed_is_well_formed_with_absolute_links(built):
    feed = ET.parse(built / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == BASE
    assert feed.findtext(f"{ATOM}updated") == "2022-01-15T00:00:00Z"
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == BASE + "feed.xml"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries][:2] == [
        "US alleges Russian false-flag plot in the Donbas", "Talks with Russia break down"]
    assert len(entries) == 4
    for e in entries:
        link = e.find(f"{ATOM}link[@rel='alternate']").get("href")
        assert link.startswith(BASE) and link.endswith("/index.html")
        assert e.findtext(f"{ATOM}id").startswith(BASE + "briefings/")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", e.findtext(f"{ATOM}updated"))
        assert e.findtext(f"{ATOM}summary")
    assert entries[1].findtext(f"{ATOM}summary").startswith("Security talks between Russia")
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 4


def test_sitemap_lists_every_html_page_but_404_and_robots_points_at_it(built):
    root = ET.parse(built / "sitemap.xml").getroot()
    assert root.tag == f"{SM}urlset"
    locs = [u.findtext(f"{SM}loc") for u in root.findall(f"{SM}url")]
    pages = {BASE + p.relative_to(built).as_posix() for p in built.rglob("*.html")}
    assert set(locs) == pages - {BASE + "404.html"} and len(locs) == len(set(locs))
    assert BASE + "search/index.html" in locs and BASE + "book/index.html" in locs
    lastmod = {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in root}
    assert lastmod[BASE + TALKS + "index.html"] == "2022-01-14"
    robots = (built / "robots.txt").read_text()
    assert robots.startswith("User-agent: *\n") and f"Sitemap: {BASE}sitemap.xml" in robots


def test_a_sitemap_past_the_protocols_limit_is_an_index_of_parts(example, cli, monkeypatch):
    from sitegen import feeds
    from sitegen.commands.build import build

    monkeypatch.setattr(feeds, "SITEMAP_URLS", 10)  # (the protocol's is 50,000)
    build(example, workers=1)
    out = example / "public"
    index = ET.parse(out / "sitemap.xml").getroot()
    assert index.tag == f"{SM}sitemapindex"
    parts = [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")]
    # Beside sitemap.xml: a sitemap may list only URLs at or below its own folder.
    assert parts == [f"{BASE}sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    locs = []
    for part in parts:
        urlset = ET.parse(out / part.removeprefix(BASE)).getroot()
        assert urlset.tag == f"{SM}urlset" and 0 < len(urlset) <= 10
        locs += [u.findtext(f"{SM}loc") for u in urlset]
    pages = {BASE + p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    assert sorted(locs) == sorted(pages - {BASE + "404.html"}) and len(parts) > 1
    monkeypatch.setattr(feeds, "SITEMAP_URLS", 50_000)
    edit(example, "config.yaml", "title:", "description: Edited.\ntitle:")
    build(example, workers=1)  # one file again: the parts are gone
    assert ET.parse(out / "sitemap.xml").getroot().tag == f"{SM}urlset"
    assert not list(out.glob("sitemap-*.xml"))


def test_feed_and_sitemap_use_clean_urls_with_clean_links(example, cli):
    assert cli("build", "--root", example, "--clean-links")[0] == 0
    out = example / "public"
    locs = [u.findtext(f"{SM}loc") for u in ET.parse(out / "sitemap.xml").getroot()]
    assert BASE in locs and BASE + TALKS in locs and not [u for u in locs if "index.html" in u]
    feed = ET.parse(out / "feed.xml").getroot()
    assert feed.find(f"{ATOM}entry/{ATOM}link").get("href").endswith("/")


def test_feed_escapes_text_and_keeps_the_newest_fifty(tmp_path, cli):
    root = generate(tmp_path / "gen", 55, seed=3)
    config = root / "config.yaml"
    config.write_text(config.read_text().replace("title: Synthetic", "title: Ports & <Harbours> of"))
    code, _out, err = cli("build", "--root", root, "-q")
    assert code == 0, err
    raw = (root / "public/feed.xml").read_text(encoding="utf-8")
    assert "Ports &amp; &lt;Harbours&gt;" in raw
    feed = ET.fromstring(raw.encode())
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 50
    assert entries[0].findtext(f"{ATOM}published") == "2020-02-24T00:00:00Z"  # the 55th day
    assert feed.findtext(f"{ATOM}title").startswith("Ports & <Harbours>")


def test_without_base_url_one_warning_and_no_feed_or_sitemap(small, cli):
    code, _out, err = cli("build", "--root", small)
    assert code == 0
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and warnings[0].startswith("config.yaml: warning: no 'base_url'")
    out = small / "public"
    assert not (out / "feed.xml").exists() and not (out / "sitemap.xml").exists()
    assert "Sitemap" not in (out / "robots.txt").read_text()
    html = (out / "briefings/harbour-reopens/index.html").read_text()
    assert 'rel="canonical"' not in html and "application/atom+xml" not in html
    assert "feed.xml" not in html
    assert check_site(out) == []


def test_pages_name_feed_and_canonical_url_when_base_url_is_set(built):
    html = (built / TALKS / "index.html").read_text()
    assert f'<link rel="canonical" href="{BASE}{TALKS}index.html">' in html
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" '
                     r'href="\.\./\.\./feed\.xml">', html)
    assert f'<link rel="canonical" href="{BASE}index.html">' in (built / "index.html").read_text()
    assert "canonical" not in (built / "404.html").read_text()


# -- 404 ------------------------------------------------------------------------------------

def test_404_links_from_base_url_path_so_it_works_at_any_depth(built):
    links = hrefs(built / "404.html")
    assert "/briefings/assets/style.css" in links
    assert "/briefings/topics/index.html" in links and "/briefings/index.html" in links
    assert all(v.startswith(("/briefings/", "#")) for v in links), links
    assert check_site(built, base_path="/briefings/") == []


def test_404_without_base_url_links_relative_from_the_root(small, cli):
    assert cli("build", "--root", small)[0] == 0
    links = hrefs(small / "public/404.html")
    assert "assets/style.css" in links and "topics/index.html" in links
    assert not [v for v in links if v.startswith("/")]


# -- the briefing book ----------------------------------------------------------------------

def test_book_has_every_briefing_newest_first_with_unique_ids(built):
    html = (built / "book/index.html").read_text(encoding="utf-8")
    ids = re.findall(r'\sid="([^"]*)"', html)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    toc = re.search(r'<nav class="book-toc".*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="#([^"]+)"', toc) == [
        "donbas-false-flag-allegations", "talks-with-russia-break-down",
        "russian-demands-on-nato", "putins-red-lines"]
    # Each body has an "Assessment" heading: prefixed per briefing, a level down.
    assert '<h4 id="talks-with-russia-break-down--body-h-assessment">' in html
    assert '<h4 id="putins-red-lines--body-h-assessment">' in html
    for part in ("Bottom line", "Key points", "Analysis", "Timeline", "Notes"):
        assert html.count(f">{part}</h3>") == 4, part
    assert check_site(built, base_path="/briefings/") == []  # every #fragment resolves


def test_book_citations_are_numbered_footnotes_into_source_pages(built):
    html = (built / "book/index.html").read_text(encoding="utf-8")
    talks = html[html.index('id="talks-with-russia-break-down"'):
                 html.index('id="russian-demands-on-nato"')]
    refs = re.findall(r'<sup class="fn-ref"><a id="talks-with-russia-break-down--fnref-(\d+)" '
                      r'href="#talks-with-russia-break-down--fn-(\d+)"', talks)
    assert [int(a) for a, b in refs] == list(range(1, 16)) and all(a == b for a, b in refs)
    notes = re.findall(r'<li id="talks-with-russia-break-down--fn-(\d+)"><a href="([^"]+)">',
                       talks)
    assert len(notes) == 15
    assert notes[0][1] == "../sources/000_533b14a5b1547bde/index.html#p6"
    assert notes[3][1].endswith("#p11")
    assert "<q>there is nowhere to retreat</q>" in talks


def test_book_links_follow_clean_links(example, cli):
    assert cli("build", "--root", example, "--clean-links")[0] == 0
    out = example / "public"
    for page in ("book/index.html", "search/index.html"):
        links = [v for v in hrefs(out / page) if not v.startswith(("#", "http"))]
        assert links and not [v for v in links if "index.html" in v and "assets" not in v]
    assert "../sources/000_533b14a5b1547bde/#p6" in hrefs(out / "book/index.html")
    assert check_site(out, clean=True, base_path="/briefings/") == []


def test_book_and_search_are_linked_from_every_page(built):
    for page in ("index.html", TALKS + "index.html", "topics/nato/index.html"):
        links = hrefs(built / page)
        depth = page.count("/")
        assert "../" * depth + "book/index.html" in links
        assert "../" * depth + "search/index.html" in links


# -- the synthetic site generator -----------------------------------------------------------

def test_generated_site_is_valid_deterministic_and_its_index_compact(tmp_path, cli):
    a = generate(tmp_path / "a", 40, seed=7)
    b = generate(tmp_path / "b", 40, seed=7)
    files = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    body = (a / "content/briefings/briefing-00003.md").read_text().split("---\n", 2)[2]
    assert 550 <= len(body.split()) <= 750
    assert 700 <= len((a / "seeds/s00003.txt").read_text().split()) <= 950
    code, _o, err = cli("build", "--root", a, "-q")
    assert code == 0, err
    manifest = (a / "public/search/index.js").read_bytes()
    words = sum(len(p.read_text().split()) for p in (a / "content/briefings").glob("*.md"))
    assert len(manifest) < words / 4  # the manifest names shards; it holds no text
