"""Keyed queries: each page asks one with its own key, and an edit finds the keys it reached.

After an edit, the stale-page check asks again each recorded query that read a changed
column. A query that every item page asks with its own id is 10,000 questions to find the
one page whose answer changed. A keyed query is a plain join (no subquery, grouping or
LIMIT) that names each table it reads with an alias, so it can also be asked for the keys
of its rows that involve a changed row. A key's answer can change only if such a row is in
it before or after the edit: a row made of unchanged rows is in both databases, in the same
place. The check asks that of the old and the new database and re-asks only those keys.

A listed query is asked with a JSON list of ids and answers with each listed id's rows
(a tag page's menu cards), or with one id and answers with its rows (a curator's menus).
It may count and look up in subqueries, so it names, for each table it reads, the SQL that
finds the ids whose rows a changed row of that table can reach. An edit re-asks only the
pages whose lists hold a reached id.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from generator.site.record import KEYED_PARAMS


@dataclass(frozen=True)
class Keyed:
    """One keyed query: `sql` as pages ask it; `template` to ask it otherwise."""

    sql: str
    template: str  # with {key} at the start of the select list and {match} in the WHERE
    params: tuple[str, ...]  # the named parameters that make the key
    expressions: tuple[str, ...]  # in each row, the value each parameter matches
    rows: dict[str, str] = field(hash=False)  # alias -> table, for every table it reads

    def touching(self, alias: str, primary_key: list[str]) -> str:
        """The query for the keys of rows that involve a row of `alias` whose primary key
        is in the JSON list `:touched` (a composite key as a JSON array)."""
        test = keys_in([f"{alias}.{c}" for c in primary_key], "touched")
        keys = "".join(f"{e} AS key_{p}, " for p, e in zip(self.params, self.expressions, strict=True))
        return self.template.format(key=keys, match=test)


def keys_in(columns: list[str], param: str) -> str:
    """An SQL test: the row's key, made of the expressions `columns`, is in the JSON list
    `:param` (a composite key as a JSON array, as ChangeTracker notes it)."""
    if len(columns) == 1:
        return f"{columns[0]} IN (SELECT value FROM json_each(:{param}))"
    # A row value, so that SQLite looks the rows up by the key's index.
    parts = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
    return f"({', '.join(columns)}) IN (SELECT {parts} FROM json_each(:{param}))"


KEYED: dict[str, Keyed] = {}
"""Per-key SQL text (as recorded with each page's reads) -> its keyed query."""


def keyed(template: str, match: str, *, rows: dict[str, str], **keys: str) -> str:
    """Register a keyed query and return its per-key SQL.

    `template` holds `{key}` at the start of its select list and `{match}` in its WHERE
    clause; per key, `{key}` is empty and `{match}` is `match`, which filters on the named
    parameters. `keys` gives, for each parameter, the expression equal to it in each row;
    `rows` names every table the query reads by its alias (tests check both)."""
    sql = template.format(key="", match=match)
    KEYED[sql] = Keyed(sql, template, tuple(keys), tuple(keys.values()), dict(rows))
    KEYED_PARAMS[sql] = frozenset(keys)
    return sql


@dataclass
class RowChanges:
    """The rows an edit changed: table -> primary key -> the columns whose values changed
    (None: the row appeared or disappeared), with each table's primary key columns."""

    rows: dict[str, dict[object, frozenset[str] | None]]
    primary_keys: dict[str, list[str]]


def _touched(changes: RowChanges, table: str, reads: set[str] | None) -> list[object]:
    """The primary keys of `table`'s changed rows that a query reading `reads` (None: any
    column) sees differently: rows that came or went, or changed in a column it reads."""
    return [
        pk
        for pk, columns in changes.rows.get(table, {}).items()
        if columns is None or reads is None or any(f"{table}.{column}" in reads for column in columns)
    ]


def affected_keys(
    conn: sqlite3.Connection, query: Keyed, changes: RowChanges, reads: set[str] | None = None
) -> set[tuple[str, ...]] | None:
    """The keys of `query`'s rows in `conn` that involve a changed row; None when a key is
    not text (SQLite could match it to a text key that differs from it in Python). With
    `reads` (the `table.column`s the query reads), a row whose changed columns it does not
    read does not count: the query sees it the same before and after."""
    width = len(query.params)
    found: set[tuple[str, ...]] = set()
    for alias, table in query.rows.items():
        touched = _touched(changes, table, reads)
        if not touched:
            continue
        sql = query.touching(alias, changes.primary_keys[table])
        for row in conn.execute(sql, {"touched": json.dumps(touched)}):
            key = row[:width]
            if not all(type(part) is str for part in key):
                return None
            found.add(key)
    return found


@dataclass(frozen=True)
class Listed:
    """One listed query: `sql` answers with the rows of each id in its JSON list parameter
    `param`, each row a function of rows that `reach` finds: table -> SQL for the ids
    reached by that table's rows whose primary key is in the JSON list `:touched`."""

    sql: str
    param: str
    reach: dict[str, str] = field(hash=False)
    one: bool = False  # `param` is one id, not a JSON list of ids


LISTED: dict[str, Listed] = {}
"""SQL text (as recorded with each page's reads) -> its listed query."""


def listed(sql: str, param: str, *, reach: dict[str, str], one: bool = False) -> str:
    """Register a listed query and return its SQL (tests check that `reach` names every
    table it reads, and that an edit changes no id's rows it did not reach). With `one`,
    pages ask it with a single id in `param`."""
    LISTED[sql] = Listed(sql, param, dict(reach), one)
    return sql


def reached_ids(
    conn: sqlite3.Connection, query: Listed, changes: RowChanges, reads: set[str] | None = None
) -> set[object]:
    """The ids whose rows in `conn` involve a changed row (one whose changed columns the
    query reads, when `reads` is given)."""
    found: set[object] = set()
    for table, sql in query.reach.items():
        touched = _touched(changes, table, reads)
        if touched:
            found.update(row[0] for row in conn.execute(sql, {"touched": json.dumps(touched)}))
    return found
