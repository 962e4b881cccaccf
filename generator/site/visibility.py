"""Which items the public site shows: those something public refers to.

An item is public when a published menu serves it, or a public state or public log entry
names it. Any other item (imported privately, or only on a draft menu) has no page, API
document, search entry or sitemap line, is in no list or count, and is left out of the
open-data copy; it stays in the build's own database for what its owner may do with it."""

from __future__ import annotations

import json
from typing import Any

from generator.support.readonly import Queryable


def public_item(alias: str = "i") -> str:
    """An SQL condition: the media_items row `alias` is public."""
    return f"""(EXISTS (SELECT 1 FROM course_items pci JOIN courses pc ON pc.id = pci.course_id
                        JOIN menus pm ON pm.id = pc.menu_id
                        WHERE pci.media_item_id = {alias}.id AND pm.status = 'published')
         OR EXISTS (SELECT 1 FROM user_item_states ps
                    WHERE ps.media_item_id = {alias}.id AND ps.is_private = 0)
         OR EXISTS (SELECT 1 FROM user_item_logs pl
                    WHERE pl.media_item_id = {alias}.id AND pl.is_private = 0))"""


PUBLIC_ITEMS = f"SELECT i.id FROM media_items i WHERE {public_item('i')}"
"""The ids of every public item."""


def mark_item_pages(db: Queryable, menu: dict[str, Any]) -> None:
    """Mark each course item of a menu `has_page`: a draft may serve items nothing public
    names yet, and its share page does not link to pages that do not exist."""
    entries = [entry for course in menu["courses"] for entry in course["items"]]
    ids = json.dumps(sorted({entry["id"] for entry in entries}))
    sql = f"SELECT i.id FROM media_items i WHERE i.id IN (SELECT value FROM json_each(?)) AND {public_item()}"
    public = {row[0] for row in db.execute(sql, [ids]).fetchall()}
    for entry in entries:
        entry["has_page"] = entry["id"] in public
