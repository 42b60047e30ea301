"""Bounded output in a real browser (Chromium), from file:// and over HTTP under a sub-path:
search that loads only the shards a query needs, typo tolerance, source paragraphs as
results, stable list pages and their navigation, book volumes, the marking on every
printed page, touch targets; HTML validity and accessibility of the new page types."""
from __future__ import annotations

import bisect
import json
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from browser_tools import Watch, axe_violations, launch, require_tools, static_server, \
    vnu_errors
from conftest import REPO, copy_example, write_site
from sitegen import search
from sitegen.commands.build import build

sys.path.insert(0, str(REPO / "benchmarks"))
from gen_site import generate  # noqa: E402

TALKS = "briefings/talks-with-russia-break-down/index.html"
LICENCE_SEED = """Open source rules

The city council adopted a new software license for its public code on Tuesday (ＯＳＳ).

Officials said the license lets anyone reuse the code.
"""
LICENCE_BRIEFING = """---
title: The council opens its code
date: 2024-05-02
seeds: [rules]
topics: [software]
bottom_line: The council publishes its code.
key_points:
  - text: Anyone may reuse the code.
    cite: p2
---
Nothing more to add.
"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    require_tools()
    base = tmp_path_factory.mktemp("bounded-browser")
    large = generate(base / "large", 160, seed=5)
    build(large, workers=1)
    example = copy_example(base / "example")
    build(example, workers=1)
    typo = write_site(base / "typo", {
        "config.yaml": "title: Typo site\n",
        "seeds/rules.txt": LICENCE_SEED,
        "content/topics/software.yaml": "title: Software\n",
        "content/briefings/council-code.md": LICENCE_BRIEFING,
    })
    build(typo, workers=1)
    return {"large": large / "public", "example": example / "public", "typo": typo / "public"}


@pytest.fixture(scope="module")
def browser(sites):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = launch(pw)
        yield chromium
        chromium.close()


def _js_data(path: Path):
    text = path.read_text(encoding="utf-8")
    if text.startswith("window.SITEGEN_SEARCH="):
        return json.loads(text[len("window.SITEGEN_SEARCH="):].rstrip().rstrip(";"))
    return json.loads("[" + text[text.index("(") + 1:text.rindex(")")] + "]")[1]


def _rare_term_beyond_the_first_shard(out: Path) -> tuple[str, str]:
    """A word found in one document only, in a term shard after the first."""
    manifest = _js_data(out / "search/index.js")
    for name in reversed(manifest["files"][1:]):
        for term, row in sorted(_js_data(out / f"search/t/{name}.js").items()):
            if len(row) == 4 and len(term) > 5 and term.isalpha():
                return term, name
    raise AssertionError("no rare term")


def _search(page, query: str) -> str:
    field = page.locator("#search-q")
    field.fill(query)
    page.wait_for_function("q => document.querySelector('#search-status').textContent"
                           ".includes('\u201c' + q + '\u201d')", arg=query)
    return page.locator("#search-status").inner_text()


def _scripts(requests: list[str]) -> set[str]:
    return {unquote(urlsplit(u).path).split("/search/", 1)[1] for u in requests
            if "/search/" in u and u.endswith(".js")}


@pytest.mark.parametrize("where", ["file", "http"])
def test_a_query_loads_only_the_shards_it_needs(browser, sites, where):
    out = sites["large"]
    term, shard = _rare_term_beyond_the_first_shard(out)
    page = browser.new_page()
    watch, requests = Watch(page), []
    page.on("request", lambda r: requests.append(r.url))
    with static_server(out) as base:
        page.goto(base + "search/index.html" if where == "http"
                  else (out / "search/index.html").as_uri())
        page.wait_for_function("document.querySelector('#search-status').textContent"
                               ".startsWith('Type to search')")
        assert _scripts(requests) == {"index.js"}  # nothing of the index before a query
        status = _search(page, term)
    assert re.match(r"1 (briefing|source paragraph) for", status), status
    loaded = _scripts(requests)
    assert {s for s in loaded if s.startswith("t/")} == {f"t/{shard}.js"}
    assert len(_js_data(out / "search/index.js")["files"]) > 3
    assert len([s for s in loaded if s.startswith("d/")]) == 1  # the one result's shard
    assert page.locator("#search-results mark").first.inner_text().lower() == term
    assert watch.problems == []
    page.close()


def _open(page, out: Path, rel: str, base: str | None) -> None:
    """Open `rel` of the built site `out`: from file://, or from the server at `base`."""
    page.goto(base + rel if base else (out / rel.split("?")[0]).as_uri()
              + ("?" + rel.split("?")[1] if "?" in rel else ""))


def test_a_short_prefix_says_its_results_are_the_first_few(browser, sites):
    """A prefix whose words fill more term shards than a query loads (3)."""
    firsts = _js_data(sites["large"] / "search/index.js")["terms"]

    def shards(prefix: str) -> int:  # as the page's shardOf counts them (ASCII here)
        return len({max(0, bisect.bisect_right(firsts, w) - 1)
                    for w in (prefix, prefix + "\uffff")} | set(
            n for n, w in enumerate(firsts) if w.startswith(prefix)))

    prefix = next(c for c in "abcdefghijklmnopqrstuvwxyz" if shards(c) > 3)
    page = browser.new_page()
    page.goto((sites["large"] / "search/index.html").as_uri())
    status = _search(page, prefix)
    assert status.endswith("(among the first of the words that begin so: type more letters "
                           "for all).")
    assert "type more letters" not in _search(page, "sdfghjkl")
    page.close()


@pytest.mark.parametrize("where", ["file", "http"])
def test_a_typo_finds_the_word_and_highlights_it(browser, sites, where):
    page = browser.new_page()
    watch = Watch(page)
    with static_server(sites["typo"]) as base:
        _open(page, sites["typo"], "search/index.html?q=licence", base if where == "http" else None)
        page.wait_for_function("document.querySelector('#search-status').textContent"
                               ".includes('for')")
        assert page.locator("#search-status").inner_text().startswith("2 source paragraphs for")
        assert {m.lower() for m in page.locator("#search-results mark").all_inner_texts()} == \
            {"license"}
        assert _search(page, "licanse").startswith("2 source paragraphs")
        assert _search(page, "oss").startswith("1 source paragraph")  # fullwidth ＯＳＳ
        assert _search(page, "ＬＩＣＥＮＳＥ").startswith("2 source paragraphs")
        assert _search(page, "licensing").startswith("No results")  # three edits off
    assert watch.problems == []
    page.close()


@pytest.mark.parametrize("where", ["file", "http"])
def test_a_source_paragraph_hit_links_to_its_paragraph(browser, sites, where):
    out = sites["example"]
    docs = [d for p in sorted((out / "search/d").glob("*.js")) for d in _js_data(p)]
    in_briefings = {t for d in docs if len(d) == 8
                    for t in search.terms(" ".join([d[0], d[4], *d[5], d[6], *d[7]]))}
    only_source = sorted(t for d in docs if len(d) == 5 for t in search.terms(d[3])
                         if t not in in_briefings and len(t) > 6 and t.isalpha())
    term = only_source[0]
    page = browser.new_page()
    watch = Watch(page)
    with static_server(out) as base:
        _open(page, out, "search/index.html?q=" + term, base if where == "http" else None)
        link = page.locator("#search-results a.result-title").first
        link.wait_for()
        href = link.get_attribute("href")
        assert re.fullmatch(r"\.\./sources/000_533b14a5b1547bde/index\.html#p\d+", href), href
        assert page.locator("#search-results .meta").first.inner_text().startswith(
            "Source paragraph")
        link.click()
        page.wait_for_url(re.compile(re.escape(href.split("/", 1)[1]) + "$"))
        para = href.rsplit("#", 1)[1]
        assert page.evaluate("document.querySelector(':target').id") == para
        assert term in page.locator(":target").inner_text().lower()
    assert watch.problems == []
    page.close()


def test_paragraph_numbers_that_skip_lead_to_their_paragraphs(browser, sites):
    """Each source's paragraphs start a document shard of their own, so paragraph numbers
    skip the rest of a source's last shard: a word of a few paragraphs, one of them in the
    site's last shard, finds each of those paragraphs and no other."""
    out = sites["large"]
    shards = sorted((out / "search/d").glob("p*.js"), key=lambda p: int(p.stem[1:]))
    assert len(_js_data(shards[0])) < 16  # numbers skip after the first shard
    docs = [(d, set(search.terms(" ".join([d[0], d[4], *d[5], d[6], *d[7]])
                                 if len(d) == 8 else d[3])))
            for p in (out / "search/d").glob("*.js") for d in _js_data(p)]

    def found_in(term: str) -> list:
        return [d for d, words in docs if any(w.startswith(term) for w in words)]
    last = {w for d in _js_data(shards[-1]) for w in search.terms(d[3]) if w.isalpha()}
    term = min(last, key=lambda t: (len(found_in(t)), t))
    expected = found_in(term)
    assert 1 < len(expected) <= 5 and all(len(d) == 5 for d in expected)
    page = browser.new_page()
    watch = Watch(page)
    _open(page, out, "search/index.html", None)
    assert _search(page, term).startswith(f"{len(expected)} source paragraphs")
    links = page.locator("#search-results a.result-title")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert sorted(hrefs) == sorted(d[1] for d in expected)
    assert watch.problems == []
    page.close()


@pytest.mark.parametrize("where", ["file", "http"])
def test_list_pages_link_newer_older_and_every_page(browser, sites, where):
    out = sites["large"]
    page = browser.new_page()
    watch = Watch(page)
    with static_server(out) as base:
        page.goto(base + "briefings/index.html" if where == "http"
                  else (out / "briefings/index.html").as_uri())
        pager = page.get_by_role("navigation", name="Pages of briefings")
        assert pager.get_by_role("link").count() == 3  # older; the index of both pages
        assert pager.locator("[aria-current=page]").count() == 1
        assert page.locator(".card").count() == 60
        pager.get_by_role("link", name=re.compile("^Older briefings")).click()
        page.wait_for_url(re.compile(r"briefings/page/1/index\.html$"))
        assert page.locator(".card").count() == 100
        assert page.locator("h1").inner_text().startswith("All briefings: 1 January 2020")
        page.get_by_role("link", name=re.compile("^Newer briefings")).click()
        page.wait_for_url(re.compile(r"/briefings/index\.html$"))
        # A timeline year, and a book volume with its neighbours.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Timeline").click()
        page.get_by_role("navigation", name="Years").get_by_role("link", name="2015").click()
        page.wait_for_url(re.compile(r"timeline/2015/index\.html$"))
        assert page.locator("h1").inner_text() == "Timeline: 2015"
        page.get_by_role("link", name="Briefing book").click()
        page.get_by_role("link", name="2020 Q2, part 2").click()  # the newest volume
        page.wait_for_url(re.compile(r"book/2020-q2-2/index\.html$"))
        newest = page.locator(".book-briefing").count()
        volumes = page.get_by_role("navigation", name="Volumes")
        assert volumes.get_by_role("link", name=re.compile("^Newer volume")).count() == 0
        volumes.get_by_role("link", name=re.compile("^Older volume")).click()
        page.wait_for_url(re.compile(r"book/2020-q2/index\.html$"))
        assert newest + page.locator(".book-briefing").count() == 69  # 1 April to 8 June
    assert watch.problems == []
    page.close()


def test_the_marking_and_page_number_are_on_every_printed_page(browser, sites, tmp_path):
    import pypdfium2
    page = browser.new_page()
    page.goto((sites["example"] / "book/index.html").as_uri())
    pdf = tmp_path / "book.pdf"
    page.pdf(path=str(pdf))
    page.close()
    doc = pypdfium2.PdfDocument(str(pdf))
    texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    assert len(texts) >= 5
    for number, text in enumerate(texts, 1):
        assert text.count("TLP:CLEAR") >= 2, (number, text[:200])  # top and bottom
        assert f"Page {number} of {len(texts)}" in text, (number, text[:200])


def test_citations_and_quote_toggles_are_touch_targets_on_a_phone(browser, sites):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto((sites["example"] / TALKS).as_uri())
    sizes = page.evaluate("""() => [...document.querySelectorAll('.cite, .evidence summary')]
        .map(e => { const r = e.getBoundingClientRect(); return [e.className || e.tagName,
                    r.width, r.height]; })""")
    assert len(sizes) > 10
    assert [s for s in sizes if s[1] < 24 or s[2] < 24] == []
    page.close()


NEW_PAGES = ["briefings/index.html", "briefings/page/1/index.html", "timeline/index.html",
             "timeline/2015/index.html", "book/index.html", "book/2020-q2-2/index.html",
             "topics/topic-0000/index.html", "sources/index.html"]


def test_new_page_types_are_valid_html(sites):
    errors = vnu_errors([sites["large"] / p for p in NEW_PAGES])
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_new_page_types_are_accessible(browser, sites, scheme):
    page = browser.new_page()
    page.emulate_media(color_scheme=scheme)
    problems = []
    for rel in NEW_PAGES:
        page.goto((sites["large"] / rel).as_uri())
        problems += [f"{rel}: {v}" for v in axe_violations(page)]
    page.goto((sites["typo"] / "search/index.html").as_uri() + "?q=license")
    page.locator("#search-results li").first.wait_for()
    problems += [f"search: {v}" for v in axe_violations(page)]
    assert not problems, "\n".join(problems)
    page.close()
