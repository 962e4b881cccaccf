"""What the Atom feeds and the sitemap list: published menus only, never a draft."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from generator.site import queries, urls


def feed(db: sqlite_utils.Database, *, owner: str | None = None) -> dict[str, Any]:
    """The newest published menus (all, or one curator's) for an Atom feed."""
    menus = queries.published_menus(db, owner=owner, limit=queries.FEED_SIZE)
    updated = max((m["updated_at"] or m["published_at"] or "" for m in menus), default="")
    return {"menus": menus, "updated": updated or None}


def sitemap_entries(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every public HTML page with the date it last changed (when content says so)."""
    entries: list[dict[str, Any]] = [{"url": "/", "lastmod": None}]
    for menu in queries.published_menus(db, brief=True):
        lastmod = (menu["updated_at"] or menu["published_at"] or "")[:10] or None
        entries.append({"url": urls.menu_url(menu["slug"]), "lastmod": lastmod})
        if has_story(db, menu["id"]):
            entries.append({"url": urls.story_url(menu["slug"]), "lastmod": lastmod})
        if has_lineage(db, menu["id"]):
            entries.append({"url": urls.lineage_url(menu["slug"]), "lastmod": None})
    for row in db.query("SELECT media_type, slug FROM media_items ORDER BY media_type, slug"):
        entries.append({"url": urls.item_url(row["media_type"], row["slug"]), "lastmod": None})
    for row in queries.curators(db):
        entries.append({"url": urls.curator_url(row["handle"]), "lastmod": None})
    for row in queries.tags(db):
        for page in range(1, queries.tag_pages(row["item_count"], row["menu_count"]) + 1):
            entries.append({"url": urls.tag_url(row["slug"], page), "lastmod": None})
    return entries


def has_story(db: sqlite_utils.Database, menu_id: str) -> bool:
    return bool(
        db.execute("SELECT 1 FROM menu_item_pairings WHERE menu_id = ? LIMIT 1", [menu_id]).fetchone()
    )


def has_lineage(db: sqlite_utils.Database, menu_id: str) -> bool:
    """A published menu has a lineage page when another published menu is in its family."""
    return bool(queries.published_parent(db, menu_id) or queries.published_forks(db, menu_id))
