"""Record what each page read: every query with its result digest, every template looked up.

These records are the page's dependencies. An incremental build re-runs a recorded query
only when the tables and columns it reads changed, and re-renders a page only when one of
its queries now answers differently or one of its templates changed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jinja2

from generator.site.reach import reads_changed, tables_with_rows_changed
from generator.site.sqlfunctions import with_functions
from generator.support.readonly import connect_readonly

__all__ = ["reads_changed", "tables_with_rows_changed"]  # where the engine looked for them

Read = tuple[str, str, bytes]
"""(sql, parameters as JSON, digest of the rows it returned)."""


def digest_rows(rows: list[Any]) -> bytes:
    return hashlib.blake2b(repr(rows).encode("utf-8", "surrogatepass"), digest_size=12).digest()


# json.dumps with options builds a new encoder per call; a page records several queries.
_SORTED_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode
_JSON = json.JSONEncoder(ensure_ascii=False).encode


def params_json(parameters: Any) -> str:
    if parameters is None or parameters == ():
        return "null"
    if isinstance(parameters, dict):
        return _SORTED_JSON(parameters)
    return _JSON(list(parameters))


def params_value(text: str) -> Any:
    value = json.loads(text)
    return () if value is None else value


KEYED_PARAMS: dict[str, frozenset[str]] = {}
"""Keyed queries (keyed.py): SQL -> the parameters it must be asked with, text values all.
The stale-page check finds a keyed query's pages by their parameters' JSON, so a page that
asked it otherwise could be missed: asking it so fails at once."""


def _check_keyed(sql: str, parameters: Any) -> None:
    names = KEYED_PARAMS.get(sql)
    if names is not None and not (
        isinstance(parameters, dict)
        and parameters.keys() == names
        and all(type(value) is str for value in parameters.values())
    ):
        raise ValueError(
            f"a keyed query asked with {parameters!r}, not text values for {sorted(names)}: {sql}"
        )


class PageContext:
    """What one page read while it rendered: every query with its answer's digest, and every
    template it looked up (found or not) or other thing it depends on ('clock:day').

    One per page. While it is entered (`with PageContext() as ctx:`), the recording
    connection and environment of this thread record into it; outside one they record
    nothing."""

    __slots__ = ("reads", "dependencies", "_outer")

    def __init__(self) -> None:
        self.reads: list[Read] = []
        self.dependencies: set[str] = set()
        self._outer: PageContext | None = None

    def record_dependency(self, name: str) -> None:
        """A template's name, or a dependency that is not a file (e.g. 'clock:day')."""
        self.dependencies.add(name)

    def __enter__(self) -> PageContext:
        self._outer, _current.context = _current.context, self
        return self

    def __exit__(self, *exc: object) -> None:
        _current.context, self._outer = self._outer, None


class _Current(threading.local):
    """The page context being recorded into, per thread (the dev server builds in its own)."""

    context: PageContext | None = None


_current = _Current()


def current_context() -> PageContext | None:
    """The page context being recorded into, if a page is rendering in this thread."""
    return _current.context


class ReplayCursor:
    """The rows of a query already fetched, behaving as the cursor callers expect."""

    def __init__(self, description: Any, rows: list[Any]) -> None:
        self.description = description
        self._rows = rows
        self._at = 0

    def __iter__(self) -> Iterator[Any]:
        while self._at < len(self._rows):
            self._at += 1
            yield self._rows[self._at - 1]

    def fetchone(self) -> Any:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchall(self) -> list[Any]:
        rest = self._rows[self._at :]
        self._at = len(self._rows)
        return rest

    def fetchmany(self, size: int = 1) -> list[Any]:
        rest = self._rows[self._at : self._at + size]
        self._at += len(rest)
        return rest

    def close(self) -> None:
        pass


class RecordingConnection(sqlite3.Connection):
    """A connection that records every row-returning query into the current page context."""

    # The database does not change while pages render from it, so a query asked again with
    # the same parameters (a tag's counts on each of its pages, the tag list on every menu
    # page) answers from here; it is still recorded as each page's read. A process that
    # renders build after build may hand over the answers of the last database that still
    # hold (render.KeptRenderer), with a larger bound, and a bound on the values of one
    # answer it keeps (the sitemap's lists every page: megabytes on a large site).
    _answers: dict[tuple[str, str], tuple[Any, list[Any], bytes]] | None = None
    _bound = 256
    _largest: int | None = None

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        context = _current.context
        if context is None:
            return super().execute(sql, parameters)
        key = (sql, params_json(parameters))
        answers = self._answers
        if answers is None:
            answers = self._answers = {}
        answer = answers.get(key)
        if answer is None:
            _check_keyed(sql, parameters)
            cursor = super().execute(sql, parameters)
            if cursor.description is None:
                return cursor
            rows = cursor.fetchall()
            answer = (cursor.description, rows, digest_rows(rows))
            if len(answers) >= self._bound:
                answers.clear()
            if self._largest is None or len(rows) * len(cursor.description) <= self._largest:
                answers[key] = answer
        context.reads.append((key[0], key[1], answer[2]))
        return ReplayCursor(answer[0], answer[1])


# A render connection maps this much of its database: its queries then read pages from
# memory, not by a system call each. Bounded, since mapped pages count in the process's RSS.
RENDER_MAP_BYTES = 64 * 1024 * 1024


def connect_recording(
    path: str, answers: dict[tuple[str, str], Any] | None = None, bound: int = 256, largest: int | None = None
) -> RecordingConnection:
    """A read-only connection to a built database, recording reads into page contexts.

    It keeps up to `bound` answers, in `answers` when given (those of the last database
    that still hold), none of more than `largest` values. The file is opened immutable and
    mapped: a renderer's database is complete before it opens and replaced, never written,
    after; pages ask tens of thousands of queries, each of which would otherwise take a
    lock, look for a journal and read its pages by system calls."""
    conn: RecordingConnection = connect_readonly(
        path, immutable=True, factory=RecordingConnection, check_same_thread=False
    )  # type: ignore[assignment]
    conn.execute(f"PRAGMA mmap_size = {RENDER_MAP_BYTES}")
    with_functions(conn)
    conn._answers, conn._bound, conn._largest = answers, bound, largest
    return conn


class ReadDatabase:
    """What pages read a built database through (a `Queryable`): the connection, its
    `execute`, and `query` for rows as dicts, without sqlite_utils.

    sqlite_utils' `query` wraps each statement in a savepoint (three statements for one) to
    roll back one that writes; a read-only connection cannot write, and pages query a lot.
    And importing sqlite_utils is a large part of a small command's start-up."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        return self.conn.execute(sql, *((parameters,) if parameters is not None else ()))

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]:
        cursor = self.execute(sql, params)
        if cursor.description is None:
            raise ValueError("query() can only be used with SQL that returns rows")
        keys = unique_keys([d[0] for d in cursor.description])
        return (dict(zip(keys, row, strict=True)) for row in cursor)


def unique_keys(names: list[str]) -> list[str]:
    """Column names made unique as sqlite_utils makes them for its rows: a repeated name
    takes the first of `_2`, `_3`, … that no column has and no earlier one took."""
    if len(set(names)) == len(names):
        return names
    taken, seen, keys = set(names), set(), []
    for name in names:
        key, suffix = name, 2
        if key in seen:  # a repeat: renamed to a name no column has
            while key in seen or key in taken:
                key, suffix = f"{name}_{suffix}", suffix + 1
        seen.add(key)
        keys.append(key)
    return keys


@contextmanager
def columns_seen(conn: sqlite3.Connection) -> Iterator[set[str]]:
    """The `table.column` names the statements prepared inside the block read ('table.'
    alone: which rows exist), from SQLite's authorizer, so views, joins and subqueries all
    count exactly as SQLite resolves them. The authorizer runs when a statement is prepared:
    a statement the connection has cached from before the block is not seen."""
    seen: set[str] = set()

    def authorize(action: int, arg1: str | None, arg2: str | None, *_: Any) -> int:
        if action == sqlite3.SQLITE_READ and arg1:
            seen.add(f"{arg1}.{arg2 or ''}")
        return sqlite3.SQLITE_OK

    conn.set_authorizer(authorize)
    try:
        yield seen
    finally:
        conn.set_authorizer(None)


def columns_read(conn: sqlite3.Connection, sql: str) -> list[str]:
    """The `table.column` names a query reads ('table.' alone: it reads which rows exist)."""
    with columns_seen(conn) as seen:
        conn.execute("EXPLAIN " + sql, _dummy_params(sql)).fetchall()
    return sorted(seen)


def _dummy_params(sql: str) -> Any:
    """Parameters that let EXPLAIN prepare the statement; their values do not matter."""
    import re

    names = re.findall(r"[:@$]([A-Za-z_][A-Za-z0-9_]*)", sql)
    if names:
        return {name: None for name in names}
    return [None] * sql.count("?")


class RecordingEnvironment(jinja2.Environment):
    """A Jinja environment recording every template name looked up, found or not, into the
    current page context, so a page depends on the templates it extends and includes and
    on the overrides it looked for."""

    def _load_template(self, name: Any, globals: Any) -> jinja2.Template:  # noqa: A002
        context = _current.context
        if context is not None and isinstance(name, str):
            context.dependencies.add(name)
        if globals or self.auto_reload:
            return super()._load_template(name, globals)
        # Without reloading a template never changes: a dict is quicker than Jinja's LRU
        # cache, and an include in a loop looks its template up once per iteration.
        loaded = self.__dict__.setdefault("_loaded", {})
        template = loaded.get(name)
        if template is None:
            template = loaded[name] = super()._load_template(name, globals)
        return template
