"""The seed loader: .txt/.md/.html → numbered blocks, sidecar metadata, problems in files."""
from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest

from sitegen.load.seed_folder import load_seeds
from sitegen.load.seeds import Block, Seed, load_seed_file, parse_seed

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "seeds" / "000_533b14a5b1547bde.txt"

MIT = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
    "software and associated documentation files (the \"Software\"), to deal in the Software "
    "without restriction, including without limitation the rights to use, copy, modify, merge, "
    "publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons "
    "to whom the Software is furnished to do so, subject to the following conditions.  The "
    "conditions are short.",
    "The above copyright notice and this permission notice shall be included in all copies or "
    "substantial portions of the Software.",
)

HTML4 = b"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<HTML><HEAD><TITLE>Old &amp; Gold</TITLE>
<SCRIPT LANGUAGE="JavaScript"><!--
document.write("<P>script text</P>");
// --></SCRIPT>
<STYLE TYPE="text/css">P { color: red }</STYLE>
</HEAD>
<BODY BGCOLOR="#FFFFFF" onclick="alert('click handler')">
<!-- a comment that must go -->
<CENTER><FONT FACE="Arial" SIZE=4><H1>Caf&eacute; Society</H1></FONT></CENTER>
<P>First&nbsp;paragraph with <A HREF="x.html" onclick="steal()">a link</A>
and a line<BR>break.
<P>Second   paragraph, <B>bold</B> &amp; <I>italic</I>.
<H2>News</H2>
<UL><LI>one<LI>two</UL>
<TABLE BORDER=1><TR><TD>a<TD>b<TR><TD>c<TD>d</TABLE>
<PRE>  code
    indented &lt;tag&gt;</PRE>
<NOSCRIPT>Please enable JavaScript</NOSCRIPT>
</BODY></HTML>
"""

MARKDOWN = """\
Main Title
==========

Intro with a [reference link][r1] and [another one] [r2], plus `code`.

Section One
-----------

    indented code
      keeps its indentation

```python
def f():
    return 1 < 2
```

- item one
- item two
    - nested a
    - nested b
- item three

## ATX heading ##

> quoted para one
>
> quoted para two

| col a | col b |
|-------|-------|
| 1     | 2     |

[r1]: http://example.com "Title"
[r2]: <http://example.org>
"""


def parse(text: str | bytes, fmt: str = "txt", seed_id: str = "x"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    found, blocks, problems = parse_seed(seed_id, f"seeds/{seed_id}.{fmt}", data, fmt)
    return found.title or seed_id, blocks, problems


def paragraphs(blocks) -> list[str]:
    return [b.text for b in blocks if b.kind == "paragraph"]


def headings(blocks) -> list[str]:
    return [b.text for b in blocks if b.kind == "heading"]


def site(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return tmp_path


def messages(problems, severity: str = "error") -> list[str]:
    return [str(p) for p in problems if p.severity == severity]


# -- .txt -----------------------------------------------------------------------------------

def test_example_seed():
    title, blocks, problems = parse(EXAMPLE.read_bytes(), seed_id=EXAMPLE.stem)
    assert problems == []
    assert title == "Talks with Russia Break Down"
    assert headings(blocks) == ["The Russian Military Buildup Grows", "Russia Will Not Budge"]
    paras = [b for b in blocks if b.kind == "paragraph"]
    assert [b.id for b in paras] == [f"p{n}" for n in range(1, 19)]
    texts = {b.id: b.text for b in paras}
    assert texts["p1"].startswith("Moscow has left")
    assert texts["p3"].startswith("Russia has upped")
    assert texts["p11"].startswith("Putin stated, “Well, there is nowhere to retreat")
    assert texts["p11"].endswith("‘Enough!'”")
    assert texts["p12"].startswith("Russia rejected")
    assert texts["p18"].startswith("Large-scale warfare")
    assert texts["p18"].endswith("line of contact.")
    # headings sit where the document has them, with source lines
    kinds = [b.kind for b in blocks]
    assert kinds.index("heading") == 2 and blocks[2].line == 7 and blocks[2].level == 2
    assert paras[0].line == 3


def test_load_example_seed_from_repo():
    seeds, problems = load_seeds(REPO)
    seed = seeds[EXAMPLE.stem]
    assert problems == [] and isinstance(seed, Seed)
    assert seed.path == f"seeds/{EXAMPLE.name}" and seed.format == "txt"
    assert len(seed.paragraphs) == 18
    assert seed.paragraph("p3").text.startswith("Russia has upped")
    assert seed.paragraph("p19") is None and seed.paragraph("h1") is None
    assert len(seed.digest) == 64


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_endings_give_the_same_blocks(newline):
    text = EXAMPLE.read_text(encoding="utf-8")
    assert parse(text.replace("\n", newline)) == parse(text)


def test_bom_tabs_double_spaces_and_form_feeds():
    text = ("\ufeffTitle\n\n\tIndented  tab\tpara.\n\f\nNext page.\n"
            "\fAfter a form feed\nwraps here.\n")
    title, blocks, problems = parse(text)
    assert (title, paragraphs(blocks), problems) == (
        "Title", ["Indented tab para.", "Next page.", "After a form feed wraps here."], [])


def test_invisible_characters_and_unicode_spaces_are_dropped_or_collapsed():
    # ASCII lines take a shortcut; others lose soft hyphens and zero-width spaces too
    text = ("Ti\u00adtle\n\nA\u00a0\u2003Head\u200bing\n\nplain  ascii\tline.\n\n"
            "co\u00adoper\u00adate \ufeffnow.\n")
    title, blocks, problems = parse(text)
    assert (title, headings(blocks), paragraphs(blocks), problems) == (
        "Title", ["A Heading"], ["plain ascii line.", "cooperate now."], [])


def test_one_paragraph_per_line():
    text = ("My Title\nFirst paragraph is here.\nSecond one, with a “quote.”\nA Heading\n"
            "Third paragraph!\nthe last line has no punctuation")
    title, blocks, problems = parse(text)
    assert title == "My Title" and problems == []
    assert [(b.kind, b.id, b.line) for b in blocks] == [
        ("paragraph", "p1", 2), ("paragraph", "p2", 3), ("heading", None, 4),
        ("paragraph", "p3", 5), ("paragraph", "p4", 6)]
    assert paragraphs(blocks)[1] == "Second one, with a “quote.”"


def test_hard_wrapped_indented_licence_is_joined():
    wrapped = "\n\n".join(
        "\n".join("  " + line for line in textwrap.wrap(p, 70)) for p in MIT)
    text = f"  MIT License\n\n  Copyright (c) 2024 Jane Doe\n\n{wrapped}\n"
    assert len(wrapped.splitlines()) > 6  # really hard-wrapped
    title, blocks, problems = parse(text)
    assert title == "MIT License" and problems == []
    assert headings(blocks) == []  # "Copyright (c) …" is not a section heading
    assert paragraphs(blocks) == ["Copyright (c) 2024 Jane Doe", " ".join(MIT[0].split()), MIT[1]]


def test_hard_wrapped_text_without_blank_lines_is_not_one_paragraph_per_line():
    text = "Title\n" + "\n".join(textwrap.wrap(MIT[1], 40))
    title, blocks, _ = parse(text)
    assert paragraphs(blocks) == [MIT[1]]


def test_heading_rules():
    text = ("Title\n\nA Heading\n\nBody text.\n\nNot a heading, it ends with a comma,\n\n"
            "Body again.\n\n“A quoted line.”\n\nEnds with closing punctuation?)\n\n"
            "- a bullet line\n\nSigned Off")
    _, blocks, _ = parse(text)
    assert headings(blocks) == ["A Heading"]
    assert paragraphs(blocks)[-1] == "Signed Off"  # the last block is never a heading


def test_title_only_or_empty_is_an_error():
    for text in ("Only a title\n", "", "  \n\n\t\n"):
        _, blocks, problems = parse(text)
        assert paragraphs(blocks) == []
        assert messages(problems) == ["seeds/x.txt: error: no paragraphs found"]


def test_numbering_is_stable():
    data = EXAMPLE.read_bytes()
    assert parse(data) == parse(data)
    _, md_blocks, _ = parse(MARKDOWN, "md")
    assert md_blocks == parse(MARKDOWN, "md")[1]


# -- encodings --------------------------------------------------------------------------------

def test_binary_file_is_an_error():
    _, blocks, problems = parse(b"Title\n\nPara\x00graph\x01\x02", "txt")
    assert blocks == ()
    assert len(problems) == 1 and "binary file, not a text document" in str(problems[0])
    assert problems[0].path == "seeds/x.txt"


def test_cp1252_fallback_warns():
    data = "Caf\u00e9 title\n\nSome \u201cquoted\u201d text.\n".encode("cp1252")
    title, blocks, problems = parse(data)
    assert title == "Café title" and paragraphs(blocks) == ["Some “quoted” text."]
    assert messages(problems, "error") == []
    assert messages(problems, "warning") == [
        "seeds/x.txt:1: warning: not valid UTF-8 (byte 0xe9 at line 1); read as Windows-1252"]


def test_bytes_undefined_in_cp1252_fall_back_to_latin1():
    _, blocks, problems = parse(b"Title\n\nodd \x81 byte.\n")
    assert paragraphs(blocks) == ["odd \x81 byte."]
    assert "read as Latin-1" in messages(problems, "warning")[0]


def test_html_declared_charset_is_used_when_not_utf8():
    page = '<meta charset="windows-1251"><title>Новости</title><p>Привет, мир.</p>'
    title, blocks, problems = parse(page.encode("cp1251"), "html")
    assert (title, paragraphs(blocks), problems) == ("Новости", ["Привет, мир."], [])


def test_utf16_with_bom_is_text():
    title, blocks, problems = parse("Title\n\nHello world.\n".encode("utf-16"))
    assert (title, paragraphs(blocks), problems) == ("Title", ["Hello world."], [])


# -- .html ------------------------------------------------------------------------------------

def test_html4_upper_case_document():
    title, blocks, problems = parse(HTML4, "html")
    assert problems == [] and title == "Old & Gold"
    assert headings(blocks) == ["Café Society", "News"]
    assert paragraphs(blocks) == [
        "First paragraph with a link and a line break.",
        "Second paragraph, bold & italic.",
        "one", "two", "a | b", "c | d",
        "  code\n    indented <tag>",
    ]
    pre = [b for b in blocks if b.preformatted]
    assert len(pre) == 1 and pre[0].id == "p7"
    everything = " ".join(b.text for b in blocks) + title
    for hidden in ("script text", "color", "alert", "steal", "comment", "JavaScript", "<", "&nbsp"):
        assert hidden not in everything.replace("<tag>", "")
    assert blocks[1].line == 11 and blocks[2].line == 13  # the <P> tags


def test_html_title_falls_back_to_first_h1_then_id():
    title, blocks, _ = parse("<p>Intro.</p><h1>Big Title</h1><p>Body.</p>", "html")
    assert title == "Big Title" and headings(blocks) == []
    assert paragraphs(blocks) == ["Intro.", "Body."]
    title, blocks, _ = parse("<div>Just text</div>", "html", seed_id="plain")
    assert title == "plain" and paragraphs(blocks) == ["Just text"]


def test_html_containers_runs_and_nesting():
    html = """<html><body>
    <div>Loose run <b>one</b><p>Para</p>run two</div>
    <blockquote><p>Q1</p><p>Q2</p></blockquote>
    <ul><li>Outer<ul><li>inner</li></ul></li></ul>
    <dl><dt>Term<dd>Definition</dl>
    <div hidden>secret</div><span style="display: none">also secret</span>
    <template><p>template</p></template><p>&nbsp;</p>
    <table><tr><td><p>Layout cell para</p><p>second</p></td></tr></table>
    Old style<br><br>paragraph break
    </body></html>"""
    _, blocks, _ = parse(html, "html")
    assert paragraphs(blocks) == ["Loose run one", "Para", "run two", "Q1", "Q2", "Outer inner",
                                  "Term", "Definition", "Layout cell para", "second",
                                  "Old style", "paragraph break"]


# -- .md --------------------------------------------------------------------------------------

def test_markdown_document():
    title, blocks, problems = parse(MARKDOWN, "md")
    assert problems == [] and title == "Main Title"
    assert [(b.kind, b.text) for b in blocks if b.kind == "heading"] == [
        ("heading", "Section One"), ("heading", "ATX heading")]
    assert paragraphs(blocks) == [
        "Intro with a reference link and another one, plus code.",
        "indented code\n  keeps its indentation",
        "def f():\n    return 1 < 2",
        "item one", "item two nested a nested b", "item three",
        "quoted para one", "quoted para two",
        "col a | col b", "1 | 2",
    ]
    assert [b.id for b in blocks if b.preformatted] == ["p2", "p3"]
    everything = " ".join(b.text for b in blocks)
    assert "http://" not in everything and "[" not in everything and "r1" not in everything
    assert [b.line for b in blocks] == [4, 6, 9, 13, 17, 18, 21, 23, 25, 27, 29, 31]  # best effort


def test_markdown_without_leading_h1_uses_the_id():
    title, blocks, _ = parse("Intro first.\n\n# Later H1\n\nBody.\n", "md", seed_id="notes")
    assert title == "notes"
    assert [(b.kind, b.level, b.text) for b in blocks] == [
        ("paragraph", 2, "Intro first."), ("heading", 1, "Later H1"), ("paragraph", 2, "Body.")]


# -- sidecars and folders ---------------------------------------------------------------------

def test_sidecar_metadata(tmp_path):
    root = site(tmp_path, {
        "seeds/a.md": "# Doc Title\n\nBody.\n",
        "seeds/a.yaml": """
            title: Better Title
            source: The Gazette
            url: https://example.com/a
            published: 2022-01-31
            author: 'Jane Doe'
        """,
        "seeds/b.txt": "B Title\n\nBody.\n",
        "seeds/b.yml": "published: '2021-12-01'\ntitle:\n",
    })
    seeds, problems = load_seeds(root)
    assert problems == [] and list(seeds) == ["a", "b"]
    a, b = seeds["a"], seeds["b"]
    assert a.title == "Better Title"
    assert (a.meta.source, a.meta.url, a.meta.author) == (
        "The Gazette", "https://example.com/a", "Jane Doe")
    assert a.meta.published == datetime.date(2022, 1, 31)
    assert b.title == "B Title" == b.meta.title  # the document's own, the sidecar gave none
    assert b.meta.published == datetime.date(2021, 12, 1)
    alone, _ = load_seed_file(root, root / "seeds" / "b.txt")
    (root / "seeds" / "b.yml").unlink()
    without, _ = load_seed_file(root, Path("seeds/b.txt"))
    assert alone.digest != without.digest and alone.blocks == without.blocks


def test_sidecar_errors_name_the_line(tmp_path):
    root = site(tmp_path, {
        "seeds/x.txt": "X\n\nBody.\n",
        "seeds/x.yaml": "title: X\nsource: S\nauther: Me\nurl: ftp://example.com\n"
                        "published: 2022-02-30\n",
        "seeds/y.txt": "Y\n\nBody.\n",
        "seeds/y.yaml": "published: last tuesday\nzzz: 1\n",
        "seeds/z.txt": "Z\n\nBody.\n",
        "seeds/z.yaml": "title: [unclosed\n",
        "seeds/orphan.yaml": "title: Nobody\n",
    })
    seeds, problems = load_seeds(root)
    errors = messages(problems)
    assert ("seeds/x.yaml:3: error: unknown key 'auther'; did you mean 'author'? (valid keys: "
            "archived_url, author, extract, language, original, published, reliability, "
            "retrieved, source, title, url)") in errors
    assert any(e.startswith("seeds/x.yaml:4: error: 'url' must be an http") for e in errors)
    assert any(e.startswith("seeds/x.yaml:5: error: 'published' is not a real date: '2022-02-30'")
               for e in errors)
    assert any(e.startswith("seeds/y.yaml:1: error: 'published' must be a date like")
               for e in errors)
    assert ("seeds/y.yaml:2: error: unknown key 'zzz' (valid keys: archived_url, author, "
            "extract, language, original, published, reliability, retrieved, source, title, "
            "url)") in errors
    assert any(e.startswith("seeds/z.yaml:2: error: invalid YAML: ") for e in errors)
    assert any(e.startswith("seeds/orphan.yaml: error: sidecar without a seed document")
               for e in errors)
    assert len(errors) == 7
    assert seeds["x"].meta.title == "X" and seeds["x"].meta.published is None


def test_folder_problems(tmp_path):
    root = site(tmp_path, {
        "seeds/good.txt": "Good\n\nBody.\n",
        "seeds/dup.txt": "Dup\n\nBody.\n",
        "seeds/dup.md": "Body.\n",
        "seeds/bad name!.txt": "Bad\n\nBody.\n",
        "seeds/report.odt": b"PK\x03\x04",
        "seeds/report.txt": "Report\n\nConverted by hand.\n",
        "seeds/empty.html": "<html><head><title>T</title></head><body> </body></html>",
        "seeds/blob.txt": b"\x89PNG\r\n\x1a\n\x00\x00",
        "seeds/.DS_Store": b"\x00\x01",
        "seeds/notes.txt~": "backup",
        "seeds/sub/inner.txt": "Ignored\n\nSubfolders are not read.\n",
        "seeds/sub/bad.pdf": b"\x00",
    })
    seeds, problems = load_seeds(root)
    assert list(seeds) == ["good", "report"]
    errors = messages(problems)
    assert any(e.startswith("seeds/dup.txt: error: two seeds have the id 'dup'") for e in errors)
    assert any(e.startswith("seeds/bad name!.txt: error: seed id 'bad name!' cannot be used in "
                            "URLs; rename the file to 'bad-name.txt'") for e in errors)
    assert ("seeds/report.odt: warning: ignored: not a seed format (seeds are .txt, .md, .html,"
            " .pdf or .docx files; convert other formats to one)" in messages(problems, "warning"))
    assert "seeds/empty.html: error: no paragraphs found" in errors
    assert any(e.startswith("seeds/blob.txt: error: binary file, not a text document")
               for e in errors)
    assert len(errors) == 4


def test_ids_differing_only_in_case_are_duplicates(tmp_path):
    root = site(tmp_path, {"seeds/Note.txt": "N\n\nA.\n", "seeds/note.md": "B.\n"})
    seeds, problems = load_seeds(root)
    assert seeds == {} and "two seeds have the id" in messages(problems)[0]


def test_missing_seeds_folder(tmp_path):
    assert load_seeds(tmp_path) == ({}, [])


def test_block_is_plain_frozen_data():
    block = Block("paragraph", "a < b & c", "p1")
    assert (block.level, block.line, block.preformatted) == (2, 0, False)
    with pytest.raises(AttributeError):
        block.text = "changed"  # type: ignore[misc]
    _, blocks, _ = parse("<p>a &lt; b &amp; c</p>", "html")
    assert blocks[0].text == "a < b & c"  # unescaped: escaping happens when rendering


def test_a_seeds_blocks_stay_pickled_when_read():
    import pickle

    from sitegen.load.blocks import Blocks

    blocks = Blocks([Block("heading", "Title", None, 1), Block("paragraph", "Text.", "p1")])
    back = pickle.loads(pickle.dumps(blocks))
    assert back._items is None  # one bytes object…
    assert pickle.loads(pickle.dumps(back)) == blocks  # saved again without being read
    assert back.paragraph_count == 1 and back.paragraph_chars == len("Text.")
    assert [b.id for b in back] == [None, "p1"] and len(back) == 2 and back[1].text == "Text."
    assert back == tuple(blocks) and hash(back) == hash(tuple(blocks))
    assert back._items is None  # …also once read: reading keeps nothing


def test_a_seed_answers_for_its_paragraphs_without_reading_them(tmp_path, monkeypatch):
    import pickle

    from sitegen.load.blocks import Blocks
    from sitegen.load.seed_folder import load_seeds

    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "doc.txt").write_text("Title\n\nOne.\n\nTwo.\n\nThree.\n")
    seed = pickle.loads(pickle.dumps(load_seeds(tmp_path)[0]["doc"]))  # as from the cache
    ids = ("p1", "p3", "p0", "p4", "p01", "1", "p", "p-1", "q2", "p\u0661")
    reads = []
    get = Blocks._get
    monkeypatch.setattr(Blocks, "_get", lambda self: reads.append(1) or get(self))
    answers = [seed.paragraph_count] + [seed.has_paragraph(pid) for pid in ids]
    assert not reads
    assert answers == [3] + [seed.paragraph(pid) is not None for pid in ids] == [
        3, True, True, False, False, False, False, False, False, False, False]
    assert [p.id for p in seed.paragraphs] == ["p1", "p2", "p3"]
    assert seed.paragraph("p2").text == "Two." and reads
    assert seed.blocks._items is None  # read, and not kept


def test_txt_rules_make_headings_as_people_write_them():
    from sitegen.load.seeds import parse_seed

    text = ("Annual Report\n=============\n\nExecutive Summary\n-----------------\n"
            "The year was good. Revenue grew.\n\n*****************\n* MAIN FINDINGS *\n"
            "*****************\n\nFindings paragraph one is long enough to be one.\n\n"
            "=================\n  RECOMMENDATIONS\n=================\n\nWe recommend things.\n"
            "Conclusion\n----------\nFinal words here.\n\n* * *\n\nAfter a separator.\n")
    found, blocks, problems = parse_seed("x", "seeds/x.txt", text.encode(), "txt")
    assert found.title == "Annual Report" and problems == []
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "Executive Summary"), ("paragraph", "The year was good. Revenue grew."),
        ("heading", "MAIN FINDINGS"),
        ("paragraph", "Findings paragraph one is long enough to be one."),
        ("heading", "RECOMMENDATIONS"), ("paragraph", "We recommend things."),
        ("heading", "Conclusion"), ("paragraph", "Final words here."),
        ("paragraph", "After a separator.")]
    assert [b.line for b in blocks if b.kind == "heading"] == [4, 9, 15, 19]


def test_a_rule_under_a_paragraph_only_ends_it():
    from sitegen.load.seeds import parse_seed

    text = ("Doc\n\nA paragraph that wraps\nover two lines.\n----------\n"
            "A table | with | pipes |\nmore.\n\nWe recommend things.\nConclusion\n----------\n"
            "Final.\n")
    _title, blocks, _problems = parse_seed("x", "seeds/x.txt", text.encode(), "txt")
    assert [(b.kind, b.text) for b in blocks] == [
        ("paragraph", "A paragraph that wraps over two lines."),
        ("paragraph", "A table | with | pipes | more."),
        ("paragraph", "We recommend things."), ("heading", "Conclusion"),
        ("paragraph", "Final.")]
