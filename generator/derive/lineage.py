"""Fork diffs: what changed between a menu and each of its ancestors, computed with SQL.

Every row of `menu_lineage` (a menu and one ancestor at any depth) gets its diff, so the
lineage page can compare a fork with its nearest *published* ancestor even when the direct
parent is a draft. Items are matched by media item; a course is identified by its position.
"""

from __future__ import annotations

import sqlite_utils

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

# One row per (menu, item) with the course it sits in; an item listed twice in a menu keeps
# its first place, which is what a reader sees first. Only menus with a fork or a parent:
# the others never appear in a diff (on the bench corpus this halves the step).
_PLACED = """
    SELECT c.menu_id, ci.media_item_id, min(c.position * 100000 + ci.position) AS rank
    FROM course_items ci JOIN courses c ON c.id = ci.course_id
    WHERE c.menu_id IN (SELECT menu_id FROM menu_lineage UNION SELECT parent_menu_id FROM menu_lineage)
    GROUP BY c.menu_id, ci.media_item_id"""

_DIFF_SQL = f"""
WITH placed AS (
    SELECT p.menu_id, p.media_item_id, c.position AS course_position, c.title AS course_title,
           ci.annotation
    FROM ({_PLACED}) p
    JOIN courses c ON c.menu_id = p.menu_id AND c.position = p.rank / 100000
    JOIN course_items ci ON ci.course_id = c.id AND ci.position = p.rank % 100000
)
SELECT l.menu_id, l.parent_menu_id AS ancestor_menu_id, 'added' AS change, n.media_item_id,
       NULL AS old_course_position, NULL AS old_course_title,
       n.course_position AS new_course_position, n.course_title AS new_course_title,
       NULL AS old_annotation, n.annotation AS new_annotation
FROM menu_lineage l JOIN placed n ON n.menu_id = l.menu_id
WHERE NOT EXISTS (SELECT 1 FROM placed o WHERE o.menu_id = l.parent_menu_id
                  AND o.media_item_id = n.media_item_id)
UNION ALL
SELECT l.menu_id, l.parent_menu_id, 'removed', o.media_item_id,
       o.course_position, o.course_title, NULL, NULL, o.annotation, NULL
FROM menu_lineage l JOIN placed o ON o.menu_id = l.parent_menu_id
WHERE NOT EXISTS (SELECT 1 FROM placed n WHERE n.menu_id = l.menu_id
                  AND n.media_item_id = o.media_item_id)
UNION ALL
SELECT l.menu_id, l.parent_menu_id, 'moved', n.media_item_id,
       o.course_position, o.course_title, n.course_position, n.course_title,
       o.annotation, n.annotation
FROM menu_lineage l
JOIN placed n ON n.menu_id = l.menu_id
JOIN placed o ON o.menu_id = l.parent_menu_id AND o.media_item_id = n.media_item_id
WHERE o.course_position <> n.course_position
UNION ALL
SELECT l.menu_id, l.parent_menu_id, 'annotation', n.media_item_id,
       o.course_position, o.course_title, n.course_position, n.course_title,
       o.annotation, n.annotation
FROM menu_lineage l
JOIN placed n ON n.menu_id = l.menu_id
JOIN placed o ON o.menu_id = l.parent_menu_id AND o.media_item_id = n.media_item_id
WHERE o.annotation <> n.annotation
"""


_COLUMNS = ("id", "menu_id", "ancestor_menu_id", "change", "media_item_id",
            "old_course_position", "old_course_title", "new_course_position", "new_course_title",
            "old_annotation", "new_annotation")


def compute_fork_diffs(db: sqlite_utils.Database) -> int:
    """Bring the fork diff table's rows in line with the stored menus; returns how many rows.

    Only rows that differ are written: after an edit of one menu most diffs are the same, and
    an incremental build compares every row a step wrote with the previous database."""
    rows: dict[str, tuple[object, ...]] = {}
    for row in db.execute(_DIFF_SQL):
        key = stable_id("fork_diff", row[0], row[1], row[2], row[3])
        rows[key] = (key, *row)
    with db.conn:
        db.execute(DDL)
        before = {row[0]: tuple(row) for row in db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM {TABLE}")}
        gone = [(key,) for key in before if key not in rows]
        # Sorted by id: the same content gives the same insertion order, the same file bytes.
        fresh = [rows[key] for key in sorted(rows) if before.get(key) != rows[key]]
        if gone:
            db.conn.executemany(f"DELETE FROM {TABLE} WHERE id = ?", gone)
        if fresh:  # one executemany: sqlite-utils' insert_all costs more than the diff itself
            db.conn.executemany(
                f"INSERT OR REPLACE INTO {TABLE} ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_COLUMNS))})", fresh)
    return len(rows)
