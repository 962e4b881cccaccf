"""Bring an existing site database up to date with changed files, and say what changed.

Only the rows of changed files are replaced; shared and derived tables are recomputed.
Temporary triggers note every row touched; comparing those rows with the previous database
gives the exact set of `table.column`s whose values changed ('table.' when rows were added
or removed), which decides the pages to re-check.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.content.itemfields import extension_tables
from generator.content.model import COVER_SUFFIXES, Item, Site
from generator.db.ids import stable_id
from generator.db.store import (
    INSERT_ORDER,
    Rows,
    card_rows,
    curator_rows,
    insert_rows,
    item_rows,
    lineage_rows,
    log_rows,
    menu_rows,
    share_rows,
    tag_rows,
)
from generator.support.readonly import readonly_uri


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]


def _primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    info = conn.execute(f"PRAGMA main.table_info({table})").fetchall()
    pk = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
    return pk or ["rowid"]


def _key_sql(columns: list[str], prefix: str = "") -> str:
    if len(columns) == 1:
        return f"{prefix}{columns[0]}"
    return "json_array(" + ", ".join(f"{prefix}{c}" for c in columns) + ")"


class ChangeTracker:
    """Temporary triggers on every table record the key of each row inserted, updated or
    deleted through this connection, derive steps included."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.keys: dict[str, list[str]] = {}
        # table -> primary key of each row that differs -> the columns whose values differ,
        # or None for a row that appeared or disappeared (set by changed_columns)
        self.changed_rows: dict[str, dict[object, frozenset[str] | None]] = {}
        self._columns: dict[str, set[str]] = {}  # table -> its changed columns, as last compared
        self._compared_at: int | None = None  # total_changes() when they were
        # Each touched row notes the connection's change count when it was last touched, so
        # that comparing again looks only at tables written since (a derive step's).
        conn.execute("CREATE TEMP TABLE touched (tbl TEXT, pk, at INTEGER, PRIMARY KEY (tbl, pk))")
        for table in _tables(conn):
            pk = self.keys[table] = _primary_key(conn, table)
            for event, rows in (("INSERT", ("NEW",)), ("DELETE", ("OLD",)), ("UPDATE", ("OLD", "NEW"))):
                body = " ".join(
                    f"INSERT INTO touched VALUES ('{table}', {_key_sql(pk, row + '.')}, "
                    "total_changes()) ON CONFLICT (tbl, pk) DO UPDATE SET at = excluded.at;"
                    for row in rows
                )
                conn.execute(
                    f"CREATE TEMP TRIGGER touch_{table}_{event.lower()} AFTER {event} "
                    f"ON main.{table} BEGIN {body} END"
                )

    def touched(self, table: str) -> list[object]:
        """The primary keys of `table`'s rows written through this connection so far (the
        same values or not)."""
        return [pk for (pk,) in self.conn.execute("SELECT pk FROM temp.touched WHERE tbl = ?", (table,))]

    def changed_columns(self, old_db: Path) -> set[str]:
        """Compare each touched row with the previous database: 'table.column' for changed
        values, 'table.' for a row that appeared or disappeared. Called again, it compares
        only the tables written since the last call."""
        since = self._compared_at
        self._compared_at = self.conn.execute("SELECT total_changes()").fetchone()[0]
        written = {
            table
            for (table,) in self.conn.execute(
                "SELECT DISTINCT tbl FROM temp.touched" + (" WHERE at >= ?" if since is not None else ""),
                () if since is None else (since,),
            )
        }
        self.conn.execute("ATTACH DATABASE ? AS old", (readonly_uri(old_db),))
        try:
            for table, pk in self.keys.items():
                if table not in written:
                    continue
                changed: set[str] = set()
                key = _key_sql(pk)
                wanted = f"{key} IN (SELECT pk FROM temp.touched WHERE tbl = '{table}')"
                before = {
                    row[0]: row[1:]
                    for row in self.conn.execute(f"SELECT {key}, * FROM old.{table} WHERE {wanted}")
                }
                after = self.conn.execute(f"SELECT {key}, * FROM main.{table} WHERE {wanted}")
                columns = [d[0] for d in after.description][1:]
                rows: dict[object, frozenset[str] | None] = {}
                for row in after:
                    old = before.pop(row[0], None)
                    if old is None:
                        changed.add(f"{table}.")
                        rows[row[0]] = None
                        continue
                    differ = frozenset(
                        name
                        for name, a, b in zip(columns, old, row[1:], strict=True)
                        if a != b or type(a) is not type(b)
                    )
                    if differ:
                        changed.update(f"{table}.{name}" for name in differ)
                        rows[row[0]] = differ
                if before:
                    changed.add(f"{table}.")
                    rows.update(dict.fromkeys(before))
                self._columns[table] = changed
                if rows:
                    self.changed_rows[table] = rows
                else:
                    self.changed_rows.pop(table, None)
        finally:
            self.conn.execute("DETACH DATABASE old")
        return set().union(*self._columns.values())

    def close(self) -> None:
        for table in self.keys:
            for event in ("insert", "delete", "update"):
                self.conn.execute(f"DROP TRIGGER IF EXISTS temp.touch_{table}_{event}")
        self.conn.execute("DROP TABLE IF EXISTS temp.touched")


def _delete_item(conn: sqlite3.Connection, item_id: str) -> None:
    for table in (
        *extension_tables(),
        "media_sources",
        "media_item_availability",
        "media_item_tags",
    ):
        conn.execute(f"DELETE FROM {table} WHERE media_item_id = ?", (item_id,))
    conn.execute("DELETE FROM media_items WHERE id = ?", (item_id,))


def _delete_menu(conn: sqlite3.Connection, menu_id: str) -> None:
    conn.execute(
        "DELETE FROM course_items WHERE course_id IN (SELECT id FROM courses WHERE menu_id = ?)", (menu_id,)
    )
    conn.execute("DELETE FROM courses WHERE menu_id = ?", (menu_id,))
    conn.execute("DELETE FROM menu_item_pairings WHERE menu_id = ?", (menu_id,))
    conn.execute("DELETE FROM menus WHERE id = ?", (menu_id,))


def _delete_log(conn: sqlite3.Connection, handle: str) -> None:
    user_id = stable_id("user", handle)
    conn.execute("DELETE FROM user_item_states WHERE user_id = ?", (user_id,))
    conn.execute("DELETE FROM user_item_logs WHERE user_id = ?", (user_id,))


@dataclass(frozen=True)
class FileChanges:
    """The content files changed and removed since the last build, by display path."""

    changed: set[str]
    removed: set[str]
    kind_of: Callable[[str], str | None]
    """What a file is: "item", "menu", "curator", "log", "payload", or None."""
    all_menus_and_logs: bool = False
    """Re-store every menu and log: item references may now resolve differently."""
    cards: set[str] | None = None
    """The slugs of the menus whose card row may have changed (None: any of them)."""

    @staticmethod
    def stem_of(path: str) -> str:
        return Path(path).stem


def update_site(conn: sqlite3.Connection, site: Site, now: str, files: FileChanges) -> None:
    """Replace the rows of changed and removed files and recompute shared and derived
    tables."""
    kinds = {p: files.kind_of(p) for p in files.changed | files.removed}
    payload_changed = any(k == "payload" for k in kinds.values())
    conn.execute("PRAGMA foreign_keys = OFF")  # validation already checked every reference
    _delete_rows_of(conn, kinds, files)
    # No item file, cover or payload changed: no item is re-stored (nor loaded, itemside.py).
    out = (
        _restored_items(conn, site, now, files, payload_changed)
        if "item" in kinds.values() or payload_changed
        else {}
    )
    if files.all_menus_and_logs:
        for table in MENU_AND_LOG_TABLES:
            conn.execute(f"DELETE FROM {table}")
    for rows in _restored_others(site, now, files):
        _add(out, rows)
    # Tables made from the whole site: only the rows that differ are written, so an edit
    # that changes none of them writes none (and a tag keeps the stamp of its first build).
    sync_table(conn, "tags", tag_rows(site, now)["tags"], keep=("created_at",))
    sync_table(conn, "menu_lineage", lineage_rows(site)["menu_lineage"])
    sync_table(conn, "menu_share_tokens", share_rows(site)["menu_share_tokens"])
    # The dev server knows which cards changed (files.cards): the other rows are not read.
    among = None if files.cards is None else [stable_id("card", slug) for slug in files.cards]
    sync_table(conn, "menu_cards", card_rows(site, files.cards)["menu_cards"], among=among)
    for table in INSERT_ORDER:
        insert_rows(conn, table, out.get(table, []))
    conn.commit()


MENU_AND_LOG_TABLES = (
    "course_items",
    "courses",
    "menu_item_pairings",
    "menus",
    "user_item_states",
    "user_item_logs",
)


def _restored_items(
    conn: sqlite3.Connection, site: Site, now: str, files: FileChanges, payload_changed: bool
) -> Rows:
    """The rows of every changed item, and of every item with sources when a payload
    changed (its old rows are deleted first: its file did not change)."""
    out: Rows = {}
    covers = _cover_files(files)
    for item in site.items.values():
        cover_changed = bool(covers) and _owns_cover(item, covers)
        if item.path in files.changed or (payload_changed and item.sources) or cover_changed:
            if item.path not in files.changed:
                _delete_item(conn, stable_id("item", item.ref))
            _add(out, item_rows(item, site, now))
    return out


def _cover_files(files: FileChanges) -> set[str]:
    """The changed and removed cover images, by display path."""
    return {
        path
        for path in files.changed | files.removed
        if Path(path).suffix.lower() in COVER_SUFFIXES and files.kind_of(path) == "item"
    }


def _owns_cover(item: Item, covers: set[str]) -> bool:
    """Whether one of `covers` is, or may now be, the item's cover: named after its file,
    or named by its `cover:` field."""
    folder = Path(item.path).parent
    stem = Path(item.path).name.removesuffix(".md").lower()
    named = item.fields.get("cover")
    for path in covers:
        cover = Path(path)
        if cover.parent == folder and (
            cover.name == named or cover.name.removesuffix(cover.suffix).lower() == stem
        ):
            return True
    return False


def _restored_others(site: Site, now: str, files: FileChanges) -> Iterator[Rows]:
    """The rows of changed curators, and of changed menus and logs (or all of them)."""
    every = files.all_menus_and_logs
    for curator in site.curators.values():
        if curator.path in files.changed:
            yield curator_rows(curator, now)
    for menu in site.menus.values():
        if every or menu.path in files.changed:
            yield menu_rows(menu, site, now)
    for log in site.logs.values():
        if every or log.path in files.changed:
            yield log_rows(log, now)


def _add(out: Rows, rows: Rows) -> None:
    for table, table_rows in rows.items():
        out.setdefault(table, []).extend(table_rows)


def _delete_rows_of(conn: sqlite3.Connection, kinds: dict[str, str | None], files: FileChanges) -> None:
    """Delete the rows each changed or removed file made (menus and logs are all deleted
    later when they are all re-stored)."""
    for path, kind in kinds.items():
        if kind == "item":
            for (item_id,) in conn.execute(
                "SELECT id FROM media_items WHERE source_path = ?", (path,)
            ).fetchall():
                _delete_item(conn, item_id)
        elif kind == "menu" and not files.all_menus_and_logs:
            for (menu_id,) in conn.execute("SELECT id FROM menus WHERE source_path = ?", (path,)).fetchall():
                _delete_menu(conn, menu_id)
        elif kind == "curator":
            conn.execute("DELETE FROM users WHERE id = ?", (stable_id("user", files.stem_of(path)),))
        elif kind == "log" and not files.all_menus_and_logs:
            _delete_log(conn, files.stem_of(path))


def sync_table(
    conn: sqlite3.Connection,
    table: str,
    rows: list[dict[str, Any]],
    keep: tuple[str, ...] = (),
    among: list[str] | None = None,
) -> None:
    """Make `table` hold exactly `rows` (by their `id`), writing only the rows that differ;
    a row already there keeps its `keep` columns. With `among`, only the rows of those ids
    are looked at (`rows` holds those of them that stay)."""
    names = [c for c in rows[0] if c != "id" and c not in keep] if rows else []
    select = f"SELECT {', '.join(['id', *names])} FROM {table}"
    if among is None:
        found = conn.execute(select)
    else:
        found = conn.execute(f"{select} WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(among),))
    have = {row[0]: tuple(row[1:]) for row in found}
    fresh, changed = [], []
    for row in rows:
        values = tuple(row[c] for c in names)
        was = have.pop(row["id"], None)
        if was is None:
            fresh.append(row)
        elif was != values:
            changed.append((*values, row["id"]))
    insert_rows(conn, table, fresh)
    if changed:
        conn.executemany(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in names)} WHERE id = ?", changed)
    if have:
        conn.executemany(f"DELETE FROM {table} WHERE id = ?", [(key,) for key in have])


def refs_signature(site: Site) -> str:
    """What item references resolve to: every item ref and every source id's owner."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    for ref in sorted(site.items):
        h.update(ref.encode() + b"\0")
        for source in site.items[ref].sources:
            h.update(f"{source.source}:{source.id}\0".encode())
    return h.hexdigest()
