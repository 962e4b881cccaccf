"""Taste profiles: each curator's preferences summarised from states, logs, tags and menus."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from generator.content.itemfields import creator_columns
from generator.db.ids import stable_id
from generator.db.store import dumps, iso

if TYPE_CHECKING:
    import sqlite_utils

TOP = 8


def _top(counter: Counter[str]) -> list[dict[str, object]]:
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    return [{"name": name, "count": count} for name, count in ranked]


def _creators(db: sqlite_utils.Database, among: str, user_id: str) -> Counter[str]:
    """Every name in the creator fields (authors, directors, …) of the items `among` selects."""
    creators: Counter[str] = Counter()
    for table, column in creator_columns():
        for row in db.query(
            f"SELECT {column} AS names FROM {table} WHERE media_item_id IN ({among})", {"u": user_id}
        ):
            creators.update(json.loads(row["names"]))
    return creators


def compute_taste_profiles(db: sqlite_utils.Database, build_time: datetime) -> None:
    """Replace every row of user_taste_profiles with a fresh profile per curator."""
    rows = []
    for user in db.query("SELECT id, handle FROM users ORDER BY handle"):
        rows.append(
            {
                "id": stable_id("taste", user["handle"]),
                "user_id": user["id"],
                "profile": dumps(profile_for(db, user["id"])),
                "computed_at": iso(build_time),
            }
        )
    with db.conn:
        db.execute("DELETE FROM user_taste_profiles")
        if rows:
            db.table("user_taste_profiles").insert_all(rows)


def profile_for(db: sqlite_utils.Database, user_id: str) -> dict[str, object]:
    """What one curator gravitates to. Items they logged, rated or served on menus all count;
    ratings weigh in through the rating distribution and the favourites list."""
    engaged = """
        SELECT media_item_id FROM user_item_states WHERE user_id = :u AND is_private = 0
        UNION SELECT media_item_id FROM user_item_logs WHERE user_id = :u AND is_private = 0
        UNION SELECT ci.media_item_id FROM course_items ci
              JOIN courses c ON c.id = ci.course_id JOIN menus m ON m.id = c.menu_id
              WHERE m.owner_id = :u AND m.status = 'published'
    """
    items = list(
        db.query(
            f"SELECT id, media_type, release_date, metadata FROM media_items WHERE id IN ({engaged})",
            {"u": user_id},
        )
    )
    types: Counter[str] = Counter(i["media_type"] for i in items)
    genres: Counter[str] = Counter()
    decades: Counter[str] = Counter()
    for item in items:
        for genre in json.loads(item["metadata"]).get("genres", []) or []:
            genres[str(genre)] += 1
        if item["release_date"] and item["release_date"][:4].isdigit():
            decades[f"{item['release_date'][:3]}0s"] += 1
    tags: Counter[str] = Counter(
        row["name"]
        for row in db.query(
            f"""SELECT t.name FROM media_item_tags mt JOIN tags t ON t.id = mt.tag_id
                WHERE mt.media_item_id IN ({engaged})""",
            {"u": user_id},
        )
    )
    creators = _creators(db, engaged, user_id)
    ratings = [0] * 11
    for row in db.query(
        "SELECT rating, count(*) AS n FROM user_item_states WHERE user_id = :u AND is_private = 0 "
        "AND rating IS NOT NULL GROUP BY rating",
        {"u": user_id},
    ):
        ratings[row["rating"]] = row["n"]
    rated = sum(ratings)
    favourites = [
        row["ref"]
        for row in db.query(
            """SELECT i.media_type || '/' || i.slug AS ref FROM user_item_states s
               JOIN media_items i ON i.id = s.media_item_id
               WHERE s.user_id = :u AND s.favorite = 1 AND s.is_private = 0 ORDER BY i.title""",
            {"u": user_id},
        )
    ]
    loved = _loved(db, user_id)
    statuses = {
        row["status"]: row["n"]
        for row in db.query(
            "SELECT status, count(*) AS n FROM user_item_states WHERE user_id = :u AND is_private = 0 "
            "GROUP BY status ORDER BY status",
            {"u": user_id},
        )
    }
    return {
        "items": len(items),
        "statuses": statuses,
        "loved": loved,
        "types": _top(types),
        "genres": _top(genres),
        "decades": sorted(
            ({"name": k, "count": v} for k, v in decades.items()), key=lambda d: str(d["name"])
        ),
        "creators": _top(creators),
        "tags": _top(tags),
        "ratings": ratings,
        "rated": rated,
        "average_rating": round(sum(r * n for r, n in enumerate(ratings)) / rated, 2) if rated else None,
        "favorites": favourites,
    }


LOVED = """
    SELECT media_item_id FROM user_item_states
    WHERE user_id = :u AND is_private = 0 AND (rating >= 8 OR favorite = 1)
"""


def _loved(db: sqlite_utils.Database, user_id: str) -> dict[str, object]:
    """What the curator rated 8 or more, or marked favourite: the genres, creators and tags that
    weigh most in their taste, as opposed to everything they merely logged."""
    genres: Counter[str] = Counter()
    for row in db.query(f"SELECT metadata FROM media_items WHERE id IN ({LOVED})", {"u": user_id}):
        for genre in json.loads(row["metadata"]).get("genres", []) or []:
            genres[str(genre)] += 1
    creators = _creators(db, LOVED, user_id)
    tags: Counter[str] = Counter(
        row["name"]
        for row in db.query(
            f"""SELECT t.name FROM media_item_tags mt JOIN tags t ON t.id = mt.tag_id
                WHERE mt.media_item_id IN ({LOVED})""",
            {"u": user_id},
        )
    )
    count = next(iter(db.query(f"SELECT count(*) AS n FROM ({LOVED})", {"u": user_id})))["n"]
    return {"items": count, "genres": _top(genres), "creators": _top(creators), "tags": _top(tags)}
