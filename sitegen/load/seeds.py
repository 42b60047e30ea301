"""Seeds: the source documents in seeds/ (.txt, .md, .html, .pdf, .docx), read into numbered
text blocks: the seed record and the reading of one document with its sidecar
(`load_seed_file`); the folder as a whole is read by `seed_folder.load_seeds`.

A seed's id is its file name without extension; paragraphs are numbered p1, p2, … in document
order (headings are not numbered). An optional `<id>.yaml` sidecar adds metadata. Nothing
here raises for a problem in the user's files: every problem found is returned. The pure
core is `seed_parse.parse_seed`; .txt is read in `seed_txt`, .md and .html in `seed_html` (a
saved web page's article in `seed_web`), .pdf in `seed_pdf`, .docx in `seed_docx`, the
sidecar in `seed_meta`; `seed_charset` makes text of bytes.
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence


from ..memo import no_memo
from ..errors import Collector, Problem
from .blocks import Block, Blocks
from .files import InputFiles
from .seed_meta import SeedMeta
from .seed_parse import parse_seed, parse_sidecar

FORMATS = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf",
           ".docx": "docx"}
SIDECAR_EXTS = (".yaml", ".yml")
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# What a seed was made of (see seed_folder): id, path, format, the document's digest, its
# size, the sidecar's path and digest ('' for none).
Made = tuple[str, str, str, str, int, str, str]


@dataclass(frozen=True, slots=True)
class Seed:
    id: str
    path: str  # relative to the site root, e.g. "seeds/foo.txt"
    format: str  # "txt" | "md" | "html"
    title: str
    blocks: Sequence[Block]  # a tuple, or Blocks (unpacked on each read)
    meta: SeedMeta
    digest: str  # of the document's and the sidecar's bytes (see `_digest`)
    size: int = 0  # of the document's file, in bytes
    sha256: str = ""  # of the document's bytes (hex)

    @property
    def parsed_from(self) -> tuple[str, str, str, str]:
        """What the seed was parsed from: with sitegen's code, these determine every
        field (a key for what is worked out from a seed, without its paragraphs)."""
        return (self.id, self.path, self.format, self.digest)

    @property
    def file_name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def paragraphs(self) -> tuple[Block, ...]:
        """Read from the blocks on each use (see load.blocks): take them once."""
        return tuple(b for b in self.blocks if b.kind == "paragraph")

    @property
    def paragraph_count(self) -> int:
        """Without reading the blocks."""
        return self.blocks.paragraph_count if isinstance(self.blocks, Blocks) \
            else len(self.paragraphs)

    @property
    def paragraph_chars(self) -> int:
        """The length of the paragraphs' text, without reading the blocks."""
        return self.blocks.paragraph_chars if isinstance(self.blocks, Blocks) \
            else sum(len(b.text) for b in self.paragraphs)

    def paragraph(self, pid: str) -> Block | None:
        """Reads the blocks: for many lookups, see model.citations.SeedIndex."""
        return next((b for b in self.paragraphs if b.id == pid), None)

    def has_paragraph(self, pid: str) -> bool:
        """Without reading the blocks: paragraphs are numbered p1 to pN."""
        number = pid[1:]
        return (pid[:1] == "p" and number.isdigit() and str(int(number)) == number
                and 1 <= int(number) <= self.paragraph_count)


# -- files ----------------------------------------------------------------------------------

def parse_job(seed_id: str, rel: str, root: Path, digest: str, fmt: str,
              extract: bool | None) -> tuple[tuple, Callable]:
    """The memo key and computation of parsing one document (of bytes with that digest)."""
    return (seed_id, rel, digest, fmt, extract), lambda _out: parse_seed(
        seed_id, rel, InputFiles.data(root / rel, rel, digest), fmt, extract)


def made_parse(root: Path, made: Made, meta: SeedMeta) -> tuple[tuple, Callable]:
    """The parse job of the document `made` says, read as its sidecar's `meta` says."""
    seed_id, rel, fmt, digest = made[:4]
    return parse_job(seed_id, rel, root, digest, fmt, meta.extract if fmt == "html" else None)


def load_seed_file(root: Path, path: Path, memo=no_memo, files: InputFiles | None = None,
                   sidecars: list[Path] | None = None) -> tuple[Seed | None, list[Problem]]:
    """One document and its sidecar. None when the document itself cannot be used.
    `memo` (see sitegen.memo) may reuse the parse of unchanged bytes; `files`: the
    load's InputFiles (see load.files); `sidecars`: the document's sidecar files, when
    the caller listed them already."""
    return seed_file(root, path, memo, files, sidecars)[:2]


def seed_file(root: Path, path: Path, memo, files: InputFiles | None,
              sidecars: list[Path] | None) -> tuple[Seed | None, list[Problem], Made | None]:
    """`load_seed_file`'s seed and problems, and what the seed was made of."""
    root = Path(root)
    path = path if path.is_absolute() else root / path
    files = files or InputFiles(memo)
    rel, col = rel_path(root, path), Collector()
    seed_id, fmt = path.stem, FORMATS.get(path.suffix.lower())
    if fmt is None:
        col.error(rel, None, f"unsupported seed type '{path.suffix}' ({SUPPORTED})"
                  if path.suffix else f"a seed needs an extension that says its format: "
                  f"rename it {path.name}{_NAMED[0]} (plain text), {LISTED[len(_NAMED[0]) + 2:]}",
                  code="seed-type")
        return None, col.problems, None
    if not ID_RE.fullmatch(seed_id):
        col.error(rel, None, _bad_id(seed_id, path.suffix), code="seed-id")
        return None, col.problems, None
    digest = _file_digest(files, path, rel, col)
    if digest is None:
        return None, col.problems, None
    side_col = Collector()  # the document's problems are reported first
    meta, side, extra = _sidecar(root, path, sidecars, memo, files, side_col)
    made = (seed_id, rel, fmt, digest, files.size(path), side, extra)
    seed, doc_problems = seed_from(root, made, meta, memo, col)
    col.extend(doc_problems)
    col.extend(side_col.problems)
    return seed, col.problems, made if seed else None


def seed_from(root: Path, made: Made, meta: SeedMeta, memo, col: Collector
              ) -> tuple[Seed | None, list[Problem]]:
    """The seed `made` says, with its sidecar's `meta`, and the parse's problems (None:
    the document cannot be used)."""
    seed_id, rel, fmt, digest, size, _side, extra = made
    found, blocks, problems = memo("seed", *made_parse(root, made, meta), col)
    if any(p.severity == "error" for p in problems):
        return None, problems
    meta = meta.over(found)
    return Seed(seed_id, rel, fmt, meta.title or seed_id, blocks, meta, _digest(digest, extra),
                size, digest), problems


def _sidecar(root: Path, path: Path, sidecars: list[Path] | None, memo, files: InputFiles,
             col: Collector) -> tuple[SeedMeta, str, str]:
    """A document's sidecar metadata, path and the digest of its bytes ('' for none)."""
    if sidecars is None:
        sidecars = [p for p in (path.with_suffix(ext) for ext in SIDECAR_EXTS) if p.is_file()]
    if len(sidecars) > 1:
        col.error(rel_path(root, sidecars[1]), None, f"two sidecars for seed '{path.stem}' "
                  f"({rel_path(root, sidecars[0])} is used); keep one", code="sidecar-duplicate")
    if not sidecars:
        return SeedMeta(), "", ""
    side = rel_path(root, sidecars[0])
    extra = _file_digest(files, sidecars[0], side, col) or ""
    if not extra or extra == _EMPTY:
        return SeedMeta(), "", ""
    return sidecar_meta(root, side, extra, memo, col), side, extra


def sidecar_meta(root: Path, side: str, extra: str, memo, col: Collector) -> SeedMeta:
    """The metadata of the sidecar `side` of bytes with the digest `extra`."""
    meta, problems = memo("sidecar", (side, extra), lambda _: parse_sidecar(
        side, InputFiles.data(root / side, side, extra)), col)
    col.extend(problems)
    return meta


_EMPTY = hashlib.sha256(b"").hexdigest()
_NAMED = [ext for ext in FORMATS if ext != ".htm"]  # the formats, as messages name them
LISTED = f"{', '.join(_NAMED[:-1])} or {_NAMED[-1]}"  # ".txt, .md, .html, .pdf or .docx"
SUPPORTED = f"seeds are {LISTED} files; convert other formats to one"


def _file_digest(files: InputFiles, path: Path, rel: str, col: Collector) -> str | None:
    try:
        return files.digest(path, rel)
    except OSError as exc:
        col.error(rel, None, f"cannot read file: {exc.strerror or exc}", code="seed-read")
        return None


def _digest(document: str, sidecar: str) -> str:
    """One digest of both files, from theirs ('' for no sidecar)."""
    return hashlib.sha256(f"{document}\n{sidecar}".encode()).hexdigest()


def rel_path(root: Path, path: Path) -> str:
    text, base = str(path), str(root) + os.sep
    if text.startswith(base):  # the common case, without pathlib's parsing
        return text[len(base):].replace(os.sep, "/")
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _bad_id(seed_id: str, suffix: str) -> str:
    ascii_id = unicodedata.normalize("NFKD", seed_id).encode("ascii", "ignore").decode()
    better = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_id).strip("-._")
    hint = f"; rename the file to '{better}{suffix}'" if better else "; rename the file"
    return (f"seed id '{seed_id}' cannot be used in URLs{hint} (letters, digits, '.', '_' and '-', "
            "starting with a letter or digit)")
