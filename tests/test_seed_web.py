"""Saved web pages as seeds: the article only, the page's own metadata, the sidecar switch."""
from __future__ import annotations

import datetime
from pathlib import Path

from sitegen.load.seed_folder import load_seeds

ARTICLE = [
    "The standard Rust distribution ships with a tool called rustdoc. Its job is to generate "
    "documentation for Rust projects from the comments in their sources.",
    "Let's give it a try! Create a new project with Cargo. In src/lib.rs, Cargo has generated "
    "some sample code; delete it and replace it with a documented function.",
    "We can then run rustdoc on our code, which writes documentation into a doc directory next "
    "to the sources. Open it in a browser to see the result.",
]

SAVED_PAGE = f"""<!doctype html><html lang="en"><head>
<title>What is rustdoc? - The rustdoc book</title>
<meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2024-03-05T10:00:00Z">
</head><body>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience.
<button>Accept all cookies</button></p></div>
<nav aria-label="Chapters"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul>
<p>Press ← or → to navigate between chapters</p>
<ul><li>Light</li><li>Rust</li><li>Coal</li><li>Navy</li></ul></nav>
<main><article><h1>What is rustdoc?</h1>
<p>{ARTICLE[0]}</p>
<h2>Basic usage</h2>
<p>{ARTICLE[1]}</p>
<p>{ARTICLE[2]}</p>
</article></main>
<section class="comments" id="comments"><h3>Comments</h3>
<p>Great article! I loved it, thanks for writing it up for all of us.</p></section>
<footer><p>© 2024 The Rust Project Developers. All rights reserved. Terms of use.</p></footer>
</body></html>
"""


def _site(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "seeds").mkdir()
    for rel, text in files.items():
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_saved_page_gives_the_article_only_with_its_metadata(tmp_path):
    seeds, problems = load_seeds(_site(tmp_path, {"seeds/rustdoc.html": SAVED_PAGE}))
    assert problems == []
    seed = seeds["rustdoc"]
    assert [(b.kind, b.text) for b in seed.blocks] == [
        ("paragraph", ARTICLE[0]), ("heading", "Basic usage"),
        ("paragraph", ARTICLE[1]), ("paragraph", ARTICLE[2])]
    assert seed.paragraph("p1").line == SAVED_PAGE.split("\n").index(f"<p>{ARTICLE[0]}</p>") + 1
    assert seed.title == "What is rustdoc?"
    assert seed.meta.author == "Jane Roe"
    assert seed.meta.published == datetime.date(2024, 3, 5)


def test_the_sidecar_wins_over_the_page_and_can_turn_extraction_off(tmp_path):
    root = _site(tmp_path, {"seeds/rustdoc.html": SAVED_PAGE,
                            "seeds/rustdoc.yaml": "extract: false\nauthor: The Rustdoc Team\n"})
    seeds, problems = load_seeds(root)
    seed = seeds["rustdoc"]
    texts = [b.text for b in seed.paragraphs]
    assert "Press ← or → to navigate between chapters" in texts and ARTICLE[0] in texts
    assert seed.meta.author == "The Rustdoc Team"
    (root / "seeds/rustdoc.yaml").write_text("extract: true\n", encoding="utf-8")
    seeds, _ = load_seeds(root)
    assert [b.text for b in seeds["rustdoc"].paragraphs] == ARTICLE


def test_a_page_without_chrome_is_a_document_read_whole(tmp_path):
    short = "<p>Short line.</p>"  # the kind of paragraph an article extractor may drop
    page = f"<html><head><title>Memo</title></head><body><p>{ARTICLE[0]}</p>{short}</body></html>"
    seeds, problems = load_seeds(_site(tmp_path, {"seeds/memo.html": page}))
    assert problems == []
    assert [b.text for b in seeds["memo"].paragraphs] == [ARTICLE[0], "Short line."]


def test_a_page_with_no_article_says_how_to_read_it_whole(tmp_path):
    page = "<html><body><nav></nav><main><img src=chart.png alt=''></main><footer></footer></body></html>"
    _seeds, problems = load_seeds(_site(tmp_path, {"seeds/empty.html": page}))
    assert [str(p) for p in problems] == [
        "seeds/empty.html: error: no article text found in this saved page; if the whole page "
        "is content, set 'extract: false' in its sidecar"]
