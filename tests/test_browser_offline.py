"""The built example site in a real browser (Chromium): every page from file:// and from
a static server under a sub-path, without errors or requests to other hosts; search;
the print layout of the book; HTML validity (Nu HTML Checker) and accessibility (axe-core,
light and dark). Needs Chromium, java and `npm ci`: without them these tests FAIL."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from browser_tools import (Watch, axe_violations, launch, require_tools, static_server,
                           vnu_errors)
from conftest import copy_example
from sitegen.commands.build import build
from sitegen.errors import Collector
from sitegen.load.config import load_config
from sitegen.lock import write_lock
from sitegen.pipeline import load_site

TALKS = "briefings/talks-with-russia-break-down/index.html"
FALSE_FLAG = "briefings/donbas-false-flag-allegations/index.html"
DEMANDS = "briefings/russian-demands-on-nato/index.html"  # a briefing folder with a figure
KEY_POINT_ONLY = "cornered"  # in one key point of TALKS, nowhere else in the index
PAGE_TYPES = ["index.html", "briefings/index.html", TALKS, DEMANDS, "topics/index.html",
              "topics/nato/index.html", "sources/index.html",
              "sources/000_533b14a5b1547bde/index.html", "timeline/index.html",
              "search/index.html?q=russia", "book/index.html", "changes/index.html"]


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """The example built three ways: as configured (base_url, links to index.html),
    with clean links, and without base_url."""
    require_tools()
    base = tmp_path_factory.mktemp("browser")
    root = copy_example(base / "site")
    nobase = base / "nobase"
    shutil.copytree(root, nobase)
    config = nobase / "config.yaml"
    config.write_text(re.sub(r"(?m)^base_url:.*\n", "", config.read_text()))
    _review_then_edit(nobase)
    out = {"default": base / "out-default", "clean": base / "out-clean",
           "nobase": base / "out-nobase"}
    build(root, out_dir=str(out["default"]))
    build(root, out_dir=str(out["clean"]), clean_links=True)
    build(nobase, out_dir=str(out["nobase"]))
    return out


def _review_then_edit(root: Path) -> None:
    """A lock, then a changed judgment and a changed source paragraph: the changes page
    shows old and new side by side, and the briefing says its judgment changed."""
    write_lock(root, load_site(root, load_config(root), Collector()))
    seed = root / "seeds/000_533b14a5b1547bde.txt"
    seed.write_text(seed.read_text().replace("Russia has upped the stakes",
                                             "Russia has raised the stakes"))
    talks = root / "content/briefings/talks-with-russia-break-down.md"
    talks.write_text(re.sub(r"(?m)^bottom_line: >-\n", "bottom_line: >-\n  Reviewed: ",
                            talks.read_text(), 1))


@pytest.fixture(scope="module")
def browser(sites):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = launch(pw)
        yield chromium
        chromium.close()


def html_pages(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))


def visit_all(browser, urls: list[str], allow_status=frozenset()) -> list[str]:
    """Open each URL in one tab; every problem seen, prefixed with its URL."""
    page = browser.new_page()
    watch = Watch(page, allow_status)
    problems = []
    for url in urls:
        response = page.goto(url, wait_until="load")
        assert response is None or response.ok or url in allow_status, url
        assert page.title(), url
        problems += [f"{url}: {p}" for p in watch.problems]
        watch.problems.clear()
    page.close()
    return problems


def test_every_page_from_file_url_loads_cleanly(browser, sites):
    out = sites["default"]
    pages = [p for p in html_pages(out) if p != "404.html"]  # 404.html: see below
    assert len(pages) >= 25 and "search/index.html" in pages and "book/index.html" in pages
    urls = [(out / p).as_uri() for p in pages]
    # With base_url set, 404.html links from the server root (it is shown at any depth);
    # without base_url its links are relative to the site root, which file:// can open.
    urls.append((sites["nobase"] / "404.html").as_uri())
    problems = visit_all(browser, urls)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("variant", ["default", "clean"])
def test_every_page_from_a_server_sub_path_loads_cleanly(browser, sites, variant):
    out = sites[variant]
    with static_server(out, "/briefings/") as base:
        urls = [base + (p[:-len("index.html")] if variant == "clean" else p)
                for p in html_pages(out)]
        missing = [base + "no/such/deep/page/", base + "briefings/no-such-briefing/index.html"]
        problems = visit_all(browser, urls + missing, allow_status=set(missing))
        assert not problems, "\n".join(problems)
        # The not-found page keeps its style and working links at any depth.
        page = browser.new_page()
        watch = Watch(page, allow_status={missing[0]})
        assert page.goto(missing[0]).status == 404
        assert page.locator("h1").inner_text() == "Page not found"
        assert page.evaluate("getComputedStyle(document.querySelector('.site-header'))"
                             ".borderBottomStyle") == "solid"  # the stylesheet applied
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Topics").click()
        page.wait_for_load_state()
        assert page.url == base + ("topics/" if variant == "clean" else "topics/index.html")
        assert page.locator("h1").inner_text() == "Topics"
        assert watch.problems == []
        page.close()


def test_a_briefings_figure_shows_on_its_page_and_in_the_book_offline_and_on_a_sub_path(
        browser, sites):
    def drawn(url: str) -> list[int]:
        page.goto(url, wait_until="load")
        figure = page.locator("figure:has(img[src$='demands.svg'])").first
        assert figure.locator("figcaption").inner_text().startswith("The three demands")
        figure.scroll_into_view_if_needed()  # the image loads lazily: when it comes near
        return figure.locator("img").evaluate(
            "i => i.decode().then(() => [i.complete, i.naturalWidth, i.width])")

    page = browser.new_page()
    out = sites["default"]
    assert drawn((out / DEMANDS).as_uri()) == [True, 640, 640]
    assert drawn((out / "book/index.html").as_uri())[:2] == [True, 640]
    with static_server(sites["clean"], "/briefings/") as base:
        assert drawn(base + DEMANDS[:-len("index.html")]) == [True, 640, 640]
        assert drawn(base + "book/")[:2] == [True, 640]
    page.close()


def test_grades_show_beside_citations_in_the_browser(browser, sites):
    page = browser.new_page()
    for where in (FALSE_FLAG, "book/index.html", "sources/000_533b14a5b1547bde/index.html"):
        page.goto((sites["default"] / where).as_uri())
        grade = page.locator("abbr.grade").first
        assert grade.is_visible() and grade.inner_text() in ("C", "C2", "C3"), where
        assert grade.get_attribute("title").startswith(("source fairly reliable", "Admiralty"))
    page.goto((sites["default"] / FALSE_FLAG).as_uri())
    assert page.locator("#kp-1 abbr.grade").inner_text() == "C3"
    page.goto((sites["default"] / "search/index.html").as_uri() + "?q=misinformation")
    hit = page.locator("#search-results li", has_text="Source paragraph").first
    assert "reliability C" in hit.inner_text()
    page.close()


def test_likelihood_words_show_their_range_in_the_browser(browser, sites):
    page = browser.new_page()
    for where in (TALKS, "book/index.html"):
        page.goto((sites["default"] / where).as_uri())
        word = page.locator("abbr.likelihood", has_text="unlikely").first
        assert word.is_visible() and word.get_attribute("title") == "20–45 % (ICD 203)"
        assert word.evaluate("e => getComputedStyle(e).cursor") == "help"
        note = page.locator(".likelihood-note").first
        assert note.is_visible() and "unlikely 20–45 %" in note.inner_text(), where
    page.close()


def test_what_changed_shows_old_and_new_in_the_browser(browser, sites):
    page = browser.new_page()
    page.goto((sites["nobase"] / TALKS).as_uri())
    note = page.locator("a.judgment-changed")
    assert note.is_visible() and note.inner_text().startswith("Judgment changed since")
    note.click()
    page.wait_for_url("**/changes/index.html#judgment-talks-with-russia-break-down")
    judgment = page.locator("#judgment-talks-with-russia-break-down tbody tr").first
    assert judgment.is_visible()
    was, now = judgment.locator("td").all_inner_texts()
    assert now == "Reviewed: " + was
    drift = page.locator("article[id^=drift-talks-with-russia-break-down] td")
    assert [t[:28] for t in drift.all_inner_texts()] == ["Russia has upped the stakes ",
                                                         "Russia has raised the stakes"]
    boxes = [drift.nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] < boxes[1]["x"]  # side by side
    page.close()


def _search_docs(out: Path) -> list[list]:
    """Every document of the search index (briefings, then source paragraphs)."""
    docs = []
    for path in sorted((out / "search/d").glob("*.js")):
        text = path.read_text(encoding="utf-8")
        docs += json.loads("[" + text[text.index("(") + 1:text.rindex(")")] + "]")[1]
    return docs


def test_key_point_word_is_only_in_one_key_point(sites):
    """Precondition of the search test below: the word is in one key point, nowhere else
    (no other field of a briefing, no source paragraph)."""
    hits = []
    for d in _search_docs(sites["default"]):
        if len(d) == 5:  # a source paragraph: [source title, link, id, text, reliability]
            hits += [("paragraph", d[2])] if KEY_POINT_ONLY in d[3].lower() else []
            continue
        fields = [d[0], d[4], d[6], *d[7]]
        hits += [("other", d[0]) for f in fields if KEY_POINT_ONLY in f.lower()]
        hits += [("key point", d[0]) for k in d[5] if KEY_POINT_ONLY in k.lower()]
    assert hits == [("key point", "Talks with Russia break down")]


def test_search_from_the_header_box_over_file_url(browser, sites):
    out = sites["default"]
    page = browser.new_page()
    watch = Watch(page)
    page.goto((out / FALSE_FLAG).as_uri())
    box = page.get_by_role("search", name="Site").get_by_label("Search briefings")
    box.fill(KEY_POINT_ONLY)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/index\.html\?q=cornered$"))
    results = page.locator("#search-results li")
    results.first.wait_for()
    assert results.count() == 1
    link = results.first.locator("a.result-title")
    assert link.get_attribute("href") == "../" + TALKS  # relative, ends in index.html
    assert page.locator("#search-results mark").first.inner_text().lower() == KEY_POINT_ONLY
    assert "Putin presents Russia as cornered" in results.first.locator(".snippet").inner_text()
    status = page.locator("#search-status")
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text().startswith("1 briefing for")
    assert page.locator("#site-search-q").input_value() == KEY_POINT_ONLY
    # Keyboard: from the search field, ArrowDown reaches the result and Enter opens it.
    page.locator("#search-q").press("ArrowDown")
    assert page.evaluate("document.activeElement.className") == "result-title"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(TALKS) + "$"))
    assert watch.problems == []
    page.close()


def test_search_ranks_titles_and_topics_first_and_counts_live(browser, sites):
    out = sites["default"]
    page = browser.new_page()
    watch = Watch(page)
    page.goto((out / "search/index.html").as_uri() + "#q=false%20flag")  # hash works too
    titles = page.locator("#search-results a.result-title")
    titles.first.wait_for()
    assert titles.first.inner_text() == "US alleges Russian false-flag plot in the Donbas"
    field = page.locator("#search-q")
    field.fill("")
    field.type("nato", delay=20)
    page.wait_for_function("document.querySelector('#search-status').textContent.includes('nato')")
    first = page.locator("#search-results li").first
    assert first.locator(".meta").inner_text().startswith("Topic")
    assert first.locator("a").inner_text() == "NATO"
    assert re.match(r"\d+ briefings?, \d+ source paragraphs? and 1 topic for “nato”",
                    page.locator("#search-status").inner_text())
    titles_now = titles.all_inner_texts()
    assert "Russia's demands on NATO" in " ".join(titles_now) or len(titles_now) >= 3
    field.fill("zzzzqqq")
    page.wait_for_function("document.querySelector('#search-status').textContent"
                           ".startsWith('No results')")
    assert page.locator("#search-results li").count() == 0
    # ArrowUp from the first result returns to the field; Down/Up move through results.
    field.fill("russia")
    page.wait_for_function("document.querySelectorAll('#search-results li').length > 2")
    field.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement === document.querySelectorAll"
                         "('#search-results a.result-title')[1]")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-q"
    assert watch.problems == []
    page.close()


def test_search_links_follow_clean_links_on_a_server(browser, sites):
    with static_server(sites["clean"]) as base:
        page = browser.new_page()
        watch = Watch(page)
        page.goto(base + "search/?q=cornered")
        link = page.locator("#search-results a.result-title").first
        link.wait_for()
        assert link.get_attribute("href") == "../briefings/talks-with-russia-break-down/"
        link.click()
        page.wait_for_url(base + "briefings/talks-with-russia-break-down/")
        assert watch.problems == []
        page.close()


def test_search_page_without_javascript_says_so_and_links_topics(browser, sites):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((sites["default"] / "search/index.html").as_uri())
    notice = page.locator(".notice")
    assert notice.is_visible() and "needs JavaScript" in notice.inner_text()
    assert notice.get_by_role("link", name="topics index").get_attribute("href") == \
        "../topics/index.html"
    context.close()


def test_book_prints_cleanly(browser, sites, tmp_path):
    page = browser.new_page()
    page.goto((sites["default"] / "book/index.html").as_uri())
    page.emulate_media(media="print")
    style = "([s, p]) => getComputedStyle(document.querySelector(s))[p]"
    assert page.evaluate(style, [".header-inner", "display"]) == "none"  # no nav chrome
    assert page.evaluate(style, [".marking", "display"]) != "none"  # the marking stays
    assert page.evaluate(style, [".site-footer nav", "display"]) == "none"
    assert page.evaluate(style, [".book-briefing", "breakBefore"]) == "page"
    after = page.evaluate("""() => {
        const a = document.createElement('a');
        a.href = 'https://example.org/report';
        document.querySelector('.book .prose').appendChild(a);
        return getComputedStyle(a, '::after').content; }""")
    assert "attr(href)" in after or "example.org/report" in after  # link targets are printed
    pdf = tmp_path / "book.pdf"
    page.pdf(path=str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.read_bytes().count(b"/Type /Page") >= 5
    page.close()


def test_every_page_is_valid_html(sites):
    files = [out / p for out in sites.values() for p in html_pages(out)]
    assert len(files) > 75
    errors = vnu_errors(files)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations_on_any_page_type(browser, sites, scheme):
    page = browser.new_page()
    page.emulate_media(color_scheme=scheme)
    problems = []
    urls = [(sites["default"] / p.split("?")[0]).as_uri() + ("?" + p.split("?")[1] if "?" in p
                                                             else "") for p in PAGE_TYPES]
    urls += [(sites["nobase"] / p).as_uri() for p in ("404.html", "changes/index.html", TALKS)]
    for url in urls:
        page.goto(url)
        if "search" in url:
            page.locator("#search-results li").first.wait_for()
        problems += [f"{url}: {v}" for v in axe_violations(page)]
    assert not problems, "\n".join(problems)
    page.close()
