"""A curator's year in review: what their public log says about one calendar year.

Every figure comes from public log entries alone. A private entry is never read, so
adding one changes no byte of the page; the items' ratings and favourite marks are the
curator's public states of the items those public entries name."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from generator.content.model import MEDIA_TYPES
from generator.site import charts
from generator.site.queries import ITEM_CARDS, fetch_rows
from generator.support.readonly import Queryable

TOP = 5  # best-rated items shown

# Which pages exist: one per curator and year with a public entry.
YEAR_KEYS = """
    SELECT DISTINCT u.handle, substr(l.logged_at, 1, 4) FROM user_item_logs l
    JOIN users u ON u.id = l.user_id WHERE l.is_private = 0 ORDER BY 1, 2"""

YEARS_OF = """
    SELECT DISTINCT substr(logged_at, 1, 4) AS year FROM user_item_logs
    WHERE user_id = :u AND is_private = 0 ORDER BY 1"""

# Entries of the same day keep one order: their ids are stable across builds.
ENTRIES = """
    SELECT l.kind, l.logged_at, l.minutes, l.progress_percent, l.notes,
           i.id AS item_id, i.media_type, i.slug, i.title, s.rating, s.favorite
    FROM user_item_logs l JOIN media_items i ON i.id = l.media_item_id
    LEFT JOIN user_item_states s ON s.user_id = l.user_id AND s.media_item_id = l.media_item_id
              AND s.is_private = 0
    WHERE l.user_id = :u AND l.is_private = 0 AND l.logged_at >= :start AND l.logged_at < :end
    ORDER BY l.logged_at, l.id"""

MENUS = """
    SELECT slug, title, published_at FROM menus
    WHERE owner_id = :u AND status = 'published' AND published_at >= :start AND published_at < :end
    ORDER BY published_at, slug"""


def year_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    """(handle, year) of every curator's year with at least one public log entry."""
    return db.execute(YEAR_KEYS).fetchall()


def curator_years(db: Queryable, user_id: str) -> list[str]:
    """The years of a curator's public log, oldest first."""
    return [row["year"] for row in fetch_rows(db, YEARS_OF, {"u": user_id})]


def longest_streak(days: Iterable[str]) -> dict[str, Any] | None:
    """The longest run of consecutive calendar days in `days` (ISO dates), the earliest of
    equal runs: {days, start, end}; None without days."""
    ordered = sorted({dt.date.fromisoformat(day) for day in days})
    if not ordered:
        return None
    best = (1, ordered[0], ordered[0])
    start = ordered[0]
    for before, day in zip(ordered, ordered[1:], strict=False):
        if (day - before).days != 1:
            start = day
        length = (day - start).days + 1
        if length > best[0]:
            best = (length, start, day)
    return {"days": best[0], "start": best[1].isoformat(), "end": best[2].isoformat()}


def summarise(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The year's figures from its public entries, oldest first."""
    finished = {media_type: 0 for media_type in MEDIA_TYPES}
    months = [0] * 12
    for entry in entries:
        months[int(entry["logged_at"][5:7]) - 1] += 1
        if entry["kind"] == "finished":
            finished[entry["media_type"]] += 1
    return {
        "entries": len(entries),
        "finished": finished,
        "finished_total": sum(finished.values()),
        "minutes": sum(entry["minutes"] or 0 for entry in entries),
        "months": months,
        "active_days": len({entry["logged_at"][:10] for entry in entries}),
        "streak": longest_streak(entry["logged_at"][:10] for entry in entries),
        "first": entries[0] if entries else None,
        "last": entries[-1] if entries else None,
    }


def _picks(db: Queryable, entries: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """The best-rated items of the year's entries (highest rating first, at most TOP), and
    its favourites, by title: item cards."""
    rated: dict[str, int] = {}
    favourites: set[str] = set()
    for entry in entries:
        if entry["rating"] is not None:
            rated[entry["item_id"]] = entry["rating"]
        if entry["favorite"]:
            favourites.add(entry["item_id"])
    wanted = sorted(rated.keys() | favourites)
    if not wanted:
        return [], []
    cards = fetch_rows(db, ITEM_CARDS, {"ids": json.dumps(wanted)})
    for card in cards:
        card["rating"] = rated.get(card["id"])
    # The cards come by title (then type and slug): a stable sort keeps that among equals.
    best = sorted((c for c in cards if c["rating"] is not None), key=lambda c: -c["rating"])[:TOP]
    return best, [c for c in cards if c["id"] in favourites]


def year_review(db: Queryable, handle: str, year: str) -> dict[str, Any]:
    """Everything the year-in-review page of `handle` for `year` shows."""
    user = fetch_rows(db, "SELECT id, handle, display_name FROM users WHERE handle = :h", {"h": handle})[0]
    span = {"u": user["id"], "start": f"{year}-01-01", "end": f"{int(year) + 1:04d}-01-01"}
    entries = fetch_rows(db, ENTRIES, span)
    review = summarise(entries)
    review["best"], review["favourites"] = _picks(db, entries)
    review["menus"] = fetch_rows(db, MENUS, span)
    review["chart"] = charts.month_chart(review["months"])
    years = curator_years(db, user["id"])
    at = years.index(year)
    review["previous"] = years[at - 1] if at > 0 else None
    review["next"] = years[at + 1] if at + 1 < len(years) else None
    return {"curator": user, "year": year, "review": review}
