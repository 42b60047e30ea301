"""The persistent build cache in `.sitegen-cache/` (git-ignored, safe to delete).

`DiskMemo` is a memo (see `sitegen.cache`) whose results outlive the process: parsed
seeds, briefings and topics, rendered Markdown, proven claims, the search text of each
body and the HTML of page pieces (the book's chapters), each stored under a
digest of its full key (the key holds every input of the step, so a hit is correct by
construction). Each step's entries are spread over SHARDS files by digest, each written
atomically after a successful build with just the entries that build used, and only
when those changed: an edit rewrites a sixteenth of the cache, not all of it.

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
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Hashable

from . import __version__
from .errors import Collector

CACHE_DIR = ".sitegen-cache"
PERSISTED = ("file-digest", "seed", "sidecar", "briefing", "topic", "markdown", "claims", "related",
             "word-count", "template-names", "body-text", "part")
_BIG = 256  # key parts longer than this are digested once, remembered by identity…
_BIG_KEPT = 512  # …for the most recent few hundred (each is kept alive while remembered)
SHARDS = 16


def write_cache_file(root: Path, name: str, data: bytes) -> None:
    """Write `.sitegen-cache/<name>` atomically (the folder is made, and git-ignored, on
    first use)."""
    folder = Path(root) / CACHE_DIR
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, folder / name)


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


class DiskMemo:
    """memo(step, key, compute, out), backed by `<root>/.sitegen-cache/<step>-<shard>.pickle`."""

    def __init__(self, root: Path, log: Callable[[str], None] = lambda _m: None):
        self.root = Path(root)
        self.folder = self.root / CACHE_DIR
        self.log = log
        self.version = code_digest()
        self._key = _secret()
        self._stores: dict[str, dict[bytes, tuple[Any, tuple]]] = {}
        self._used: dict[str, dict[bytes, tuple[Any, tuple]]] = {}
        self._dirty: set[tuple[str, int]] = set()  # (step, shard) with new entries
        self._big: dict[int, tuple[Any, str]] = {}
        self.hits = self.misses = 0

    def __call__(self, step: str, key: Hashable, compute, out: Collector):
        if step not in PERSISTED:
            return compute(out)
        digest = self._digest(key)
        store, used = self._store(step), self._used.setdefault(step, {})
        entry = store.get(digest)
        if entry is None:
            collector = Collector()
            entry = (compute(collector), tuple(collector.problems))
            store[digest] = entry
            self._dirty.add((step, digest[0] % SHARDS))
            self.misses += 1
        else:
            self.hits += 1
        used[digest] = entry
        out.extend(list(entry[1]))
        return entry[0]

    def has(self, step: str, key: Hashable) -> bool:
        return step in PERSISTED and self._digest(key) in self._store(step)

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

    def _store(self, step: str) -> dict:
        if step not in self._stores:
            self._stores[step] = self._read(step)
        return self._stores[step]

    def _read(self, step: str) -> dict:
        entries: dict = {}
        if self._key is not None:
            for shard in range(SHARDS):
                found = self._read_file(self.folder / f"{step}-{shard:x}.pickle")
                if found is None:  # ignored: `save` replaces it (or removes it, if empty)
                    self._dirty.add((step, shard))
                else:
                    entries.update(found)
        return entries

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

    def save(self) -> None:
        """Keep what this build used, for the next one (call after a successful build).
        A cache that cannot be written is reported and skipped: the build stands."""
        if self._key is None:
            return
        try:
            self._write()
        except OSError as exc:
            self.log(f"cache: not saved ({exc})")

    def _write(self) -> None:
        for step, used in self._used.items():
            held = [0] * SHARDS  # entries each shard file holds now
            for digest in self._stores.get(step, ()):
                held[digest[0] % SHARDS] += 1
            keep: list[dict] = [{} for _ in range(SHARDS)]
            for digest, entry in used.items():
                keep[digest[0] % SHARDS][digest] = entry
            for shard, entries in enumerate(keep):
                if (step, shard) not in self._dirty and len(entries) == held[shard]:
                    continue  # nothing new and nothing dropped
                name = f"{step}-{shard:x}.pickle"
                if not entries:
                    (self.folder / name).unlink(missing_ok=True)
                    continue
                body = pickle.dumps((self.version, entries), protocol=pickle.HIGHEST_PROTOCOL)
                sig = hmac.new(self._key, body, "sha256").hexdigest().encode()
                write_cache_file(self.root, name, sig + b"\n" + body)
