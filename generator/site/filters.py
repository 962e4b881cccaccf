"""Template filters on text and dates: summaries, initials, long dates, days between."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from functools import lru_cache

from generator.site.markup import render_markdown

_BLOCK_TAG = re.compile(r"</?(?:p|li|ul|ol|h[1-6]|blockquote|pre|br|hr|tr|td|th|dd|dt)\b[^>]*>")


@lru_cache(maxsize=8192)
def summary(text: str | None, limit: int = 200) -> str:
    """Plain text of a Markdown text, cut at a word boundary: for descriptions and feeds.
    Cached: a page shows its description twice (description and og:description)."""
    # Block boundaries become spaces; inline tags vanish, so "*Title*," stays "Title,".
    spaced = _BLOCK_TAG.sub(" ", render_markdown(text or ""))
    plain = html.unescape(re.sub(r"<[^>]+>", "", spaced))
    plain = " ".join(plain.split())
    if len(plain) <= limit:
        return plain
    return plain[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


@lru_cache(maxsize=16384)
def initials(title: str) -> str:
    """Up to two letters for a typographic cover: 'The Crying of Lot 49' -> 'CL'."""
    words = [
        w
        for w in re.findall(r"[^\W_]+", title)
        if w.lower() not in {"the", "a", "an", "of", "and", "in", "for", "on", "le", "la"}
    ]
    words = words or re.findall(r"[^\W_]+", title) or [title or "?"]
    return "".join(w[0] for w in words[:2]).upper()


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(stamp: str | None) -> str:
    """'2026-10-02…' as '2 October 2026'; a year or year-month stays as precise as it is."""
    if not stamp:
        return ""
    parts = stamp[:10].split("-")
    try:
        if len(parts) == 3:
            return f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 2:
            return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        pass
    return parts[0]


def days_between(stamp: str | None, now: datetime) -> int | None:
    """Whole days from an ISO date/time to the build clock (never the wall clock)."""
    if not stamp:
        return None
    try:
        then = datetime.strptime(stamp[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return max((now - then).days, 0)
