"""The .docx seed reader: real Word files built with python-docx, then bent where python-docx
cannot write what Word does (footnotes, tracked changes, text boxes, broken or hostile zips)."""
from __future__ import annotations

import datetime
import io
import random
import struct
import tracemalloc
import zipfile
import zlib

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml

from sitegen.load import seed_docx
from sitegen.load.document import Chunk, Unreadable
from sitegen.load.seed_docx import docx_document

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = (f'xmlns:w="{W_NS}" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:v="urn:schemas-microsoft-com:vml" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"')
REL_NOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}s"
CT_NOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}s+xml"


# -- building files --------------------------------------------------------------------------

def save(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def new_doc():
    """A document whose core properties say nothing (the template's own would leak in)."""
    doc = docx.Document()
    props = doc.core_properties
    props.title, props.author = "", ""
    created = props._element.find("{http://purl.org/dc/terms/}created")
    props._element.remove(created)
    return doc


def xml(fragment: str):
    """An element from a WordprocessingML fragment; its first tag gets the namespaces."""
    head, _, rest = fragment.partition(">")
    closing = head.endswith("/")
    head = head[:-1] if closing else head
    return parse_xml(f"{head} {NS}{'/' if closing else ''}>{rest}")


def append_xml(paragraph, fragment: str) -> None:
    paragraph._p.append(xml(fragment))


def note_ref(paragraph, note_id: int, kind: str = "footnote") -> None:
    append_xml(paragraph, f'<w:r><w:{kind}Reference w:id="{note_id}"/></w:r>')


def rewrite(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    """The zip with members replaced, added (new names) or removed (None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            if name not in changes:
                dst.writestr(name, src.read(name))
        for name, content in changes.items():
            if content is not None:
                dst.writestr(name, content)
    return out.getvalue()


def with_notes(data: bytes, notes: dict[int, str], kind: str = "footnote",
               extra: str = "") -> bytes:
    """Add word/{kind}s.xml holding Word's two separator notes and `notes` (id → text), plus
    its relationship and content type, as Word writes them."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        rels = z.read("word/_rels/document.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
    body = "".join(
        f'<w:{kind} w:id="{i}"><w:p><w:r><w:{kind}Ref/></w:r>'
        f'<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:{kind}>'
        for i, text in notes.items())
    part = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{extra}'
            f'<w:{kind}s xmlns:w="{W_NS}">'
            f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r>'
            f'<w:r><w:t>SEPARATOR</w:t></w:r></w:p></w:{kind}>'
            f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r>'
            f'<w:continuationSeparator/></w:r></w:p></w:{kind}>{body}</w:{kind}s>')
    rel = (f'<Relationship Id="rIdNotes{kind}" Type="{REL_NOTES.format(kind=kind)}" '
           f'Target="{kind}s.xml"/>')
    override = (f'<Override PartName="/word/{kind}s.xml" '
                f'ContentType="{CT_NOTES.format(kind=kind)}"/>')
    return rewrite(data, {
        f"word/{kind}s.xml": part.encode(),
        "word/_rels/document.xml.rels": rels.replace("</Relationships>",
                                                     rel + "</Relationships>").encode(),
        "[Content_Types].xml": types.replace("</Types>", override + "</Types>").encode(),
    })


def read(doc_or_bytes) -> list[tuple[str, str, int]]:
    data = doc_or_bytes if isinstance(doc_or_bytes, bytes) else save(doc_or_bytes)
    return [(c.kind, c.text, c.level) for c in docx_document(data).chunks]


def unreadable(data: bytes) -> Unreadable:
    with pytest.raises(Unreadable) as info:
        docx_document(data)
    return info.value


# -- paragraphs and headings -----------------------------------------------------------------

def test_headings_keep_their_levels_and_title_becomes_the_title():
    doc = new_doc()
    doc.add_paragraph("The Harbour Report", style="Title")
    doc.add_heading("Background", 1)
    doc.add_paragraph("The pier was built in 1890.")
    doc.add_heading("Ferries", 2)
    doc.add_heading("Timetables", 3)
    doc.add_paragraph("   ")  # empty: skipped
    doc.add_paragraph("Ferries resume in 2024.")
    doc.add_paragraph("Deep detail", style="Heading 8")  # past 6: counted as 6
    result = docx_document(save(doc))
    assert result.title == "The Harbour Report"
    assert [(c.kind, c.text, c.level) for c in result.chunks] == [
        ("heading", "The Harbour Report", 1),
        ("heading", "Background", 1),
        ("paragraph", "The pier was built in 1890.", 2),
        ("heading", "Ferries", 2),
        ("heading", "Timetables", 3),
        ("paragraph", "Ferries resume in 2024.", 2),
        ("heading", "Deep detail", 6),
    ]
    assert all(isinstance(c, Chunk) and c.line == 0 and c.page == 0 for c in result.chunks)


def test_heading_found_by_style_name_outline_level_and_based_on_chain():
    doc = new_doc()
    styles = doc.styles.element
    # a localised built-in: Word keeps the English name "heading 2", the id is translated
    styles.append(xml('<w:style w:type="paragraph" w:styleId="berschrift2">'
                      '<w:name w:val="heading 2"/></w:style>'))
    kapitel = doc.styles.add_style("Kapitel", WD_STYLE_TYPE.PARAGRAPH)
    kapitel.element.get_or_add_pPr().append(xml('<w:outlineLvl w:val="0"/>'))
    mine = doc.styles.add_style("My Heading", WD_STYLE_TYPE.PARAGRAPH)
    mine.base_style = doc.styles["Heading 3"]
    p = doc.add_paragraph("Zweites")
    p._p.get_or_add_pPr().append(xml('<w:pStyle w:val="berschrift2"/>'))
    doc.add_paragraph("Erstes", style="Kapitel")
    doc.add_paragraph("Inherited", style="My Heading")
    direct = doc.add_paragraph("Direct outline")
    direct._p.get_or_add_pPr().append(xml('<w:outlineLvl w:val="3"/>'))
    doc.add_paragraph("Contents", style="TOC Heading")  # based on Heading 1, outline "body"
    assert read(doc) == [
        ("heading", "Zweites", 2), ("heading", "Erstes", 1), ("heading", "Inherited", 3),
        ("heading", "Direct outline", 4), ("paragraph", "Contents", 2)]


def test_list_items_are_one_paragraph_each():
    doc = new_doc()
    doc.add_paragraph("Before the lists.")
    for item in ("apples", "pears"):
        doc.add_paragraph(item, style="List Bullet")
    for item in ("first step", "second step", "third step"):
        doc.add_paragraph(item, style="List Number")
    numbered = doc.add_paragraph("plain style with numbering")
    numbered._p.get_or_add_pPr().append(
        xml('<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'))
    assert read(doc) == [("paragraph", t, 2) for t in (
        "Before the lists.", "apples", "pears", "first step", "second step", "third step",
        "plain style with numbering")]


def test_table_of_contents_entries_are_skipped():
    doc = new_doc()
    doc.styles.element.append(xml('<w:style w:type="paragraph" w:styleId="TOC1">'
                                  '<w:name w:val="toc 1"/></w:style>'))
    entry = doc.add_paragraph("Background 1")
    entry._p.get_or_add_pPr().append(xml('<w:pStyle w:val="TOC1"/>'))
    doc.add_heading("Background", 1)
    assert read(doc) == [("heading", "Background", 1)]


# -- text within a paragraph -----------------------------------------------------------------

def test_tracked_changes_deleted_text_left_out_inserted_kept():
    doc = new_doc()
    p = doc.add_paragraph("The mayor ")
    append_xml(p, '<w:del w:id="1" w:author="Ed" w:date="2024-01-01T00:00:00Z">'
                  '<w:r><w:delText>never </w:delText></w:r></w:del>')
    append_xml(p, '<w:ins w:id="2" w:author="Ed" w:date="2024-01-01T00:00:00Z">'
                  '<w:r><w:t xml:space="preserve">gladly </w:t></w:r></w:ins>')
    p.add_run("agreed")
    append_xml(p, '<w:moveFrom w:id="3" w:author="Ed"><w:r><w:t> moved away</w:t></w:r>'
                  '</w:moveFrom>')
    append_xml(p, '<w:moveTo w:id="4" w:author="Ed"><w:r><w:t> today.</w:t></w:r>'
                  '</w:moveTo>')
    assert read(doc) == [("paragraph", "The mayor gladly agreed today.", 2)]


def test_tabs_breaks_fields_hyperlinks_and_hidden_text():
    doc = new_doc()
    p = doc.add_paragraph("Name:\tAnn")
    p.add_run().add_break()
    p.add_run("  second   line ")
    append_xml(p, '<w:hyperlink w:anchor="x"><w:r><w:t>the link</w:t></w:r></w:hyperlink>')
    append_xml(p, '<w:r><w:fldChar w:fldCharType="begin"/></w:r>')
    append_xml(p, '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>')
    append_xml(p, '<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
    append_xml(p, '<w:r><w:t xml:space="preserve"> page 7</w:t></w:r>')
    append_xml(p, '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    append_xml(p, '<w:fldSimple w:instr=" SEQ Figure "><w:r><w:t> fig 2</w:t></w:r>'
                  '</w:fldSimple>')
    append_xml(p, '<w:r><w:rPr><w:vanish/></w:rPr><w:t>HIDDEN</w:t></w:r>')
    append_xml(p, '<w:r><w:noBreakHyphen/><w:t>end</w:t></w:r>')
    assert read(doc) == [
        ("paragraph", "Name: Ann second line the link page 7 fig 2-end", 2)]


def test_text_box_read_once_after_its_paragraph():
    doc = new_doc()
    box = ('<w:txbxContent><w:p><w:r><w:t>Boxed aside.</w:t></w:r></w:p></w:txbxContent>')
    p = doc.add_paragraph("Anchor paragraph.")
    append_xml(p, '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
                  f'<wps:txbx>{box}</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict>'
                  f'<v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>'
                  '</mc:AlternateContent></w:r>')
    doc.add_paragraph("Next paragraph.")
    assert read(doc) == [("paragraph", "Anchor paragraph.", 2), ("paragraph", "Boxed aside.", 2),
                         ("paragraph", "Next paragraph.", 2)]


# -- tables ----------------------------------------------------------------------------------

def test_table_rows_are_paragraphs_joined_with_bars():
    doc = new_doc()
    doc.add_paragraph("Before.")
    table = doc.add_table(rows=3, cols=3)
    rows = [("Port", "Opened", "Berths"), ("North", "1890", ""), ("South  quay", "1912", "4")]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    doc.add_paragraph("After.")
    assert read(doc) == [
        ("paragraph", "Before.", 2), ("paragraph", "Port | Opened | Berths", 2),
        ("paragraph", "North | 1890", 2), ("paragraph", "South quay | 1912 | 4", 2),
        ("paragraph", "After.", 2)]


def test_merged_cells_counted_once_nested_tables_follow_their_row():
    doc = new_doc()
    table = doc.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"r{r}c{c}"
    table.cell(0, 0).merge(table.cell(0, 1))  # across: one w:tc with gridSpan
    table.cell(1, 2).merge(table.cell(2, 2))  # down: the lower cell continues the upper
    continued = table.rows[2]._tr.tc_lst[-1]
    continued.append(xml("<w:p><w:r><w:t>not shown by Word</w:t></w:r></w:p>"))
    inner = table.cell(1, 0).add_table(rows=2, cols=2)
    for r in range(2):
        for c in range(2):
            inner.cell(r, c).text = f"in{r}{c}"
    assert read(doc) == [
        ("paragraph", "r0c0 r0c1 | r0c2", 2),
        ("paragraph", "r1c0 | r1c1 | r1c2 r2c2", 2),
        ("paragraph", "in00 | in01", 2), ("paragraph", "in10 | in11", 2),
        ("paragraph", "r2c0 | r2c1", 2)]


def test_one_cell_layout_table_is_read_as_blocks_and_deleted_rows_skipped():
    doc = new_doc()
    box = doc.add_table(rows=1, cols=1).cell(0, 0)
    box.paragraphs[0].text = "Letter"
    box.paragraphs[0].style = doc.styles["Heading 2"]
    box.add_paragraph("Dear reader,")
    box.add_paragraph("the pier is open.")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "kept", "row"
    table.cell(1, 0).text, table.cell(1, 1).text = "deleted", "row"
    table.rows[1]._tr.insert(0, xml('<w:trPr><w:del w:id="9" w:author="Ed"/></w:trPr>'))
    assert read(doc) == [("heading", "Letter", 2), ("paragraph", "Dear reader,", 2),
                         ("paragraph", "the pier is open.", 2), ("paragraph", "kept | row", 2)]


# -- notes -----------------------------------------------------------------------------------

def test_footnotes_follow_the_body_in_order_of_reference():
    doc = new_doc()
    doc.add_heading("Harbour", 1)
    p = doc.add_paragraph("The pier opened in 1890.")
    note_ref(p, 5)
    q = doc.add_paragraph("It closed in 1990.")
    note_ref(q, 3)
    note_ref(q, -1)  # a reference to Word's separator note shows nothing at the end
    data = with_notes(save(doc), {3: "Town minutes,  p. 4.", 4: "Never referenced.",
                                  5: "Harbour board records."})
    assert read(data) == [
        ("heading", "Harbour", 1),
        ("paragraph", "The pier opened in 1890.[1]", 2),
        ("paragraph", "It closed in 1990.[2][3]", 2),
        ("heading", "Notes", 2),
        ("paragraph", "[1] Harbour board records.", 2),
        ("paragraph", "[2] Town minutes, p. 4.", 2)]


def test_endnotes_after_footnotes_in_the_documents_number_format():
    doc = new_doc()
    p = doc.add_paragraph("Claim.")
    note_ref(p, 1, "endnote")
    note_ref(p, 2, "endnote")
    note_ref(p, 7)
    data = with_notes(save(doc), {1: "First endnote.", 2: "Second endnote."}, "endnote")
    data = with_notes(data, {7: "A footnote."})
    assert read(data) == [
        ("paragraph", "Claim.[i][ii][1]", 2), ("heading", "Notes", 2),
        ("paragraph", "[1] A footnote.", 2), ("heading", "Endnotes", 2),
        ("paragraph", "[i] First endnote.", 2), ("paragraph", "[ii] Second endnote.", 2)]
    doc.settings.element.append(xml('<w:endnotePr><w:numFmt w:val="decimal"/></w:endnotePr>'))
    data = with_notes(save(doc), {1: "First endnote.", 2: "Second endnote."}, "endnote")
    assert read(data)[0] == ("paragraph", "Claim.[1][2][1]", 2)


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    doc = new_doc()
    p = doc.add_paragraph("Text.")
    note_ref(p, 1)
    doctype = f'<!DOCTYPE x [<!ENTITY e SYSTEM "{secret.as_uri()}">]>'
    data = with_notes(save(doc), {1: "Leak: &e;"}, extra=doctype)
    chunks = read(data)
    assert chunks[0] == ("paragraph", "Text.[1]", 2)
    assert not any("TOP-SECRET" in text for _, text, _ in chunks)


# -- metadata --------------------------------------------------------------------------------

def test_core_properties_give_title_author_and_created_date():
    doc = new_doc()
    doc.add_paragraph("Paragraph title", style="Title")
    doc.add_paragraph("Body.")
    props = doc.core_properties
    props.title, props.author = "  Core   title ", "Ann Smith"
    props.created = datetime.datetime(2021, 3, 14, 9, 30)
    result = docx_document(save(doc))
    assert (result.title, result.author, result.published) == (
        "Core title", "Ann Smith", datetime.date(2021, 3, 14))
    assert result.chunks[0] == Chunk("heading", "Paragraph title", 1)


def test_missing_core_properties_read_as_none_not_python_docx_defaults():
    doc = docx.Document()  # the template says author "python-docx", created 2013
    doc.add_paragraph("Body.")
    data = save(doc)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        rels = z.read("_rels/.rels").decode()
    start = rels.index("<Relationship Id", rels.index("core-properties") - 120)
    rels = rels[:start] + rels[rels.index("/>", start) + 2:]
    assert "core-properties" not in rels
    result = docx_document(rewrite(data, {"docProps/core.xml": None,
                                          "_rels/.rels": rels.encode()}))
    assert (result.title, result.author, result.published) == (None, None, None)
    assert docx_document(data).author == "python-docx"  # the property is read when present


# -- files that cannot be read ---------------------------------------------------------------

def small_docx() -> bytes:
    doc = new_doc()
    doc.add_paragraph("Body.")
    return save(doc)


def plain_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return out.getvalue()


def test_garbage_truncated_and_foreign_zips_are_parse_errors():
    garbage = unreadable(b"this is not a zip at all" * 10)
    assert garbage.code == "seed-parse" and "not a Word .docx file" in garbage.message
    assert "save it as .docx" in garbage.message
    data = small_docx()
    assert unreadable(data[: len(data) // 2]).code == "seed-parse"
    assert unreadable(b"").code == "seed-parse"
    other = unreadable(plain_zip({"notes.txt": b"hello"}))
    assert other.code == "seed-parse" and "not an Office document" in other.message
    odt = unreadable(plain_zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                                "content.xml": b"<x/>"}))
    assert "OpenDocument" in odt.message


def test_an_excel_file_is_not_a_word_document():
    sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    data = plain_zip({
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            f'relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="{sheet}"/>'
            '</Types>').encode(),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>').encode(),
        "xl/workbook.xml": b"<workbook/>"})
    error = unreadable(data)
    assert error.code == "seed-parse" and "spreadsheetml" in error.message


def test_broken_xml_is_a_parse_error():
    data = rewrite(small_docx(), {"word/document.xml": b'<w:document xmlns:w="x"><w:body><w:p>'})
    error = unreadable(data)
    assert error.code == "seed-parse" and "not a readable Word .docx file" in error.message
    foreign = unreadable(rewrite(small_docx(), {"word/document.xml": b"<html/>"}))
    assert foreign.code == "seed-parse" and "holds no Word document" in foreign.message


def test_ole_files_old_doc_and_password_protected():
    header = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
    old = unreadable(header + "WordDocument".encode("utf-16-le") + bytes(100))
    assert old.code == "seed-parse" and ".doc file" in old.message and "save it as .docx" \
        in old.message
    locked = unreadable(header + "EncryptionInfo".encode("utf-16-le") +
                        "EncryptedPackage".encode("utf-16-le") + bytes(100))
    assert locked.code == "seed-encrypted" and "password" in locked.message
    assert unreadable(header + bytes(100)).code == "seed-parse"


# -- hostile zips ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A zip whose one member is 300 MB of zeros, deflated to about 300 KB."""
    out, zeros = io.BytesIO(), bytes(1 << 20)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("word/document.xml", "w") as member:
            for _ in range(300):
                member.write(zeros)
    return out.getvalue()


def no_inflating(*args, **kwargs):
    raise AssertionError("a member was inflated")


def test_declared_zip_bomb_rejected_without_inflating(bomb, monkeypatch):
    assert len(bomb) < 2 << 20
    monkeypatch.setattr(zlib, "decompressobj", no_inflating)  # zipfile's inflater too
    error = unreadable(bomb)
    assert error.code == "seed-too-large" and "200 MB" in error.message


def test_zip_bomb_lying_about_its_size_never_held_in_memory(bomb):
    # make the central directory claim 1000 bytes: zipfile would trust it only after
    # inflating the whole member in one call
    entry = bomb.rindex(b"PK\x01\x02")
    liar = bomb[:entry + 24] + struct.pack("<I", 1000) + bomb[entry + 28:]
    assert zipfile.ZipFile(io.BytesIO(liar)).infolist()[0].file_size == 1000
    tracemalloc.start()
    try:
        error = unreadable(liar)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error.code == "seed-too-large"
    assert peak < 16 << 20


def test_too_many_members():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for i in range(seed_docx.MAX_MEMBERS + 1):
            z.writestr(f"m{i}", b"")
    assert unreadable(out.getvalue()).code == "seed-too-large"


def test_unpacked_limit_counts_all_members(monkeypatch):
    data = small_docx()
    sizes = [i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()]
    monkeypatch.setattr(seed_docx, "MAX_UNPACKED", sum(sizes))
    assert read(data) == [("paragraph", "Body.", 2)]
    monkeypatch.setattr(seed_docx, "MAX_UNPACKED", sum(sizes) - 1)
    assert max(sizes) < sum(sizes) - 1
    assert unreadable(data).code == "seed-too-large"


def test_compression_word_never_writes_is_refused():
    with zipfile.ZipFile(io.BytesIO(small_docx())) as z:
        members = {name: z.read(name) for name in z.namelist()}
    error = unreadable(plain_zip(members, zipfile.ZIP_BZIP2))  # bzip2 inflates unbounded
    assert error.code == "seed-parse" and "compression" in error.message


# -- failures of the libraries ---------------------------------------------------------------

def test_library_failures_become_unreadable_but_not_memory_errors(monkeypatch):
    def failing(exc):
        def read(data):
            raise exc
        return read

    monkeypatch.setattr(seed_docx, "_read", failing(TypeError("odd element")))
    error = unreadable(b"x")
    assert error.code == "seed-parse" and "odd element" in error.message
    monkeypatch.setattr(seed_docx, "_read", failing(RecursionError()))
    assert "nested too deeply" in unreadable(b"x").message
    for exc in (MemoryError, KeyboardInterrupt):
        monkeypatch.setattr(seed_docx, "_read", failing(exc()))
        with pytest.raises(exc):
            docx_document(b"x")


def test_corrupted_bytes_give_a_document_or_unreadable():
    doc = new_doc()
    doc.add_heading("Title", 1)
    doc.add_paragraph("Some text.")
    data = save(doc)
    rng = random.Random(7)
    for _ in range(40):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        try:
            docx_document(bytes(mutated))
        except Unreadable as exc:
            assert exc.code in ("seed-parse", "seed-too-large", "seed-encrypted")
    # the same inside the XML, rezipped so that the zip itself stays sound
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml")
    for _ in range(30):
        mutated = bytearray(body)
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(len(mutated))] = rng.choice(b"<>/\"&;:= x\x00\xff")
        try:
            docx_document(rewrite(data, {"word/document.xml": bytes(mutated)}))
        except Unreadable as exc:
            assert exc.code == "seed-parse"
