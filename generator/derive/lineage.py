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
# its first place, which is what a reader sees first.
_PLACED = """
    SELECT c.menu_id, ci.media_item_id, min(c.position * 100000 + ci.position) AS rank
    FROM course_items ci JOIN courses c ON c.id = ci.course_id
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


def compute_fork_diffs(db: sqlite_utils.Database) -> int:
    """Replace the fork diff table's rows from the stored menus; returns how many rows."""
    rows = []
    for row in db.query(_DIFF_SQL):
        row = dict(row)
        row["id"] = stable_id("fork_diff", row["menu_id"], row["ancestor_menu_id"], row["change"],
                              row["media_item_id"])
        rows.append(row)
    rows.sort(key=lambda r: r["id"])  # same content, same insertion order, same file bytes
    with db.conn:
        db.execute(DDL)
        db.execute(f"DELETE FROM {TABLE}")
        if rows:  # one executemany: sqlite-utils' insert_all costs more than the diff itself
            columns = list(rows[0])
            db.conn.executemany(
                f"INSERT INTO {TABLE} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                [[r[c] for c in columns] for r in rows])
    return len(rows)
