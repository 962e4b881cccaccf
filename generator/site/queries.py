"""Small query functions over the database: everything a template shows comes from here."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

EXTENSION_TABLES = {"book": "book_items", "movie": "movie_items", "game": "game_items",
                    "music": "music_items"}
JSON_COLUMNS = {"authors", "directors", "cast_members", "countries", "platforms", "developers",
                "publishers", "artists", "tracks", "metadata", "aliases", "tags", "profile"}
CREATOR_COLUMN = {"book": "authors", "movie": "directors", "game": "developers",
                  "music": "artists"}


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: json.loads(v) if k in JSON_COLUMNS and isinstance(v, str) else v
            for k, v in row.items()}


def _rows(db: sqlite_utils.Database, sql: str, params: Any = None) -> list[dict[str, Any]]:
    return [_row(r) for r in db.query(sql, params or {})]


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    one = db.execute(
        """SELECT (SELECT count(*) FROM menus WHERE status = 'published'),
                  (SELECT count(*) FROM media_items),
                  (SELECT count(*) FROM users)"""
    ).fetchone()
    return {"menus": one[0], "items": one[1], "curators": one[2]}


def published_menus(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Published menus, newest first, with curator and size."""
    return _rows(db, """
        SELECT m.id, m.slug, m.title, m.published_at, m.tags, m.introduction,
               u.handle AS curator_handle, u.display_name AS curator_name,
               (SELECT count(*) FROM course_items ci JOIN courses c ON c.id = ci.course_id
                WHERE c.menu_id = m.id) AS item_count
        FROM menus m JOIN users u ON u.id = m.owner_id
        WHERE m.status = 'published'
        ORDER BY m.published_at DESC, m.slug""")


def item_summary_sql(where: str) -> str:
    return f"""
        SELECT i.id, i.media_type, i.slug, i.title, i.release_date, i.cover_image_url,
               coalesce(b.authors, mv.directors, g.developers, mu.artists, '[]') AS creators
        FROM media_items i
        LEFT JOIN book_items b ON b.media_item_id = i.id
        LEFT JOIN movie_items mv ON mv.media_item_id = i.id
        LEFT JOIN game_items g ON g.media_item_id = i.id
        LEFT JOIN music_items mu ON mu.media_item_id = i.id
        {where}"""


def menu_detail(db: sqlite_utils.Database, slug: str) -> dict[str, Any] | None:
    """One menu with its courses, items, pairings and lineage neighbours."""
    rows = _rows(db, """
        SELECT m.*, u.handle AS curator_handle, u.display_name AS curator_name
        FROM menus m JOIN users u ON u.id = m.owner_id WHERE m.slug = :slug""", {"slug": slug})
    if not rows:
        return None
    menu = rows[0]
    courses = _rows(db, "SELECT * FROM courses WHERE menu_id = :id ORDER BY position",
                    {"id": menu["id"]})
    entries = _rows(db, item_summary_sql("""
        JOIN course_items ci ON ci.media_item_id = i.id
        WHERE ci.course_id IN (SELECT id FROM courses WHERE menu_id = :id)
        """).replace("SELECT i.id,", "SELECT ci.id AS course_item_id, ci.course_id, "
                     "ci.position, ci.annotation, i.id,") + " ORDER BY ci.position",
                    {"id": menu["id"]})
    for entry in entries:
        entry["creators"] = json.loads(entry["creators"])
    by_course: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_course.setdefault(entry["course_id"], []).append(entry)
    for course in courses:
        course["items"] = by_course.get(course["id"], [])
    by_ci = {e["course_item_id"]: e for e in entries}
    pairings = _rows(db, """SELECT * FROM menu_item_pairings WHERE menu_id = :id
                            ORDER BY position""", {"id": menu["id"]})
    for pairing in pairings:
        pairing["from"] = by_ci[pairing["from_course_item_id"]]
        pairing["to"] = by_ci[pairing["to_course_item_id"]]
    menu["courses"] = courses
    menu["pairings"] = pairings
    menu["parent"] = next(iter(_rows(db, """
        SELECT p.slug, p.title, p.status, u.handle AS curator_handle, u.display_name AS curator_name
        FROM menu_lineage l JOIN menus p ON p.id = l.parent_menu_id
        JOIN users u ON u.id = p.owner_id
        WHERE l.menu_id = :id AND l.depth = 1""", {"id": menu["id"]})), None)
    menu["forks"] = _rows(db, """
        SELECT c.slug, c.title, u.handle AS curator_handle, u.display_name AS curator_name
        FROM menu_lineage l JOIN menus c ON c.id = l.menu_id JOIN users u ON u.id = c.owner_id
        WHERE l.parent_menu_id = :id AND l.depth = 1 AND c.status = 'published'
        ORDER BY c.slug""", {"id": menu["id"]})
    menu["availability"] = _rows(db, """
        SELECT a.provider, a.format, count(*) AS n FROM media_item_availability a
        WHERE a.status != 'unavailable' AND a.media_item_id IN (
            SELECT ci.media_item_id FROM course_items ci JOIN courses c ON c.id = ci.course_id
            WHERE c.menu_id = :id)
        GROUP BY a.provider, a.format ORDER BY n DESC, a.provider""", {"id": menu["id"]})
    return menu


def all_items(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    rows = _rows(db, item_summary_sql("ORDER BY i.media_type, i.slug"))
    for row in rows:
        row["creators"] = json.loads(row["creators"])
    return rows


def item_detail(db: sqlite_utils.Database, media_type: str, slug: str) -> dict[str, Any] | None:
    """One item with its typed attributes, tags, availability, sources and menus."""
    rows = _rows(db, "SELECT * FROM media_items WHERE media_type = :t AND slug = :s",
                 {"t": media_type, "s": slug})
    if not rows:
        return None
    item = rows[0]
    ext = _rows(db, f"SELECT * FROM {EXTENSION_TABLES[media_type]} WHERE media_item_id = :id",
                {"id": item["id"]})
    item["attributes"] = ext[0] if ext else {}
    item["creators"] = item["attributes"].get(CREATOR_COLUMN[media_type], [])
    item["tags"] = _rows(db, """SELECT t.name, t.slug FROM media_item_tags mt
                                JOIN tags t ON t.id = mt.tag_id WHERE mt.media_item_id = :id
                                ORDER BY t.name""", {"id": item["id"]})
    item["availability"] = _rows(db, """SELECT * FROM media_item_availability
                                        WHERE media_item_id = :id ORDER BY provider, region""",
                                 {"id": item["id"]})
    item["sources"] = _rows(db, """SELECT source_name, external_id, canonical_url, fetched_at
                                   FROM media_sources WHERE media_item_id = :id
                                   ORDER BY source_name, external_id""", {"id": item["id"]})
    item["menus"] = _rows(db, """
        SELECT m.slug, m.title, c.title AS course_title, ci.annotation,
               u.handle AS curator_handle, u.display_name AS curator_name
        FROM course_items ci JOIN courses c ON c.id = ci.course_id
        JOIN menus m ON m.id = c.menu_id JOIN users u ON u.id = m.owner_id
        WHERE ci.media_item_id = :id AND m.status = 'published'
        ORDER BY m.published_at DESC, m.slug""", {"id": item["id"]})
    return item
