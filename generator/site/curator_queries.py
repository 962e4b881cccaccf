"""Curators: the list of them all and each curator's page."""

from __future__ import annotations

import json
from typing import Any

from generator.site.queries import fetch_rows, item_summary_sql, published_menus, published_parent
from generator.site.year_review import curator_years
from generator.support.readonly import Queryable


def curators(db: Queryable) -> list[dict[str, Any]]:
    """Every curator with how many menus they have published."""
    return fetch_rows(
        db,
        """
        SELECT u.handle, u.display_name, u.bio,
               (SELECT count(*) FROM menus m WHERE m.owner_id = u.id
                AND m.status = 'published') AS menu_count
        FROM users u ORDER BY u.display_name, u.handle""",
    )


def curator_detail(db: Queryable, handle: str) -> dict[str, Any] | None:
    """A curator's public face: menus, forks, taste profile, recent public timeline."""
    rows = fetch_rows(
        db, "SELECT id, handle, display_name, bio, url FROM users WHERE handle = :h", {"h": handle}
    )
    if not rows:
        return None
    user = rows[0]
    user["menus"] = published_menus(db, owner=handle, fields="card")
    user["forks"] = []
    for menu in user["menus"]:
        parent = published_parent(db, menu["id"])
        if parent is not None:
            user["forks"].append({"menu": menu, "parent": parent})
    # Only the profile: when it was computed changes with every build's clock, and a page
    # that read it would re-render after any edit anywhere.
    profile = next(
        iter(
            fetch_rows(db, "SELECT profile FROM user_taste_profiles WHERE user_id = :id", {"id": user["id"]})
        ),
        None,
    )
    user["profile"] = profile["profile"] if profile and isinstance(profile["profile"], dict) else {}
    favourites = [r for r in user["profile"].get("favorites", []) if isinstance(r, str)]
    user["favorites"] = fetch_rows(
        db,
        item_summary_sql(
            "WHERE i.media_type || '/' || i.slug IN (SELECT value FROM json_each(:refs)) ORDER BY i.title"
        ),
        {"refs": json.dumps(favourites)},
    )
    user["years"] = curator_years(db, user["id"])
    user["timeline"] = fetch_rows(
        db,
        """
        SELECT l.kind, l.logged_at, l.minutes, l.progress_percent, l.goal_target, l.notes,
               i.media_type, i.slug, i.title
        FROM user_item_logs l JOIN media_items i ON i.id = l.media_item_id
        WHERE l.user_id = :id AND l.is_private = 0
        ORDER BY l.logged_at DESC, l.id LIMIT 12""",
        {"id": user["id"]},
    )
    return user
