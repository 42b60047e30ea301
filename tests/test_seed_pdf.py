"""PDF seeds: reading order, paragraphs, headings, dropped page furniture, metadata, errors.

The PDFs are made here with reportlab, laid out the way word processors and typesetters lay
them out: running header and page-number footer, two columns, paragraphs separated by space.
"""
from __future__ import annotations

import datetime
import io
import random

import pytest
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from sitegen.load import seed_pdf
from sitegen.load.document import Unreadable
from sitegen.load.seed_pdf import pdf_document

PAGE_W, PAGE_H = 612, 792
TOP, BOTTOM = 700, 90  # baselines of the first and the lowest text line
COLS = [(72, 216), (324, 216)]  # (x, width): a 36 pt gutter
WORDS = ("river stone water bank flow rain reed silt pond lake mud sand weir ford clay moss "
         "bed fish eel tide mill dam creek marsh brook spring well").split()


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if cur and stringWidth(trial, font, size) > width:
            lines.append(cur)
            trial = word
        cur = trial
    return lines + [cur]


def prose(rng: random.Random, lines: int, width: float = 216, full: bool = False) -> str:
    """Sentences of short words, enough to wrap to at least `lines` lines; `full`: the last
    line nearly fills the width too (so only a gap or an indent can end the paragraph)."""
    def more(text):
        wrapped = wrap(text, "Helvetica", 10, width)
        short_end = stringWidth(wrapped[-1], "Helvetica", 10) < 0.9 * width
        return len(wrapped) < lines or full and short_end

    text = ""
    while not text or more(text):
        words = rng.sample(WORDS, 7)
        text += f" {' '.join(words).capitalize()}."
    return text.strip()


class Flow:
    """Lays blocks out into columns and pages; records where each block starts and ends."""

    def __init__(self, cols=COLS, header="Annual Report 2024 — page {n}", footer="{n}",
                 header_right="Northern Valley Survey", **kw):
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=(PAGE_W, PAGE_H), invariant=1, **kw)
        self.cols, self.header, self.footer, self.header_right = cols, header, footer, header_right
        self.page, self.col, self.y, self.top = 1, 0, TOP, TOP
        self.places: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self._furniture()

    def _furniture(self) -> None:
        self.c.setFont("Helvetica", 9)
        if self.header:
            header = self.header(self.page) if callable(self.header) else self.header
            self.c.drawString(72, 752, header.format(n=self.page))
            self.c.drawRightString(540, 752, self.header_right)
        if self.footer:
            self.c.drawCentredString(PAGE_W / 2, 40, self.footer.format(n=self.page))

    def new_page(self) -> None:
        self.c.showPage()
        self.page, self.col, self.y, self.top = self.page + 1, 0, TOP, TOP
        self._furniture()

    def remaining(self) -> int:
        return int((self.y - BOTTOM) // 12) + 1

    def span(self, text: str, font="Helvetica-Bold", size=18) -> None:
        """A full-width line across both columns (at the top of a page)."""
        self.c.setFont(font, size)
        self.c.drawString(72, self.y, text)
        self.places.append(((self.page, self.col),) * 2)
        self.y = self.top = self.y - size * 1.2 - 12  # the columns start below it

    def block(self, text_or_lines, font="Helvetica", size=10, leading=12, gap=6, indent=0):
        width = self.cols[self.col][1]
        lines = wrap(text_or_lines, font, size, width - indent) if isinstance(text_or_lines, str) \
            else text_or_lines
        start = None
        for i, line in enumerate(lines):
            if self.y < BOTTOM:
                if self.col + 1 < len(self.cols):
                    self.col, self.y = self.col + 1, self.top
                else:
                    self.new_page()
            x, _ = self.cols[self.col]
            self.c.setFont(font, size)
            self.c.drawString(x + (indent if i == 0 else 0), self.y, line)
            start = start or (self.page, self.col)
            self.y -= leading
        self.places.append((start, (self.page, self.col)))
        self.y -= gap

    def pdf(self) -> bytes:
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


def triples(doc):
    return [(c.kind, c.text, c.page) for c in doc.chunks]


HYPHENATED = ["The survey collected water samples from", "twelve rivers over three seasons, and",
              "the results went into the infor-", "mation system within a week of the",
              "sampling, so that trends could be seen."]


def two_column_report() -> tuple[bytes, list[str], Flow]:
    rng = random.Random(7)
    f = Flow()
    f.span("Water Quality in the Rivers of the Northern Valley")
    f.block("Introduction and scope", "Helvetica", 14, 17)
    f.block(HYPHENATED)
    f.block("Sampling method", "Helvetica-Bold", 10)
    paras = [prose(rng, 12, full=True)]
    f.block(paras[0])
    paras.append(prose(rng, f.remaining() + 5))  # runs on from column 1 into column 2
    f.block(paras[1])
    f.block("Results", "Helvetica", 14, 17)
    paras.append(prose(rng, 6, full=True))
    f.block(paras[2])
    paras.append(prose(rng, f.remaining() + 4))  # runs on from page 1 onto page 2
    f.block(paras[3])
    f.block("Discussion", "Helvetica-Bold", 10)
    paras.append(prose(rng, 5))
    f.block(paras[4])
    f.new_page()
    f.block("Conclusions", "Helvetica", 14, 17)
    paras.append(prose(rng, 4))
    f.block(paras[5])
    return f.pdf(), paras, f


def test_two_column_report_reads_in_order_without_page_furniture():
    data, paras, flow = two_column_report()
    # the layout does what the test claims: block 5 crosses columns, block 8 crosses pages
    assert flow.places[5] == ((1, 0), (1, 1)) and flow.places[8] == ((1, 1), (2, 0))
    doc = pdf_document(data)
    assert triples(doc) == [
        ("heading", "Water Quality in the Rivers of the Northern Valley", 1),
        ("heading", "Introduction and scope", 1),
        ("paragraph", "The survey collected water samples from twelve rivers over three seasons,"
                      " and the results went into the information system within a week of the"
                      " sampling, so that trends could be seen.", 1),
        ("heading", "Sampling method", 1),
        ("paragraph", paras[0], 1),
        ("paragraph", paras[1], 1),
        ("heading", "Results", 1),
        ("paragraph", paras[2], 1),
        ("paragraph", paras[3], 1),
        ("heading", "Discussion", 2),
        ("paragraph", paras[4], 2),
        ("heading", "Conclusions", 3),
        ("paragraph", paras[5], 3),
    ]
    assert [c.level for c in doc.chunks if c.kind == "heading"] == [1, 2, 3, 2, 3, 2]
    assert doc.title == "Water Quality in the Rivers of the Northern Valley"  # no metadata title
    assert doc.author is None  # reportlab's placeholder "anonymous" is not an author


def test_page_numbers_in_their_usual_forms_are_dropped():
    rng = random.Random(3)
    paras = [prose(rng, 4, 468) for _ in range(3)]
    f = Flow(cols=[(72, 468)], header=None, footer=None)
    for i, (para, footer) in enumerate(zip(paras, ("- 1 -", "Page 2 of 3", "iii"))):
        if i:
            f.new_page()
        f.c.setFont("Helvetica", 9)
        f.c.drawCentredString(PAGE_W / 2, 40, footer)
        f.c.drawRightString(540, 752, str(i + 1))  # a bare number at the top, too
        f.block(para)
    doc = pdf_document(f.pdf())
    assert triples(doc) == [("paragraph", p, n) for n, p in enumerate(paras, 1)]


def test_running_heads_naming_the_chapter_are_dropped_by_their_page_numbers():
    rng = random.Random(9)
    paras = [prose(rng, 4, 468) for _ in range(4)]
    chapters = ["Chapter 1: Rivers", "Chapter 1: Rivers", "Chapter 2: Lakes", "Chapter 3: Weirs"]
    f = Flow(cols=[(72, 468)], header=lambda n: chapters[n - 1] + " {n}", header_right="",
             footer=None)
    for i, para in enumerate(paras):
        if i:
            f.new_page()
        f.block(para)
    assert triples(pdf_document(f.pdf())) == [("paragraph", p, n) for n, p in enumerate(paras, 1)]


def test_first_line_indents_and_list_items_split_paragraphs_without_gaps():
    rng = random.Random(5)
    paras = [prose(rng, 3, 468 - 18, full=True) for _ in range(3)]
    f = Flow(cols=[(72, 468)], header=None, footer=None)
    for para in paras:
        f.block(para, gap=0, indent=18)
    items = ["1. first item of the list", "2. second item of the list"]
    for item in items:
        f.block(item, gap=0)
    doc = pdf_document(f.pdf())
    assert [c.text for c in doc.chunks] == paras + items


def test_hyphens_kept_where_they_belong():
    join = seed_pdf._join
    assert join(["infor-", "mation"], set()) == "information"
    assert join(["Anglo-", "Saxon"], set()) == "Anglo-Saxon"
    assert join(["1990-", "2000"], set()) == "1990-2000"
    assert join(["PDF-", "based"], set()) == "PDF-based"
    assert join(["a well-", "known case"], {"well-known"}) == "a well-known case"
    assert join(["rivers—", "and lakes"], set()) == "rivers—and lakes"
    assert join(["rivers -", "and lakes"], set()) == "rivers - and lakes"
    assert join(["word", "next"], set()) == "word next"


def shapes_only(image: bool) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H))
    for page in range(2):
        c.rect(72, 500, 200, 100, fill=1)
        c.circle(300, 300, 50)
        if image:
            from PIL import Image
            c.drawInlineImage(Image.new("RGB", (40, 20), "gray"), 72, 100, 200, 100)
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize("image", [False, True])
def test_a_pdf_without_a_text_layer_is_unreadable(image):
    with pytest.raises(Unreadable) as err:
        pdf_document(shapes_only(image))
    assert err.value.code == "seed-no-text"
    assert "OCR" in err.value.message and ".txt" in err.value.message


def one_page(**kw) -> bytes:
    f = Flow(cols=[(72, 468)], header=None, **kw)
    f.block("A short paragraph of text that anyone could read.")
    return f.pdf()


def test_a_password_protected_pdf_is_unreadable():
    with pytest.raises(Unreadable) as err:
        pdf_document(one_page(encrypt="secret"))
    assert err.value.code == "seed-encrypted"
    assert "unprotected copy" in err.value.message


def test_an_owner_password_alone_does_not_stop_reading():
    data = one_page(encrypt=StandardEncryption("", ownerPassword="owner", canCopy=0))
    assert triples(pdf_document(data)) == [
        ("paragraph", "A short paragraph of text that anyone could read.", 1)]


@pytest.mark.parametrize("data", [
    b"", b"hello, world", b"\x00" * 64, b"%PDF-1.4\nnot really a pdf at all\n%%EOF",
])
def test_garbage_is_unreadable(data):
    with pytest.raises(Unreadable) as err:
        pdf_document(data)
    assert err.value.code == "seed-parse"
    assert err.value.message


def test_a_truncated_pdf_is_unreadable():
    data = two_column_report()[0]
    with pytest.raises(Unreadable) as err:
        pdf_document(data[: len(data) // 2])
    assert err.value.code == "seed-parse"


def test_damaged_pdfs_never_crash():
    rng = random.Random(11)
    damaged = []
    for data in (one_page(), two_column_report()[0]):
        damaged += [data[:n] for n in range(0, len(data), max(1, len(data) // 30))]
    data = one_page()
    for _ in range(40):
        b = bytearray(data)
        for _ in range(8):
            b[rng.randrange(len(b))] = rng.randrange(256)
        damaged.append(bytes(b))
    for d in damaged:
        try:
            pdf_document(d)
        except Unreadable as err:
            assert err.code in ("seed-parse", "seed-no-text", "seed-encrypted")


def test_too_many_pages_is_unreadable(monkeypatch):
    monkeypatch.setattr(seed_pdf, "MAX_PAGES", 3)
    f = Flow(cols=[(72, 468)])
    for _ in range(3):
        f.block("Some text on this page.")
        f.new_page()
    f.block("Some text on the last page.")
    with pytest.raises(Unreadable) as err:
        pdf_document(f.pdf())
    assert err.value.code == "seed-too-large" and "4 pages" in err.value.message


def test_metadata_title_author_and_date_are_taken():
    f = Flow(cols=[(72, 468)], header=None)
    f.c.setTitle("The Valley Survey")
    f.c.setAuthor("R. Fisher")
    f.block("Summary", "Helvetica-Bold", 16, 20)
    f.block("A short paragraph of text that anyone could read.")
    doc = pdf_document(f.pdf())  # invariant=1: reportlab stamps 2000-01-01
    assert (doc.title, doc.author, doc.published) == (
        "The Valley Survey", "R. Fisher", datetime.date(2000, 1, 1))
    assert doc.chunks[0] == ("heading", "Summary", 1, 0, False, 1)


@pytest.mark.parametrize("raw, date", [
    ("D:20240131120000+01'00'", datetime.date(2024, 1, 31)),
    ("D:2024", datetime.date(2024, 1, 1)),
    ("20231105", datetime.date(2023, 11, 5)),
    (b"D:19991231", datetime.date(1999, 12, 31)),
    ("D:20241341", None), ("yesterday", None), ("", None), (None, None), (42, None),
])
def test_pdf_dates_are_parsed_defensively(raw, date):
    assert seed_pdf._pdf_date(raw) == date
