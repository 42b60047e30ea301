"""PDF seeds → text chunks, read from the PDF's text layer with pdfplumber (no OCR).

Dropped: page numbers ("3", "- 3 -", "Page 3 of 9", "iv") in the top or bottom 15% of a page or
as its first or last row; running headers and footers: margin rows recurring on half the pages
(and two) with the same text at the same height, digits and roman numerals allowed to vary
("Annual Report 2024 — page 3"), or starting or ending with the page number ("Chapter 2: Methods
14"); rotated text (stamps, watermarks); glyphs without a Unicode mapping.

Reading order: a page is one column, or two when a clear gutter runs down its middle, read in
bands top to bottom: a full-width row (crossing the gutter) is a band of its own; between such
rows the left column is read before the right one.

Blocks: lines run on into one block until a change of font size or boldness, a vertical gap over
1.3 × the usual line spacing, a first-line indent, a list marker (•, 1., (a)) starting a line, a
contents entry ("Intro ..... 3") ending one, or a line starting in upper case after one ending a
sentence well short of the column's right edge. A block runs on from the bottom of a column or
page to the top of the next unless the new line is indented, starts a list item or changes
font, or the last line ends a sentence short of the right edge.

Headings: the body size is the most common font size (by character count). A block of at most
three lines set ≥ 1.15 × body is a heading unless it reads as prose (over 20 words, or over 8
ending in a full stop); so is a block of one or two lines wholly in bold, of at most 15 words,
not ending in . ; or ,. Levels follow size rank (largest = 1, at most 6). Every other block is a
paragraph. A chunk's page is the (1-based) index of the page it starts on.

Line ends: a hyphen after letters is dropped and the lines joined when the next starts in lower
case ("infor-" + "mation" → "information"), unless the part before ends in a capital
("PDF-based") or the hyphenated word occurs elsewhere in the document ("well-known"); then, and
after a digit or a dash, the hyphen is kept and the lines joined without a space.
"""
from __future__ import annotations

import datetime
import io
import itertools
import math
import re
from collections import Counter, defaultdict
from typing import NamedTuple

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdftypes import resolve1
from pdfplumber.utils.exceptions import PdfminerException

from .document import Chunk, Document, Unreadable
from .seed_html import collapse

MAX_PAGES = 2000
MAX_PAGE_CHARS = 100_000  # more on one page is not prose
MAX_CHARS = 10_000_000
MARGIN = 0.15  # share of the page height at top and bottom where running lines live
BIGGER = 1.15  # a font this many times the body size is "clearly larger"

_CID = re.compile(r"\(cid:\d+\)")
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_PAGE_NO = re.compile(r"(?i)[\[(<|–—-]*\s*(?:(?:page|p\.|pg\.?|seite)\s*)?"
                      r"(?:\d{1,5}|[ivxlcdm]{1,7})(?:\s*(?:of|/)\s*\d{1,5})?\s*[\])>|–—-]*")
_MARKER = re.compile(r"(?:[•◦▪●○■□‣⁃∙·*]|\d{1,3}[.)]|\([a-z0-9]{1,4}\))\s")
_BREAK = re.compile(r"(?<![^\W\d_])([^\W\d_]+)[-\u2010]$")  # letters, then a hyphen ending the line
_GLUED = re.compile(r"\w[-\u2010–]$|—$")  # line ends a hyphenated or dashed run: no space
_LEADER = re.compile(r"(?:\.\s?){4,}\s*(?:\d+|[ivxlc]+)?$", re.I)  # "Intro ..... 3"; tails only
_INNER_HYPHEN = re.compile(r"(?<![^\W\d_])[^\W\d_]+-[^\W\d_]+")
_PLACEHOLDER = re.compile(r"(?i)(untitled|anonymous|unknown|unspecified|none|null|n/?a)"
                          r"|.*\.(docx?|pdf|odt|rtf|tex|dvi|indd|pages)")


_Word = NamedTuple("_Word", [("text", str), ("x0", float), ("x1", float), ("top", float),
                             ("bottom", float), ("size", float), ("bold", bool)])
# col: (page, band, side), shared by the lines of one column run; left, right: its edges
_Line = NamedTuple("_Line", [("text", str), ("x0", float), ("x1", float), ("top", float),
                             ("size", float), ("bold", bool), ("page", int), ("col", tuple),
                             ("left", float), ("right", float)])


def pdf_document(data: bytes) -> Document:
    """The title, author, date and blocks of a PDF (see the module docstring for the rules)."""
    if b"%PDF-" not in data[:1024]:
        raise Unreadable("not a PDF: no %PDF- header in the first 1024 bytes; a PDF seed must "
                         "be a PDF file (re-export it, or give it its real extension)")
    meta, pages = _read(data)
    kept = _drop_running([(h, _rows(words)) for h, words in pages])
    lines = [line for no, rows in enumerate(kept, 1) for line in _page_lines(rows, no)]
    chunks = _chunks(lines)
    title = _meta_text(meta.get("Title"))
    if title is None:
        title = next((c.text for c in chunks if c.kind == "heading" and c.level == 1), None)
    author, published = _meta_text(meta.get("Author")), _pdf_date(meta.get("CreationDate"))
    return Document(title, chunks, author, published)


def _read(data: bytes) -> tuple[dict, list[tuple[float, list[_Word]]]]:
    """The metadata and, per page, its height and words; any parser failure is Unreadable."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            tree = resolve1(pdf.doc.catalog.get("Pages"))
            declared = resolve1(tree.get("Count")) if isinstance(tree, dict) else None
            count = declared if isinstance(declared, int) and declared > MAX_PAGES \
                else len(pdf.pages)
            if count > MAX_PAGES:
                raise Unreadable(f"PDF has {count} pages, more than the {MAX_PAGES} sitegen reads; "
                                 f"split it into parts of at most {MAX_PAGES} pages",
                                 "seed-too-large")
            meta, pages, tally = dict(pdf.metadata or {}), [], Counter()
            for page in pdf.pages:
                pages.append((float(page.height), _page_words(page, tally)))
                page.close()
    except (Unreadable, MemoryError):
        raise
    except Exception as exc:  # pdfminer raises many kinds on malformed input
        raise _failure(exc) from exc
    if not tally["chars"]:
        raise Unreadable("PDF has no text layer (a scan or images only); sitegen does not run "
                         "OCR: run OCR first (e.g. ocrmypdf) or add a .txt transcript instead",
                         "seed-no-text")
    if tally["cid"] > tally["chars"] / 2:
        raise Unreadable("PDF text cannot be decoded (its fonts have no Unicode mapping); run "
                         "OCR on it (e.g. ocrmypdf --force-ocr) or add a .txt transcript instead",
                         "seed-no-text")
    return meta, pages


def _failure(exc: Exception) -> Unreadable:
    wrapped = isinstance(exc, PdfminerException) and exc.args and isinstance(exc.args[0], Exception)
    inner = exc.args[0] if wrapped else exc
    if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)):
        return Unreadable("PDF is encrypted (password protected or an unsupported encryption); "
                          "save an unprotected copy and use that as the seed", "seed-encrypted")
    reason = f"{type(inner).__name__}: {inner}" if str(inner) else type(inner).__name__
    return Unreadable(f"PDF cannot be parsed ({reason[:200]}); it may be truncated or damaged: "
                      "re-export or repair it (e.g. qpdf) and try again")


def _page_words(page, tally: Counter) -> list[_Word]:
    chars = page.chars
    if len(chars) > MAX_PAGE_CHARS:
        raise Unreadable(f"PDF page {page.page_number} holds {len(chars)} characters, more than "
                         f"the {MAX_PAGE_CHARS} sitegen reads on a page", "seed-too-large")
    visible = [str(c.get("text", "")) for c in chars if str(c.get("text", "")).strip()]
    tally.update(chars=len(visible), cid=sum(bool(_CID.fullmatch(t)) for t in visible))
    if tally["chars"] > MAX_CHARS:
        raise Unreadable(f"PDF holds over {MAX_CHARS} characters; split it", "seed-too-large")
    words = (_word(w) for w in page.extract_words(x_tolerance_ratio=0.15, return_chars=True))
    return [w for w in words if w is not None]


def _word(raw: dict) -> _Word | None:
    """A word of upright text with finite coordinates, its size and boldness (by its chars)."""
    text = _CID.sub("", str(raw.get("text", "")))
    text = re.sub("[\u200b\ufeff]|\u00ad(?=.)", "", text).replace("\u00ad", "-")  # soft hyphens
    box = [raw.get(k) for k in ("x0", "x1", "top", "bottom")]
    if not text.strip() or not raw.get("upright", True) \
            or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in box):
        return None
    chars = raw.get("chars") or []
    sizes = [(max(0.5, round(c["size"] * 2) / 2), 1) for c in chars
             if isinstance(c.get("size"), (int, float)) and 0 < c["size"] < 1e4]
    size = _mode(sizes) if sizes else max(box[3] - box[2], 1.0)
    bold = sum(bool(_BOLD.search(str(c.get("fontname", "")))) for c in chars) * 2 > len(chars)
    return _Word(text.strip(), *map(float, box), size, bold)


def _mode(pairs) -> float:
    """The value with the largest total weight among (value, weight) pairs."""
    tally: Counter = Counter()
    for value, weight in pairs:
        tally[value] += weight
    return tally.most_common(1)[0][0]


def _rows(words: list[_Word]) -> list[list[_Word]]:
    """Words grouped into rows (vertical centres within half a font size), each left to right."""
    rows: list[list[_Word]] = []
    for w in sorted(words, key=lambda w: w.top + w.bottom):
        last = rows[-1][-1] if rows else None
        if last and w.top + w.bottom - last.top - last.bottom <= max(w.size, last.size):
            rows[-1].append(w)
        else:
            rows.append([w])
    return [sorted(row, key=lambda w: w.x0) for row in rows]


def _row_text(row: list[_Word]) -> str:
    return " ".join(w.text for w in row)


def _norm(text: str) -> str:
    """A margin line's text with the parts that vary from page to page (numbers) masked."""
    return re.sub(r"\b[ivxlcdm]+\b", "#", re.sub(r"\d+", "#", text.lower()))


def _margin_keys(row: list[_Word], height: float, page: int) -> list[tuple]:
    """How a row in the top or bottom margin may recur on other pages: its text with numbers
    masked at about its height, and its page offset (the page's index less a number the row
    starts or ends with, as in "Chapter 2: Methods 14"). Rows outside the margins: none."""
    top, bottom = min(w.top for w in row), max(w.bottom for w in row)
    side, dist = ("top", top) if top < MARGIN * height else ("bottom", height - bottom)
    if dist >= MARGIN * height:
        return []
    text = _row_text(row)
    keys = [("text", side, _norm(text), round(dist / 4) + d) for d in (-1, 0, 1)]
    for m in (re.match(r"(\d{1,5})\b", text), re.search(r"\b(\d{1,5})$", text)):
        if m:
            keys.append(("offset", side, page - int(m.group(1))))
    return keys


def _drop_running(pages: list[tuple[float, list[list[_Word]]]]) -> list[list[list[_Word]]]:
    """The pages' rows without page numbers and running headers and footers (margin rows
    recurring on at least half the pages, and at least two)."""
    keyed = [[_margin_keys(row, height, no) for row in rows]
             for no, (height, rows) in enumerate(pages)]
    seen = defaultdict(set)
    for no, rows in enumerate(keyed):
        for key in {key for keys in rows for key in keys}:
            seen[key].add(no)
    need = max(2, len(pages) // 2)
    out = []
    for (_, rows), keys_of in zip(pages, keyed):
        last = len(rows) - 1
        out.append([row for i, (row, keys) in enumerate(zip(rows, keys_of))
                    if not ((keys or i in (0, last)) and _PAGE_NO.fullmatch(_row_text(row))
                            or any(len(seen[key]) >= need for key in keys))])
    return out


def _page_lines(rows: list[list[_Word]], page: int) -> list[_Line]:
    """A page's lines in reading order: bands of full-width rows and of two columns."""
    words = [w for row in rows for w in row]
    gutter = _gutter(rows, words)
    if gutter is None:
        return _lines(words, (page, 0, 0), words)
    g0, g1 = gutter
    spans = [any(w.x0 < g1 and w.x1 > g0 for w in row) for row in rows]
    plain = [w for row, span in zip(rows, spans) if not span for w in row]
    lefts, rights = [w for w in plain if w.x1 <= g0], [w for w in plain if w.x0 >= g1]
    out: list[_Line] = []
    for band, (span, group) in enumerate(itertools.groupby(zip(rows, spans), lambda r: r[1]), 1):
        band_words = [w for row, _ in group for w in row]
        if span:
            out += _lines(band_words, (page, band, 0), words)
        else:
            out += _lines([w for w in band_words if w.x1 <= g0], (page, band, 1), lefts)
            out += _lines([w for w in band_words if w.x0 >= g1], (page, band, 2), rights)
    return out


def _gutter(rows: list[list[_Word]], words: list[_Word]) -> tuple[float, float] | None:
    """The x range of a clear vertical strip in the middle half of the text, crossed by few
    rows and with a prose column (rows of 3+ words, 30%+ of the width) on each side."""
    if len(rows) < 4:
        return None
    lo, hi = min(w.x0 for w in words), max(w.x1 for w in words)
    size = sorted(w.size for w in words)[len(words) // 2]
    if hi - lo < max(10 * size, 40):
        return None
    n = int(hi - lo) + 1
    diff = [0] * (n + 1)
    for w in words:
        a, b = int(w.x0 - lo), min(n, math.ceil(w.x1 - lo))
        diff[a] += 1
        diff[max(a + 1, b)] -= 1
    cover, middle = list(itertools.accumulate(diff)), range(n // 4, 3 * n // 4)
    best: list[int] = []
    for limit in range(min(cover[i] for i in middle), len(rows) // 5 + 1):
        # the widest strip crossed by at most `limit` words, the fewest that give one
        runs = [list(g) for ok, g in itertools.groupby(middle, lambda i: cover[i] <= limit) if ok]
        best = max(runs, key=len)
        if len(best) >= 0.8 * size:
            break
    if len(best) < 0.8 * size:
        return None
    g0, g1 = lo + best[0], lo + best[-1] + 1
    plain = [row for row in rows if not any(w.x0 < g1 and w.x1 > g0 for w in row)]
    for side in ([[w for w in row if w.x1 <= g0] for row in plain],
                 [[w for w in row if w.x0 >= g1] for row in plain]):
        side_rows = [r for r in side if r]
        side_words = [w for r in side_rows for w in r]
        if len(side_rows) < 2 or len(side_words) < 3 * len(side_rows) or \
                max(w.x1 for w in side_words) - min(w.x0 for w in side_words) < 0.3 * (hi - lo):
            return None
    return g0, g1


def _lines(words: list[_Word], col: tuple, column: list[_Word]) -> list[_Line]:
    """The words of one column run as lines; `column`: the words giving the column's edges."""
    if not words:
        return []
    left, right = min(w.x0 for w in column), max(w.x1 for w in column)
    return [_Line(_row_text(row), row[0].x0, max(w.x1 for w in row), min(w.top for w in row),
                  _mode((w.size, len(w.text)) for w in row), all(w.bold for w in row),
                  col[0], col, left, right) for row in _rows(words)]


def _ends_sentence(text: str, punct: str = ".!?:;…") -> bool:
    core = text.rstrip("\"'”’»)]")
    return bool(core) and core[-1] in punct


def _short(line: _Line, share: float) -> bool:
    return line.x1 - line.left < share * (line.right - line.left)


def _indented(line: _Line) -> bool:
    return 0.6 * line.size < line.x0 - line.left < 6 * line.size


def _breaks(prev: _Line, cur: _Line, body: float, leading: float) -> bool:
    """Whether `cur` starts a new block after `prev` (see the module docstring)."""
    if abs(prev.size - cur.size) > 0.1 * body or prev.bold != cur.bold \
            or _MARKER.match(cur.text) or _LEADER.search(prev.text[-60:]):
        return True
    if _indented(cur) and not _MARKER.match(prev.text) \
            and (not _indented(prev) or _short(prev, 0.85)):
        return True
    if prev.col != cur.col:
        return _ends_sentence(prev.text) and _short(prev, 0.8)
    if cur.top - prev.top > 1.3 * leading * max(1.0, cur.size / body):
        return True
    return _ends_sentence(prev.text) and _short(prev, 0.7) and cur.text[:1].isupper()


def _chunks(lines: list[_Line]) -> list[Chunk]:
    """Lines grouped into blocks, each a heading (levels by size rank) or a paragraph."""
    if not lines:
        return []
    body = _mode((line.size, len(line.text)) for line in lines)
    steps = [(round(b.top - a.top, 1), 1) for a, b in zip(lines, lines[1:])
             if a.col == b.col and a.size == b.size == body and b.top > a.top]
    leading = _mode(steps) if steps else 1.2 * body
    blocks: list[list[_Line]] = []
    for line in lines:
        if blocks and not _breaks(blocks[-1][-1], line, body, leading):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    hyphenated = {w.lower() for line in lines for w in _INNER_HYPHEN.findall(line.text)}
    texts = [collapse(_join([line.text for line in block], hyphenated)) for block in blocks]
    heads = [_is_heading(block, text, body) for block, text in zip(blocks, texts)]
    ranks = sorted({block[0].size for block, head in zip(blocks, heads) if head}, reverse=True)
    return [Chunk("heading", text, min(6, ranks.index(block[0].size) + 1), page=block[0].page)
            if head else Chunk("paragraph", text, page=block[0].page)
            for block, text, head in zip(blocks, texts, heads)]


def _is_heading(block: list[_Line], text: str, body: float) -> bool:
    words = len(text.split())
    if len(block) > 3 or words > 20 or _LEADER.search(text[-60:]) \
            or not any(map(str.isalpha, text)):
        return False
    if block[0].size >= BIGGER * body:
        return not (text.endswith(".") and words > 8)
    return block[0].bold and len(block) <= 2 and words <= 15 and not _ends_sentence(text, ".;,")


def _join(parts: list[str], hyphenated: set[str]) -> str:
    """Join a block's lines: see "Line ends" in the module docstring."""
    out = [parts[0]]
    for part in parts[1:]:
        prev = out[-1]
        m = _BREAK.search(prev)
        if m and part[:1].islower():
            tail = re.match(r"[^\W\d_]*", part).group()
            if not m.group(1)[-1].isupper() and f"{m.group(1)}-{tail}".lower() not in hyphenated:
                out[-1] = prev[:-1]
        elif not _GLUED.search(prev):
            out.append(" ")
        out.append(part)
    return "".join(out)


def _meta_text(value) -> str | None:
    """A metadata string (pdfplumber decodes them), or None when absent, empty or a placeholder
    ("untitled", a file name)."""
    text = collapse(value) if isinstance(value, str) else ""
    return text if text and not _PLACEHOLDER.fullmatch(text) else None


def _pdf_date(value) -> datetime.date | None:
    """The date of a PDF date string ("D:YYYYMMDDHHmmSS…"; month and day default to 1)."""
    text = value.decode("latin-1", "replace") if isinstance(value, bytes) else value
    m = re.match(r"\s*(?:D:)?(\d{4})(\d{2})?(\d{2})?", text) if isinstance(text, str) else None
    if not m:
        return None
    try:
        return datetime.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None
