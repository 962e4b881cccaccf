"""Read-only SQLite connections to a database file, by a URI that any folder name survives."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol


def readonly_uri(path: str | Path, *, immutable: bool = False) -> str:
    """The `file:` URI of `path`, opened read-only. The path is percent-encoded: a '#', '?'
    or '%' in a folder's name would otherwise end or escape the URI's path.

    `immutable` tells SQLite that nothing changes the file while the connection is open, so
    it takes no lock and checks for no journal before each statement. Only for a database
    no one writes while the connection lives (the build lock keeps other builds out)."""
    query = "mode=ro&immutable=1" if immutable else "mode=ro"
    return f"{Path(path).absolute().as_uri()}?{query}"


def connect_readonly(path: str | Path, *, immutable: bool = False, **kwargs: Any) -> sqlite3.Connection:
    """A read-only connection to the database file at `path` (see `readonly_uri`)."""
    return sqlite3.connect(readonly_uri(path, immutable=immutable), uri=True, **kwargs)


class Queryable(Protocol):
    """What pages and their key queries read a database through: a `sqlite_utils.Database`
    has it, and so has the renderer's lighter reader (site/record.py), which spares a
    command that only reads the import of sqlite_utils."""

    conn: sqlite3.Connection

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor: ...

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]: ...
