"""Build state kept between builds in its own SQLite file: what every input file hashed to
(with its parse), what every page read and wrote, and which published generation is live.

It sits beside the site database (`<db>.state`), is never published and is safe to delete:
without it the next build is a full one.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import pickle
import sqlite3
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.site.reach import reads_changed, tables_with_rows_changed
from generator.support.statepaths import StatePaths

if TYPE_CHECKING:
    from generator.content.model import Parsed

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, hash BLOB, kind TEXT, parsed BLOB);
CREATE TABLE IF NOT EXISTS file_index (value BLOB);
CREATE TABLE IF NOT EXISTS file_index_delta (path TEXT PRIMARY KEY, entry BLOB);
CREATE TABLE IF NOT EXISTS item_side (made_from TEXT, value BLOB);
CREATE TABLE IF NOT EXISTS menu_side (path TEXT PRIMARY KEY, entry BLOB);
CREATE TABLE IF NOT EXISTS menu_cards (slug TEXT PRIMARY KEY, token BLOB, key TEXT, card TEXT);
CREATE TABLE IF NOT EXISTS sqls (id INTEGER PRIMARY KEY, sql TEXT UNIQUE, columns TEXT);
CREATE TABLE IF NOT EXISTS pages (
    id INTEGER PRIMARY KEY, route TEXT, key TEXT, path TEXT, digest BLOB, templates TEXT,
    searchable BLOB,
    UNIQUE (route, key));
CREATE TABLE IF NOT EXISTS reads (page_id INTEGER, sql_id INTEGER, params TEXT, digest BLOB);
"""
# A build that takes the kept item side reads the parses of the other kinds alone.
FILES_BY_KIND = "CREATE INDEX IF NOT EXISTS files_by_kind ON files (kind)"
# The pages that read the build clock (their `clock:` marks, site/record.py). A build that
# found no file changed asks whether there is one; without the index it reads every page.
CLOCK_MARK = """templates LIKE '%"clock:%'"""
CLOCK_PAGES = f"CREATE INDEX IF NOT EXISTS pages_with_clock ON pages (id) WHERE {CLOCK_MARK}"


def clock_pages_query(*, time_only: bool) -> str:
    """The query for a page that printed the build time (`time_only`) or read the clock at
    all. SQLite serves it from `pages_with_clock` as it repeats the index's term literally."""
    time_mark = """ AND templates LIKE '%"clock:time"%'""" if time_only else ""
    return f"SELECT 1 FROM pages WHERE {CLOCK_MARK}{time_mark} LIMIT 1"


READ_INDEXES = {
    # The stale-page check finds a keyed query's reads by their parameters (engine/pages.py).
    "reads_by_query": "reads (sql_id, params)",
    "reads_by_page": "reads (page_id)",
}


def read_indexes(conn: sqlite3.Connection, *, made: bool) -> None:
    """Make (or drop) the indexes of `reads`. A full build drops them before writing every
    page's reads and makes them after: sorting all the rows once is several times quicker
    than keeping the indexes up to date row by row (BENCH.md)."""
    for name, columns in READ_INDEXES.items():
        conn.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {columns}" if made else f"DROP INDEX IF EXISTS {name}"
        )


def state_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".state")


def open_state(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(SCHEMA)
    conn.execute(FILES_BY_KIND)
    conn.execute(CLOCK_PAGES)
    read_indexes(conn, made=True)
    return conn


def reset_state(path: Path) -> sqlite3.Connection:
    """A fresh, empty state (a cold build rewrites all of it)."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return open_state(path)


def get_meta(conn: sqlite3.Connection, key: str) -> Any:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: Any) -> None:
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))


class StateMeta:
    """The state's key-value table as the shadow tree reads and writes it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get(self, key: str) -> Any:
        return get_meta(self.conn, key)

    def set(self, key: str, value: Any) -> None:
        set_meta(self.conn, key, value)


def file_hash(path: Path) -> bytes:
    # A link is never read through (it may point out of the site, or at a folder): its target
    # is what identifies it, and the loader refuses it with a located error.
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        return hashlib.blake2b(b"link:" + os.fsencode(os.readlink(path)), digest_size=16).digest()
    if not stat.S_ISREG(mode):  # a pipe or a device is never opened: a pipe waits forever
        return hashlib.blake2b(b"special:%o" % stat.S_IFMT(mode), digest_size=16).digest()
    return hashlib.blake2b(path.read_bytes(), digest_size=16).digest()


def hash_all(files: dict[str, IndexEntry]) -> None:
    """Fill in the content hash of every entry (absolute paths): a full build's inputs are all new."""
    for path, (mtime_ns, size, _) in files.items():
        files[path] = (mtime_ns, size, file_hash(Path(path)))


# A file as a scan finds it and the file index keeps it: mtime_ns, size and content hash
# (None until known). A plain tuple: a scan makes one per input file, on every build.
IndexEntry = tuple[int, int, "bytes | None"]
# Where folders can be listed by descriptor (Linux, macOS), a scan stats by descriptor too.
_FOLDER_FLAGS = (
    os.O_RDONLY | os.O_DIRECTORY if os.scandir in os.supports_fd and hasattr(os, "O_DIRECTORY") else 0
)


def scan_tree(
    root: Path, *, absolute: bool = False, known: Mapping[str, IndexEntry] | None = None
) -> dict[str, IndexEntry]:
    """Every file under `root` (hidden names skipped) with its stat, by path relative to
    `root` (or absolute). A file whose stat matches its entry in `known` (absolute paths)
    gets that very entry, hash included, so comparing it later is an identity test.

    Plain strings, not Path objects: this runs on every build. Each folder is opened and
    its entries stat-ed relative to it, so the kernel does not walk the whole path again
    for each file."""
    out: dict[str, IndexEntry] = {}
    if not root.is_dir():
        return out
    found = (known or {}).get
    stack = [(str(root), "")]
    while stack:
        folder, rel = stack.pop()
        try:
            handle: int | str = os.open(folder, _FOLDER_FLAGS) if _FOLDER_FLAGS else folder
        except OSError:
            continue
        try:
            with os.scandir(handle) as entries:
                here = folder + os.sep
                for entry in entries:
                    name = entry.name
                    if name.startswith("."):
                        continue
                    path = here + name
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((path, f"{rel}{name}/"))
                        continue
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:  # removed since the listing: as if never seen
                        continue
                    before = found(path)
                    key = path if absolute else rel + name
                    if before is not None and before[0] == st.st_mtime_ns and before[1] == st.st_size:
                        out[key] = before
                    else:
                        out[key] = (st.st_mtime_ns, st.st_size, None)
        except OSError:  # a folder that cannot be read holds no input the build could load
            continue
        finally:
            if isinstance(handle, int):
                os.close(handle)
    return out


INDEX_ROOT = "file_index_root"  # in meta: the site root the paths of the file index start with
# The file index is a base (every file, one blob) and the entries changed since, row by row,
# so that an edit writes what it changed, not the whole site's index. A base is written again
# when the rows reach this share of it (or when the site moved).
DELTA_SHARE = 16


def read_index(conn: sqlite3.Connection, root: Path) -> dict[str, IndexEntry]:
    """The file index the state keeps, by absolute path (as the site at `root` has them)."""
    row = conn.execute("SELECT value FROM file_index").fetchone()
    if row is None:
        return {}
    index: dict[str, IndexEntry] = marshal.loads(row[0])
    for path, entry in conn.execute("SELECT path, entry FROM file_index_delta"):
        if entry is None:
            index.pop(path, None)
        else:
            index[path] = marshal.loads(entry)
    was, now = get_meta(conn, INDEX_ROOT), StatePaths(root).prefix
    if was != now:  # the site moved (another clone of it, as in CI): its paths with it
        cut = len(was or "")
        index = {now + p[cut:] if was and p.startswith(was) else p: e for p, e in index.items()}
    return index


class FileTable:
    """Input files as they were at the last build, compared with how they are now."""

    def __init__(
        self, conn: sqlite3.Connection, root: Path, kept: dict[str, IndexEntry] | None = None
    ) -> None:
        """`kept`: the index as this process saved it, when no other build came since."""
        self.conn = conn
        self.old = kept if kept is not None else read_index(conn, root)

    def changes(self, now: dict[str, IndexEntry], base: Path) -> tuple[set[str], set[str]]:
        """(changed or new paths, removed paths), and the content hash of each file filled
        in `now`. The stat decides quickly; when it differs the content hash decides, so a
        touched but unchanged file counts as unchanged."""
        changed: set[str] = set()
        old = self.old
        for path, scanned in now.items():
            before = old.get(path)
            if before is scanned:  # the scan matched it (scan_tree's `known`)
                continue
            if before is not None and before[0] == scanned[0] and before[1] == scanned[1]:
                now[path] = before
                continue
            try:
                digest = file_hash(base / path)
            except OSError:
                digest = b""
            now[path] = (scanned[0], scanned[1], digest)
            if before is None or before[2] != digest:
                changed.add(path)
        return changed, old.keys() - now.keys()


class StateParseCache:
    """The loader's parse cache, backed by the state file: a parse is reused while the file's
    content hash is the one it was parsed from; a reuse unpickles a fresh copy, or takes the
    session's (`kept`) in a long-running process. `root`: the site's (StatePaths)."""

    def __init__(
        self,
        conn: sqlite3.Connection | None,
        root: Path,
        files: dict[str, IndexEntry],
        changed: set[str],
        kept: dict[str, tuple[bytes | None, Parsed]] | None = None,
    ) -> None:
        self.paths = StatePaths(root)
        self.files = files
        self.kept = kept  # the session's parses, by path (Session.parses)
        self._conn, self._changed = conn, changed
        self._blobs: dict[str, dict[str, bytes]] = {}  # kind -> path -> pickled parse
        self.new: dict[str, tuple[str, bytes]] = {}

    def _key(self, path: Path | str) -> str:
        return str(path)  # the loader's paths are absolute, like the scan's

    def _hash(self, key: str) -> bytes | None:
        scanned = self.files.get(key)
        return scanned[2] if scanned is not None else None

    def _blob(self, key: str, kind: str) -> bytes | None:
        if key in self._changed:  # its kept parse is of other bytes
            return None
        blobs = self._blobs.get(kind)
        if blobs is None:
            # Read a kind's parses on its first miss only: a warm memo needs none, and a
            # build that takes the kept item side (content/itemside.py) no item's.
            to_path = self.paths.path
            rows = (
                self._conn.execute(
                    "SELECT path, parsed FROM files WHERE kind = ? AND parsed IS NOT NULL", (kind,)
                )
                if self._conn is not None
                else ()
            )
            blobs = self._blobs[kind] = {to_path(key): blob for key, blob in rows}
        return blobs.get(key)

    def get(self, path: Path | str, kind: str) -> Parsed | None:
        key = self._key(path)
        if self.kept is not None:
            kept = self.kept.get(key)
            if kept is not None and kept[0] is not None and kept[0] == self._hash(key):
                return kept[1]
        blob = self._blob(key, kind)
        if blob is None:
            return None
        parsed = pickle.loads(blob)
        self._remember(key, parsed)
        return parsed

    def put(self, path: Path | str, kind: str, parsed: Parsed) -> None:
        key = self._key(path)
        self.new[key] = (kind, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
        self._remember(key, parsed)

    def put_pickled(self, path: Path | str, kind: str, blob: bytes, parsed: Parsed) -> None:
        """`put` of a parse a loader worker already pickled (the same bytes `put` makes)."""
        key = self._key(path)
        self.new[key] = (kind, blob)
        self._remember(key, parsed)

    def _remember(self, key: str, parsed: Parsed) -> None:
        if self.kept is not None:  # kept for the process's life: its shared strings made one
            from generator.content.model import share_strings  # not on a no-op build's path

            share_strings(parsed)
            self.kept[key] = (self._hash(key), parsed)


def save_files(
    conn: sqlite3.Connection,
    root: Path,
    files: dict[str, IndexEntry],
    removed: Iterable[str],
    parsed: dict[str, tuple[str, bytes]],
    before: dict[str, IndexEntry] | None = None,
) -> None:
    """Record the input files of this build: their stats and hashes (the file index: the
    rows that changed since `before`, the index the build started from, or a new base), and
    the new parses of the files that changed, by their paths relative to `root` (StatePaths)."""
    paths = StatePaths(root)
    key = paths.key
    _save_index(conn, paths.prefix, files, before)
    conn.executemany("DELETE FROM files WHERE path = ?", [(key(p),) for p in removed])
    conn.executemany(
        "INSERT INTO files (path, kind, parsed) VALUES (?, ?, ?) ON CONFLICT (path) "
        "DO UPDATE SET kind = excluded.kind, parsed = excluded.parsed",
        [(key(p), kind, blob) for p, (kind, blob) in parsed.items()],
    )


def _save_index(
    conn: sqlite3.Connection, prefix: str, files: dict[str, IndexEntry], before: dict[str, IndexEntry] | None
) -> None:
    if before is not None and get_meta(conn, INDEX_ROOT) == prefix:
        rows: dict[str, bytes | None] = {}
        for path, s in files.items():
            was = before.get(path)
            if was != s:
                rows[path] = marshal.dumps(s)
        rows.update((path, None) for path in before if path not in files)
        (kept,) = conn.execute("SELECT count(*) FROM file_index_delta").fetchone()
        if (kept + len(rows)) * DELTA_SHARE <= len(files):
            conn.executemany("INSERT OR REPLACE INTO file_index_delta VALUES (?, ?)", list(rows.items()))
            return
    conn.execute("DELETE FROM file_index")
    conn.execute("DELETE FROM file_index_delta")
    conn.execute("INSERT INTO file_index VALUES (?)", (marshal.dumps(files),))
    set_meta(conn, INDEX_ROOT, prefix)


class SqlIds:
    """Recorded SQL texts get small ids, with the columns each one reads."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.ids: dict[str, int] = {}
        self.columns: dict[int, list[str]] = {}  # the `table.column`s each one reads
        for i, sql, columns in conn.execute("SELECT id, sql, columns FROM sqls"):
            self.ids[sql] = i
            self.columns[i] = json.loads(columns)

    def id_for(self, sql: str, columns: Iterator[str] | list[str]) -> int:
        known = self.ids.get(sql)
        if known is None:
            read = list(columns)
            cur = self.conn.execute("INSERT INTO sqls (sql, columns) VALUES (?, ?)", (sql, json.dumps(read)))
            known = self.ids[sql] = int(cur.lastrowid or 0)
            self.columns[known] = read
        return known

    def reading(self, changed: set[str]) -> list[int]:
        """Ids of the queries that read any of `changed` (see `reads_changed`)."""
        tables = tables_with_rows_changed(changed)
        return [sql_id for sql_id, columns in self.columns.items() if reads_changed(columns, changed, tables)]
