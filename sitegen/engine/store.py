"""The store: `.sitegen-cache/store.sqlite` (git-ignored, safe to delete), what one build
leaves for the next. One SQLite database (standard library, WAL mode) of plain data:

    meta(name PRIMARY KEY, value)         schema, code, home, last-build (JSON),
                                          outputs-generation (see `_write_outputs`)
    memo(step, key, value, problems,      a memoised step's value and problems (see
         reads)                           engine.codec; b"": none), under the digest of
                                          its key, and the digests of the entries it read
                                          ([[step, digests joined], …] encoded; b"": none)
    outputs(path PRIMARY KEY, key, reads) each page of the last build's output, with the
                                          key it was rendered from and the digests of
                                          the memo entries it read (see engine.reuse)

Rules:
- It is used only by the sitegen code that wrote it (`code`: a digest of the package's
  source) and only in the folder that made it (`home`: the site root's device and inode;
  a site copied or downloaded with its store starts afresh). Anything else, or a
  database that does not open, is emptied and started again; nothing in it is code.
- Memo entries are keyed by everything their step read, so they are true whenever they
  were written: `put` commits them as workers hand them over or a stage settles. What
  says which output stands — `outputs` and `last-build` — changes only in
  `commit_build`, in one transaction, after the output is in place; `forget_build`
  first, before the output starts to change.
- Entries a successful build did not use are deleted by `commit_build`, so the store
  follows the site's size, not the number of edits.
- A worker process (forked while the store is open) reads through a connection of its
  own, never the one it inherited.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import contextmanager
from itertools import compress
from operator import ne
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Iterator, Mapping

from .. import __version__
from .codec import Encoded, Undecodable, decode, encode
from .digest import code_digest
from .reads import decoded_reads

CACHE_DIR = ".sitegen-cache"
FILE = "store.sqlite"
SCHEMA = "5"
TIMEOUT = 30  # seconds a build waits for another's lock on the store
_TABLES = """
CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE memo(step TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,
                  problems BLOB NOT NULL, reads BLOB NOT NULL, UNIQUE(step, key));
CREATE TABLE outputs(path TEXT PRIMARY KEY, key TEXT NOT NULL, reads BLOB NOT NULL);
"""
_OBJECTS = {("table", "meta"), ("index", "sqlite_autoindex_meta_1"), ("table", "memo"),
            ("index", "sqlite_autoindex_memo_1"), ("table", "outputs"),
            ("index", "sqlite_autoindex_outputs_1")}


def cache_folder(root: Path) -> Path:
    """`.sitegen-cache/` in the site root, made (and git-ignored) on first use; raises
    OSError for one that is a symbolic link (nothing is written through one)."""
    folder = Path(root) / CACHE_DIR
    if folder.is_symlink():
        raise OSError(f"{CACHE_DIR} is a symbolic link; not followed")
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists() and not ignore.is_symlink():
        try:
            with open(ignore, "x", encoding="utf-8") as f:
                f.write("*\n")
        except FileExistsError:
            pass  # another build of the site, at the same moment, made it
    return folder


class Store:
    """The open store of the site at `root`; `log` hears why one was started afresh.
    Raises OSError (or sqlite3.Error) when there is no place for one."""

    def __init__(self, root: Path, log: Callable[[str], None] = lambda _m: None):
        self.path = cache_folder(root) / FILE
        self.log = log
        self._home = _home(Path(root))
        self._pid = os.getpid()
        self._db = self._open()
        self._reader: sqlite3.Connection | None = None  # in a worker process
        self._keys: dict[str, set[bytes]] = {}  # step -> the key digests stored, once asked
        self._rows: dict[str, dict[bytes, tuple[bytes, bytes]]] = {}  # see `prefetch`
        self._outputs_read: tuple[str, dict] | None = None  # see `_write_outputs`

    def _open(self) -> sqlite3.Connection:
        if self.path.is_symlink():
            raise OSError(f"{CACHE_DIR}/{FILE} is a symbolic link; not followed")
        try:
            db = self._connect()
            if self._ours(db):
                return db
            db.close()
            self.log(f"cache: started afresh ({CACHE_DIR}/{FILE} was made by other sitegen "
                     "code or in another folder)")
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise
            self.log(f"cache: started afresh ({CACHE_DIR}/{FILE} was damaged)")
        # A new file: emptying the old one would keep whatever else its schema holds.
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        db = self._connect()
        if not self._ours(db):
            raise sqlite3.DatabaseError("a new store is not empty")
        return db

    def _identity(self) -> dict[str, str]:
        return {"schema": SCHEMA, "code": code_digest(), "home": self._home}

    def _ours(self, db: sqlite3.Connection) -> bool:
        """Whether `db` is a store this code made in this folder, holding exactly the
        tables it makes (no trigger, view or other table a shipped file could bring); a
        new, empty database is made ours."""
        with _transaction(db):  # two builds may make the store at once
            objects = set(db.execute("SELECT type, name FROM sqlite_master"))
            if not objects:
                for statement in filter(str.strip, _TABLES.split(";")):
                    db.execute(statement)
                db.executemany("INSERT INTO meta VALUES (?, ?)",
                               [*self._identity().items(), ("sitegen", __version__)])
                return True
        if objects != _OBJECTS:
            return False
        found = dict(db.execute("SELECT name, value FROM meta"))
        return all(found.get(k) == v for k, v in self._identity().items())

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=TIMEOUT, isolation_level=None,
                             check_same_thread=False)
        # A store may come with a downloaded site: no schema-defined code, checked cells.
        db.execute("PRAGMA page_size = 16384")  # values are kilobytes: fewer overflow pages
        db.execute("PRAGMA trusted_schema = OFF")
        db.execute("PRAGMA cell_size_check = ON")
        _wal(db)
        db.execute("PRAGMA synchronous = NORMAL")
        return db

    @staticmethod
    def _meta(db: sqlite3.Connection, name: str) -> str | None:
        try:
            row = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        except sqlite3.OperationalError:
            return None
        return row[0] if row else None

    def _read(self) -> sqlite3.Connection:
        """The connection of this process: a worker opens its own, read-only."""
        if os.getpid() == self._pid:
            return self._db
        if self._reader is None:
            self._reader = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                           check_same_thread=False)
            self._reader.execute("PRAGMA trusted_schema = OFF")
        return self._reader

    def _writer(self) -> None:
        """Only the process that opened the store writes to it (a forked worker's
        inherited connection must not be used: SQLite's rule)."""
        if os.getpid() != self._pid:
            raise RuntimeError("a worker process may not write to the store")

    # -- memo entries --------------------------------------------------------------------

    def get(self, step: str, key: bytes) -> tuple[object, tuple, tuple] | None:
        """(value, problems, reads) stored for the step's key digest, or None (also for an
        entry this code cannot read: it is computed again and replaced). `reads`: the
        (step, digests joined) pairs stored with it."""
        try:
            if key not in self._stored_keys(step):
                return None
            row = self._rows[step].pop(key, None) if step in self._rows else None
            if row is None:
                row = self._read().execute("SELECT value, problems, reads FROM memo WHERE "
                                           "step = ? AND key = ?", (step, key)).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        try:
            value = decode(row[0])
            problems = decode(row[1]) if row[1] else ()
            if not isinstance(problems, tuple):
                raise Undecodable("problems")
            reads = decoded_reads(decode(row[2])) if row[2] else ()
        except Undecodable:
            return None
        return value, problems, reads

    def prefetch(self, step: str) -> None:
        """Read every entry of `step` in one query, for a build that will ask for nearly
        all of them (rather than a query a key). `get` hands each out once; `release`
        lets go of those not asked for."""
        try:
            rows = {key: row for key, *row in self._read().execute(
                "SELECT key, value, problems, reads FROM memo WHERE step = ?", (step,))}
        except sqlite3.Error:
            return
        self._rows[step], self._keys[step] = rows, set(rows)

    def release(self, steps) -> None:
        """Let go of the prefetched entries of `steps` not asked for."""
        for step in steps:
            self._rows.pop(step, None)

    def has(self, step: str, key: bytes) -> bool:
        """Whether an entry is stored for the step's key digest (it may still turn out
        unreadable: then `get` says None)."""
        try:
            return key in self._stored_keys(step)
        except sqlite3.Error:
            return False

    def _stored_keys(self, step: str) -> set[bytes]:
        """The key digests of a step, read at once on first use: a cold build asks for
        every entry, and finds none, without a query each."""
        if step not in self._keys:
            self._keys[step] = {row[0] for row in self._read().execute(
                "SELECT key FROM memo WHERE step = ?", (step,))}
        return self._keys[step]

    def put(self, entries: list[tuple[str, bytes, object, tuple, tuple]],
            sole: tuple[str, ...] = ()) -> None:
        """Keep (step, key digest, value, problems, reads) entries (reads: see `get`), at
        once; of the steps in `sole`, these alone. Each is encoded as it is inserted
        (unless `Encoded` already) and let go of: a cold build of a large site stores
        hundreds of MB, which this process never holds at once."""
        only: dict[str, set[bytes]] = {}  # of the steps in `sole`: the keys kept
        for step, key, *_rest in entries:
            if step in sole:
                only.setdefault(step, set()).add(key)
        self._write(entries, only)
        for step, key, *_rest in entries:
            if step in self._keys:
                self._keys[step].add(key)
        for step, keys in only.items():
            self._keys[step] = set(keys)
            self._rows.pop(step, None)

    def _write(self, entries: list[tuple[str, bytes, object, tuple, tuple]],
               only: dict[str, set[bytes]]) -> None:
        self._writer()
        with _transaction(self._db):
            for step in only:
                self._db.execute("DELETE FROM memo WHERE step = ?", (step,))
            self._db.executemany(
                "INSERT OR REPLACE INTO memo VALUES (?, ?, ?, ?, ?)",
                ((step, key, value if type(value) is Encoded else encode(value),
                  encode(problems) if problems else b"",
                  encode([list(pair) for pair in reads]) if reads else b"")
                 for step, key, value, problems, reads in entries))

    # -- the last build ------------------------------------------------------------------

    def last_build(self) -> dict | None:
        """What `commit_build` recorded of the last successful build, or None."""
        value = self._meta(self._db, "last-build")
        try:
            record = json.loads(value) if value else None
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    def outputs(self) -> Mapping[str, tuple[str, bytes]]:
        """Output path -> (page key, digests of the pieces it read), of the last build
        (read-only: `commit_build` writes what differs from it)."""
        db, self._outputs_read = self._db, None
        within = db.in_transaction  # (then that transaction's view, as it is)
        if not within:
            db.execute("BEGIN")  # one snapshot: the rows and the generation they are of
        try:
            generation = _generation(db)
            rows = {path: (key, bytes(reads)) for path, key, reads
                    in db.execute("SELECT path, key, reads FROM outputs")}
        finally:
            if not within:
                db.execute("COMMIT")
        if not within:
            self._outputs_read = (generation, rows)
        return MappingProxyType(rows)

    def forget_build(self) -> None:
        """The output is about to change: until `commit_build`, no record of it stands."""
        self._writer()
        with _transaction(self._db):
            self._db.execute("DELETE FROM meta WHERE name = 'last-build'")

    def commit_build(self, record: dict, outputs: dict[str, tuple[str, bytes]] | None,
                     used: dict[str, set[bytes]]) -> None:
        """In one transaction: the record of the build just done, its pages' keys (None:
        leave them as they are) and, for each step in `used`, the deletion of every entry
        not among the key digests listed."""
        self._writer()
        db = self._db
        with _transaction(db):
            db.execute("INSERT OR REPLACE INTO meta VALUES ('last-build', ?)",
                       (json.dumps(record),))
            if outputs is not None:
                self._write_outputs(db, outputs)
            self._collect(used)

    def _write_outputs(self, db: sqlite3.Connection, outputs: dict[str, tuple[str, bytes]]
                       ) -> None:
        """Make the table of outputs hold `outputs`. Rule: where this connection read it
        (`outputs`) and no build wrote it since (its generation, a token each writing
        changes, is the one read then), only the rows that differ are written (an edit's
        few of tens of thousands); else all of them."""
        read, self._outputs_read = self._outputs_read, None
        if read is not None and read[0] == _generation(db):
            was = read[1]
            db.executemany("DELETE FROM outputs WHERE path = ?",
                           ((path,) for path in was.keys() - outputs.keys()))
            db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)", (
                (path, *entry) for path, entry in compress(
                    outputs.items(), map(ne, map(was.get, outputs), outputs.values()))))
        else:
            db.execute("DELETE FROM outputs")
            db.executemany("INSERT INTO outputs VALUES (?, ?, ?)",
                           ((path, *entry) for path, entry in outputs.items()))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('outputs-generation', ?)",
                   (os.urandom(8).hex(),))

    def collect(self, used: dict[str, set[bytes]]) -> None:
        """For each step in `used`, delete every entry not among the key digests listed."""
        self._writer()
        with _transaction(self._db):
            self._collect(used)

    def _collect(self, used: dict[str, set[bytes]]) -> None:
        db = self._db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS used(step TEXT, key BLOB, "
                   "PRIMARY KEY(step, key)) WITHOUT ROWID")
        db.execute("DELETE FROM temp.used")
        self._keys, self._rows = {}, {}
        db.executemany("INSERT OR IGNORE INTO temp.used VALUES (?, ?)",
                       ((step, key) for step, keys in used.items() for key in keys))
        db.executemany("DELETE FROM memo WHERE step = ? AND key NOT IN "
                       "(SELECT key FROM temp.used WHERE step = ?)", [(s, s) for s in used])
        db.execute("DELETE FROM temp.used")

    def steps(self) -> dict[str, int]:
        """How many entries each step has (for tests and the curious)."""
        return dict(self._db.execute("SELECT step, count(*) FROM memo GROUP BY step"))

    def close(self) -> None:
        if os.getpid() == self._pid:
            self._db.close()


def _wal(db: sqlite3.Connection) -> None:
    """Put `db` in WAL mode. Rule: another build making the store at the same moment may
    hold a lock SQLite's own wait does not cover for this pragma (it fails at once):
    wait for it as for any other lock."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One transaction: all of it is committed, or none of it (nor is it left open)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _generation(db: sqlite3.Connection) -> str:
    """The outputs' generation token (see Store._write_outputs; "" before the first).
    Errors are not taken for a token: a token read wrongly could pass for the one read."""
    row = db.execute("SELECT value FROM meta WHERE name = 'outputs-generation'").fetchone()
    return row[0] if row else ""


def _home(root: Path) -> str:
    st = root.resolve().stat()
    return f"{st.st_dev}:{st.st_ino}"
