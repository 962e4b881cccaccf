"""Small query functions over the database: everything a template shows comes from here."""

from __future__ import annotations

import json
from typing import Any, Literal

from generator.content.itemfields import extension_table, fields_of, json_columns
from generator.content.model import MEDIA_TYPES
from generator.site.item_languages import language_names
from generator.site.keyed import keyed, listed
from generator.site.menucards import CARD_SUMMARY, MenuCard
from generator.site.visibility import public_item
from generator.support.readonly import Queryable

# Derived from the item field table once, at import: _row runs for every row a page reads.
EXTENSION_TABLES = {media_type: extension_table(media_type) for media_type in MEDIA_TYPES}
# JSON text: the item fields so declared, and the list and object columns of other tables.
JSON_COLUMNS = json_columns() | {"metadata", "aliases", "tags", "profile", "creators", "cover_image", "card"}
CREATOR_COLUMN = {t: f.column for t in MEDIA_TYPES for f in fields_of(t) if f.creator}


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: json.loads(v) if k in JSON_COLUMNS and isinstance(v, str) else v for k, v in row.items()}


def fetch_rows(db: Queryable, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """A query's rows as dicts, their JSON columns decoded."""
    return [_row(r) for r in db.query(sql, params or {})]


def counts(db: Queryable) -> dict[str, int]:
    one = db.execute(
        f"""SELECT (SELECT count(*) FROM menus WHERE status = 'published'),
                  (SELECT count(*) FROM media_items i WHERE {public_item()}),
                  (SELECT count(*) FROM users)"""
    ).fetchone()
    return {"menus": one[0], "items": one[1], "curators": one[2]}


# What a list of published menus carries of each (published_menus).
Fields = Literal["full", "card", "brief"]


def _published_sql(
    *, owner: bool = False, ids: bool = False, fields: Fields = "full", limit: int | None = None
) -> str:
    where = "m.status = 'published'" + (" AND u.handle = :owner" if owner else "")
    if ids:
        where += " AND m.id IN (SELECT value FROM json_each(:ids))"
    # A card shows the introduction cut short: asking for the cut (sqlfunctions.py), not the
    # text, keeps a page of cards unchanged by an edit further on in one introduction.
    introduction = (
        f"summary(m.introduction, {CARD_SUMMARY}) AS intro_summary" if fields == "card" else "m.introduction"
    )
    details = (
        ""
        if fields == "brief"
        else f""", m.tags, {introduction},
               (SELECT count(*) FROM course_items ci JOIN courses c ON c.id = ci.course_id
                WHERE c.menu_id = m.id) AS item_count,
               (SELECT count(*) FROM courses c WHERE c.menu_id = m.id) AS course_count,
               (SELECT p.slug FROM menu_lineage l JOIN menus p ON p.id = l.parent_menu_id
                WHERE l.menu_id = m.id AND p.status = 'published'
                ORDER BY l.depth LIMIT 1) AS parent_slug"""
    )
    return f"""
        SELECT m.id, m.slug, m.title, m.published_at, m.updated_at,
               u.handle AS curator_handle, u.display_name AS curator_name{details}
        FROM menus m JOIN users u ON u.id = m.owner_id
        WHERE {where}
        ORDER BY m.published_at DESC, m.slug{f" LIMIT {int(limit)}" if limit else ""}"""


_TOUCHED = "IN (SELECT value FROM json_each(:touched))"
# A tag page's menu cards: a card reads its menu, curator, courses, course items, lineage
# and published parent (listed queries, keyed.py).
MENU_CARDS = listed(
    _published_sql(ids=True, fields="card"),
    "ids",
    reach={
        "menus": f"SELECT id FROM menus WHERE id {_TOUCHED} "
        f"UNION SELECT menu_id FROM menu_lineage WHERE parent_menu_id {_TOUCHED}",
        "users": f"SELECT id FROM menus WHERE owner_id {_TOUCHED}",
        "courses": f"SELECT menu_id FROM courses WHERE id {_TOUCHED}",
        "course_items": "SELECT c.menu_id FROM course_items ci JOIN courses c ON c.id = ci.course_id "
        f"WHERE ci.id {_TOUCHED}",
        "menu_lineage": f"SELECT menu_id FROM menu_lineage WHERE id {_TOUCHED}",
    },
)


# A curator's menus (their page, feed and API record) are asked with the curator's handle:
# an edit re-asks only the curators whose menus (or a parent of one) it reached.
_OWNERS = "SELECT u.handle FROM menus m JOIN users u ON u.id = m.owner_id WHERE m.id IN"
_OWNER_REACH = {
    "menus": f"{_OWNERS} (SELECT id FROM menus WHERE id {_TOUCHED} "
    f"UNION SELECT menu_id FROM menu_lineage WHERE parent_menu_id {_TOUCHED})",
    "users": f"SELECT handle FROM users WHERE id {_TOUCHED}",
    "courses": f"{_OWNERS} (SELECT menu_id FROM courses WHERE id {_TOUCHED})",
    "course_items": f"{_OWNERS} (SELECT c.menu_id FROM course_items ci "
    f"JOIN courses c ON c.id = ci.course_id WHERE ci.id {_TOUCHED})",
    "menu_lineage": f"{_OWNERS} (SELECT menu_id FROM menu_lineage WHERE id {_TOUCHED})",
}
FEED_SIZE = 50
_fields: Fields
for _fields, _limit in (("card", None), ("full", FEED_SIZE), ("brief", None)):
    listed(
        _published_sql(owner=True, fields=_fields, limit=_limit),
        "owner",
        one=True,
        reach=_OWNER_REACH if _fields != "brief" else {t: _OWNER_REACH[t] for t in ("menus", "users")},
    )


def published_menus(
    db: Queryable,
    *,
    owner: str | None = None,
    limit: int | None = None,
    ids: list[str] | None = None,
    fields: Fields = "full",
) -> list[dict[str, Any]]:
    """Published menus, newest first, with curator, size, parent and tags (with their slugs).
    "brief" ones carry only what a link to them needs (slug, title, dates, curator); "card"
    ones carry the introduction's first `CARD_SUMMARY` characters as plain text
    (`intro_summary`) instead of the introduction (MenuCard).

    Filters run in SQL, and a brief list reads no other column, so a page's recorded query
    answers only for the menus (and the fields) it shows, and an edit elsewhere does not
    re-render it."""
    params: dict[str, Any] = {"owner": owner}
    if ids is not None:
        params["ids"] = json.dumps(ids)
    sql = _published_sql(owner=bool(owner), ids=ids is not None, fields=fields, limit=limit)
    rows = fetch_rows(db, sql, params)
    if fields == "brief":
        return rows
    slugs = tag_slugs(db)
    for row in rows:
        row["tags"] = [{"name": t, "slug": slugs.get(t, "")} for t in row["tags"]]
    return [MenuCard(db, row) for row in rows] if fields == "card" else rows


def tag_slugs(db: Queryable) -> dict[str, str]:
    return {r["name"]: r["slug"] for r in db.query("SELECT name, slug FROM tags")}


def item_summary_sql(where: str) -> str:
    return f"""
        SELECT i.id, i.media_type, i.slug, i.title, i.release_date, i.cover_image_url, i.cover_image,
               coalesce(b.authors, mv.directors, g.developers, mu.artists, '[]') AS creators
        FROM media_items i
        LEFT JOIN book_items b ON b.media_item_id = i.id
        LEFT JOIN movie_items mv ON mv.media_item_id = i.id
        LEFT JOIN game_items g ON g.media_item_id = i.id
        LEFT JOIN music_items mu ON mu.media_item_id = i.id
        {where}"""


# A tag page's item cards: a card reads its item and the item's extension row, both keyed
# by the item's id (a listed query, keyed.py).
ITEM_CARDS = listed(
    item_summary_sql("""
        WHERE i.id IN (SELECT value FROM json_each(:ids))
        ORDER BY i.title, i.media_type, i.slug"""),
    "ids",
    reach=dict.fromkeys(("media_items", *EXTENSION_TABLES.values()), "SELECT value FROM json_each(:touched)"),
)

# Each menu page and each item page asks these with its own key (see keyed.py).
MENU_BY_SLUG = keyed(
    """
    SELECT {key}m.*, u.handle AS curator_handle, u.display_name AS curator_name
    FROM menus m JOIN users u ON u.id = m.owner_id WHERE {match}""",
    "m.slug = :slug",
    rows={"m": "menus", "u": "users"},
    slug="m.slug",
)
MENU_COURSES = keyed(
    "SELECT {key}* FROM courses WHERE {match} ORDER BY position",
    "menu_id = :id",
    rows={"courses": "courses"},
    id="menu_id",
)
# Positions count within a course, so the course item's id breaks their ties.
MENU_ENTRIES = keyed(
    item_summary_sql("""
    JOIN course_items ci ON ci.media_item_id = i.id JOIN courses mc ON mc.id = ci.course_id
    WHERE {match} ORDER BY ci.position, ci.id""").replace(
        "SELECT i.id,", "SELECT {key}ci.id AS course_item_id, ci.course_id, ci.position, ci.annotation, i.id,"
    ),
    "mc.menu_id = :id",
    rows={
        "i": "media_items",
        "b": "book_items",
        "mv": "movie_items",
        "g": "game_items",
        "mu": "music_items",
        "ci": "course_items",
        "mc": "courses",
    },
    id="mc.menu_id",
)
MENU_PAIRINGS = keyed(
    "SELECT {key}* FROM menu_item_pairings WHERE {match} ORDER BY position",
    "menu_id = :id",
    rows={"menu_item_pairings": "menu_item_pairings"},
    id="menu_id",
)
MENU_CARD = keyed(
    "SELECT {key}card FROM menu_cards WHERE {match}",
    "menu_id = :id",
    rows={"menu_cards": "menu_cards"},
    id="menu_id",
)
ITEM_BY_SLUG = keyed(
    "SELECT {key}* FROM media_items WHERE {match}",
    "media_type = :t AND slug = :s",
    rows={"media_items": "media_items"},
    t="media_type",
    s="slug",
)
ITEM_EXTENSION = {
    media_type: keyed(
        f"SELECT {{key}}* FROM {table} WHERE {{match}}",
        "media_item_id = :id",
        rows={table: table},
        id="media_item_id",
    )
    for media_type, table in EXTENSION_TABLES.items()
}
ITEM_TAGS = keyed(
    """
    SELECT {key}t.name, t.slug FROM media_item_tags mt JOIN tags t ON t.id = mt.tag_id
    WHERE {match} ORDER BY t.name, t.slug""",
    "mt.media_item_id = :id",
    rows={"mt": "media_item_tags", "t": "tags"},
    id="mt.media_item_id",
)
ITEM_AVAILABILITY = keyed(
    """
    SELECT {key}* FROM media_item_availability WHERE {match}
    ORDER BY provider, region, rowid""",
    "media_item_id = :id",
    rows={"media_item_availability": "media_item_availability"},
    id="media_item_id",
)
ITEM_SOURCES = keyed(
    """
    SELECT {key}source_name, external_id, canonical_url, fetched_at FROM media_sources
    WHERE {match} ORDER BY source_name, external_id""",
    "media_item_id = :id",
    rows={"media_sources": "media_sources"},
    id="media_item_id",
)
# A menu may serve an item in two courses: they follow the menu's order.
ITEM_MENUS = keyed(
    """
    SELECT {key}m.slug, m.title, c.title AS course_title, ci.annotation,
           u.handle AS curator_handle, u.display_name AS curator_name
    FROM course_items ci JOIN courses c ON c.id = ci.course_id
    JOIN menus m ON m.id = c.menu_id JOIN users u ON u.id = m.owner_id
    WHERE {match} AND m.status = 'published'
    ORDER BY m.published_at DESC, m.slug, c.position, ci.position""",
    "ci.media_item_id = :id",
    rows={"ci": "course_items", "c": "courses", "m": "menus", "u": "users"},
    id="ci.media_item_id",
)


def menu_detail(db: Queryable, slug: str) -> dict[str, Any] | None:
    """One menu with its courses, items, pairings and lineage neighbours."""
    rows = fetch_rows(db, MENU_BY_SLUG, {"slug": slug})
    if not rows:
        return None
    menu = rows[0]
    courses = fetch_rows(db, MENU_COURSES, {"id": menu["id"]})
    entries = fetch_rows(db, MENU_ENTRIES, {"id": menu["id"]})
    by_course: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_course.setdefault(entry["course_id"], []).append(entry)
    for course in courses:
        course["items"] = by_course.get(course["id"], [])
    by_ci = {e["course_item_id"]: e for e in entries}
    pairings = fetch_rows(db, MENU_PAIRINGS, {"id": menu["id"]})
    for pairing in pairings:
        pairing["from"] = by_ci[pairing["from_course_item_id"]]
        pairing["to"] = by_ci[pairing["to_course_item_id"]]
    menu["courses"] = courses
    menu["pairings"] = pairings
    card = fetch_rows(db, MENU_CARD, {"id": menu["id"]})
    menu["card"] = card[0]["card"] if card else None
    menu["parent"] = published_parent(db, menu["id"])
    menu["forks"] = published_forks(db, menu["id"])
    slugs = tag_slugs(db)
    menu["tags"] = [{"name": t, "slug": slugs.get(t, "")} for t in menu["tags"]]
    menu["availability"] = fetch_rows(
        db,
        """
        SELECT a.provider, a.format, count(*) AS n FROM media_item_availability a
        WHERE a.status != 'unavailable' AND a.media_item_id IN (
            SELECT ci.media_item_id FROM course_items ci JOIN courses c ON c.id = ci.course_id
            WHERE c.menu_id = :id)
        GROUP BY a.provider, a.format ORDER BY n DESC, a.provider""",
        {"id": menu["id"]},
    )
    return menu


def published_parent(db: Queryable, menu_id: str) -> dict[str, Any] | None:
    """The nearest published ancestor: a draft in between is skipped, never shown."""
    return next(
        iter(
            fetch_rows(
                db,
                """
        SELECT p.id, p.slug, p.title, u.handle AS curator_handle, u.display_name AS curator_name
        FROM menu_lineage l JOIN menus p ON p.id = l.parent_menu_id
        JOIN users u ON u.id = p.owner_id
        WHERE l.menu_id = :id AND p.status = 'published'
        ORDER BY l.depth LIMIT 1""",
                {"id": menu_id},
            )
        ),
        None,
    )


def published_forks(db: Queryable, menu_id: str) -> list[dict[str, Any]]:
    """Published menus whose nearest published ancestor is this menu."""
    return fetch_rows(
        db,
        """
        SELECT c.id, c.slug, c.title, u.handle AS curator_handle, u.display_name AS curator_name
        FROM menu_lineage l JOIN menus c ON c.id = l.menu_id JOIN users u ON u.id = c.owner_id
        WHERE l.parent_menu_id = :id AND c.status = 'published'
          AND NOT EXISTS (SELECT 1 FROM menu_lineage l2 JOIN menus p2 ON p2.id = l2.parent_menu_id
                          WHERE l2.menu_id = l.menu_id AND l2.depth < l.depth
                            AND p2.status = 'published')
        ORDER BY c.published_at, c.slug""",
        {"id": menu_id},
    )


def all_items(db: Queryable) -> list[dict[str, Any]]:
    rows = fetch_rows(db, item_summary_sql(f"WHERE {public_item()} ORDER BY i.media_type, i.slug"))
    return rows


def item_detail(db: Queryable, media_type: str, slug: str) -> dict[str, Any] | None:
    """One item with its typed attributes, tags, availability, sources and menus."""
    rows = fetch_rows(db, ITEM_BY_SLUG, {"t": media_type, "s": slug})
    if not rows:
        return None
    item = rows[0]
    ext = fetch_rows(db, ITEM_EXTENSION[media_type], {"id": item["id"]})
    item["attributes"] = ext[0] if ext else {}
    item["creators"] = item["attributes"].get(CREATOR_COLUMN[media_type], [])
    item["tags"] = fetch_rows(db, ITEM_TAGS, {"id": item["id"]})
    item["availability"] = fetch_rows(db, ITEM_AVAILABILITY, {"id": item["id"]})
    item["sources"] = fetch_rows(db, ITEM_SOURCES, {"id": item["id"]})
    item["menus"] = fetch_rows(db, ITEM_MENUS, {"id": item["id"]})
    item["language_names"] = language_names(db, item["metadata"])
    return item


def story(db: Queryable, slug: str) -> dict[str, Any] | None:
    """A menu's pairings as steps, in course order (by where each pairing starts)."""
    menu = menu_detail(db, slug)
    if menu is None:
        return None
    place = {
        e["course_item_id"]: (c["position"], e["position"], c["title"])
        for c in menu["courses"]
        for e in c["items"]
    }
    steps = sorted(
        menu["pairings"],
        key=lambda p: (place[p["from_course_item_id"]][:2], place[p["to_course_item_id"]][:2], p["position"]),
    )
    for number, step in enumerate(steps, start=1):
        step["number"] = number
        step["from_course"] = place[step["from_course_item_id"]][2]
        step["to_course"] = place[step["to_course_item_id"]][2]
    menu["steps"] = steps
    return menu
