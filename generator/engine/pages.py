"""What the state knows of pages: the order they render in, what each read, which are stale."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from generator.engine.state import SqlIds, read_indexes
from generator.site.keyed import KEYED, LISTED, RowChanges, affected_keys, reached_ids
from generator.site.record import columns_read, digest_rows, params_json, params_value
from generator.site.render import PageRecord, digest_bytes, place_file
from generator.site.routes import ROUTES, KeyReads, list_keys
from generator.support.readonly import connect_readonly
from generator.support.timings import timed

PageKey = tuple[str, str]  # (route, key as JSON)


def render_order(
    route_keys: Mapping[str, Iterable[tuple[Any, ...]] | None],
) -> list[tuple[str, tuple[Any, ...], None]]:
    """Every page to render, those of one key side by side: an item's page and its API
    document (a menu's, a curator's) ask the same queries, and a worker answers the second
    from its memory of the first when they come in the same chunk."""
    by_key: dict[tuple[Any, ...], list[tuple[str, tuple[Any, ...], None]]] = {}
    for route in ROUTES:
        for key in route_keys[route.name] or ():
            by_key.setdefault(tuple(key), []).append((route.name, key, None))
    return [job for jobs in by_key.values() for job in jobs]


class transaction:
    """BEGIN … COMMIT on the state, ROLLBACK when the block raises."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN")

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


@timed("state")
def save_pages(
    state: sqlite3.Connection, db: sqlite3.Connection, records: list[PageRecord], *, replace_all: bool = False
) -> list[tuple[str, bytes]]:
    """Record what each rendered page read and wrote, replacing its previous record.
    Returns the (path, digest) of each record replaced."""
    sql_ids = SqlIds(state)
    if replace_all:
        state.execute("DELETE FROM pages")
        state.execute("DELETE FROM reads")
        read_indexes(state, made=False)  # made again once every read is in
    columns: dict[str, list[str]] = {}
    reads = []
    replaced: list[tuple[str, bytes]] = []
    for record in records:
        key = json.dumps(list(record.key))
        if not replace_all:
            old = state.execute(
                "SELECT id, path, digest FROM pages WHERE route = ? AND key = ?", (record.route, key)
            ).fetchone()
            if old:
                state.execute("DELETE FROM reads WHERE page_id = ?", old[:1])
                state.execute("DELETE FROM pages WHERE id = ?", old[:1])
                replaced.append((old[1], old[2]))
        cur = state.execute(
            "INSERT INTO pages (route, key, path, digest, templates, searchable) VALUES (?, ?, ?, ?, ?, ?)",
            (
                record.route,
                key,
                record.path,
                record.digest,
                json.dumps(record.templates),
                record.searchable,
            ),
        )
        page_id = cur.lastrowid
        for sql, params, digest in record.reads:
            if sql not in columns:
                columns[sql] = columns_read(db, sql)
            reads.append((page_id, sql_ids.id_for(sql, columns[sql]), params, digest))
    state.executemany("INSERT INTO reads VALUES (?, ?, ?, ?)", reads)
    if replace_all:
        read_indexes(state, made=True)
    return replaced


def digest_at(state: sqlite3.Connection, path: str) -> bytes | None:
    """The digest of the file the last build wrote at `path`, if any."""
    row = state.execute("SELECT digest FROM pages WHERE path = ?", (path,)).fetchone()
    return row[0] if row else None


def static_records(
    state: sqlite3.Connection,
    statics: Mapping[str, str],
    keys: Iterable[tuple[str, str]],
    old: Mapping[tuple[str, str], tuple[int, str, bytes]],
    into: Path,
    made: tuple[str, ...] = (),
) -> list[PageRecord]:
    """The static files of `keys` (("static", key as JSON)) written into `into` when their
    bytes differ from what the last build published (`old`, else the state's record); those
    under the folders `made` (BuildJob.written_whole) are linked, not written."""
    records = []
    for k in keys:
        rel = json.loads(k[1])[0]
        source = statics[rel]
        data = Path(source).read_bytes()
        digest = digest_bytes(data)
        written = digest != (old[k][2] if k in old else digest_at(state, rel))
        if written:
            place_file(into / rel, source, data, link=source.startswith(made))
        records.append(PageRecord("static", (rel,), rel, digest, [f"static/{rel}"], [], written))
    return records


def changed_template_names(templates: Iterable[set[str]], clock: str, last_clock: str) -> set[str]:
    """The names the changed templates answer to (`templates`: each one's names), and the
    clock's when it moved since the last build's."""
    names: set[str] = set().union(*templates)
    if clock != last_clock:
        names.add("clock:time")
        if clock[:10] != last_clock[:10]:
            names.add("clock:day")
    return names


def listed_paths(state: sqlite3.Connection, paths: set[str], wanted: Callable[[PageKey], bool]) -> set[str]:
    """Those of `paths` that a page still listed (`wanted`) writes: a gone page's file then stays."""
    if not paths:
        return set()
    rows = state.execute(
        "SELECT route, key, path FROM pages WHERE path IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(paths)),),
    )
    return {path for route, key, path in rows if wanted((route, key))}


def searchable_pages(
    state: sqlite3.Connection, routes: Iterable[str], redone: Iterable[int]
) -> dict[str, bytes]:
    """Path -> search document digest of the searchable pages of `routes` the state records,
    but for the `redone` ones (ids of the pages re-rendered or dropped).

    One query turned into a dict in C: at 100k items the state holds 200,000 pages and an
    edit re-renders a few, and testing each row in Python took longer than the query. The
    unary `+` keeps SQLite off the (route, key) index, so rows come in the table's order."""
    names = sorted(set(routes))
    return dict(
        state.execute(
            "SELECT path, searchable FROM pages WHERE searchable IS NOT NULL"
            f" AND +route IN ({','.join('?' * len(names))})"
            " AND id NOT IN (SELECT value FROM json_each(?))",
            (*names, json.dumps(sorted(set(redone)))),
        )
    )


@timed("routes")
def list_route_keys(
    db_file: Path, keep: Callable[[list[str]], bool] | None = None, last: KeyReads | None = None
) -> tuple[dict[str, list[tuple[Any, ...]] | None], KeyReads]:
    return list_keys(db_file, keep, last)


_READS = "SELECT page_id, sql_id, params, digest FROM reads WHERE sql_id = ?"


@timed("stale pages")
def stale_pages(
    state: sqlite3.Connection,
    db: sqlite3.Connection,
    old_db: Path,
    changed_columns: set[str],
    changed_rows: RowChanges,
) -> set[int]:
    """Pages with a recorded query that reads a changed column and now answers differently.

    A keyed query (keyed.py) is asked again only for the keys its changed rows reach, before
    or after the edit, and a listed one only for the lists holding an id they reach; other
    queries, for every page that asked them."""
    if not changed_columns:
        return set()
    sql_ids = SqlIds(state)
    candidates = sql_ids.reading(changed_columns)
    if not candidates:
        return set()
    sql_text = {i: sql for sql, i in sql_ids.ids.items()}
    reads: list[tuple[int, int, str, bytes]] = []
    old: sqlite3.Connection | None = None
    try:
        for sql_id in candidates:
            sql = sql_text[sql_id]
            if (sql in KEYED or sql in LISTED) and old is None:
                old = connect_readonly(old_db)
            columns = set(sql_ids.columns[sql_id])
            reads += _reads_to_check(state, (db, old), sql_id, sql, columns, changed_rows)
    finally:
        if old is not None:
            old.close()
    return _answers_changed(db, reads, sql_text)


def _reads_to_check(
    state: sqlite3.Connection,
    dbs: tuple[sqlite3.Connection, sqlite3.Connection | None],
    sql_id: int,
    sql: str,
    columns: set[str],
    changed_rows: RowChanges,
) -> list[tuple[int, int, str, bytes]]:
    """The recorded reads of one query that the changed rows may answer differently: of
    the keys (a keyed query) or lists (a listed one) they reach in the new or the old
    database `dbs`, else every read of it."""
    listed, query = LISTED.get(sql), KEYED.get(sql)
    if listed is not None:
        ids = set().union(*(reached_ids(conn, listed, changed_rows, columns) for conn in dbs if conn))
        if not ids:
            return []
        where = (
            "AND json_extract(params, ?) IN (SELECT value FROM json_each(?))"
            if listed.one
            else "AND EXISTS (SELECT 1 FROM json_each(json_extract(params, ?)) "
            "WHERE value IN (SELECT value FROM json_each(?)))"
        )
        return state.execute(
            f"{_READS} {where}", (sql_id, f"$.{listed.param}", json.dumps(list(ids)))
        ).fetchall()
    keys = None
    if query is not None:
        now, before = (affected_keys(conn, query, changed_rows, columns) for conn in dbs if conn)
        if now is not None and before is not None:
            keys = [params_json(dict(zip(query.params, key, strict=True))) for key in now | before]
    if keys is None:
        return state.execute(_READS, (sql_id,)).fetchall()
    if not keys:
        return []
    return state.execute(
        f"{_READS} AND params IN (SELECT value FROM json_each(?))", (sql_id, json.dumps(keys))
    ).fetchall()


def _answers_changed(
    db: sqlite3.Connection, reads: list[tuple[int, int, str, bytes]], sql_text: dict[int, str]
) -> set[int]:
    """The pages among `reads` whose query now answers other rows than it recorded."""
    answers: dict[tuple[int, str], bytes] = {}
    stale: set[int] = set()
    for page_id, sql_id, params, digest in reads:
        if page_id in stale:
            continue
        now_digest = answers.get((sql_id, params))
        if now_digest is None:
            rows = db.execute(sql_text[sql_id], params_value(params)).fetchall()
            now_digest = answers[(sql_id, params)] = digest_rows(rows)
        if now_digest != digest:
            stale.add(page_id)
    return stale
