"""Incremental rebuilds (sitegen serve) give exactly the files of a clean build, and redo
only what a change touches."""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from conftest import briefing_files, snapshot
from sitegen.commands.build import build
from sitegen.engine.memo import Memo
from sitegen.errors import Collector, SiteError
from sitegen.engine.digest import Fingerprints
from sitegen.engine.rebuild import IncrementalBuilder
from sitegen.write import OutputWriter

BRIEFING = "content/briefings/putins-red-lines.md"
SEED = "seeds/000_533b14a5b1547bde.txt"
NEW_BRIEFING = """---
title: A new briefing on the alliance
date: 2022-02-01
seeds: [000_533b14a5b1547bde]
topics: [nato, russia]
bottom_line: Something new happened.
key_points:
  - text: A quote from the source.
    quote: "there is nowhere to retreat"
---
The [[nato]] angle, and [[putins-red-lines]].
"""


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_same_as_clean(root: Path, builder: IncrementalBuilder, tmp: Path, step: str):
    result = builder.build()
    clean = build(root, out_dir=str(tmp / "clean"), cache=False)  # no shared cache
    assert snapshot(builder.out) == snapshot(tmp / "clean"), step
    assert result.warnings == clean.warnings, step
    return result


def test_incremental_builds_equal_clean_builds_through_a_series_of_edits(example, tmp_path):
    builder = IncrementalBuilder(example, tmp_path / "serve")
    seed = next(p.name for p in (example / "seeds").glob("*.txt"))
    steps = [
        ("first build", lambda: None),
        ("briefing title", lambda: edit(example, BRIEFING, "title: Putin's red lines",
                                        "title: Putin's new red lines")),
        ("briefing body", lambda: edit(example, BRIEFING, "## Assessment", "## Our assessment")),
        ("a key point's words: its source page quotes them beside the paragraph", lambda: edit(
            example, BRIEFING, "installations in Ukraine, a red line.",
            "installations in Ukraine, a bright red line.")),
        ("add briefing", lambda: (example / "content/briefings/new-one.md").write_text(
            NEW_BRIEFING, encoding="utf-8")),
        ("delete briefing", lambda: (example / "content/briefings/new-one.md").unlink()),
        ("topic title and alias", lambda: edit(example, "content/topics/nato.yaml",
                                               "title: NATO", "title: NATO alliance")),
        ("a topic's alias that no text mentions (it is searched for, with its briefings)",
         lambda: edit(example, "content/topics/nato.yaml", "aliases: [",
                      "aliases: [Northern shield pact, ")),
        ("add topic", lambda: (example / "content/topics/baltic-states.yaml").write_text(
            "title: Baltic states\nkind: place\ndescription: Near [[russia]].\n")),
        ("use new topic", lambda: edit(example, BRIEFING, "topics: [", "topics: [baltic-states, ")),
        ("delete a used topic's use, then the topic", lambda: (
            edit(example, BRIEFING, "topics: [baltic-states, ", "topics: ["),
            (example / "content/topics/baltic-states.yaml").unlink())),
        ("seed text", lambda: edit(example, f"seeds/{seed}", "Currently, thousands",
                                   "Currently, many thousands")),
        ("add seed with sidecar", lambda: (
            (example / "seeds/extra.txt").write_text("Extra source\n\nOne paragraph here.\n"),
            (example / "seeds/extra.yaml").write_text("title: An extra source\n"))),
        ("sidecar", lambda: (example / "seeds/extra.yaml").write_text("title: Renamed source\n")),
        ("the extra seed's format: the same bytes read as Markdown (its first line is a "
         "paragraph now)", lambda: (example / "seeds/extra.txt").rename(
             example / "seeds/extra.md")),
        ("a cited seed's title (searched for with the briefings citing it)", lambda: edit(
            example, f"seeds/{Path(seed).stem}.yaml", "title: Talks with Russia Break Down",
            "title: Talks with Russia Break Down in Geneva")),
        ("config: the seeds' originals not published", lambda: (
            example / "config.yaml").open("a").write("originals: false\n")),
        ("delete seed", lambda: ((example / "seeds/extra.md").unlink(),
                                 (example / "seeds/extra.yaml").unlink())),
        ("template", lambda: edit(example, "themes/default/templates/base.html", "</footer>",
                                  "<p>Preview footer</p></footer>")),
        ("stylesheet", lambda: (example / "themes/default/static/style.css").open("a").write(
            "\n.x { color: red; }\n")),
        ("a template reads the global site", lambda: edit(
            example, "themes/default/templates/base.html", "<p>Preview footer</p>",
            "<p>{{ site.briefings|length }} briefings</p>")),
        ("add briefing: every page counts it", lambda: (
            example / "content/briefings/another-one.md").write_text(NEW_BRIEFING)),
        ("a book chapter, rendered on its own, reads the global site", lambda: edit(
            example, "themes/default/templates/_book_chapter.html", "<section class=",
            "<p>{{ site.topics|length }} topics</p><section class=")),
        ("add topic: every chapter counts it", lambda: (
            example / "content/topics/arctic.yaml").write_text("title: Arctic\n")),
        ("config title", lambda: edit(example, "config.yaml", "title: Eastern Europe",
                                      "title: Eastern European")),
        ("config clean_links", lambda: edit(example, "config.yaml", "clean_links: false",
                                            "clean_links: true")),
    ]
    for step, change in steps:
        change()
        assert_same_as_clean(example, builder, tmp_path, step)


def test_a_broken_build_leaves_the_folder_and_recovers(example, tmp_path):
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    before = snapshot(builder.out)
    edit(example, BRIEFING, "date: 2022-01-12", "date: [oops")
    with pytest.raises(SiteError) as exc:
        builder.build()
    assert any(p.path == BRIEFING for p in exc.value.problems)
    assert snapshot(builder.out) == before
    edit(example, BRIEFING, "date: [oops", "date: 2022-01-13")
    assert_same_as_clean(example, builder, tmp_path, "after the fix")


def test_a_template_error_then_fix(example, tmp_path):
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    edit(example, "themes/default/templates/briefing.html", "{% block", "{% blok")
    with pytest.raises(SiteError):
        builder.build()
    edit(example, "themes/default/templates/briefing.html", "{% blok", "{% block")
    assert_same_as_clean(example, builder, tmp_path, "template fixed")


def test_one_briefing_edit_reparses_and_renders_only_what_it_touches(example, tmp_path):
    builder = IncrementalBuilder(example, tmp_path / "serve")
    first = builder.build()
    assert first.rendered == first.pages
    again = builder.build()
    assert again.rendered == 0 and again.changed == []
    edit(example, BRIEFING, "## Assessment", "## Our assessment")  # the body only
    result = builder.build()
    cache = builder.cache
    assert cache.misses("seed") == 0 and cache.hits("seed") >= 1
    assert cache.misses("briefing") == 1 and cache.hits("briefing") >= 3
    assert cache.misses("topic") == 0
    assert cache.misses("markdown") == 1
    assert "briefings/putins-red-lines/index.html" in result.changed
    assert "topics/nato/index.html" not in result.changed
    # Pages showing the briefing are rendered again (its data changed); the rest are not.
    assert 0 < result.rendered < result.pages
    assert len(result.changed) <= 5  # the briefing, and pages that show whole bodies
    # The book renders again only the edited briefing's chapter; the other briefings stay
    # the same objects (carried), so their digests and search text are reused too.
    chapters = len(briefing_files(example))
    assert cache.misses("part") == 1 and cache.hits("part") == chapters - 1
    # Only the edited briefing's record is made again: the others' claims are not even
    # asked for.
    assert cache.misses("claims") == 1 and cache.hits("claims") == 0
    assert cache.misses("wikilinks") == 1


def test_a_warm_rebuild_takes_unchanged_files_parses_without_asking_the_memo(
        example, tmp_path, monkeypatch):
    """Files the build's scan saw as they were (settled: not racy) keep their parse from
    the last build: the memo is asked neither for their digest nor for their parse."""
    from sitegen.load import files

    monkeypatch.setattr(files, "SETTLE_NS", -10**12)  # nothing racy: every file settled
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    edit(example, BRIEFING, "## Assessment", "## Our assessment")
    builder.build()
    briefings = len(briefing_files(example))
    assert briefings > 3
    assert builder.cache.misses("briefing") == 1 and builder.cache.hits("briefing") == 0
    assert builder.cache.hits("topic") == builder.cache.misses("topic") == 0
    assert builder.cache.hits("file-digest") < briefings - 1  # not one a briefing
    assert_same_as_clean(example, builder, tmp_path, "after the edit")


def test_a_warm_rebuild_looks_again_only_at_the_records_of_briefings_that_changed(
        example, tmp_path, monkeypatch):
    """The other briefings' records stand by identity, told without gathering and
    comparing what each is made of (their files settled, the seeds are the very same)."""
    from sitegen.load import files
    from sitegen.model import graph

    monkeypatch.setattr(files, "SETTLE_NS", -10**12)
    (example / "seeds/uncited.txt").write_text("Harbour news\n\nFerries resume.\n",
                                               encoding="utf-8")
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    builder.build()
    gathered = []
    inputs = graph._Inputs
    monkeypatch.setattr(graph, "_Inputs", lambda *a: gathered.append(a[0].slug) or inputs(*a))
    edit(example, BRIEFING, "## Assessment", "## Our assessment")  # the body only
    builder.build()
    assert gathered == ["putins-red-lines"]
    assert len(briefing_files(example)) > 3
    # A seed edited: the records of the briefings citing it are looked at again.
    gathered.clear()
    edit(example, "seeds/uncited.txt", "Ferries", "The ferries")
    builder.build()
    assert gathered == []
    edit(example, SEED, "Currently, thousands", "Currently, many thousands")
    builder.build()
    assert len(gathered) == len(briefing_files(example))  # each cites it
    monkeypatch.undo()
    assert_same_as_clean(example, builder, tmp_path, "after the edit")


def test_memo_replays_problems_and_forgets_unused_entries():
    cache, calls = Memo(warm=True), []

    def compute(out: Collector):
        calls.append(1)
        out.warning("a.md", 3, "careful")
        return "value"

    for _ in range(2):
        cache.start()
        out = Collector()
        assert cache("step", ("key",), compute, out) == "value"
        assert [str(p) for p in out.problems] == ["a.md:3: warning: careful"]
        cache.prune()
    assert len(calls) == 1 and len(cache) == 1
    cache.start()
    cache.prune()
    assert len(cache) == 0


def test_memo_forgets_unused_entries_once_they_are_a_fifth():
    """Forgetting walks the whole memo: an edit's few unused entries wait for more."""
    cache = Memo(warm=True)

    def use(keys) -> None:
        cache.start()
        for k in [*keys, "touched"]:
            cache("step", k, lambda _out, k=k: k, Collector())
        cache.prune()

    use(["touched", *range(100)])
    use(range(90))  # 10 of 101 unused: kept
    assert len(cache) == 101 and cache.has("step", 95)
    use(range(70))  # 31 of 101 unused: forgotten
    assert len(cache) == 71 and not cache.has("step", 95) and cache.has("step", "touched")


def test_fingerprints_tell_values_apart():
    fp = Fingerprints()
    fp.start()
    assert fp((1, "a")) == fp((1, "a"))
    assert fp((1, "a")) != fp(("1", "a")) != fp([1, "a"])
    assert fp({"a": (1, 2)}) != fp({"a": (1, 3)})
    assert fp({"a", "b"}) == fp({"b", "a"})
    nested = [((1, 2), 3), (1, (2, 3)), (1, 2, 3), ((1,), 2, 3), [[1], 2, 3], {1: (2, 3)},
              {(1, 2): 3}, ("(", 1, ")"), (), [()], [[]], ((),), "()"]
    assert len({fp(v) for v in nested}) == len(nested)  # nesting is part of the digest
    # A text is digested as itself after its length: no text, whatever it holds, passes
    # for a sequence of other values
    texts = [("a\0s1\0b",), ("a", "s1", "b"), ("a", "b"), ("a\0s1", "b"), ("s1", "a"),
             ("s1\0a",), ("",), (), ("", ""), ("\0",), ("1",), (1,), ("None",), (None,)]
    assert len({fp(v) for v in texts}) == len(texts)
    assert fp(object()) != fp(object())  # unknown types never match
    data = [1, 2]
    first = fp(data)
    fp.prune()
    fp.start()
    data.append(3)  # a mutable container is digested again in a new build
    assert fp(data) != first


def test_a_record_that_lives_on_keeps_its_digest_through_builds_that_did_not_ask(
        monkeypatch):
    """Fingerprints keep a wholly immutable object's digest while something else holds it
    (a record that lives on in the site), also through builds that did not digest it (an
    edit elsewhere), and let go of one only they hold (at the latest when their digests
    have grown by a quarter since they last looked)."""
    import gc
    import weakref
    from dataclasses import dataclass
    from sitegen.engine import digest

    @dataclass(frozen=True)
    class Record:
        name: str
        number: int

    fingerprints, kept, gone = Fingerprints(), Record("kept", 1), Record("gone", 2)
    fingerprints.start()
    first = fingerprints(kept)
    fingerprints(gone)
    fingerprints.prune()
    fingerprints.start()  # a build that asks for neither
    fingerprints.prune()
    hashed, real = [], digest._hash
    monkeypatch.setattr(digest, "_hash", lambda parts: hashed.append(parts) or real(parts))
    fingerprints.start()
    assert fingerprints(kept) == first and hashed == []  # as it was, not digested again
    let_go = weakref.ref(gone)
    del gone
    fingerprints.prune()
    others = [Record("other", n) for n in range(3)]  # the digests grow by more than a quarter
    for other in others:
        fingerprints(other)
    fingerprints.prune()
    gc.collect()
    assert let_go() is None


def test_same_says_two_values_digest_alike_by_walking_them():
    from dataclasses import dataclass

    from sitegen.engine.digest import same

    @dataclass(frozen=True)
    class Record:
        name: str
        items: tuple

    @dataclass
    class Open:
        items: list

    record = Record("a", (1, 2))
    assert same([record, {"a": (1, "x")}], [record, {"a": (1, "x")}])
    assert same(Record("a", (1, 2)), Record("a", (1, 2)))  # other objects, equal fields
    assert not same(Record("a", (1, 2)), Record("a", (1, 3)))
    assert not same((1, "a"), (1.0, "a")) and not same([True], [1]) and not same((1,), [1])
    assert not same(0.0, -0.0) and same(1.5, 1.5)  # equal, but digested apart
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1})  # a page lays dicts out in order
    assert not same([record], [record, record]) and not same({"a": 1}, {"b": 1})
    thing = object()
    assert not same([thing], [thing])  # a type Fingerprints does not know: never the same
    items = [1]
    opened = Open(items)
    # An object that can change is never the same as itself: it may have changed since.
    assert not same(opened, opened) and not same(items, items) and not same([items], [items])
    assert same(Open([1, 2]), Open([1, 2])) and not same(Open([1]), Open([2]))
    for a, b in (([record], [Record("a", (1, 2))]), ({"k": (1,)}, {"k": (1,)}),
                 ([1, "x"], [1, "y"]), ({"k": Open([1])}, {"k": Open([2])})):
        fp = Fingerprints()
        assert same(a, b) == (fp(a) == fp(b)), (a, b)


def test_a_warm_rebuild_keeps_the_lists_only_while_what_they_show_of_a_briefing_is_as_it_was(
        example, tmp_path):
    """The lists (timeline, topics' briefings and events, seeds' citing briefings) stand
    when an edit leaves a briefing's date, topics, seeds and events as they were, and
    follow each of those when it changes, its events the same."""
    (example / "seeds/extra.txt").write_text("Extra source\n\nAn extra paragraph.\n",
                                             encoding="utf-8")
    briefing = "content/briefings/another-one.md"
    (example / briefing).write_text(NEW_BRIEFING, encoding="utf-8")
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    for step, old, new in (
            ("a title", "A new briefing on", "A newer briefing on"),
            ("the seeds", "seeds: [000_533b14a5b1547bde]", "seeds: [000_533b14a5b1547bde, extra]"),
            ("the topics", "topics: [nato, russia]", "topics: [russia, nato]"),
            ("a topic less", "topics: [russia, nato]", "topics: [russia]"),
            ("the date", "date: 2022-02-01", "date: 2021-12-01")):
        edit(example, briefing, old, new)
        assert_same_as_clean(example, builder, tmp_path, step)
    edit(example, BRIEFING, "Russia takes control of Crimea.", "Russia takes hold of Crimea.")
    assert_same_as_clean(example, builder, tmp_path, "an event")
    source = (builder.out / "sources/extra/index.html").read_text(encoding="utf-8")
    assert "A newer briefing on the alliance" in source


def test_a_warm_rebuild_lays_the_book_out_as_a_clean_build_does(example, tmp_path,
                                                                 monkeypatch):
    """The book's volumes (quarters, in parts by count and by bytes) follow a warm edit:
    a title, a body that outgrows its part, a briefing moved to another quarter, one
    added and one removed."""
    from sitegen import book

    monkeypatch.setattr(book, "VOLUME_LIMIT", 3)
    monkeypatch.setattr(book, "VOLUME_BYTES", 20_000)
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    long_body = "\n\n" + "A much longer assessment than before. " * 200 + "\n"
    new = example / "content/briefings/another-one.md"
    for step, change in (
            ("a title", lambda: edit(example, BRIEFING, "title: Putin's red lines",
                                     "title: Putin's new red lines")),
            ("a body outgrowing its part", lambda: edit(
                example, BRIEFING, "## Assessment", long_body + "## Assessment")),
            ("another quarter", lambda: edit(example, BRIEFING, "date: 2022-01-12",
                                             "date: 2022-05-12")),
            ("a title as long", lambda: edit(example, "content/briefings/talks-with-russia-"
                                             "break-down.md", "title: ", "title: X")),
            ("as long again", lambda: edit(example, "content/briefings/talks-with-russia-"
                                           "break-down.md", "title: X", "title: Y")),
            ("a briefing added", lambda: new.write_text(NEW_BRIEFING, encoding="utf-8")),
            ("a briefing removed", new.unlink)):
        change()
        assert_same_as_clean(example, builder, tmp_path, step)
    assert (builder.out / "book/2022-q2/index.html").is_file()
    assert (builder.out / "book/2022-q1-2/index.html").is_file()


def test_the_store_keeps_the_search_postings_a_preview_took_from_its_carried_index(
        example, tmp_path, monkeypatch):
    """Postings of a group the preview's carried index held (not asked of the memo) stay
    in the store through the preview's collections: the next build in a new process
    indexes only the group an edit changed."""
    from sitegen.search.documents import Documents

    build(example, out_dir=str(tmp_path / "built"), workers=1)
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    for n in range(3):  # edits replacing the briefings' postings: the store is collected
        edit(example, BRIEFING, "## Assessment" if n == 0 else f"Assessment {n - 1}",
             f"## Assessment {n}")
        builder.build()
        builder.idle()
    indexed, group = [], Documents.group
    monkeypatch.setattr(Documents, "group", lambda self, g: indexed.append(g) or group(self, g))
    edit(example, BRIEFING, "Assessment 2", "Assessment 3")
    build(example, out_dir=str(tmp_path / "built"), workers=1)
    assert indexed == [("b", 0)]


def test_a_warm_rebuild_digests_only_the_pages_not_the_same_as_before(example, tmp_path,
                                                                     monkeypatch):
    from sitegen.engine.reuse import PageReuse

    builder = IncrementalBuilder(example, tmp_path / "serve")
    first = builder.build()
    digested = []
    real = PageReuse.key
    monkeypatch.setattr(PageReuse, "key", staticmethod(
        lambda keys, page: digested.append(page.site_path) or real(keys, page)))
    edit(example, BRIEFING, "## Assessment", "## Our assessment")  # the body only
    result = builder.build()
    # The edited briefing's page and those listing or showing it get new keys; every
    # other page is the same as before, by identity of the records it shows.
    assert "briefings/putins-red-lines/" in digested
    assert result.rendered <= len(digested) < first.pages
    assert "topics/" not in digested and "404.html" not in digested and "search/" not in digested
    assert_same_as_clean(example, builder, tmp_path, "after the edit")


def test_a_briefing_added_makes_again_only_the_pages_of_records_that_changed(tmp_path,
                                                                            monkeypatch):
    """A briefing added changes the list of briefings: the other briefings' pages are
    gathered one by one from the last build's, and stand unless their records changed."""
    import sys
    from conftest import REPO
    from sitegen import pages
    sys.path.insert(0, str(REPO / "benchmarks"))
    from gen_site import generate

    root = generate(tmp_path / "site", 40, seed=2)
    builder = IncrementalBuilder(root, tmp_path / "serve")
    builder.build()
    made = []
    real = pages._briefing_page_of
    monkeypatch.setattr(pages, "_briefing_page_of",
                        lambda b, *rest, **kw: made.append(b.slug) or real(b, *rest, **kw))
    old = sorted((root / "content/briefings").glob("*.md"))[0].read_text(encoding="utf-8")
    # The oldest, on a topic of its own: the others' related lists stay, one gets a
    # previous briefing.
    new = re.sub(r"(?m)^topics: .*$", "topics: [lonely]",
                 re.sub(r"(?m)^date: .*$", "date: 1990-01-01", old))
    (root / "content/topics/lonely.yaml").write_text("title: Lonely\n", encoding="utf-8")
    (root / "content/briefings/an-added-one.md").write_text(new, encoding="utf-8")
    builder.build()
    assert "an-added-one" in made and len(made) < 20, made
    assert_same_as_clean(root, builder, tmp_path, "a briefing added")


def test_a_briefing_moved_to_other_topics_on_a_larger_site(tmp_path):
    """On a site where one briefing is a small share, the topics each briefing is on are
    carried and patched for the briefings that changed: the pages still equal a clean
    build's after one briefing leaves a topic and joins another, and after a title edit."""
    import sys
    from conftest import REPO
    sys.path.insert(0, str(REPO / "benchmarks"))
    from gen_site import generate

    root = generate(tmp_path / "site", 40, seed=5)
    builder = IncrementalBuilder(root, tmp_path / "serve")
    builder.build()
    path = sorted((root / "content/briefings").glob("*.md"))[7]
    text = path.read_text(encoding="utf-8")
    topics = re.search(r"(?m)^topics: \[(.*)\]$", text).group(1).split(", ")
    others = sorted({p.stem for p in (root / "content/topics").glob("*.yaml")} - set(topics))
    path.write_text(text.replace(f"topics: [{', '.join(topics)}]",
                                 f"topics: [{', '.join([*topics[1:], others[0]])}]"),
                    encoding="utf-8")
    assert_same_as_clean(root, builder, tmp_path, "topics changed")
    edit(root, path.relative_to(root).as_posix(), "title: \"", "title: \"Retitled, ")
    assert_same_as_clean(root, builder, tmp_path, "title changed")


def test_backlinks_follow_the_order_when_a_linking_briefing_moves(small, tmp_path):
    """Backlinks are carried while the briefings' links and order are the same: a
    briefing linking to another that moves in the order (its date) reorders them."""
    from conftest import BRIEFING as HARBOUR

    for slug, date in (("ferry-one", "2024-04-01"), ("ferry-two", "2024-05-01")):
        (small / f"content/briefings/{slug}.md").write_text(
            HARBOUR.lstrip("\n").replace("Harbour reopens", slug)
            .replace("2024-03-01", date)
            .replace("The [[harbour-town]] story.", "See [[harbour-reopens]]."),
            encoding="utf-8")
    builder = IncrementalBuilder(small, tmp_path / "serve")
    builder.build()
    page = builder.out / "briefings/harbour-reopens/index.html"
    shown = page.read_text(encoding="utf-8")
    assert shown.index("ferry-two") < shown.index("ferry-one")  # newest first
    edit(small, "content/briefings/ferry-one.md", "2024-04-01", "2024-06-01")
    assert_same_as_clean(small, builder, tmp_path, "a linking briefing moved")
    shown = page.read_text(encoding="utf-8")
    assert shown.index("ferry-one") < shown.index("ferry-two")
    edit(small, "content/briefings/ferry-one.md", "See [[harbour-reopens]].", "No link.")
    assert_same_as_clean(small, builder, tmp_path, "a link removed")
    shown = page.read_text(encoding="utf-8")
    backlinks = shown[shown.index('"backlinks-heading"'):]
    assert "ferry-two" in backlinks[:backlinks.index("</section>")]
    assert "ferry-one" not in backlinks[:backlinks.index("</section>")]


def test_the_sitemap_dates_a_briefing_edited_in_a_warm_rebuild(example, tmp_path):
    """The sitemap's dates are carried with the records: an edited date is the new one."""
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    text = (example / BRIEFING).read_text(encoding="utf-8")
    date = re.search(r"(?m)^date: (\S+)$", text).group(1)
    edit(example, BRIEFING, f"date: {date}", "date: 2022-02-03")
    assert_same_as_clean(example, builder, tmp_path, "a date changed")
    assert "<lastmod>2022-02-03</lastmod>" in (builder.out / "sitemap.xml").read_text()


def test_a_timeline_event_moved_to_another_year_on_a_larger_site(tmp_path):
    """The timeline's events are carried and patched where an event or its briefing is
    not the very same object: an event moved to another year (a new one, then one the
    timeline has) still leaves every timeline page equal to a clean build's."""
    import sys
    from conftest import REPO
    sys.path.insert(0, str(REPO / "benchmarks"))
    from gen_site import generate

    root = generate(tmp_path / "site", 40, seed=6)
    builder = IncrementalBuilder(root, tmp_path / "serve")
    builder.build()
    path = sorted((root / "content/briefings").glob("*.md"))[3]
    rel = path.relative_to(root).as_posix()
    year = re.search(r"(?m)^  - date: (\d{4})", path.read_text(encoding="utf-8")).group(1)
    edit(root, rel, f"  - date: {year}", "  - date: 1901")
    assert_same_as_clean(root, builder, tmp_path, "an event moved to a new year")
    timeline = tmp_path / "serve/timeline/index.html"
    assert ">1901<" in timeline.read_text(encoding="utf-8")
    edit(root, rel, "  - date: 1901", f"  - date: {int(year) + 1}")
    assert_same_as_clean(root, builder, tmp_path, "an event moved to a year the timeline has")
    assert ">1901<" not in timeline.read_text(encoding="utf-8")


def test_files_racy_at_a_build_are_digested_between_builds_once_settled(example, tmp_path,
                                                                          monkeypatch):
    """A preview started on a site just written (or copied) finds its files racy: known by
    their bytes, not their metadata. Once they settle, the warm-up after the build digests
    them under their metadata and stores the digests, and loads seeds/ and content/ as
    the next build will know them, so the next build (the author's first save) reads no
    file, loads no seed, asks for no briefing's or topic's parse and stores nothing
    again."""
    from sitegen.engine.store import Store
    from sitegen.load import files

    monkeypatch.setattr(files, "SETTLE_NS", 300_000_000)
    inputs = [p for top in ("content", "seeds") for p in (example / top).rglob("*")
              if p.is_file()]
    for path in inputs:
        path.touch()
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()  # its scan finds them racy
    while builder.warm_up(1):  # (waits until they settled: see files.settling)
        pass
    store = Store(example)
    stored = store.steps()
    store.close()
    assert stored["file-digest"] >= len(inputs) > 10
    read, real = [], files.file_sha256
    monkeypatch.setattr(files, "file_sha256", lambda path: read.append(path) or real(path))
    result = builder.build()
    assert not read and result.rendered == 0
    assert builder.cache.hits("seeds") == 1
    for step in ("briefing", "topic"):  # (their parses carried, by their metadata now)
        assert builder.cache.hits(step) == builder.cache.misses(step) == 0, step
    store = Store(example)
    assert store.steps() == stored
    store.close()
    monkeypatch.undo()
    assert_same_as_clean(example, builder, tmp_path, "after the racy files settled")


def test_the_warm_up_loads_content_again_only_for_a_site_just_written_and_as_scanned(
        example, tmp_path, monkeypatch):
    """The warm-up loads content/ ahead only where most of its files were racy (a site
    just written, not a save's own file), and only while a look at it again finds it as
    the build's scan saw it (a briefing edited since is the next build's to meet)."""
    from sitegen.engine import rebuild
    from sitegen.load import files

    monkeypatch.setattr(files, "SETTLE_NS", 300_000_000)
    loads, real = [], rebuild.load_briefings
    monkeypatch.setattr(rebuild, "load_briefings", lambda *a: loads.append(1) or real(*a))
    builder = IncrementalBuilder(example, tmp_path / "serve")
    time.sleep(0.4)  # (the site's files settle)
    builder.build()
    edit(example, BRIEFING, "## Assessment", "## Our assessment")  # a save: one racy file
    builder.build()
    while builder.warm_up(1):
        pass
    assert not loads
    for path in (example / "content").rglob("*"):
        if path.is_file():
            path.touch()
    builder.build()  # every file of content/ racy, and one edited before the warm-up
    edit(example, BRIEFING, "## Our assessment", "## The assessment")
    while builder.warm_up(1):
        pass
    assert not loads
    assert_same_as_clean(example, builder, tmp_path, "after an edit during the warm-up")


def test_a_warm_up_waiting_for_files_to_settle_gives_way_at_once(example, tmp_path,
                                                                 monkeypatch):
    """While the warm-up waits for racy files to settle, each call returns after one
    short sleep, whatever time it was given: the preview looks for a save after each."""
    from sitegen.load import files

    monkeypatch.setattr(files, "SETTLE_NS", 3_000_000_000)
    for path in (example / "content/briefings").iterdir():
        path.touch()
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    start = time.monotonic()
    assert builder.warm_up(10) is True and time.monotonic() - start < 0.5


def test_the_warm_up_leaves_alone_a_seeds_folder_changed_since_the_builds_scan(
        example, tmp_path, monkeypatch):
    """The warm-up loads seeds/ ahead only while a look at it again finds it as the
    build's scan saw it: a seed since turned into a pipe (whose reading would wait for a
    writer for ever) is for the next build to meet."""
    import threading

    from sitegen.load import files

    monkeypatch.setattr(files, "SETTLE_NS", 300_000_000)
    for path in (example / "seeds").iterdir():
        path.touch()
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()  # its scan finds the seeds racy
    seed = sorted((example / "seeds").glob("*.txt"))[0]
    seed.unlink()
    os.mkfifo(seed)
    done = threading.Event()

    def warm_up():
        while builder.warm_up(1):
            pass
        done.set()
    threading.Thread(target=warm_up, daemon=True).start()
    assert done.wait(10), "the warm-up waits on the pipe"
    assert builder.cache.hits("seeds") == builder.cache.misses("seeds") == 0


def test_a_warm_up_that_fails_ends_quietly_and_the_next_build_does_its_work(
        example, tmp_path, monkeypatch, capsys):
    """The warm-up between builds only gets ahead of the next build: an input that
    changed meanwhile or a busy store ends it quietly, a bug in it with its traceback,
    and the preview goes on."""
    import sqlite3

    from sitegen.engine import digest

    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    for error in (SiteError.at("seeds/x.txt", None, "changed"), sqlite3.OperationalError(
            "database is locked"), ZeroDivisionError("a bug")):
        def failing(self, value, error=error):
            raise error
        builder.build()
        monkeypatch.setattr(digest.Fingerprints, "__call__", failing)
        assert builder.warm_up(1) is False and builder.warm_up(1) is False
        monkeypatch.undo()
        said = capsys.readouterr().err
        assert ("ZeroDivisionError: a bug" in said) == isinstance(error, ZeroDivisionError)
    edit(example, "content/briefings/putins-red-lines.md", "title: ", "title: Still ")
    builder.build()
    assert_same_as_clean(example, builder, tmp_path, "after warm-ups that failed")


def test_a_record_made_again_equal_to_the_last_is_the_last(example):
    """Early cut-off: a seed edit makes the records of the briefings citing it again; made
    equal to the last build's, each is that very record (so what is worked out from it
    stands: see sitegen.derived)."""
    from sitegen.pipeline import load_site
    from sitegen.load.config import load_config

    memo = Memo(warm=True)

    def site():
        memo.start()
        return load_site(example, load_config(example), Collector(), memo=memo)

    before = site()
    seed = example / SEED
    seed.write_text(seed.read_text(encoding="utf-8") + "\n\nA paragraph nobody cites.\n",
                    encoding="utf-8")
    after = site()
    assert after.sources[seed.stem] != before.sources[seed.stem]
    assert after.briefings["putins-red-lines"] is before.briefings["putins-red-lines"]
    assert all(after.topics[slug] is topic for slug, topic in before.topics.items())
    edit(example, BRIEFING, "## ", "## Our ")  # the body only: its claims stay equal
    again = site()
    assert again.briefings["putins-red-lines"] is not after.briefings["putins-red-lines"]
    assert again.sources[seed.stem] is after.sources[seed.stem]
    assert memo.misses("claims") >= 1  # made again, not carried


def test_a_page_made_again_equal_to_the_last_is_the_last(example):
    """Early cut-off for the pages made anew each build (lists, home, book, timeline): one
    equal to the last build's page at its path is that very page, so page reuse knows it
    unchanged without walking it; one showing a changed record is not."""
    from sitegen.pipeline import load_site
    from sitegen.load.config import load_config
    from sitegen.pages import site_pages

    memo = Memo(warm=True)

    def pages():
        memo.start()
        site = load_site(example, load_config(example), Collector(), memo=memo)
        return {page.site_path: page for page in site_pages(site, memo=memo)}

    first, second = pages(), pages()
    assert second.keys() == first.keys()
    assert [path for path, page in second.items() if page is not first[path]] == []
    edit(example, BRIEFING, "## Assessment", "## Our assessment")  # the body only
    third = pages()
    changed = {path for path, page in third.items() if page is not second[path]}
    assert {"", "briefings/", "book/", "briefings/putins-red-lines/"} <= changed
    assert not changed & {"topics/", "search/", "404.html", "sources/"}


def test_a_carried_link_to_a_paragraph_that_went_is_reported(example, tmp_path):
    """A briefing's links are carried from build to build while what they name stays the
    same: a seed that loses the paragraph a [[source:…]] link names is not the same."""
    from sitegen.pipeline import load_site
    from sitegen.load.config import load_config

    seed = example / SEED
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text + "\n\nOne more paragraph.\n", encoding="utf-8")
    site = load_site(example, load_config(example), Collector())
    last = site.sources[seed.stem].seed.paragraph_count
    edit(example, BRIEFING, "\n---\n", f"\n---\nSee [[source:{seed.stem}#p{last}]].\n")
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    seed.write_text(text, encoding="utf-8")
    with pytest.raises(SiteError, match=f"has no paragraph 'p{last}'"):
        builder.build()


def test_records_are_fingerprinted_by_what_determines_them(example):
    """The engine knows what determines the stages' records (they know nothing of it): a
    seed, what it was parsed from (not its paragraphs); a briefing, every field but its
    body's plain text (which follows from its HTML); a claim, every field."""
    from dataclasses import replace

    from sitegen.pipeline import load_site
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    from sitegen.load.seeds import _digest

    site = load_site(example, load_config(example), Collector())
    fp = Fingerprints()
    seed = next(iter(site.sources.values())).seed
    assert fp(seed) == fp(replace(seed, blocks=(), title="follows from the digest"))
    assert fp(seed) != fp(replace(seed, digest="other")) != fp(replace(seed, path="x"))
    assert _digest("ab", "c") != _digest("a", "bc")  # a seed's digest: document + sidecar
    b = next(b for b in site.briefings.values() if b.key_points)
    kp = b.key_points[0]
    assert kp.ref and fp(kp) != fp(replace(kp, ref=None))
    assert fp(kp) != fp(replace(kp, ref=replace(kp.ref, excerpt="other")))
    assert fp(b) != fp(replace(b, body_html="<p>other</p>"))


def test_a_sources_citations_are_fingerprinted_in_place_by_every_field(example):
    """A source's citations are digested in place (each by its paragraph and its claim):
    a citation differs from the tuple of its fields, and from one of another paragraph
    or claim; equal sources digest alike."""
    from dataclasses import replace

    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    from sitegen.model.site import Citation
    from sitegen.pipeline import load_site

    site = load_site(example, load_config(example), Collector())
    source = next(s for s in site.sources.values() if s.citations)
    para, cites = source.citations[0]
    cite = cites[0]
    other_claim = next(c.claim for s in site.sources.values() for _p, cs in s.citations
                       for c in cs if c.claim != cite.claim)

    def citing(new: Citation):
        return replace(source, citations=((para, (new, *cites[1:])), *source.citations[1:]))
    fp = Fingerprints()
    assert fp(source) == Fingerprints()(replace(source))
    assert len({fp(source), fp(citing(replace(cite, para="p999"))),
                fp(citing(replace(cite, claim=other_claim)))}) == 3
    assert fp(cite) != fp((cite.para, cite.claim)) and fp((cite,)) != fp(((cite.para, cite.claim),))


def test_a_seed_edit_that_leaves_the_claims_as_they_were_keeps_their_fingerprints(example):
    from sitegen.pipeline import load_site
    from sitegen.errors import Collector
    from sitegen.load.config import load_config

    def claim_digests():
        site = load_site(example, load_config(example), Collector())
        return {(c.briefing, c.anchor): fp(c) for b in site.briefings.values()
                for c in (*b.key_points, *b.timeline)}

    fp = Fingerprints()
    before = claim_digests()
    seed = next(p for p in (example / "seeds").iterdir() if p.suffix == ".txt")
    seed.write_text(seed.read_text(encoding="utf-8") + "\n\nA paragraph nobody cites.\n",
                    encoding="utf-8")
    assert before and claim_digests() == before  # pages showing the claims stand


def test_the_writer_says_which_files_it_wrote_or_deleted(tmp_path):
    out = tmp_path / "out"
    writer = OutputWriter(out)
    writer.write([("a/index.html", b"A"), ("b/c/index.html", b"C")])
    assert writer.changed == ["SHA256SUMS", "a/index.html", "b/c/index.html"]
    os.utime(out / "a/index.html", ns=(1, 1))
    writer = OutputWriter(out)
    writer.write([("a/index.html", b"A"), ("d.txt", b"D")])
    assert writer.changed == ["SHA256SUMS", "b/c/index.html", "d.txt"]
    assert (out / "a/index.html").stat().st_mtime_ns == 1  # untouched
    assert not (out / "b").exists()  # emptied folders go too
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        ".sitegen-output", "SHA256SUMS", "a/index.html", "d.txt"]


def test_themes_outside_the_site_are_fingerprinted_too(small, tmp_path):
    """The small site uses the bundled theme: a rebuild with no change renders nothing."""
    builder = IncrementalBuilder(small, tmp_path / "serve")
    builder.build()
    assert builder.build().rendered == 0
    shutil.rmtree(tmp_path / "serve")


def test_a_themes_static_files_are_its_inputs_by_the_rule_of_the_scan(small):
    """What the no-change check looks at is what is published: no file in a hidden
    folder, no editor's backup."""
    static = small / "themes/default/static"
    (static / ".git").mkdir(parents=True)
    (static / ".git/config.css").write_text("a { }\n")
    (static / "site.css~").write_text("a { }\n")
    (static / "site.css").write_text("a { }\n")
    build(small, workers=1)
    assets = {p.name for p in (small / "public/assets").rglob("*") if p.is_file()}
    assert "site.css" in assets and not {"config.css", "site.css~"} & assets


def test_only_templates_that_read_site_depend_on_the_whole_site(example, tmp_path):
    from sitegen.pipeline import load_site
    from sitegen.engine.reuse import PartCachingRenderer
    from sitegen.load.config import load_config
    from sitegen.theme import load_theme

    builder = IncrementalBuilder(example, tmp_path / "serve")
    site = load_site(example, load_config(example), Collector())
    templates = example / "themes/default/templates"
    (templates / "counted.html").write_text(
        '{% extends "base.html" %}{% block main %}{{ site.briefings|length }}{% endblock %}')

    def renderer():
        return PartCachingRenderer(load_theme(example, "default"), site, builder.cache,
                                   builder.fingerprints)

    pages = [p.name for p in templates.glob("*.html")
             if not p.name.startswith("_") and p.name not in ("base.html", "counted.html")]
    assert pages and not any(renderer().keys.reads_site(name) for name in pages)
    assert renderer().keys.reads_site("counted.html")
    # A piece rendered with part("…") counts as read by the page that uses it.
    edit(example, "themes/default/templates/_book_chapter.html", "<section class=",
         "{{ site.topics|length }}<section class=")
    assert renderer().keys.reads_site("book.html") and renderer().keys.reads_site("_book_chapter.html")
    assert not renderer().keys.reads_site("briefing.html")
    edit(example, "themes/default/templates/base.html", "</footer>",
         "{{ site.topics|length }}</footer>")
    assert all(renderer().keys.reads_site(name) for name in pages)


def test_a_piece_sees_only_what_it_is_given_and_keeps_404_links_rooted(example, tmp_path):
    """part("…") renders a piece with the globals, its arguments and a data-less `page`;
    in 404.html its links stay root-absolute. Incremental builds equal clean ones."""
    templates = example / "themes/default/templates"
    (templates / "_piece.html").write_text(
        '<a href="{{ url("topics/") }}">{{ label }}</a> {{ page.data | length }}')
    edit(example, "themes/default/templates/404.html", "<h1>Page not found</h1>",
         '<h1>Page not found</h1>{{ part("_piece.html", label="All topics") }}')
    builder = IncrementalBuilder(example, tmp_path / "serve")
    assert_same_as_clean(example, builder, tmp_path, "404 with a piece")
    page = (builder.out / "404.html").read_text(encoding="utf-8")
    assert '<a href="/briefings/topics/index.html">All topics</a> 0' in page
    edit(example, "themes/default/templates/404.html", 'label="All topics"', 'label="Topics"')
    assert_same_as_clean(example, builder, tmp_path, "the piece's argument changed")
    assert ">Topics</a>" in (builder.out / "404.html").read_text(encoding="utf-8")


def test_a_builder_with_workers_renders_in_them_and_keeps_what_they_made(
        example, tmp_path, monkeypatch):
    """In the preview's build process, pages and the book's chapters are rendered in
    worker processes; the builder keeps what it needs to reuse the pages (their keys), not
    the chapters workers rendered (see engine.reuse.PartCachingRenderer)."""
    from conftest import record_calls
    from sitegen.runtime import parallel
    from sitegen.render import Renderer

    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)  # fork even for a few pages
    pages, chapters = tmp_path / "pages", tmp_path / "chapters"
    record_calls(monkeypatch, Renderer, "stream", pages,
                 lambda _self, page: f"{os.getpid()} {page.site_path}")
    record_calls(monkeypatch, Renderer, "render_part", chapters,
                 lambda _self, page, template, data: os.getpid())
    builder = IncrementalBuilder(example, tmp_path / "serve", workers=2)

    def same_as_clean(step: str) -> None:
        build(example, out_dir=str(tmp_path / "clean"), workers=1, cache=False)
        assert snapshot(builder.out) == snapshot(tmp_path / "clean"), step

    first = builder.build()
    made = pages.read_text().splitlines()
    assert first.rendered == first.pages == len(made)
    assert str(os.getpid()) not in {line.split()[0] for line in made}
    book = chapters.read_text().split()
    assert len(book) > 3 and str(os.getpid()) not in book
    same_as_clean("first build")
    pages.unlink(), chapters.unlink()

    assert builder.build().rendered == 0 and not pages.exists()  # all kept from the workers
    edit(example, BRIEFING, "title: ", "title: Updated ")
    result = builder.build()
    assert 0 < result.rendered == len(pages.read_text().splitlines()) < first.pages
    assert len(chapters.read_text().split()) == len(book)  # its volume whole, on a worker
    same_as_clean("one briefing edited")


def test_a_large_sites_few_pages_fork_when_made_from_nothing_not_when_rebuilt(
        example, tmp_path, monkeypatch):
    """On a large site `build` and the preview fork even for a few pages (the book, made
    from nothing, is much work; workers write them, so nothing comes back through a
    pipe); a rebuild's few pages reuse their pieces and are rendered where they are."""
    from conftest import record_calls
    from sitegen import pipeline as build_module
    from sitegen.render import Renderer

    monkeypatch.setattr(build_module, "LARGE_SITE", 0)  # every site is large
    monkeypatch.setattr(build_module, "fork_map", counting := _Counting(build_module.fork_map))
    builder = IncrementalBuilder(example, tmp_path / "serve", workers=2)
    builder.build()
    assert counting.few == [2]
    log = tmp_path / "rendered"
    record_calls(monkeypatch, Renderer, "stream", log, lambda _self, _page: os.getpid())
    edit(example, BRIEFING, "title: ", "title: Updated ")
    assert 0 < builder.build().rendered < 200
    assert set(log.read_text().split()) == {str(os.getpid())}
    log.unlink()
    shutil.rmtree(tmp_path / "serve")
    assert counting.few == [2]  # the rebuild did not fork for its few pages
    builder.build()  # its folder gone: every page made again, in workers
    assert str(os.getpid()) not in set(log.read_text().split()) and counting.few == [2, 2]


class _Counting:
    """fork_map, noting the `min_items` of each call that renders pages."""

    def __init__(self, fork_map):
        self.fork_map, self.few = fork_map, []

    def __call__(self, fn, items, workers, min_items=None, label=""):
        if label == "rendering pages" and min_items:
            self.few.append(min_items)
        return self.fork_map(fn, items, workers, min_items=min_items, label=label)


def test_a_restarted_preview_starts_warm_from_the_store(example, tmp_path):
    first = IncrementalBuilder(example, tmp_path / "one")
    first.build()
    again = IncrementalBuilder(example, tmp_path / "two")  # as a new preview would
    result = again.build()
    memo = again.cache
    assert memo.misses("seed") == memo.misses("briefing") == memo.misses("markdown") == 0
    assert memo.hits("briefing") >= 4
    assert result.rendered == result.pages  # its own output folder: every page is written
    build(example, out_dir=str(tmp_path / "clean"), cache=False)
    def pages(folder):
        return {k: v for k, v in snapshot(folder).items() if k != ".sitegen-output"}

    assert pages(tmp_path / "two") == pages(tmp_path / "clean")


def test_a_bodys_length_for_search_is_stored_with_its_markdown(example, monkeypatch):
    """The length of a briefing's body text (which weighs the body's words in search) is
    worked out with its HTML, where the Markdown is rendered, and stored with it: a new
    process that finds the Markdown in the store works out neither. The text itself is
    worked out where the search index is made."""
    from sitegen import search
    from sitegen.engine.store import Store
    from sitegen.load.config import load_config
    from sitegen.model import graph
    from sitegen.model.markup import html_text
    from sitegen.pipeline import load_site
    from sitegen.search.scripts import json_text

    memo = Memo(Store(example))
    memo.start()
    site = load_site(example, load_config(example), Collector(), memo=memo)
    memo.save()
    texts = {slug: html_text(b.body_html) for slug, b in site.briefings.items()}
    assert all(texts.values())
    assert {slug: b.body_chars for slug, b in site.briefings.items()} == \
        {slug: len(text) for slug, text in texts.items()}

    def unexpected(*_args):
        raise AssertionError("worked out again")
    monkeypatch.setattr(graph, "html_text", unexpected)
    monkeypatch.setattr(graph.MarkdownRenderer, "render", unexpected)
    again = Memo(Store(example))
    again.start()
    site = load_site(example, load_config(example), Collector(), memo=again)
    assert {slug: b.body_chars for slug, b in site.briefings.items()} == \
        {slug: len(text) for slug, text in texts.items()}
    words = {w for text in texts.values() for w in search.terms(text)}
    files = dict(search.index_files(site, 1, again))
    index = b"".join(data for rel, data in files.items() if rel.startswith("search/t/"))
    assert all(f'"{w}":'.encode() in index for w in words)
    shown = b"".join(data for rel, data in files.items() if rel.startswith("search/d/b"))
    assert all(json_text(text).encode() in shown for text in texts.values())


def test_the_preview_collects_what_its_builds_no_longer_use(example, tmp_path):
    from sitegen.engine.store import Store

    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    count = Store(example).steps()
    for word in ("First", "Second", "Third"):
        edit(example, BRIEFING, "## ", f"## {word} ")
        builder.build()
    assert Store(example).steps()["briefing"] > count["briefing"]  # the edits' parses, stored
    builder.idle()
    # The old parses go; the Markdown and claims of the briefings whose records the builds
    # took as they were (without asking for them) stay.
    for step in ("briefing", "markdown", "claims"):
        assert Store(example).steps()[step] == count[step], step


def test_the_preview_warms_up_between_builds_what_its_workers_made(example, tmp_path,
                                                                   monkeypatch):
    """After a build whose pages workers rendered, the preview's pause between builds
    compiles the templates and digests the records in the builder's process, so the next
    edit's build does neither for what it did not change."""
    import jinja2
    from sitegen.runtime import parallel

    few = parallel.MIN_ITEMS
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)  # fork even for a few pages
    builder = IncrementalBuilder(example, tmp_path / "serve", workers=2)
    builder.build()
    monkeypatch.setattr(parallel, "MIN_ITEMS", few)  # an edit's few pages: rendered here
    builder.idle()
    steps = 0
    while builder.warm_up(0):
        steps += 1
    assert steps > 10  # a step at a time: a save may come meanwhile
    compiled, digested = [], []
    compile_ = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile",
                        lambda env, *a, **k: compiled.append(a) or compile_(env, *a, **k))
    digest = Fingerprints._digest
    monkeypatch.setattr(Fingerprints, "_digest",
                        lambda fp, obj: digested.append(obj) or digest(fp, obj))
    edit(example, BRIEFING, "title: ", "title: Retitled, ")
    result = builder.build()
    assert result.rendered > 3  # the pages listing it too
    assert compiled == []
    briefings = {getattr(o, "slug", None) for o in digested if type(o).__name__ == "Briefing"}
    # Made anew: the edited briefing's record, and that of the one linking it by title.
    assert briefings == {"putins-red-lines", "talks-with-russia-break-down"}


def test_the_preview_lets_go_between_builds_of_what_its_builds_no_longer_use(example,
                                                                           tmp_path):
    """What an edit left unused (the old parses) is let go of in the pause after the
    build, not while the author waits for it."""
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    count = builder.cache.held("briefing")
    for path in briefing_files(example):
        path.write_text(path.read_text(encoding="utf-8") + "\nOne more line.\n",
                        encoding="utf-8")
    builder.build()
    assert builder.cache.held("briefing") == 2 * count  # the old parses, kept meanwhile
    builder.idle()
    assert builder.cache.held("briefing") == count


def test_the_preview_reports_a_topic_gone_that_an_unchanged_briefing_names(example, tmp_path):
    """The names a briefing gives are checked again when the names known change, though
    the briefing did not: the warm preview reports what a clean build does."""
    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    (example / "content/topics/minsk-agreements.yaml").unlink()
    with pytest.raises(SiteError) as warm:
        builder.build()
    with pytest.raises(SiteError) as clean:
        build(example, out_dir=str(tmp_path / "clean"), cache=False)
    assert "unknown topic 'minsk-agreements'" in str(warm.value)
    assert [str(p) for p in warm.value.problems] == [str(p) for p in clean.value.problems]


def test_the_preview_collects_nothing_after_a_failed_build(example, tmp_path):
    from sitegen.engine.store import Store

    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    before = Store(example).steps()
    edit(example, BRIEFING, "title: ", "title: [broken\n")
    with pytest.raises(SiteError):
        builder.build()
    builder.idle()
    assert Store(example).steps() == before


def test_a_rebuild_takes_the_watchers_scan_and_walks_nothing_itself(example, tmp_path,
                                                                   monkeypatch):
    from sitegen.engine import record
    from sitegen.load.scan import Scan
    from sitegen.runtime.watch import Watcher

    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    watcher = Watcher(example, notify=False)
    try:
        edit(example, BRIEFING, "## Assessment", "## Our assessment")
        assert watcher.changes() == {BRIEFING}
        monkeypatch.setattr(record, "inputs", lambda *a: pytest.fail("a walk of its own"))
        walks = []
        monkeypatch.setattr(Scan, "_walk", lambda *a: walks.append(a) or pytest.fail("walked"))
        result = builder.build(watcher.state)
    finally:
        watcher.close()
    assert "briefings/putins-red-lines/index.html" in result.changed and walks == []
    monkeypatch.undo()
    assert_same_as_clean(example, builder, tmp_path, "after the edit")


def test_a_rebuild_from_an_updated_scan_reports_the_folders_problems_again(example, tmp_path,
                                                                           monkeypatch):
    """A warm rebuild takes the plan of what to parse in a folder as it was while its
    listing is (see load.folders.plan): the problems of that listing are reported again
    all the same, as a clean build reports them."""
    from sitegen.load import folders
    from sitegen.load.scan import Scan
    from sitegen.runtime.watch import WATCHED

    (example / "content/briefings/notes.txt").write_text("not a briefing")
    builder = IncrementalBuilder(example, tmp_path / "serve")
    scan = Scan(example, WATCHED)
    first = builder.build(scan).warnings
    assert any(w.path == "content/briefings/notes.txt" for w in first)
    edit(example, BRIEFING, "## Assessment", "## Our assessment")
    scan = scan.updated([str(example / BRIEFING)])
    assert scan is not None
    listed, real = [], folders._files
    monkeypatch.setattr(folders, "_files", lambda root, folder, *a, **k: listed.append(folder)
                        or real(root, folder, *a, **k))
    again = builder.build(scan).warnings
    assert again == first and listed == []  # the plans stood, their problems again
    monkeypatch.undo()
    assert_same_as_clean(example, builder, tmp_path, "after the edit")


def test_a_folders_plan_follows_a_briefing_folders_index_that_changed_kind(small):
    """The plan of content/briefings/ stands while the scan's listing of it does; whether
    a briefing's own folder is one depends on its index.md being a file, so a change of
    that file's kind (a pipe now, a file again) is a new plan, as a clean load makes it."""
    from sitegen.load.folders import BRIEFINGS_DIR, plan
    from sitegen.load.scan import Scan
    from sitegen.memo import no_memo
    from sitegen.runtime.watch import WATCHED

    index = small / "content/briefings/bundle/index.md"
    index.parent.mkdir()
    index.write_text("x")
    memo = Memo(warm=True)

    def planned(scan, memo):
        out = Collector()
        paths = [rel for _path, rel, _slug in plan(small, BRIEFINGS_DIR, (".md",), "briefing",
                                                    out, memo, scan)]
        return paths, [str(p) for p in out.problems]
    scan = Scan(small, WATCHED)
    assert "content/briefings/bundle/index.md" in planned(scan, memo)[0]
    for step in ("a pipe now", "a file again"):
        index.unlink()
        if step == "a pipe now":
            os.mkfifo(index)
        else:
            index.write_text("x")
        scan = scan.updated([str(index)])
        assert scan is not None
        assert planned(scan, memo) == planned(Scan(small, WATCHED), no_memo), step


def test_a_rebuild_knows_its_folders_manifest_without_reading_it(example, tmp_path,
                                                                monkeypatch):
    """The preview's folder is its own: the digests of the files that stand come from its
    previous build, not from reading and checking the manifest again."""
    from sitegen import write

    builder = IncrementalBuilder(example, tmp_path / "serve")
    builder.build()
    edit(example, BRIEFING, "## Assessment", "## Our assessment")
    monkeypatch.setattr(write, "read_manifest", lambda *a: pytest.fail("read the manifest"))
    result = builder.build()
    assert 0 < result.rendered < result.pages
    monkeypatch.undo()
    assert_same_as_clean(example, builder, tmp_path, "after the edit")


def test_a_seed_that_came_and_went_after_the_watchers_scan_is_not_remembered(
        example, tmp_path, monkeypatch):
    """The watcher's scan can be older than the build's listing of seeds/: what the
    listing found is not remembered under the scan's state of the folder."""
    from sitegen.load import files
    from sitegen.runtime.watch import Watcher

    monkeypatch.setattr(files, "SETTLE_NS", -10**12)  # every file settled: seeds/ is remembered
    builder = IncrementalBuilder(example, tmp_path / "serve")
    extra = example / "seeds/extra.txt"
    extra.write_text("An extra source\n\nOne paragraph.\n")
    builder.build()
    watcher = Watcher(example, notify=False)
    try:
        extra.unlink()
        assert watcher.changes() == {"seeds/extra.txt"}
        scan = watcher.state  # seeds/ as it is now: a state no build has seen
        passing = example / "seeds/passing.txt"
        passing.write_text("A passing source\n\nIt was here for a moment.\n")
        builder.build(scan)  # the scan does not know the file the build lists
        passing.unlink()
        assert watcher.changes() == set()  # it came and went between two scans
        edit(example, BRIEFING, "## Assessment", "## Our assessment")
        assert watcher.changes() == {BRIEFING}
        builder.build(watcher.state)
    finally:
        watcher.close()
    clean = build(example, out_dir=str(tmp_path / "clean"), cache=False)
    assert snapshot(builder.out) == snapshot(tmp_path / "clean") and clean.site is not None


def test_a_copied_file_changed_after_its_digest_was_taken_is_never_published_as_it(
        example, tmp_path):
    """A seed's original is copied with the digest its load took: bytes that changed
    since (here between the watcher's scan and the build) are an error of that file, not
    published under the old digest, where they would stand for good."""
    from sitegen.runtime.watch import Watcher

    seed = example / "seeds/zz.txt"
    first, second = ("A source\n\nThe first version of the paragraph.\n",
                     "A source\n\nThe second version, of another length.\n")
    builder = IncrementalBuilder(example, tmp_path / "serve")
    seed.write_text(first)
    builder.build()
    seed.write_text(second)
    builder.build()
    seed.write_text(first)
    watcher = Watcher(example, notify=False)  # its scan sees the first version …
    try:
        seed.write_text(second)  # … saved over again before the build runs
        with pytest.raises(SiteError, match="seeds/zz.txt: .*changed while the site"):
            builder.build(watcher.state)
        seed.write_text(first)
        watcher.changes()
        builder.build(watcher.state)
    finally:
        watcher.close()
    build(example, out_dir=str(tmp_path / "clean"), cache=False)
    assert snapshot(builder.out) == snapshot(tmp_path / "clean")


def test_a_page_shows_the_records_it_names_as_they_are_now(small, tmp_path):
    """A page is made from the records it shows (pages.py): when one of them changes and
    nothing else of the page does — a related briefing's title, a topic's, a source's —
    the warm rebuild's page still equals a clean build's. (No body links another page,
    and the briefing shown as related is not the one next to it in time.)"""
    first = small / "content/briefings/harbour-reopens.md"
    text = first.read_text(encoding="utf-8").replace("The [[harbour-town]] story.",
                                                    "No links in this body.")
    first.write_text(text, encoding="utf-8")
    (small / "seeds/other.txt").write_text((small / "seeds/harbour.txt").read_text())
    (small / "content/topics/ferries.yaml").write_text("title: Ferries\n")
    for slug, day, topic in (("middle-one", "03", "ferries"), ("ferries-return", "05",
                                                                "harbour-town")):
        (small / f"content/briefings/{slug}.md").write_text(
            text.replace("title: Harbour reopens", f"title: About {slug}")
            .replace("date: 2024-03-01", f"date: 2024-03-{day}")
            .replace("seeds: [harbour]", "seeds: [other]")
            .replace("topics: [harbour-town]", f"topics: [{topic}]"), encoding="utf-8")
    builder = IncrementalBuilder(small, tmp_path / "serve")
    assert_same_as_clean(small, builder, tmp_path, "first build")
    for step, (rel, old, new) in {
        "a related briefing's title": ("content/briefings/ferries-return.md",
                                       "title: About ferries-return", "title: Ferries back"),
        "a topic's title": ("content/topics/ferries.yaml", "title: Ferries",
                            "title: Ferry lines"),
        "a source's title": ("seeds/other.txt", "A Small Source", "Another Small Source"),
    }.items():
        edit(small, rel, old, new)
        assert_same_as_clean(small, builder, tmp_path, step)


def test_a_body_that_gains_a_relative_link_has_it_resolved_in_a_warm_rebuild(small, tmp_path):
    """Which bodies hold relative links is remembered per body (model.hrefs): a site with
    none skips resolving them, until one body gains one."""
    builder = IncrementalBuilder(small, tmp_path / "serve")
    assert_same_as_clean(small, builder, tmp_path, "first build: no relative link")
    edit(small, "content/briefings/harbour-reopens.md", "The [[harbour-town]] story.",
         "The [[harbour-town]] story, from [the source](../../seeds/harbour.txt#p2).")
    assert_same_as_clean(small, builder, tmp_path, "a relative link")
    page = (builder.out / "briefings/harbour-reopens/index.html").read_text(encoding="utf-8")
    assert 'href="../../sources/harbour/index.html#p2"' in page
