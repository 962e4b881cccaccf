"""Keyed queries: every key whose answer an edit changes is among the keys it reached."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from generator.db.update import ChangeTracker
from generator.engine.build import build
from generator.site import queries, routes  # noqa: F401  (registers the keyed queries)
from generator.site.keyed import KEYED, LISTED, Keyed, Listed, RowChanges, affected_keys, reached_ids
from generator.site.record import PageContext, columns_read, connect_recording
from generator.site.sqlfunctions import with_functions
from tests.conftest import seeds, settings_for
from tests.sitekit import PROJECT

# One xdist worker runs this module (--dist loadgroup), so `sample_db` is built once.
pytestmark = pytest.mark.xdist_group("test_keyed")


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("keyed") / "site"
    for folder in ("content", "templates"):
        shutil.copytree(PROJECT / folder, root / folder)
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795651200")
    try:
        build(settings_for(root))
    finally:
        monkeypatch.undo()
    return root / "data/omakase.sqlite"


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection that can prepare the page queries (they call sqlfunctions.py)."""
    return with_functions(sqlite3.connect(path))


def primary_keys(conn: sqlite3.Connection) -> dict[str, list[str]]:
    tracker = ChangeTracker(conn)
    keys = dict(tracker.keys)
    tracker.close()
    return keys


def every_row(conn: sqlite3.Connection, keys: dict[str, list[str]]) -> RowChanges:
    """Every row of every table, as if all had changed."""
    rows = {}
    for table, pk in keys.items():
        key = pk[0] if len(pk) == 1 else f"json_array({', '.join(pk)})"
        rows[table] = {k: None for (k,) in conn.execute(f"SELECT {key} FROM {table}")}
    return RowChanges(rows, keys)


def answers(conn: sqlite3.Connection, query: Keyed, keys: set[tuple[str, ...]]) -> dict:
    return {
        key: conn.execute(query.sql, dict(zip(query.params, key, strict=True))).fetchall() for key in keys
    }


@pytest.mark.parametrize("sql", sorted(KEYED))
def test_a_keyed_query_names_every_table_it_reads(sample_db: Path, sql: str) -> None:
    query = KEYED[sql]
    conn = connect(sample_db)
    read = {column.split(".", 1)[0] for column in columns_read(conn, sql)}
    assert set(query.rows.values()) == read


@pytest.mark.parametrize("sql", sorted(KEYED))
def test_the_keys_of_its_rows_are_the_keys_with_an_answer(sample_db: Path, sql: str) -> None:
    """Asked for rows touching every row, a keyed query finds each key that has rows, and
    the rows it gives for a key are the key's own answer, in order."""
    query = KEYED[sql]
    conn = connect(sample_db)
    everything = every_row(conn, primary_keys(conn))
    width = len(query.params)
    grouped: dict[tuple[str, ...], list[tuple[object, ...]]] = {}
    alias, table = next(iter(query.rows.items()))  # every row has one of the first table's
    touched = json.dumps(list(everything.rows[table]))
    for row in conn.execute(query.touching(alias, everything.primary_keys[table]), {"touched": touched}):
        grouped.setdefault(row[:width], []).append(row[width:])
    assert grouped, "the sample site uses every keyed query"
    assert affected_keys(conn, query, everything) == set(grouped)
    assert answers(conn, query, set(grouped)) == grouped


def mutate(conn: sqlite3.Connection, rng: random.Random, tables: list[str]) -> None:
    """One random edit: a row's value changed, a row deleted or a row copied."""
    table = rng.choice(tables)
    rowids = [r for (r,) in conn.execute(f"SELECT rowid FROM {table}")]
    if not rowids:
        return
    rowid = rng.choice(rowids)
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    kind = rng.choice(["update", "update", "delete", "copy"])
    if kind == "delete":
        conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
    elif kind == "copy":  # the same row under a new id, a value changed or not
        row = conn.execute(f"SELECT * FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        values = [f"copy-{rng.random()}" if c == "id" else v for c, v in zip(columns, row, strict=True)]
        conn.execute(f"INSERT OR IGNORE INTO {table} VALUES ({', '.join('?' * len(values))})", values)
    else:
        column = rng.choice(columns)
        other = conn.execute(f"SELECT {column} FROM {table} ORDER BY random() LIMIT 1").fetchone()
        value = rng.choice([other[0], "edited", None, 0])
        conn.execute(f"UPDATE OR IGNORE {table} SET {column} = ? WHERE rowid = ?", (value, rowid))


def edited(
    sample_db: Path, tmp_path: Path, seed: int, tables: list[str]
) -> tuple[sqlite3.Connection, sqlite3.Connection, RowChanges]:
    """The sample database before and after 1-4 random edits of `tables`, and what changed."""
    rng = random.Random(seed)
    old = tmp_path / "old.sqlite"
    new = tmp_path / "new.sqlite"
    shutil.copyfile(sample_db, old)
    shutil.copyfile(sample_db, new)
    conn = connect(new)
    conn.execute("PRAGMA foreign_keys = OFF")
    tracker = ChangeTracker(conn)
    for _ in range(rng.randint(1, 4)):
        mutate(conn, rng, tables)
    conn.commit()
    tracker.changed_columns(old)
    changes = RowChanges(tracker.changed_rows, tracker.keys)
    tracker.close()
    conn.commit()
    return connect(old), conn, changes


@pytest.mark.parametrize("seed", seeds(12))
def test_every_key_an_edit_changes_is_among_the_keys_it_reached(
    sample_db: Path, tmp_path: Path, seed: int
) -> None:
    tables = sorted({t for q in KEYED.values() for t in q.rows.values()})
    before, conn, changes = edited(sample_db, tmp_path, seed, tables)
    for query in KEYED.values():
        keys: set[tuple[str, ...]] = set()
        reached: set[tuple[str, ...]] = set()
        reads = set(columns_read(conn, query.sql))  # a change to a column it does not read
        for c in (before, conn):  # does not count
            keys |= affected_keys(c, query, every_row(c, changes.primary_keys)) or set()
            reached |= affected_keys(c, query, changes, reads) or set()
        was, now = answers(before, query, keys), answers(conn, query, keys)
        differ = {key for key in keys if was[key] != now[key]}
        assert differ <= reached, (query.sql, differ - reached)


def test_a_keyed_query_asked_without_a_text_key_fails(sample_db: Path) -> None:
    conn = connect_recording(str(sample_db))
    with PageContext():
        conn.execute(queries.ITEM_TAGS, {"id": "x"})
        with pytest.raises(ValueError, match="keyed query"):
            conn.execute(queries.ITEM_TAGS, {"id": 5})
        with pytest.raises(ValueError, match="keyed query"):
            conn.execute(queries.ITEM_TAGS, ("x",))


def test_a_change_to_a_column_a_query_does_not_read_reaches_none_of_its_keys(sample_db: Path) -> None:
    """Every build stamps the tags' created_at anew: item pages that show tag names are not
    asked again for it."""
    conn = connect(sample_db)
    query = KEYED[queries.ITEM_TAGS]
    reads = set(columns_read(conn, query.sql))
    tag = conn.execute("SELECT t.id FROM tags t JOIN media_item_tags mt ON mt.tag_id = t.id").fetchone()[0]
    keys = primary_keys(conn)
    stamped = RowChanges({"tags": {tag: frozenset({"created_at"})}}, keys)
    renamed = RowChanges({"tags": {tag: frozenset({"name", "created_at"})}}, keys)
    assert affected_keys(conn, query, stamped, reads) == set()
    assert affected_keys(conn, query, stamped) and affected_keys(conn, query, renamed, reads)


@pytest.mark.parametrize("sql", sorted(LISTED))
def test_a_listed_query_reaches_from_every_table_it_reads(sample_db: Path, sql: str) -> None:
    conn = connect(sample_db)
    tables = {
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    read = {column.split(".", 1)[0] for column in columns_read(conn, sql)} & tables
    assert set(LISTED[sql].reach) == read


def listed_answers(conn: sqlite3.Connection, query: Listed, ids: set[object]) -> dict:
    """Each id's answer alone (a list's answer is made of these)."""
    return {
        i: conn.execute(
            query.sql, {query.param: i} if query.one else {query.param: json.dumps([i]), "owner": None}
        ).fetchall()
        for i in ids
    }


def listed_ids(conns: tuple[sqlite3.Connection, ...], query: Listed) -> set[object]:
    """Every id a page could ask `query` with: a menu's or an item's, or a curator's."""
    tables = (("users", "handle"),) if query.one else (("menus", "id"), ("media_items", "id"))
    return {
        i for c in conns for table, column in tables for (i,) in c.execute(f"SELECT {column} FROM {table}")
    }


@pytest.mark.parametrize("seed", seeds(16))
def test_every_id_an_edit_changes_is_among_the_ids_it_reached(
    sample_db: Path, tmp_path: Path, seed: int
) -> None:
    tables = sorted({t for q in LISTED.values() for t in q.reach})
    before, conn, changes = edited(sample_db, tmp_path, seed, tables)
    for query in LISTED.values():
        reads = set(columns_read(conn, query.sql))
        ids = listed_ids((before, conn), query)
        reached = reached_ids(before, query, changes, reads) | reached_ids(conn, query, changes, reads)
        was, now = listed_answers(before, query, ids), listed_answers(conn, query, ids)
        differ = {i for i in ids if was[i] != now[i]}
        assert any(was.values()), "the sample site has rows for every listed query"
        assert differ <= reached, (query.sql, differ - reached)


def test_a_listed_query_answers_a_list_with_its_ids_answers(sample_db: Path) -> None:
    """What makes the check sound: a list's rows are its ids' rows, ordered."""
    conn = connect(sample_db)
    for query in LISTED.values():
        if query.one:  # asked with one id: its answer is that id's
            continue
        ids = [i for table in ("menus", "media_items") for (i,) in conn.execute(f"SELECT id FROM {table}")]
        whole = conn.execute(query.sql, {"ids": json.dumps(ids), "owner": None}).fetchall()
        parts = [row for rows in listed_answers(conn, query, set(ids)).values() for row in rows]
        assert whole and sorted(whole) == sorted(parts)


def test_an_edit_of_any_one_row_a_listed_query_reads_reaches_the_ids_it_changes(sample_db: Path) -> None:
    """Each row of each table a listed query reads, its read columns edited alone: random
    edits rarely hit the rarer paths (a fork's parent renamed)."""
    before = connect(sample_db)
    for query in LISTED.values():
        ids = listed_ids((before,), query) | ({"edited"} if query.one else set())  # a renamed handle
        reads = set(columns_read(before, query.sql))
        was = listed_answers(before, query, ids)
        for table in query.reach:
            columns = sorted(c.split(".", 1)[1] for c in reads if c.startswith(f"{table}."))
            columns = [c for c in columns if c not in ("id", "media_item_id")]
            for (rowid,) in before.execute(f"SELECT rowid FROM {table}").fetchall():
                conn = connect(":memory:")
                before.backup(conn)
                conn.execute("PRAGMA foreign_keys = OFF")
                tracker = ChangeTracker(conn)
                for column in columns:
                    conn.execute(
                        f"UPDATE OR IGNORE {table} SET {column} = 'edited' WHERE rowid = ?", (rowid,)
                    )
                conn.commit()
                tracker.changed_columns(sample_db)
                changes = RowChanges(tracker.changed_rows, tracker.keys)
                reached = reached_ids(before, query, changes, reads) | reached_ids(
                    conn, query, changes, reads
                )
                now = listed_answers(conn, query, ids)
                differ = {i for i in ids if was[i] != now[i]}
                assert differ <= reached, (table, rowid, differ - reached)


def test_comparing_again_looks_again_at_each_table_written_since(sample_db: Path, tmp_path: Path) -> None:
    """The build compares before its derive steps and after them: the second comparison
    keeps what the first found for tables written by neither since, and sees the later
    writes, a row touched before the first included."""
    new = tmp_path / "new.sqlite"
    shutil.copyfile(sample_db, new)
    conn = connect(new)
    tracker = ChangeTracker(conn)
    menu, title, introduction = conn.execute("SELECT id, title, introduction FROM menus LIMIT 1").fetchone()
    item = conn.execute("SELECT id FROM media_items LIMIT 1").fetchone()[0]
    conn.execute("UPDATE menus SET title = 'First' WHERE id = ?", (menu,))
    conn.execute("UPDATE media_items SET title = 'Edited' WHERE id = ?", (item,))
    conn.commit()
    assert tracker.changed_columns(sample_db) == {"menus.title", "media_items.title"}
    conn.execute("UPDATE menus SET title = ?, introduction = 'Later' WHERE id = ?", (title, menu))
    conn.commit()
    assert tracker.changed_columns(sample_db) == {"menus.introduction", "media_items.title"}
    assert tracker.changed_rows["menus"] == {menu: frozenset({"introduction"})}
    assert tracker.changed_rows["media_items"] == {item: frozenset({"title"})}
    conn.execute("UPDATE menus SET introduction = ? WHERE id = ?", (introduction, menu))
    conn.commit()
    assert tracker.changed_columns(sample_db) == {"media_items.title"}
    assert "menus" not in tracker.changed_rows
    tracker.close()
