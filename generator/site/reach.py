"""Which recorded reads a change reaches: 'table.column' names matched against what a query read.

Kept apart from record.py, which needs Jinja and sqlite_utils: a build that finds nothing
changed asks this much and no more, and should not pay for importing either."""

from __future__ import annotations

from collections.abc import Iterable


def tables_with_rows_changed(changed: set[str]) -> set[str]:
    return {c.split(".", 1)[0] for c in changed if c.endswith(".")}


def reads_changed(columns: Iterable[str], changed: set[str], tables: set[str] | None = None) -> bool:
    """Whether something that read `columns` may see `changed`: a 'table.column' it read
    changed, or rows of a table it read were added or removed ('table.', which every reader
    of the table sees). `tables` is `tables_with_rows_changed(changed)`, when already made."""
    if tables is None:
        tables = tables_with_rows_changed(changed)
    return any(c in changed or c.split(".", 1)[0] in tables for c in columns)
