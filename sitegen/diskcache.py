"""The persistent build cache in `.sitegen-cache/` (git-ignored, safe to delete).

`DiskMemo` is a memo (see `sitegen.cache`) whose results outlive the process: parsed
seeds, briefings and topics, rendered Markdown, proven claims, the search text of each
body and the HTML of page pieces (the book's chapters), each stored under a
digest of its full key (the key holds every input of the step, so a hit is correct by
construction). Each step's entries are spread over SHARDS files by digest, each read
when first needed and written atomically after a successful build with just the entries
that build used, and only when those changed: an edit rewrites a sixteenth of the cache,
not all of it. Entries that worker processes used are kept without reading their files
(`touch`); an unused entry in a file no one read stays until that file is rewritten.

A cache file is trusted only when it was written by this very sitegen code (a digest of
the package's source is part of each file) and carries a valid HMAC made with a secret
kept outside the site (so a cache shipped inside a downloaded site is never unpickled).
Anything else — stale, corrupt, foreign — is ignored and rebuilt.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable

from . import __version__
from .errors import Collector
from .parallel import fork_map

CACHE_DIR = ".sitegen-cache"
LOAD_STEPS = ("file-digest", "seed", "sidecar", "briefing", "topic", "markdown", "claims",
              "related", "body-text")  # the load and model stages' (see `settle`)
PERSISTED = (*LOAD_STEPS, "template-names", "part")
_BIG = 256  # key parts longer than this are digested once, remembered by identity…
_BIG_KEPT = 512  # …for the most recent few hundred (each is kept alive while remembered)
SHARDS = 16
_MANY_ENTRIES = 20_000  # entries to save worth forking for


def write_cache_file(root: Path, name: str, data: bytes) -> None:
    """Write `.sitegen-cache/<name>` atomically, also while another process writes it (the
    folder is made, and git-ignored, on first use)."""
    folder = Path(root) / CACHE_DIR
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    # A name of its own: another build (of another output folder) may write `name` too.
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, folder / name)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Digest of sitegen's version and every source file of the package (read once)."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _secret() -> bytes | None:
    """A per-user key outside any site, made on first use; None where none can be kept
    (then nothing is cached on disk)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sitegen"
    path = base / "cache-key"
    for _attempt in range(2):
        try:
            key = path.read_bytes()
            return key if len(key) == 32 else None
        except FileNotFoundError:
            try:
                base.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another build made it meanwhile: read that one
                continue
            except OSError:
                return None
            key = secrets.token_bytes(32)
            with os.fdopen(fd, "wb") as f:
                f.write(key)
            return key
        except OSError:
            return None
    return None


def _long_digest(part: str | bytes | tuple) -> str:
    """'#' and a digest of a long key part (text and bytes are hashed as they are: no repr)."""
    if isinstance(part, str):
        data = b"s" + part.encode("utf-8", "surrogatepass")
    elif isinstance(part, bytes):
        data = b"b" + part
    else:
        data = b"r" + repr(part).encode("utf-8", "surrogatepass")
    return "#" + hashlib.blake2b(data, digest_size=16).hexdigest()


def _where(step: str, digest: bytes) -> tuple[str, int]:
    """The (step, shard) file an entry lives in."""
    return step, digest[0] % SHARDS


class DiskMemo:
    """memo(step, key, compute, out), backed by `<root>/.sitegen-cache/<step>-<shard>.pickle`."""

    def __init__(self, root: Path, log: Callable[[str], None] = lambda _m: None):
        self.root = Path(root)
        self.folder = self.root / CACHE_DIR
        self.log = log
        self.version = code_digest()
        self._key = _secret()
        # Shard files are read when first needed: (step, shard) -> {digest: entry}.
        self._shards: dict[tuple[str, int], dict[bytes, tuple[Any, tuple]]] = {}
        self._used: dict[tuple[str, int], dict[bytes, tuple[Any, tuple]]] = {}
        self._touched: dict[tuple[str, int], set[bytes]] = {}  # used elsewhere, not read yet
        self._dirty: set[tuple[str, int]] = set()  # (step, shard) with new entries
        self._big: dict[int, tuple[Any, str]] = {}
        self.hits = self.misses = 0

    def __call__(self, step: str, key: Hashable, compute, out: Collector):
        if step not in PERSISTED:
            return compute(out)
        digest = self._digest(key)
        where = _where(step, digest)
        shard = self._shard(where)
        entry = shard.get(digest)
        if entry is None:
            collector = Collector()
            entry = (compute(collector), tuple(collector.problems))
            shard[digest] = entry
            self._dirty.add(where)
            self.misses += 1
        else:
            self.hits += 1
        self._used.setdefault(where, {})[digest] = entry
        out.extend(list(entry[1]))
        return entry[0]

    def has(self, step: str, key: Hashable) -> bool:
        if step not in PERSISTED:
            return False
        digest = self._digest(key)
        return digest in self._shard(_where(step, digest))

    def touch(self, step: str, key: Hashable) -> None:
        """Keep the entry another process (a worker) used: it stays in the cache, and its
        shard file is not read here for that."""
        if step not in PERSISTED:
            return
        digest = self._digest(key)
        where = _where(step, digest)
        if where in self._shards:
            entry = self._shards[where].get(digest)
            if entry is not None:
                self._used.setdefault(where, {})[digest] = entry
        else:
            self._touched.setdefault(where, set()).add(digest)

    def _digest(self, key: Hashable) -> bytes:
        parts = []
        for part in key if isinstance(key, tuple) else (key,):
            if isinstance(part, (str, bytes, tuple)) and len(part) > _BIG:
                seen = self._big.get(id(part))
                if seen is None or seen[0] is not part:
                    if len(self._big) >= _BIG_KEPT:  # it holds the parts alive: keep it small
                        self._big.clear()
                    seen = (part, _long_digest(part))
                    self._big[id(part)] = seen
                parts.append(seen[1])
            else:
                parts.append(repr(part))
        return hashlib.blake2b("\0".join(parts).encode("utf-8", "surrogatepass"),
                               digest_size=16).digest()

    def _shard(self, where: tuple[str, int]) -> dict:
        if where not in self._shards:
            entries = self._shards[where] = self._read_shard(where)
            for digest in self._touched.pop(where, ()):
                if digest in entries:
                    self._used.setdefault(where, {})[digest] = entries[digest]
        return self._shards[where]

    def _read_shard(self, where: tuple[str, int]) -> dict:
        if self._key is None:
            return {}
        step, shard = where
        found = self._read_file(self.folder / f"{step}-{shard:x}.pickle")
        if found is None:  # ignored: `save` replaces it (or removes it, if empty)
            self._dirty.add(where)
            return {}
        return found

    def _read_file(self, path: Path) -> dict | None:
        """The entries of one shard file; {} when there is none, None when it is ignored."""
        try:
            data = path.read_bytes()
        except OSError:
            return {}
        sig, _, body = data.partition(b"\n")
        good = hmac.compare_digest(sig, hmac.new(self._key, body, "sha256").hexdigest().encode())
        try:
            if good:
                version, entries = pickle.loads(body)
                if version == self.version and isinstance(entries, dict):
                    return entries
        except Exception:  # noqa: BLE001 - a damaged cache is never trusted
            pass
        self.log(f"cache: ignored {CACHE_DIR}/{path.name} (stale, damaged or not ours)")
        return None

    def save(self, workers: int = 1) -> None:
        """Keep what this build used, for the next one (call after a successful build),
        on up to `workers` processes. A cache that cannot be written is reported and
        skipped: the build stands."""
        self._save(set(PERSISTED), workers)

    def settle(self, steps: Iterable[str], workers: int = 1) -> None:
        """Save the entries of `steps` this build used now (see `save`), and let go of
        them: steps of a stage that is done (loading), whose entries the site graph does
        not hold (parsed briefings, above all). The processes forked afterwards to render
        pages then start smaller, and use that memory for what they read."""
        steps = set(steps)
        self._save(steps, workers)
        for table in (self._shards, self._used, self._touched):
            for where in [w for w in table if w[0] in steps]:
                del table[where]
        self._dirty = {where for where in self._dirty if where[0] not in steps}

    def _save(self, steps: set[str], workers: int) -> None:
        if self._key is None:
            return
        try:
            self._write(steps, workers)
        except OSError as exc:
            self.log(f"cache: not saved ({exc})")

    def _write(self, steps: set[str], workers: int) -> None:
        """Rewrite each shard of `steps` read (or meant to be replaced) whose entries this
        build changed: new ones, or ones it did not use (dropped). A step this build did
        not use at all is left as it is."""
        steps = steps & {step for step, _shard in self._used}
        todo = [where for where, entries in self._shards.items()
                if where[0] in steps and (where in self._dirty
                                          or len(self._used.get(where, ())) != len(entries))]
        many = sum(len(self._used.get(where, ())) for where in todo) >= _MANY_ENTRIES
        for _ in fork_map(self._write_shard, todo, workers if many else 1, min_items=2):
            pass  # a cold build of a large site writes hundreds of MB

    def _write_shard(self, where: tuple[str, int]) -> None:
        """Rewrite one shard file with the entries this build used (remove it if none)."""
        name = f"{where[0]}-{where[1]:x}.pickle"
        used = self._used.get(where)
        if not used:
            (self.folder / name).unlink(missing_ok=True)
            return
        body = pickle.dumps((self.version, used), protocol=pickle.HIGHEST_PROTOCOL)
        sig = hmac.new(self._key, body, "sha256").hexdigest().encode()
        write_cache_file(self.root, name, sig + b"\n" + body)
