"""Fork diffs: what changed between a menu and each of its ancestors.

Every row of `menu_lineage` (a menu and one ancestor at any depth) gets its diff, so the
lineage page can compare a fork with its nearest *published* ancestor even when the direct
parent is a draft. Items are matched by media item; a course is identified by its position.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from generator.db.ids import stable_id

TABLE = "menu_fork_diffs"

DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id TEXT PRIMARY KEY,
    menu_id TEXT NOT NULL REFERENCES menus(id) ON DELETE CASCADE,
    ancestor_menu_id TEXT NOT NULL REFERENCES menus(id) ON DELETE CASCADE,
    change TEXT NOT NULL CHECK (change IN ('added', 'removed', 'moved', 'annotation')),
    media_item_id TEXT NOT NULL REFERENCES media_items(id),
    old_course_position INTEGER,
    old_course_title TEXT,
    new_course_position INTEGER,
    new_course_title TEXT,
    old_annotation TEXT,
    new_annotation TEXT,
    UNIQUE (menu_id, ancestor_menu_id, change, media_item_id)
)"""

# Every course item of the menus asked for (by default, those with a fork or a parent: the
# others never appear in a diff), in reading order, so that an item's first place is the
# one compared. The comparison runs in Python: as one SQL statement (a materialized CTE
# probed six times) it was several times slower, and every menu edit pays it.
_PLACED = """
    SELECT c.menu_id, ci.media_item_id, c.position, c.title, ci.annotation
    FROM course_items ci JOIN courses c ON c.id = ci.course_id
    WHERE c.menu_id IN ({menus})
    ORDER BY c.menu_id, c.position, ci.position"""
_IN_LINEAGE = "SELECT menu_id FROM menu_lineage UNION SELECT parent_menu_id FROM menu_lineage"

Placed = tuple[int, str | None, str]  # course position, course title, annotation
Pair = tuple[str, str]  # a menu and one of its ancestors


@dataclass(frozen=True)
class ForkScope:
    """What an edit changed that fork diffs read: the menus whose courses may have changed
    (every menu whose rows were rewritten) and the lineage rows that are new or changed.
    Only the diffs of lineage rows that involve one are computed again."""

    menus: frozenset[str]
    lineage: frozenset[str]


def edit_scope(
    conn: sqlite3.Connection, touched: Callable[[str], list[object]], changed_lineage: Iterable[object]
) -> ForkScope:
    """The scope of an incremental build, from the keys of the rows it wrote (`touched`)
    and the lineage rows that differ from the previous database. Courses and course items
    are only ever written with their menu's row (a menu's rows are replaced together), so
    the menu of each one written is in the new database, or the menu row was written too."""
    menus = {str(menu) for menu in touched("menus")}
    menus.update(
        menu
        for (menu,) in conn.execute(
            "SELECT menu_id FROM courses WHERE id IN (SELECT value FROM json_each(:courses)) "
            "UNION SELECT c.menu_id FROM course_items ci JOIN courses c ON c.id = ci.course_id "
            "WHERE ci.id IN (SELECT value FROM json_each(:items))",
            {"courses": json.dumps(touched("courses")), "items": json.dumps(touched("course_items"))},
        )
    )
    return ForkScope(frozenset(menus), frozenset(str(row) for row in changed_lineage))


def _diff_rows(conn: sqlite3.Connection, pairs: set[Pair] | None) -> list[tuple[object, ...]]:
    """(menu, ancestor, change, item, old position, old title, new position, new title,
    old annotation, new annotation) for every lineage row (or those of `pairs`): items
    added, removed, moved to another course, or annotated differently."""
    if pairs is None:
        sql, params = _PLACED.format(menus=_IN_LINEAGE), {}
        wanted = conn.execute("SELECT menu_id, parent_menu_id FROM menu_lineage").fetchall()
    else:
        menus = sorted({menu for pair in pairs for menu in pair})
        sql = _PLACED.format(menus="SELECT value FROM json_each(:menus)")
        params = {"menus": json.dumps(menus)}
        wanted = sorted(pairs)
    placed: dict[str, dict[str, Placed]] = {}
    for menu_id, item_id, position, title, annotation in conn.execute(sql, params):
        placed.setdefault(menu_id, {}).setdefault(item_id, (position, title, annotation))
    out: list[tuple[object, ...]] = []
    for menu_id, ancestor_id in wanted:
        new, old = placed.get(menu_id, {}), placed.get(ancestor_id, {})
        for item_id, (position, title, note) in new.items():
            was = old.get(item_id)
            if was is None:
                out.append((menu_id, ancestor_id, "added", item_id, None, None, position, title, None, note))
                continue
            if was[0] != position:
                out.append((menu_id, ancestor_id, "moved", item_id, *was[:2], position, title, was[2], note))
            if was[2] != note:
                out.append(
                    (menu_id, ancestor_id, "annotation", item_id, *was[:2], position, title, was[2], note)
                )
        for item_id, (position, title, note) in old.items():
            if item_id not in new:
                out.append(
                    (menu_id, ancestor_id, "removed", item_id, position, title, None, None, note, None)
                )
    return out


_COLUMNS = (
    "id",
    "menu_id",
    "ancestor_menu_id",
    "change",
    "media_item_id",
    "old_course_position",
    "old_course_title",
    "new_course_position",
    "new_course_title",
    "old_annotation",
    "new_annotation",
)


def compute_fork_diffs(conn: sqlite3.Connection, scope: ForkScope | None = None) -> int:
    """Bring the fork diff table's rows in line with the stored menus; returns how many rows
    were computed. With a `scope`, only the diffs of the lineage rows it involves are
    computed again, and those of lineage rows that are gone are dropped.

    Only rows that differ are written: after an edit of one menu most diffs are the same, and
    an incremental build compares every row a step wrote with the previous database."""
    pairs: set[Pair] | None = None
    lineage: set[Pair] = set()
    if scope is not None:
        rows_now = conn.execute("SELECT id, menu_id, parent_menu_id FROM menu_lineage").fetchall()
        lineage = {(menu_id, parent_id) for _, menu_id, parent_id in rows_now}
        pairs = {
            (menu_id, parent_id)
            for row_id, menu_id, parent_id in rows_now
            if menu_id in scope.menus or parent_id in scope.menus or row_id in scope.lineage
        }
    rows: dict[str, tuple[object, ...]] = {}
    for row in _diff_rows(conn, pairs):
        key = stable_id("fork_diff", row[0], row[1], row[2], row[3])
        rows[key] = (key, *row)
    columns = ", ".join(_COLUMNS)
    with conn:
        conn.execute(DDL)
        if pairs is None:
            found = conn.execute(f"SELECT {columns} FROM {TABLE}")
        else:  # the rows of the pairs computed, and of pairs no longer in the lineage
            found = conn.execute(
                f"SELECT {columns} FROM {TABLE} d WHERE d.menu_id IN "
                "(SELECT value FROM json_each(:menus)) OR NOT EXISTS (SELECT 1 FROM "
                "menu_lineage l WHERE l.menu_id = d.menu_id "
                "AND l.parent_menu_id = d.ancestor_menu_id)",
                {"menus": json.dumps(sorted({menu for menu, _ in pairs}))},
            )
        before = {
            row[0]: tuple(row)
            for row in found
            if pairs is None or (row[1], row[2]) in pairs or (row[1], row[2]) not in lineage
        }
        gone = [(key,) for key in before if key not in rows]
        # Sorted by id: the same content gives the same insertion order, the same file bytes.
        fresh = [rows[key] for key in sorted(rows) if before.get(key) != rows[key]]
        if gone:
            conn.executemany(f"DELETE FROM {TABLE} WHERE id = ?", gone)
        if fresh:  # one executemany: sqlite-utils' insert_all costs more than the diff itself
            conn.executemany(
                f"INSERT OR REPLACE INTO {TABLE} ({columns}) VALUES ({', '.join('?' * len(_COLUMNS))})", fresh
            )
    return len(rows)
