"""Word .docx seeds → text chunks, read with python-docx and lxml.

- Blocks in body order: paragraphs, tables, content controls' blocks. Headers, footers,
  comments and hidden text are not read; empty paragraphs and table-of-contents entries
  ("toc N", "table of figures" styles: they repeat the headings) are skipped.
- Headings: a paragraph whose style, or a style it is based on, is named "heading N" (the
  name Word keeps in localised documents too) or sets an outline level; the paragraph's own
  outline level wins; past 6 counts as 6. "Title" is a level-1 heading and the document's
  title unless the core properties have one. Any other paragraph, list items included, is one
  paragraph (a list's bullet or number is not text in the file and is not shown).
- A table row of two or more cells is one paragraph: cell texts, empty ones skipped, joined by
  " | "; a merged cell counts once; a tracked-deleted row is skipped; tables nested in a cell
  follow their row. A one-cell row is a layout box: its content is read as blocks.
- Text: runs joined, tabs and breaks are spaces, whitespace collapsed; tracked deletions and
  moved-away text left out, insertions kept; fields and hyperlinks keep their shown text.
  A text box's paragraphs follow the paragraph it is anchored in.
- Footnotes, then endnotes, referred to in the text follow the body, one paragraph "[n] text"
  each, under a level-2 heading "Notes" or "Endnotes". A reference reads "[n]" in the text,
  numbered in order of reference, roman if the document says so (Word's defaults: 1, 2, 3
  for footnotes; i, ii, iii for endnotes).
- Title, author, published: the core properties' title, creator, created.
- Before python-docx reads the zip: more than MAX_MEMBERS members, or more than MAX_UNPACKED
  bytes declared or inflated (counted in bounded steps) → "seed-too-large". An OLE file is an
  old .doc ("seed-parse") or a password-protected .docx ("seed-encrypted"). Anything else
  unreadable → "seed-parse".
"""
from __future__ import annotations

import datetime
import io
import re
import zipfile
import zlib

from lxml import etree

from .document import Chunk, Document, Unreadable
from .seed_html import collapse

MAX_UNPACKED = 200 * 1024 * 1024  # bytes all members of the zip may inflate to
MAX_MEMBERS = 10_000
OLE = bytes.fromhex("d0cf11e0a1b11ae1")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
M_T = "{http://schemas.openxmlformats.org/officeDocument/2006/math}t"
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RT_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
TEXT = {W + "t", M_T}
SPACE = {W + "tab", W + "br", W + "cr", W + "ptab"}
NOTE_REFS = {W + "footnoteReference": "footnote", W + "endnoteReference": "endnote"}
# not shown: tracked deletions, moved-away text, properties, ruby guides, alternates' fallback
SKIP = {W + "del", W + "moveFrom", W + "pPr", W + "rPr", W + "sdtPr", W + "sdtEndPr", W + "rt",
        MC_FALLBACK}
WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag"}
TOC = re.compile(r"toc [1-9]|table of figures")
HEADING = re.compile(r"heading ?([1-9])")
TRUE = {"1", "true", "on"}
SUFFIX = "; save it as .docx from Word or LibreOffice"
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
          (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def docx_document(data: bytes) -> Document:
    """The blocks, title, author and creation date of a .docx file's bytes; pure.
    Raises `Unreadable` for anything that is not a readable Word document."""
    try:
        return _read(data)
    except (Unreadable, MemoryError):
        raise
    except RecursionError:
        raise Unreadable("the document is nested too deeply to read") from None
    except Exception as exc:  # untrusted input: any failure of zipfile/lxml/python-docx
        detail = collapse(str(exc))[:200] or type(exc).__name__
        raise Unreadable(f"not a readable Word .docx file ({detail}){SUFFIX}") from exc


def _read(data: bytes) -> Document:
    _check_container(data)
    from docx.package import Package  # imported only for a site with .docx seeds

    main = Package.open(io.BytesIO(data)).main_document_part
    if main.content_type != WORD_MAIN:
        raise Unreadable(f"not a Word .docx file (its main part is {main.content_type}){SUFFIX}")
    if main.element.tag != W + "document":
        raise Unreadable(f"not a Word .docx file (its main part holds no Word document){SUFFIX}")
    body = main.element.find(W + "body")
    reader = _Reader(main, body)
    if body is not None:
        reader.blocks(body)
    reader.add_notes("footnote", "Notes")
    reader.add_notes("endnote", "Endnotes")
    title, author, published = _core(main.package)
    return Document(title or reader.title, reader.out, author, published)


def _check_container(data: bytes) -> None:
    """Reject what is not a safe-to-open Office zip before python-docx inflates anything."""
    if data[:8] == OLE:
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise Unreadable("the .docx file is password-protected; remove the password in "
                             "Word (File > Info > Protect Document) and save it again",
                             "seed-encrypted")
        if "WordDocument".encode("utf-16-le") in data:
            raise Unreadable("an old binary Word .doc file, not .docx; open it in Word or "
                             "LibreOffice and save it as .docx (Word Document)")
        raise Unreadable(f"an old binary Office file, not a Word .docx file{SUFFIX}")
    # each central-directory entry starts with this signature: a bound read before zipfile
    if data.count(b"PK\x01\x02") > MAX_MEMBERS:
        raise Unreadable(f"the .docx file has more than {MAX_MEMBERS} parts", "seed-too-large")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise Unreadable(f"not a Word .docx file (not a zip archive, or a truncated one){SUFFIX}"
                         ) from None
    with zf:
        infos = zf.infolist()
        if sum(i.file_size for i in infos) > MAX_UNPACKED:
            raise _too_large()
        _check_inflation(data, infos)  # before any member is read
        names = {i.filename: i for i in infos}
        if "[Content_Types].xml" not in names:
            odf = "mimetype" in names and names["mimetype"].file_size < 100 and \
                b"opendocument" in zf.read("mimetype")
            kind = "an OpenDocument file" if odf else "a zip archive, but not an Office document"
            raise Unreadable(f"not a Word .docx file ({kind}){SUFFIX}")


def _too_large() -> Unreadable:
    return Unreadable(f"the .docx file unpacks to more than {MAX_UNPACKED >> 20} MB; no real "
                      "document is that big (a zip bomb?)", "seed-too-large")


def _check_inflation(data: bytes, infos: list[zipfile.ZipInfo]) -> None:
    """Inflate each member in bounded steps, counting bytes: zipfile trusts a member's declared
    size only after inflating up to 2 GB in one call."""
    view, total = memoryview(data), 0
    for info in infos:
        if info.flag_bits & 1:
            raise Unreadable(f"the .docx zip has encrypted members{SUFFIX}", "seed-encrypted")
        if info.compress_type == zipfile.ZIP_STORED:
            total += info.compress_size
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            start = info.header_offset + 30
            start += int.from_bytes(view[start - 4:start - 2], "little") + \
                int.from_bytes(view[start - 2:start], "little")
            total += _inflated(view[start:start + info.compress_size], MAX_UNPACKED - total)
        else:
            raise Unreadable(f"the .docx zip uses a compression Word does not write{SUFFIX}")
        if total > MAX_UNPACKED:
            raise _too_large()


def _inflated(raw: memoryview, limit: int) -> int:
    """Bytes a raw deflate stream inflates to; counting stops once past `limit`. Input goes in
    64 KB slices and output comes in 1 MB steps, so neither is ever held whole."""
    inflater, total, step = zlib.decompressobj(-zlib.MAX_WBITS), 0, 1 << 16
    for i in [*range(0, len(raw), step), len(raw)]:  # the last pass drains pending output
        piece = raw[i:i + step]
        while total <= limit and not inflater.eof:
            out = inflater.decompress(piece, 1 << 20)
            total += len(out)
            piece = inflater.unconsumed_tail
            if not piece and len(out) < 1 << 20:
                break  # this slice is used up and nothing is pending
        if total > limit or inflater.eof:
            break
    return total


def _core(package) -> tuple[str | None, str | None, datetime.date | None]:
    """(title, author, created date) from core properties; python-docx would invent
    defaults ("Word Document") for a file without them, so a missing part reads as none."""
    try:
        props = package.part_related_by(RT_CORE).core_properties
    except KeyError:
        return None, None, None
    try:
        created = props.created
    except (TypeError, ValueError):  # an empty or malformed date
        created = None
    return (collapse(props.title or "") or None, collapse(props.author or "") or None,
            created.date() if created else None)


class _Reader:
    """Walks the body, collecting chunks and numbering note references as they come."""

    def __init__(self, main, body) -> None:
        self.main = main
        self.styles, self.default = _styles(_related(main, "styles"))
        self.formats = _note_formats(body, _related(main, "settings"))
        self.numbers: dict[str, dict[str, int]] = {"footnote": {}, "endnote": {}}
        self.out: list[Chunk] = []
        self.title: str | None = None

    def blocks(self, container) -> None:
        for el in _content(container, (W + "p", W + "tbl")):
            if el.tag == W + "p":
                self.paragraph(el)
            else:
                self.table(el)

    def paragraph(self, p) -> None:
        boxes: list = []
        text = self.text(p, boxes)
        style = _val(p.find(f"{W}pPr/{W}pStyle")) or self.default
        if text and not TOC.fullmatch(self.styles.get(style, ("",))[0]):
            level = self.level(p, style)
            if level is None:
                self.out.append(Chunk("paragraph", text))
            else:
                if level == 0 and self.title is None:
                    self.title = text
                self.out.append(Chunk("heading", text, min(max(level, 1), 6)))
        for box in boxes:
            self.blocks(box)

    def level(self, p, style: str | None) -> int | None:
        """Heading level (0: Title), or None for body text."""
        outline = _outline(p.find(W + "pPr"))
        seen: set[str] = set()
        while outline is None and style and style not in seen:
            seen.add(style)
            name, outline, based = self.styles.get(style, (style.lower(), None, None))
            heading = HEADING.fullmatch(name)
            if name == "title" or heading:
                return int(heading[1]) if heading else 0
            style = based
        return outline + 1 if outline is not None and outline < 9 else None

    def table(self, tbl) -> None:
        for tr in _content(tbl, (W + "tr",)):
            if tr.find(f"{W}trPr/{W}del") is not None:
                continue
            cells = list(_content(tr, (W + "tc",)))
            if len(cells) == 1:
                if not _merged_on(cells[0]):
                    self.blocks(cells[0])
                continue
            texts, nested, boxes = [], [], []
            for tc in cells:
                if not _merged_on(tc):
                    texts.append(self.cell(tc, nested, boxes))
            if any(texts):
                self.out.append(Chunk("paragraph", " | ".join(t for t in texts if t)))
            for el in nested:
                self.table(el)
            for box in boxes:
                self.blocks(box)

    def cell(self, tc, nested: list, boxes: list) -> str:
        """A cell's paragraphs as one text; its tables go to `nested`, text boxes to `boxes`."""
        parts = []
        for el in _content(tc, (W + "p", W + "tbl")):
            if el.tag == W + "tbl":
                nested.append(el)
            else:
                parts.append(self.text(el, boxes))
        return collapse(" ".join(parts))

    def text(self, el, boxes: list | None) -> str:
        """Shown text below `el`; text boxes go to `boxes` (None: read them inline)."""
        parts: list[str] = []
        self._collect(el, parts, boxes)
        return collapse("".join(parts))

    def _collect(self, el, parts: list[str], boxes: list | None) -> None:
        for child in el:
            tag = child.tag
            if tag in TEXT:
                parts.append(child.text or "")
            elif tag in SPACE:
                parts.append(" ")
            elif tag == W + "noBreakHyphen":
                parts.append("-")
            elif tag in NOTE_REFS:
                parts.append(self.mark(NOTE_REFS[tag], child.get(W + "id")))
            elif tag == W + "txbxContent" and boxes is not None:
                boxes.append(child)
            elif tag not in SKIP and isinstance(tag, str) and not _hidden(child):
                self._collect(child, parts, boxes)
                if tag in (W + "p", W + "tc"):
                    parts.append(" ")

    def mark(self, kind: str, note_id: str | None) -> str:
        numbers = self.numbers[kind]
        n = numbers.setdefault(note_id or "", len(numbers) + 1)
        return f"[{_label(n, self.formats[kind])}]"

    def add_notes(self, kind: str, heading: str) -> None:
        """The referenced notes of one kind, in order of reference, under `heading`."""
        numbers = self.numbers[kind]
        root = _related(self.main, kind + "s") if numbers else None
        if root is None:
            return
        notes = {n.get(W + "id"): n for n in root.iter(W + kind)
                 if n.get(W + "type", "normal") == "normal"}  # not Word's separator notes
        chunks = []
        for note_id, n in list(numbers.items()):
            text = self.text(notes[note_id], None) if note_id in notes else ""
            if text:
                chunks.append(Chunk("paragraph", f"[{_label(n, self.formats[kind])}] {text}"))
        if chunks:
            self.out += [Chunk("heading", heading, 2), *chunks]


def _content(el, tags: tuple[str, ...]):
    """Children of `el` with one of `tags`, looking through content controls and custom XML."""
    for child in el:
        if child.tag in tags:
            yield child
        elif child.tag in WRAPPERS:
            yield from _content(child, tags)


def _related(part, name: str):
    """The root element of the part `part` relates to by type `name` (e.g. "styles"), or None."""
    for rel in part.rels.values():
        if rel.reltype == RT + name and not rel.is_external:
            element = getattr(rel.target_part, "element", None)  # parts python-docx parses
            if element is not None:
                return element
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            return etree.fromstring(rel.target_part.blob, parser)
    return None


def _styles(root) -> tuple[dict[str, tuple[str, int | None, str | None]], str | None]:
    """Paragraph styles: id → (lower-case name, outline level, based-on id); default id."""
    styles, default = {}, None
    for s in root.iter(W + "style") if root is not None else ():
        sid = s.get(W + "styleId")
        if sid and s.get(W + "type", "paragraph") == "paragraph":
            name = collapse(_val(s.find(W + "name")) or "").lower()
            styles[sid] = (name, _outline(s.find(W + "pPr")), _val(s.find(W + "basedOn")))
            if s.get(W + "default") in TRUE:
                default = sid
    return styles, default


def _note_formats(body, settings) -> dict[str, str]:
    """Number format of footnotes and endnotes: the last section's, else the document's."""
    formats = {}
    for kind, default in (("footnote", "decimal"), ("endnote", "lowerRoman")):
        holders = [body.find(W + "sectPr") if body is not None else None, settings]
        found = [_val(h.find(f"{W}{kind}Pr/{W}numFmt")) for h in holders if h is not None]
        formats[kind] = next((f for f in found if f), default)
    return formats


def _label(n: int, fmt: str) -> str:
    """A note's number: roman in a roman format, else decimal."""
    if fmt not in ("lowerRoman", "upperRoman"):
        return str(n)
    out = ""
    for value, numeral in _ROMAN:
        count, n = divmod(n, value)
        out += numeral * count
    return out.upper() if fmt == "upperRoman" else out


def _val(el) -> str | None:
    return el.get(W + "val") if el is not None else None


def _outline(ppr) -> int | None:
    """A paragraph properties' outline level 0-9 (9: body text), or None."""
    value = _val(ppr.find(W + "outlineLvl")) if ppr is not None else None
    return int(value) if value and len(value) == 1 and value.isdigit() else None


def _merged_on(tc) -> bool:
    """A cell continuing a merged cell to its left or above (its text is in that cell)."""
    marks = [tc.find(f"{W}tcPr/{W}{name}") for name in ("hMerge", "vMerge")]
    return any(m is not None and _val(m) in (None, "continue") for m in marks)


def _hidden(el) -> bool:
    """A run formatted as hidden text."""
    if el.tag != W + "r":
        return False
    vanish = el.find(f"{W}rPr/{W}vanish")
    return vanish is not None and (_val(vanish) or "true") in TRUE
