"""SQL functions that page queries call: registered on every connection that prepares them.

A page's recorded query is asked again by the stale-page check and prepared by the
records' column check (engine/pages.py), so those connections need them as well as the
renderer's."""

from __future__ import annotations

import sqlite3


def with_functions(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Add the functions to `conn`; returns it."""
    conn.create_function("summary", 2, _summary, deterministic=True)
    return conn


def _summary(text: str | None, limit: int) -> str | None:
    """The `summary` template filter's cut of a Markdown text; NULL for no text at all, so
    that a template tells an empty introduction from one with nothing to show."""
    if not text:
        return None
    from generator.site.filters import summary  # Markdown: imported once a page asks

    return summary(text, limit)
