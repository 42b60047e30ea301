"""Seeds: the source documents in seeds/ (.txt, .md, .html, .pdf, .docx), read into numbered
text blocks.

A seed's id is its file name without extension; paragraphs are numbered p1, p2, … in document
order (headings are not numbered). An optional `<id>.yaml` sidecar adds metadata. `load_seeds`
never raises for a problem in the user's files: it returns every problem found. The pure
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
from operator import attrgetter
from pathlib import Path
from typing import Callable, Sequence


from ..memo import as_last, no_memo
from ..errors import Collector, Problem
from .blocks import Block, Blocks
from .files import InputFiles, folder_problem, link_problem, listing
from .scan import Scan
from .seed_meta import SeedMeta
from .seed_parse import parse_seed, parse_sidecar

FORMATS = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf",
           ".docx": "docx"}
SIDECAR_EXTS = (".yaml", ".yml")
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


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

def _parse_job(seed_id: str, rel: str, root: Path, digest: str, fmt: str,
               extract: bool | None) -> tuple[tuple, Callable]:
    """The memo key and computation of parsing one document (of bytes with that digest)."""
    return (seed_id, rel, digest, fmt, extract), lambda _out: parse_seed(
        seed_id, rel, InputFiles.data(root / rel, rel, digest), fmt, extract)


def load_seed_file(root: Path, path: Path, memo=no_memo, files: InputFiles | None = None,
                   sidecars: list[Path] | None = None) -> tuple[Seed | None, list[Problem]]:
    """One document and its sidecar. None when the document itself cannot be used.
    `memo` (see sitegen.memo) may reuse the parse of unchanged bytes; `files`: the
    load's InputFiles (see load.files); `sidecars`: the document's sidecar files, when
    the caller listed them already."""
    return _seed_file(root, path, memo, files, sidecars)[:2]


# What a seed was made of (see `_remade`): id, path, format, the document's digest, its
# size, the sidecar's path and digest ('' for none).
Made = tuple[str, str, str, str, int, str, str]


def _seed_file(root: Path, path: Path, memo, files: InputFiles | None,
               sidecars: list[Path] | None) -> tuple[Seed | None, list[Problem], Made | None]:
    """`load_seed_file`'s seed and problems, and what the seed was made of."""
    root = Path(root)
    path = path if path.is_absolute() else root / path
    files = files or InputFiles(memo)
    rel, col = _rel(root, path), Collector()
    seed_id, fmt = path.stem, FORMATS.get(path.suffix.lower())
    if fmt is None:
        col.error(rel, None, f"unsupported seed type '{path.suffix}' ({_SUPPORTED})"
                  if path.suffix else f"a seed needs an extension that says its format: "
                  f"rename it {path.name}{_NAMED[0]} (plain text), {_LISTED[len(_NAMED[0]) + 2:]}",
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
    seed, doc_problems = _seed(root, made, meta, memo, col)
    col.extend(doc_problems)
    col.extend(side_col.problems)
    return seed, col.problems, made if seed else None


def _seed(root: Path, made: Made, meta: SeedMeta, memo, col: Collector
          ) -> tuple[Seed | None, list[Problem]]:
    """The seed `made` says, with its sidecar's `meta`, and the parse's problems (None:
    the document cannot be used)."""
    seed_id, rel, fmt, digest, size, _side, extra = made
    found, blocks, problems = memo(
        "seed", *_parse_job(seed_id, rel, root, digest, fmt,
                            meta.extract if fmt == "html" else None), col)
    if any(p.severity == "error" for p in problems):
        return None, problems
    meta = meta.over(found)
    return Seed(seed_id, rel, fmt, meta.title or seed_id, blocks, meta, _digest(digest, extra),
                size, digest), problems


def _remade(root: Path, made: tuple[Made, ...], memo) -> dict[str, Seed]:
    """The seeds of a folder as a load of it made them (what each was `made` of): of the
    memo's entries alone, without a look at a file (the problems are the load's, told
    with `made`: not again)."""
    quiet, seeds = Collector(), {}
    for each in made:
        side, extra = each[5:]
        meta = _sidecar_meta(root, side, extra, memo, quiet) if side else SeedMeta()
        seeds[each[0]] = _seed(root, each, meta, memo, quiet)[0]
    return seeds


def _sidecar(root: Path, path: Path, sidecars: list[Path] | None, memo, files: InputFiles,
             col: Collector) -> tuple[SeedMeta, str, str]:
    """A document's sidecar metadata, path and the digest of its bytes ('' for none)."""
    if sidecars is None:
        sidecars = [p for p in (path.with_suffix(ext) for ext in SIDECAR_EXTS) if p.is_file()]
    if len(sidecars) > 1:
        col.error(_rel(root, sidecars[1]), None, f"two sidecars for seed '{path.stem}' "
                  f"({_rel(root, sidecars[0])} is used); keep one", code="sidecar-duplicate")
    if not sidecars:
        return SeedMeta(), "", ""
    side = _rel(root, sidecars[0])
    extra = _file_digest(files, sidecars[0], side, col) or ""
    if not extra or extra == _EMPTY:
        return SeedMeta(), "", ""
    return _sidecar_meta(root, side, extra, memo, col), side, extra


def _sidecar_meta(root: Path, side: str, extra: str, memo, col: Collector) -> SeedMeta:
    """The metadata of the sidecar `side` of bytes with the digest `extra`."""
    meta, problems = memo("sidecar", (side, extra), lambda _: parse_sidecar(
        side, InputFiles.data(root / side, side, extra)), col)
    col.extend(problems)
    return meta


_EMPTY = hashlib.sha256(b"").hexdigest()
_SEEDS = "seed records"  # carried: the seeds as the last load made them
_PARSED_FROM = attrgetter("parsed_from")
_NAMED = [ext for ext in FORMATS if ext != ".htm"]  # the formats, as messages name them
_LISTED = f"{', '.join(_NAMED[:-1])} or {_NAMED[-1]}"  # ".txt, .md, .html, .pdf or .docx"
_SUPPORTED = f"seeds are {_LISTED} files; convert other formats to one"


def _file_digest(files: InputFiles, path: Path, rel: str, col: Collector) -> str | None:
    try:
        return files.digest(path, rel)
    except OSError as exc:
        col.error(rel, None, f"cannot read file: {exc.strerror or exc}", code="seed-read")
        return None


def _digest(document: str, sidecar: str) -> str:
    """One digest of both files, from theirs ('' for no sidecar)."""
    return hashlib.sha256(f"{document}\n{sidecar}".encode()).hexdigest()


def load_seeds(root: Path, seeds_dir: str = "seeds", memo=no_memo,
               scan: Scan | None = None, files: InputFiles | None = None
               ) -> tuple[dict[str, Seed], list[Problem]]:
    """Every seed in seeds/ (not in subfolders), sorted by id, and all problems found.
    A memo that keeps values from build to build hands out the same seeds again while
    the folder's files are as they were in the build's `scan` (see Scan.folder).
    `files`: the load's InputFiles (see load.files).

    Rule: the seeds are the files the scan found in the folder (see Scan.entries), as
    their metadata comes from it too; where it cannot tell, the folder is listed, and the
    seeds are remembered under the scan's state only when the listing holds the very
    names the scan saw."""
    root = Path(root).absolute()  # listed paths then hold no relative root
    files = files or InputFiles(memo, scan)
    state = scan.folder(seeds_dir) if scan else None
    if state is None or scan.looped:  # only a listing tells what the folder holds
        entries = _entries(root / seeds_dir)
        if state is None or not _as_scanned(entries, state, seeds_dir):
            return _load_seeds(root, seeds_dir, memo, files, entries)[:2]
    else:
        entries = None  # the scan's, taken only when the seeds are loaded
    out = Collector()
    seeds = memo("seeds", (str(root), seeds_dir, state), lambda col: _folder(
        col, root, (seeds_dir, tuple(state)), memo, lambda: _load_seeds(
            root, seeds_dir, memo, files,
            scan.entries(seeds_dir) if entries is None else entries)), out)
    return seeds, out.problems


def _folder(out: Collector, root: Path, state: tuple, memo, load) -> dict[str, Seed]:
    """The seeds of a folder whose files are in `state` (the folder's name and its
    Scan.folder): what a load of the folder in that state made them of (and its
    problems, told to `out`) is remembered, so a build in a new process makes them of
    the memo's entries of their parses alone (see `_remade`: no file looked at, nor
    digested); else `load()` loads them."""
    loaded: list = []

    def load_once(col: Collector) -> tuple[Made, ...]:
        seeds, problems, made = load()
        loaded.append(seeds)
        col.extend(problems)
        return tuple(made)
    made = memo("seed-folder", (str(root), *state), load_once, out)
    if loaded:
        return loaded[0]
    return as_last(memo, _SEEDS, _remade(root, made, memo), _PARSED_FROM)


def _as_scanned(entries: list[os.DirEntry] | OSError, state: tuple, folder: str) -> bool:
    """Whether a listing of `folder` holds the very names its scanned `state` does."""
    return not isinstance(entries, OSError) and {f"{folder}/{e.name}" for e in entries} \
        == {name for name, _state in state[1]} | set(state[2])


def _entries(folder: Path) -> list[os.DirEntry] | OSError:
    """The folder's entries (see files.listing), or why it cannot be listed."""
    try:
        return listing(folder)
    except OSError as exc:
        return exc


def _load_seeds(root: Path, seeds_dir: str, memo, inputs: InputFiles,
                entries: list[os.DirEntry] | OSError
                ) -> tuple[dict[str, Seed], list[Problem], list[Made]]:
    """The seeds of the folder's `entries` (see `_entries`), the problems, and what each
    seed was made of."""
    col, made = Collector(), []
    folder = root / seeds_dir
    if not folder.exists():
        return {}, [], []
    problem = folder_problem(folder, root)
    if problem:
        col.error(f"{seeds_dir}/", None, problem, code="bad-link")
        return {}, col.problems, []
    if isinstance(entries, OSError):
        col.error(_rel(root, folder), None, "cannot read folder: "
                  f"{entries.strerror or entries}", code="seed-read")
        return {}, col.problems, []
    files = []
    for e in entries:
        problem = link_problem(folder / e.name, root) if e.is_symlink() else None
        if problem:
            col.error(f"{seeds_dir}/{e.name}", None, problem, code="bad-link")
        elif e.is_file():
            files.append(folder / e.name)
        elif e.is_dir():
            col.warning(f"{seeds_dir}/{e.name}/", None, f"ignored: seeds are read from "
                        f"{seeds_dir}/ itself, not from folders inside it; move the files "
                        f"up into {seeds_dir}/", code="ignored-file")
    docs: dict[str, list[Path]] = {}  # lower-cased id -> documents (ids must differ beyond case)
    for p in files:
        if p.suffix.lower() in FORMATS or not p.suffix:  # no suffix: an error says what to do
            docs.setdefault(p.stem.lower(), []).append(p)
        elif p.suffix not in SIDECAR_EXTS:  # e.g. the original beside a converted copy
            col.warning(_rel(root, p), None, f"ignored: not a seed format ({_SUPPORTED})",
                        code="ignored-file")
    seeds: dict[str, Seed] = {}
    listed = set(files)
    _parse_ahead(root, docs, memo, inputs, listed)
    for paths in docs.values():
        if len(paths) > 1:
            names = " and ".join(_rel(root, p) for p in paths)
            col.error(_rel(root, paths[1]), None,
                      f"two seeds have the id '{paths[0].stem}' ({names}); rename or remove one "
                      "(ids must differ in more than letter case)", code="seed-duplicate")
            continue
        sidecars = [folder / f"{paths[0].stem}{ext}" for ext in SIDECAR_EXTS]
        seed, problems, of = _seed_file(root, paths[0], memo, inputs,
                                        [p for p in sidecars if p in listed])
        col.extend(problems)
        if seed:
            seeds[seed.id] = seed
            made.append(of)
    stems = {p.stem for p in files if p.suffix.lower() in FORMATS}
    for p in files:
        if p.suffix in SIDECAR_EXTS and p.stem not in stems:
            col.error(_rel(root, p), None, f"sidecar without a seed document (expected {seeds_dir}/"
                      f"{p.stem}{_LISTED})", code="sidecar-orphan")
    # Early cut-off (see sitegen.memo.as_last): a seed parsed again from what the last
    # build's was is that seed, so what follows from the seeds that did not change stands
    # by identity (compared by what they were parsed from: their blocks are packed).
    return as_last(memo, _SEEDS, dict(sorted(seeds.items())), _PARSED_FROM), col.problems, \
        sorted(made)


def _parse_ahead(root: Path, docs: dict[str, list[Path]], memo, files: InputFiles,
                 listed: set[Path]) -> None:
    """Hand the memo (to work out ahead, where it can) every parse `load_seeds` will ask
    for: all but those of web pages with a sidecar (it may say how to read them).
    Problems are not reported here: the loop meets them in order."""
    jobs = []
    for paths in docs.values():
        path = paths[0]
        fmt = FORMATS.get(path.suffix.lower())
        if fmt == "html" and any(path.with_suffix(ext) in listed for ext in SIDECAR_EXTS):
            continue
        if len(paths) == 1 and fmt and ID_RE.fullmatch(path.stem):
            rel = _rel(root, path)
            try:
                jobs.append(_parse_job(path.stem, rel, root, files.digest(path, rel), fmt,
                                       None))
            except OSError:
                continue
    memo.run("seed", jobs, label="parsing seeds")


def _rel(root: Path, path: Path) -> str:
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
