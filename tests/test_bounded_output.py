"""Bounded output, checked without a browser: lists in stable pages, a parent topic with its
sub-topics' briefings, the timeline by year, the book in volumes, the search index in
bounded shards, and the build's report of its largest files."""
from __future__ import annotations

import bisect
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO, snapshot, write_site
from linkcheck import check_site
from sitegen import search
from sitegen.search import documents as search_documents, termshards
from sitegen.book import VOLUME_LIMIT
from sitegen.paging import PER_PAGE, paginate

sys.path.insert(0, str(REPO / "benchmarks"))
from gen_site import generate  # noqa: E402

NEW_BRIEFING = """---
title: A briefing added today
date: 2020-09-08
seeds: [s-new]
topics: [topic-0001]
bottom_line: Something new happened.
key_points:
  - text: It happened.
    cite: p1
timeline:
  - date: 2015
    event: The new thing starts
    cite: p1
---
Analysis of the new thing.
"""


def term_rows(files: dict[str, bytes]) -> dict[str, list]:
    """Every word's row of the search index's term shards (`search/t/*.js`)."""
    rows = {}
    for rel, data in files.items():
        if rel.startswith("search/t/"):
            text = data.decode("utf-8")
            rows.update(json.loads(text[text.index(",") + 1:text.rindex(")")]))
    return rows


def cards(html: str) -> list[str]:
    return re.findall(r'<h2 class="card-title"><a href="[^"]*">([^<]*)</a>', html)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated site of 250 briefings (dated a day apart from 2020-01-01), built."""
    root = generate(tmp_path_factory.mktemp("bounded") / "site", 250, seed=3)
    from sitegen.commands.build import build
    build(root, workers=1)
    return root


def test_paginate_numbers_pages_from_the_oldest_and_shows_the_newest_first():
    pages = paginate("things/", list(range(250)), lambda i, c: (c[0], c[-1]))
    assert [p.site_path for p in pages] == ["things/page/1/", "things/page/2/", "things/"]
    assert pages[0].entries == tuple(range(99, -1, -1))  # newest first on each page
    assert pages[2].entries == tuple(range(249, 199, -1))
    assert [(link.first, link.last) for link in pages[2].pager.pages] == [
        (200, 249), (100, 199), (0, 99)]
    assert pages[0].pager.pages == () and pages[1].pager.pages == ()  # only on the first
    assert pages[1].pager.newer.site_path == "things/" and pages[1].pager.older.site_path \
        == "things/page/1/"
    oldest_first = paginate("years/", list(range(150)), lambda i, c: (i, i), newest_first=False)
    assert [p.site_path for p in oldest_first] == ["years/", "years/page/2/"]
    assert oldest_first[0].entries[0] == 0
    assert [p.site_path for p in paginate("one/", [1, 2], lambda i, c: (i, i))] == ["one/"]


def test_all_briefings_are_in_bounded_pages_each_listed_once(generated):
    out = generated / "public"
    first = (out / "briefings/index.html").read_text(encoding="utf-8")
    listed = cards(first) + [t for n in (2, 1) for t in
                             cards((out / f"briefings/page/{n}/index.html").read_text())]
    assert len(listed) == 250 and len(set(listed)) == 250
    assert cards(first)[0].startswith("Briefing 249:")  # the newest first
    assert len(cards(first)) == 50 and not (out / "briefings/page/3").exists()
    assert all(len(cards((out / f"briefings/page/{n}/index.html").read_text())) == PER_PAGE
               for n in (1, 2))
    # The first page names every page; the others link to their neighbours.
    assert 'href="../briefings/page/2/index.html"' in first
    assert 'href="../briefings/page/1/index.html"' in first
    second = (out / "briefings/page/2/index.html").read_text(encoding="utf-8")
    assert 'href="../../../briefings/index.html"><span class="pager-label">Newer' in second
    assert 'href="../../../briefings/page/1/index.html"><span class="pager-label">Older' in second
    assert check_site(out, base_path="/bench/") == []


def test_adding_a_briefing_leaves_old_list_pages_byte_identical(generated, tmp_path):
    from sitegen.commands.build import build
    import shutil
    root = tmp_path / "site"
    shutil.copytree(generated, root)
    before = snapshot(root / "public")
    write_site(root, {"content/briefings/added-today.md": NEW_BRIEFING,
                      "seeds/s-new.txt": "New source\n\nThe new thing started in 2015.\n"})
    build(root, workers=1)
    after = snapshot(root / "public")
    changed = {rel for rel in before.keys() & after.keys() if before[rel] != after[rel]}
    lists = {rel for rel in changed
             if rel.startswith(("briefings/index", "briefings/page/", "sources/index",
                                "sources/page/", "timeline/"))}
    # The newest page of each list the briefing joins; the timeline year of its event.
    assert lists == {"briefings/index.html", "sources/index.html", "timeline/2015/index.html"}
    assert not {rel for rel in before if rel.startswith(("briefings/page/", "sources/page/"))} \
        & changed
    assert {rel for rel in set(before) - set(after) if rel.endswith(".html")} == set()
    # The book: the newest volume (and the list of volumes), not the one before it.
    assert {"book/2020-q3/index.html", "book/index.html"} <= changed
    assert "book/2020-q2/index.html" not in changed
    # In the search index, the new briefing is the newest document: older briefings' and
    # paragraphs' shards stand, and only the words it brings change their shards.
    docs = [rel for rel in before if rel.startswith("search/d/")]
    assert "search/d/b125.js" in set(after) - set(before)  # 250 briefings, 2 a shard
    # Each source's paragraphs start a shard: the new seed's one paragraph is a new one,
    # and no other paragraph shard changes.
    assert not [rel for rel in changed if rel.startswith("search/d/")]
    added = [rel for rel in set(after) - set(before) if rel.startswith("search/d/p")]
    assert len(added) == 1 and after[added[0]].count(b"The new thing started") == 1
    terms = [rel for rel in before if rel.startswith("search/t/")]
    assert len([rel for rel in changed if rel.startswith("search/t/")]) < len(terms) / 2
    assert len(docs) > 100


def test_a_paragraph_added_to_a_seed_changes_only_its_own_search_shards(generated, tmp_path):
    """A paragraph added to a seed early in the site's order numbers no other source's
    paragraphs anew: the other sources' document shards stand, and only the term shards of
    the words the paragraph brings change (a shift of the numbers after it would change
    the postings of nearly every term)."""
    from sitegen.commands.build import build
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    from sitegen.pipeline import load_site
    import shutil
    root = tmp_path / "site"
    shutil.copytree(generated, root)
    sources = list(load_site(root, load_config(root), Collector()).sources.values())
    # The first source whose last shard has room (one that fills it takes one more).
    source = next(s for s in sources if s.seed.paragraph_count % search_documents.PER_SHARD[1])
    assert source is not sources[-1]
    before = snapshot(root / "public")
    seed = root / source.seed.path
    seed.write_text(seed.read_text(encoding="utf-8") + "\n\nQuixotic zebras grazed.\n",
                    encoding="utf-8")
    build(root, workers=1)
    after = snapshot(root / "public")
    changed = {rel for rel in before.keys() & after.keys() if before[rel] != after[rel]}
    assert set(after) - set(before) == set() and set(before) - set(after) == set()
    shards = [rel for rel in changed if rel.startswith("search/d/")]
    assert len(shards) == 1 and after[shards[0]].count(b"Quixotic zebras grazed.") == 1
    terms = [rel for rel in changed if rel.startswith("search/t/")]
    assert 1 <= len(terms) <= 3, terms  # quixotic, zebras, grazed


def test_a_parent_topic_lists_its_sub_topics_briefings(small, cli):
    write_site(small, {
        "content/topics/coast.yaml": "title: The coast\nkind: place\n",
        "content/topics/harbour-town.yaml": "title: Harbour Town\nkind: place\nparent: coast\n",
    })
    assert cli("build", "--root", small)[0] == 0
    html = (small / "public/topics/coast/index.html").read_text(encoding="utf-8")
    assert "Harbour reopens" in html and "No briefings on this topic yet" not in html
    assert "On this topic and its sub-topics." in html
    assert re.search(r'Briefings <span class="count">1</span>', html)


def test_the_timeline_of_a_large_site_is_by_year_each_event_once(generated):
    out = generated / "public"
    index = (out / "timeline/index.html").read_text(encoding="utf-8")
    years = re.findall(r'<li><a href="../timeline/(\d{4})/index.html"', index)
    assert len(years) > 5 and "<time>" not in index
    events = []
    for year in years:
        for page in sorted((out / "timeline" / year).rglob("index.html")):
            html = page.read_text(encoding="utf-8")
            found = re.findall(r"<li><time>(\d{4})</time> <a href=\"([^\"]+)\"", html)
            assert 0 < len(found) <= PER_PAGE and {y for y, _ in found} == {year}
            events += [link for _, link in found]
    assert len(events) == len(set(events)) > PER_PAGE
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    from sitegen.pipeline import load_site
    assert len(events) == len(load_site(generated, load_config(generated), Collector()).timeline)


def test_a_small_timeline_stays_one_page_by_year(example, cli):
    assert cli("build", "--root", example)[0] == 0
    html = (example / "public/timeline/index.html").read_text(encoding="utf-8")
    assert '<h2 id="y2014">2014</h2>' in html and 'href="#y2014"' in html
    assert not list((example / "public/timeline").glob("*/"))


def test_a_large_book_is_in_volumes_under_a_megabyte(generated):
    out = generated / "public"
    contents = (out / "book/index.html").read_text(encoding="utf-8")
    volumes = re.findall(r'<li><a href="../book/(\d{4}-q\d(?:-\d+)?)/index.html">', contents)
    quarters = list(dict.fromkeys(v[:7] for v in volumes))
    assert quarters == ["2020-q3", "2020-q2", "2020-q1"]  # 250 days from 2020-01-01
    assert "book-briefing" not in contents
    chapters = []
    for v in volumes:
        html = (out / "book" / v / "index.html").read_text(encoding="utf-8")
        assert len(html.encode()) < 1_000_000
        ids = re.findall(r'\sid="([^"]*)"', html)
        assert [i for i, n in Counter(ids).items() if n > 1] == []
        chapters += re.findall(r'<section class="book-briefing" id="([^"]+)"', html)
    assert len(chapters) == len(set(chapters)) == 250
    assert VOLUME_LIMIT < 250


def test_the_search_index_is_in_bounded_shards(generated, monkeypatch, tmp_path):
    out = generated / "public"
    manifest = json.loads((out / "search/index.js").read_text()[len("window.SITEGEN_SEARCH="):]
                          .rstrip().rstrip(";"))
    assert len(manifest["terms"]) > 3 and manifest["paragraphs"] == 2500
    sizes = [p.stat().st_size for p in (out / "search").rglob("*.js")]
    assert max(sizes) < 3 * termshards.SHARD_BYTES
    assert (out / "search/index.js").stat().st_size < 20_000


def test_a_very_common_term_keeps_its_best_postings_only(small, monkeypatch):
    monkeypatch.setattr(termshards, "CAP", 2)
    from sitegen.pipeline import load_site
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    site = load_site(small, load_config(small), Collector())
    rows = term_rows(dict(search.index_files(site)))
    assert rows["the"][0] == 1 and len(rows["the"]) == 2 + 2 * 2  # capped, two kept
    assert rows["rebuild"][0] == 0 and len(rows["rebuild"]) == 2 + 2  # in one paragraph only


def test_terms_fold_case_and_accents_as_the_browser_does():
    assert search.terms("Ça, c'est l'ÉTÉ — 2024_x") == ["ca", "c", "est", "l", "ete", "2024", "x"]
    assert search.terms("ＮＡＴＯ ｆｉｌｅ ﬁnal") == ["nato", "file", "final"]  # NFKD


def test_titles_weigh_more_than_analysis(small, cli):
    write_site(small, {"content/briefings/pier-plans.md": """---
title: Plans for the pier
date: 2024-03-02
seeds: [harbour]
topics: [harbour-town]
bottom_line: A new pier is planned.
---
Nothing about ferries.
"""})
    assert cli("build", "--root", small)[0] == 0
    rows = term_rows({p.relative_to(small / "public").as_posix(): p.read_bytes()
                      for p in (small / "public/search/t").glob("*.js")})
    row = rows["pier"]  # in the older briefing's key point (doc 0), the new one's title (2)
    score, at = {}, 0
    for i in range(2, len(row), 2):
        at += row[i]
        score[at] = row[i + 1]
    assert score[2] > score[0]


def test_the_build_reports_its_largest_page_and_script(example, cli):
    code, _out, err = cli("build", "--root", example)
    assert code == 0
    line = next(line for line in err.splitlines() if line.startswith("largest"))
    out = example / "public"
    for suffix, what in ((".html", "page"), (".js", "script")):
        size, rel = max((p.stat().st_size, p.relative_to(out).as_posix())
                        for p in out.rglob("*" + suffix))
        assert f"{what}: {rel} ({size / 1024:,.0f} KiB)" in line, line


def test_a_briefing_cannot_take_the_list_pages_slug(small, cli):
    (small / "content/briefings/harbour-reopens.md").rename(small / "content/briefings/page.md")
    code, _out, err = cli("build", "--root", small)
    assert code == 1
    assert "content/briefings/page.md: error: the slug 'page' is taken" in err


def test_the_search_index_is_the_same_on_one_core_or_several(generated, monkeypatch):
    from sitegen.pipeline import load_site
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    site = load_site(generated, load_config(generated), Collector())
    one = list(search.index_files(site, workers=1))
    monkeypatch.setattr(search_documents, "GROUP", 3)  # 3 document shards a group: 95 groups
    assert list(search.index_files(site, workers=2)) == one
    assert one == [(rel, (generated / "public" / rel).read_bytes()) for rel, _ in one]


class _Output:
    """What an output folder holds, as the engine's `stands` sees it: path -> (digest of
    what made the file, its bytes)."""

    def __init__(self):
        self.files: dict[str, tuple[str, bytes]] = {}
        self.asked: dict[str, str] = {}

    def stands(self, rels, digests):
        self.asked.update(zip(rels, digests))
        return [rel in self.files and self.files[rel][0] == digest
                for rel, digest in zip(rels, digests)]

    def write(self, produced):
        """Take a build's files; returns the paths made anew (not `Kept`)."""
        from sitegen.write import Kept
        made = {}
        kept = {}
        for item in produced:
            if isinstance(item, Kept):
                kept.update((rel, self.files[rel][1]) for rel in item.paths)
            else:
                made[item[0]] = item[1]
        self.files = {rel: (self.asked.get(rel, ""), data)
                      for rel, data in {**kept, **made}.items()}
        return set(made)


def test_a_rebuild_indexes_again_only_the_group_and_shards_that_changed(tmp_path):
    """The engine keeps each group of documents' postings: after an edit the index
    indexes that group alone, renders only its document shards and the term shards whose
    postings changed (the others stand), and is still the one a clean build makes."""
    from sitegen.pipeline import load_site
    from sitegen.engine.memo import Memo
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    root = generate(tmp_path / "site", 300, seed=4)
    memo, output = Memo(warm=True), _Output()
    site = load_site(root, load_config(root), Collector())
    first = output.write(search.index_files(site, 1, memo, output.stands))
    assert first == {rel for rel, _ in search.index_files(site)}
    path = root / "content/briefings/briefing-00042.md"
    path.write_text(path.read_text().replace("title: \"Briefing 42:", "title: \"Edited 42:"))
    site = load_site(root, load_config(root), Collector())
    memo.start()
    made = output.write(search.index_files(site, 1, memo, output.stands))
    groups = len(search_documents.Documents(site).groups())  # 5 briefings', 6 paragraphs'
    # The other groups' postings are the carried index's: not even asked of the memo.
    assert memo.misses("search") == 1 and memo.hits("search") == 0 and groups > 6
    clean = dict(search.index_files(site, 1))
    assert {rel: data for rel, (_, data) in output.files.items()} == clean
    documents = {rel for rel in made if rel.startswith("search/d/")}
    edited, = (int(rel[len("search/d/b"):-3]) for rel, data in clean.items()
               if rel.startswith("search/d/b") and b"Edited 42:" in data)
    per = search_documents.GROUP
    assert documents == {f"search/d/b{n}.js" for n in range(edited // per * per,
                                                              edited // per * per + per)}
    terms = {rel for rel in made if rel.startswith("search/t/")}
    assert 0 < len(terms) < len([rel for rel in clean if rel.startswith("search/t/")]) / 4
    assert any(b"edited" in clean[rel] for rel in terms)


def test_the_index_knows_the_paragraphs_lengths_without_reading_them(tmp_path, monkeypatch):
    """The search index's documents (their numbers, the paragraphs' average length) come
    from each seed's paragraph count and text length, kept with its packed blocks: a
    new process does not read every seed's paragraphs to index the few that changed."""
    from sitegen.pipeline import load_site
    from sitegen.errors import Collector
    from sitegen.load.blocks import Blocks
    from sitegen.load.config import load_config
    root = generate(tmp_path / "site", 40, seed=2)
    site = load_site(root, load_config(root), Collector())
    expected = search_documents.Documents(site)
    for source in site.sources.values():  # as read from the store: packed, not read yet
        data, count, chars = source.seed.blocks.packed()
        object.__setattr__(source.seed, "blocks", Blocks.from_packed(data, count, chars))

    def unread(_blocks):
        raise AssertionError("read a seed's paragraphs")

    monkeypatch.setattr(Blocks, "_get", unread)
    docs = search_documents.Documents(site)
    assert docs.paragraph_count == expected.paragraph_count > 40
    assert docs.paragraph_average == expected.paragraph_average
    assert docs.first_paragraph == expected.first_paragraph


def test_a_new_process_renders_only_the_term_shards_that_changed(tmp_path, monkeypatch):
    """A build in a new process merges the index anew (nothing carried), yet renders only
    the term shards whose words or postings changed: the others' digests say they stand."""
    from sitegen.pipeline import load_site
    from sitegen.search import termshards
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    root = generate(tmp_path / "site", 300, seed=4)
    output = _Output()
    output.write(search.index_files(load_site(root, load_config(root), Collector()), 1,
                                    stands=output.stands))
    path = root / "content/briefings/briefing-00042.md"
    path.write_text(path.read_text().replace("title: \"Briefing 42:", "title: \"Edited 42:"))
    site = load_site(root, load_config(root), Collector())
    rendered, shard = [], termshards._shard
    monkeypatch.setattr(termshards, "_shard", lambda *job: rendered.append(job) or shard(*job))
    made = output.write(search.index_files(site, 1, stands=output.stands))
    assert len(rendered) == len({rel for rel in made if rel.startswith("search/t/")})
    clean = dict(search.index_files(site, 1))
    assert {rel: data for rel, (_, data) in output.files.items()} == clean
    terms = {rel for rel in made if rel.startswith("search/t/")}
    assert 0 < len(terms) < len([rel for rel in clean if rel.startswith("search/t/")]) / 4
    assert any(b"edited" in clean[rel] for rel in terms)


def test_term_shards_are_in_the_order_the_browser_compares_strings(tmp_path, monkeypatch, cli):
    """The browser compares UTF-16 code units: characters beyond U+FFFF sort before
    U+E000–U+FFFF there, not after as code points do. Each word must be in the shard the
    browser's binary search over the shards' first words picks."""
    words = ["ｱｲｳ", "𠀀𠀁", "ｶﾞｷ", "𝒜𝒷𝒸", "zebra", "apple", "ﬀoo", "日本"]
    text = "\n\n".join(f"Paragraph {i} " + " ".join(words[i % 8:] + words[:i % 8]) +
                       f" w{i}x{i * 7}" for i in range(300))
    root = write_site(tmp_path / "site", {
        "config.yaml": "title: Scripts\n",
        "seeds/mixed.txt": "Mixed scripts\n\n" + text + "\n",
    })
    monkeypatch.setattr(termshards, "SHARD_BYTES", 400)
    assert cli("build", "--root", root)[0] == 0
    out = root / "public/search"
    manifest = json.loads((out / "index.js").read_text()[len("window.SITEGEN_SEARCH="):]
                          .rstrip().rstrip(";"))
    keys = [w.encode("utf-16-be", "surrogatepass") for w in manifest["terms"]]
    assert keys == sorted(keys) and len(keys) > 10
    for n, name in enumerate(manifest["files"]):
        text = (out / f"t/{name}.js").read_text(encoding="utf-8")
        for word in json.loads(text[text.index(",") + 1:text.rindex(")")]):
            key = word.encode("utf-16-be", "surrogatepass")
            assert bisect.bisect_right(keys, key) - 1 == n, word


def test_check_renders_the_pages_but_makes_no_search_index(example, cli, monkeypatch):
    def no_index(*_args, **_kwargs):
        raise AssertionError("check made the search index")
        yield  # a generator, as the real one

    monkeypatch.setattr(search, "index_files", no_index)
    code, _out, err = cli("check", "--root", example)
    assert code == 0, err
