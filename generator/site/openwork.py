"""The open-data work files, kept between builds and brought up to date from an edit's rows.

Files in the `opendata` cache folder, named by one token that the build state records once
the database they mirror is in place: the work copy (every table of the build database,
rows in primary-key order, so each rowid is the row's rank), the public copy (the work copy
stripped of private rows and columns, rowids kept) and the columns the strip decided by
(as JSON). The site's file is the
public copy compacted (opendata.py), so a work copy that mirrors a database gives the same
bytes however it was brought there.

An edit updates the work copy's changed rows in place; a table where rows appeared or
disappeared is copied again whole, so its rowids are ranks again. The public copy is
updated the same way while the edit leaves alone every row the strip removes and every
value it decides by; otherwise it is made again from the work copy. Files are renamed out
of their trusted names before they change, so a build that stops half-way leaves none that
a later build trusts.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from generator.site.keyed import RowChanges, keys_in
from generator.support.readonly import readonly_uri

WORK, PUBLIC, READS = ".work.sqlite", ".public.sqlite", ".reads.json"
SUFFIXES = (WORK, PUBLIC, READS)


@dataclass
class OpenWork:
    """Where the work files are (`folder`), the token of the ones the state trusts (None:
    none), and what the edit changed (None: make them afresh, as a full build does).
    `made` is the token of the files this build leaves, for the state to record once the
    database is in place; `recopied`, the tables copied again whole."""

    folder: Path
    token: str | None = None
    changes: RowChanges | None = None
    made: str | None = None
    recopied: list[str] = field(default_factory=list)


def key_order(conn: sqlite3.Connection, schema: str, table: str) -> str:
    """The primary key columns of `table`, quoted, for ORDER BY (every column without one)."""
    info = conn.execute(f'PRAGMA {schema}.table_info("{table}")').fetchall()
    key = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]] or [r[1] for r in info]
    return ", ".join(f'"{column}"' for column in key)


@contextmanager
def _open(path: Path, source: str | None = None) -> Iterator[sqlite3.Connection]:
    """A work file, with the build database at `source` attached as `src`. No journal, no
    syncing: a file that stops half-way is never trusted, as it no longer has its token's
    name."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        if source is not None:
            conn.execute("ATTACH DATABASE ? AS src", [readonly_uri(source)])
        yield conn
    finally:
        conn.close()


def refresh(
    work: OpenWork,
    source: str,
    make: Callable[[sqlite3.Connection, str], None],
    strip: Callable[[sqlite3.Connection], None],
) -> Path:
    """Bring the work files up to date with the database at `source` and return the public
    copy's path. `make` copies a database into an empty file in key order, `strip` removes
    the private rows and columns of a file."""
    work.folder.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    files = [work.folder / f".{pid}{suffix}" for suffix in SUFFIXES]
    kept = [work.folder / f"{work.token}{suffix}" for suffix in SUFFIXES]
    updated = False
    if work.token and work.changes is not None and all(path.is_file() for path in kept):
        for old, new in zip(kept, files, strict=True):
            os.replace(old, new)
        try:
            _update(work, work.changes, files, source, strip)
            updated = True
        except (sqlite3.DatabaseError, ValueError):  # not what they should be: made again
            work.recopied = []
    if not updated:
        files[0].unlink(missing_ok=True)
        with _open(files[0]) as conn:
            make(conn, source)
        _stripped_copy(files, strip)
    work.made = secrets.token_hex(8)
    for path, suffix in zip(files, SUFFIXES, strict=True):
        os.replace(path, work.folder / f"{work.made}{suffix}")
    for entry in work.folder.iterdir():  # older tokens' files, and those a killed build left
        if not entry.name.startswith(work.made):
            entry.unlink(missing_ok=True)
    return work.folder / f"{work.made}{PUBLIC}"


def _update(
    work: OpenWork,
    changes: RowChanges,
    files: list[Path],
    source: str,
    strip: Callable[[sqlite3.Connection], None],
) -> None:
    """The work files `files` brought up to date from the rows `changes` names."""
    with _open(files[0], source) as conn:
        work.recopied = update_rows(conn, changes)
    reads = set(json.loads(files[2].read_text()))
    if work.recopied or reads & _changed_columns(changes):
        _stripped_copy(files, strip)
    else:  # the strip removes the same rows and changes the same values as before
        with _open(files[1], source) as conn:
            update_rows(conn, changes, only_updates=True)


def _stripped_copy(files: list[Path], strip: Callable[[sqlite3.Connection], None]) -> None:
    """The public copy made again from the work copy, with what the strip decides by: what
    its statements read or write, and every column of a foreign key (deletes cascade along
    them)."""
    shutil.copyfile(files[0], files[1])
    with _open(files[1]) as conn:
        reads = set()
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
                reads.add(f"{table}.{fk[3]}")
                reads.add(f"{fk[2]}.{fk[4]}" if fk[4] else f"{fk[2]}.")

        def note(action: int, table: str | None, column: str | None, *_: object) -> int:
            if action in (sqlite3.SQLITE_READ, sqlite3.SQLITE_UPDATE) and table:
                reads.add(f"{table}.{column or ''}")
            return sqlite3.SQLITE_OK

        conn.set_authorizer(note)
        strip(conn)
    files[2].write_text(json.dumps(sorted(reads)))


def update_rows(conn: sqlite3.Connection, changes: RowChanges, *, only_updates: bool = False) -> list[str]:
    """Bring the rows of `conn` up to date with `src` from `changes`: changed values in
    place (rowids kept), the columns `conn` has; a table where rows appeared or disappeared
    copied again whole in key order (skipped with `only_updates`). Returns those tables."""
    recopied = []
    conn.execute("BEGIN")
    for table, rows in sorted(changes.rows.items()):
        pk = changes.primary_keys[table]
        # A table without a primary key is tracked by its rowids, which are not the work
        # copy's: copied again whole, as when rows appeared or disappeared.
        if pk == ["rowid"] or any(columns is None for columns in rows.values()):
            if not only_updates:
                conn.execute(f'DELETE FROM main."{table}"')
                order = key_order(conn, "src", table)
                conn.execute(f'INSERT INTO main."{table}" SELECT * FROM src."{table}" ORDER BY {order}')
                recopied.append(table)
            continue
        have = {row[1] for row in conn.execute(f'PRAGMA main.table_info("{table}")')}
        if not have:  # a file not made from this schema
            raise sqlite3.DatabaseError(f"no table {table}")
        changed = sorted(set().union(*rows.values()) & have)  # type: ignore[arg-type]
        if not changed:
            continue
        sets = ", ".join(f'"{c}" = s."{c}"' for c in changed)
        join = " AND ".join(f'm."{c}" = s."{c}"' for c in pk)
        match = keys_in([f'm."{c}"' for c in pk], "keys")
        conn.execute(
            f'UPDATE main."{table}" AS m SET {sets} FROM src."{table}" AS s WHERE {join} AND {match}',
            {"keys": json.dumps(sorted(rows, key=str))},
        )
    conn.execute("COMMIT")
    return recopied


def _changed_columns(changes: RowChanges) -> set[str]:
    return {f"{table}.{c}" for table, rows in changes.rows.items() for cs in rows.values() for c in cs or ()}
