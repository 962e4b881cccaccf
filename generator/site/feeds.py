"""What the Atom feeds list (published menus only, never a draft), and which menus have a
story or a lineage page."""

from __future__ import annotations

from typing import Any

from generator.site import queries
from generator.support.readonly import Queryable


def feed(db: Queryable, *, owner: str | None = None) -> dict[str, Any]:
    """The newest published menus (all, or one curator's) for an Atom feed."""
    menus = queries.published_menus(db, owner=owner, limit=queries.FEED_SIZE)
    updated = max((m["updated_at"] or m["published_at"] or "" for m in menus), default="")
    return {"menus": menus, "updated": updated or None}


def has_story(db: Queryable, menu_id: str) -> bool:
    return bool(
        db.execute("SELECT 1 FROM menu_item_pairings WHERE menu_id = ? LIMIT 1", [menu_id]).fetchone()
    )


def has_lineage(db: Queryable, menu_id: str) -> bool:
    """A published menu has a lineage page when another published menu is in its family."""
    return bool(queries.published_parent(db, menu_id) or queries.published_forks(db, menu_id))
