"""Tags: the list of public tags, and each tag's pages of items and menus."""

from __future__ import annotations

import json
from typing import Any

from generator.site.queries import ITEM_CARDS, fetch_rows, published_menus
from generator.site.visibility import PUBLIC_ITEMS, public_item
from generator.support.readonly import Queryable


def tags(db: Queryable) -> list[dict[str, Any]]:
    """Tags that something public carries (an item, or a published menu), by slug."""
    # Counted per tag in one pass each, joined by slug: a count per tag asked as a
    # correlated subquery scanned every item's tags and every menu once per tag.
    return fetch_rows(
        db,
        f"""
        WITH item_counts AS (
               SELECT t.slug, count(DISTINCT mt.media_item_id) AS n
               FROM media_item_tags mt JOIN tags t ON t.id = mt.tag_id
               WHERE mt.media_item_id IN ({PUBLIC_ITEMS}) GROUP BY t.slug),
             menu_counts AS (
               SELECT t.slug, count(DISTINCT m.id) AS n
               FROM menus m, json_each(m.tags) j
               JOIN tags t ON t.name = j.value AND t.owner_id IS NULL
               WHERE m.status = 'published' GROUP BY t.slug)
        SELECT t.slug, min(t.name) AS name, coalesce(ic.n, 0) AS item_count,
               coalesce(mc.n, 0) AS menu_count
        FROM tags t LEFT JOIN item_counts ic ON ic.slug = t.slug
        LEFT JOIN menu_counts mc ON mc.slug = t.slug
        GROUP BY t.slug HAVING item_count > 0 OR menu_count > 0
        ORDER BY t.slug""",
    )


TAG_PAGE_ITEMS = 120
"""Items per tag page: a genre can carry thousands, and one page of them all would weigh
megabytes on a phone and re-render in full whenever one of its menus changed."""
TAG_PAGE_MENUS = 24
"""Menus per tag page, newest first: a popular tag is on hundreds of menus, and a page of
all their cards was both the heaviest page of the site and re-rendered (with every one of
them) when any of those menus changed its introduction."""


def tag_pages(item_count: int, menu_count: int = 0) -> int:
    """How many pages a tag with `item_count` items and `menu_count` published menus has
    (at least one)."""
    return max(1, -(-item_count // TAG_PAGE_ITEMS), -(-menu_count // TAG_PAGE_MENUS))


def tag_detail(db: Queryable, slug: str, page: int = 1) -> dict[str, Any] | None:
    """One page of a tag: one page of its published menus, newest first, and one page of
    the items that carry it, by title."""
    names = [r["name"] for r in db.query("SELECT name FROM tags WHERE slug = :s ORDER BY name", {"s": slug})]
    if not names:
        return None
    tagged = """i.id IN (SELECT mt.media_item_id FROM media_item_tags mt JOIN tags t
                         ON t.id = mt.tag_id WHERE t.slug = :s)"""
    # Every page of a tag asks for the same ordered list of its item ids (one sort per tag
    # while pages render: the renderer answers a repeated query from memory) and takes its
    # slice; sorting a big genre again for each of its pages made the pages quadratic.
    ordered = [
        row[0]
        for row in db.execute(
            f"SELECT i.id FROM media_items i WHERE {tagged} AND {public_item()} "
            "ORDER BY i.title, i.media_type, i.slug",
            {"s": slug},
        ).fetchall()
    ]
    item_count = len(ordered)
    # Menus likewise: their ordered ids (which read no introduction, so an edit of one does
    # not make every page of the tag ask again), then the cards of this page's slice. The
    # tag's names are found once, not once per menu.
    ordered_menus = [
        row[0]
        for row in db.execute(
            """SELECT m.id FROM menus m WHERE m.status = 'published' AND EXISTS (
               SELECT 1 FROM json_each(m.tags) j WHERE j.value IN (
                   SELECT name FROM tags WHERE slug = :s AND owner_id IS NULL))
           ORDER BY m.published_at DESC, m.slug""",
            {"s": slug},
        ).fetchall()
    ]
    menu_count = len(ordered_menus)
    first_menu = (page - 1) * TAG_PAGE_MENUS
    chosen_menus = ordered_menus[first_menu : first_menu + TAG_PAGE_MENUS]
    menus = published_menus(db, ids=chosen_menus, fields="card") if chosen_menus else []
    chosen = ordered[(page - 1) * TAG_PAGE_ITEMS : page * TAG_PAGE_ITEMS]
    items = fetch_rows(db, ITEM_CARDS, {"ids": json.dumps(chosen)})
    return {
        "slug": slug,
        "name": names[0],
        "names": names,
        "menus": menus,
        "items": items,
        "menu_count": menu_count,
        "item_count": item_count,
        "page": page,
        "pages": tag_pages(item_count, menu_count),
        "first_menu": first_menu + 1,
        "first_item": (page - 1) * TAG_PAGE_ITEMS + 1,
    }
