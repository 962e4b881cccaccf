"""Browse pages: every published menu, curator, tag and item, one page of a list at a time.

Each list is paginated as tag pages are (tag_queries.py): a page first asks the ordered
ids of its whole list (a query that reads only what orders it), then the rows of its own
slice. An edit of one menu's introduction so changes no page's ordered ids, and re-asks
only the card query of the page that shows that menu (keyed.py's listed queries)."""

from __future__ import annotations

import json
from typing import Any

from generator.site.curator_queries import curators
from generator.site.queries import ITEM_CARDS, fetch_rows, published_menus
from generator.site.tag_queries import tags
from generator.site.visibility import public_item
from generator.support.readonly import Queryable

MENUS_PER_PAGE = 24
"""Menu cards per page of /menus/, as many as a tag page holds."""
ITEMS_PER_PAGE = 120
"""Item cards per page of /items/ and of each medium's list, as many as a tag page holds."""
CURATORS_PER_PAGE = 100
"""Curators per page of /curators/: a line each, with their count of menus."""
TAGS_PER_PAGE = 200
"""Tags per page of /tags/: one short link each."""

_MENU_ORDER = "SELECT id FROM menus WHERE status = 'published' ORDER BY published_at DESC, slug"
_ITEM_ORDER = "SELECT id FROM media_items i {where} ORDER BY i.title, i.media_type, i.slug"


def page_count(total: int, per_page: int) -> int:
    """How many pages a list of `total` entries takes (one, empty, when there are none)."""
    return max(1, -(-total // per_page))


def _window(total: int, per_page: int, page: int) -> dict[str, Any]:
    """What a page says about its place in the list: the pager and the range it shows."""
    return {
        "page": page,
        "pages": page_count(total, per_page),
        "total": total,
        "first": (page - 1) * per_page + 1,
    }


def _slice(ordered: list[Any], per_page: int, page: int) -> list[Any]:
    return ordered[(page - 1) * per_page : page * per_page]


def menu_count(db: Queryable) -> int:
    return int(db.execute("SELECT count(*) FROM menus WHERE status = 'published'").fetchone()[0])


def menus_page(db: Queryable, page: int = 1) -> dict[str, Any]:
    """One page of every published menu, newest first (drafts are never listed)."""
    ordered = [row[0] for row in db.execute(_MENU_ORDER).fetchall()]
    chosen = _slice(ordered, MENUS_PER_PAGE, page)
    cards = published_menus(db, ids=chosen, fields="card") if chosen else []
    return {"menus": cards, **_window(len(ordered), MENUS_PER_PAGE, page)}


def item_count(db: Queryable, media_type: str | None = None) -> int:
    if media_type is None:
        return int(db.execute(f"SELECT count(*) FROM media_items i WHERE {public_item()}").fetchone()[0])
    sql = f"SELECT count(*) FROM media_items i WHERE media_type = ? AND {public_item()}"
    return int(db.execute(sql, [media_type]).fetchone()[0])


def items_page(db: Queryable, media_type: str | None = None, page: int = 1) -> dict[str, Any]:
    """One page of every item (or one medium's), by title as tag pages list them."""
    if media_type is None:
        rows = db.execute(_ITEM_ORDER.format(where=f"WHERE {public_item()}")).fetchall()
    else:
        where = f"WHERE i.media_type = :t AND {public_item()}"
        rows = db.execute(_ITEM_ORDER.format(where=where), {"t": media_type}).fetchall()
    ordered = [row[0] for row in rows]
    chosen = _slice(ordered, ITEMS_PER_PAGE, page)
    cards = fetch_rows(db, ITEM_CARDS, {"ids": json.dumps(chosen)}) if chosen else []
    return {"items": cards, "media_type": media_type, **_window(len(ordered), ITEMS_PER_PAGE, page)}


def curator_total(db: Queryable) -> int:
    return int(db.execute("SELECT count(*) FROM users").fetchone()[0])


def curators_page(db: Queryable, page: int = 1) -> dict[str, Any]:
    """One page of every curator, by name, with how many menus each has published."""
    everyone = curators(db)
    return {
        "curators": _slice(everyone, CURATORS_PER_PAGE, page),
        **_window(len(everyone), CURATORS_PER_PAGE, page),
    }


def tag_total(db: Queryable) -> int:
    return len(tags(db))


def tags_page(db: Queryable, page: int = 1) -> dict[str, Any]:
    """One page of the public tags, by slug, each with its counts of items and menus."""
    every = tags(db)
    return {"tags": _slice(every, TAGS_PER_PAGE, page), **_window(len(every), TAGS_PER_PAGE, page)}
