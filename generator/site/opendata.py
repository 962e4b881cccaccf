"""Open data: a public copy of the built database at /data/omakase.sqlite, privates removed.

The copy has every table of the schema, without the private columns (users.email,
users.password_hash, user_item_states.private_notes), private states and log entries, share
tokens, items nothing public refers to, and draft menus with everything that hangs off them
(courses, course items, pairings, lineage; a fork of a draft is counted from its nearest
published ancestor).
It is ready for Datasette or sqlite-utils, and the same content gives the same bytes."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from generator.derive import languages
from generator.errors import BuildError
from generator.publish.staging import clean_stale_files
from generator.site.openwork import OpenWork, key_order, refresh
from generator.site.visibility import public_item
from generator.support.readonly import readonly_uri

SITE_PATH = "data/omakase.sqlite"
TMP_PREFIX = ".omakase-opendata-"

PRIVATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("email", "password_hash"),
    "user_item_states": ("private_notes",),
}

# Order matters: children first, so nothing depends on foreign-key cascades being enabled.
_DRAFT_MENUS = "SELECT id FROM menus WHERE status != 'published'"
REMOVALS: tuple[str, ...] = (
    "DELETE FROM user_item_logs WHERE is_private != 0",
    "DELETE FROM user_item_states WHERE is_private != 0",
    "DELETE FROM menu_share_tokens",  # share links exist only to show drafts
    f"DELETE FROM menu_cards WHERE menu_id IN ({_DRAFT_MENUS})",
    f"DELETE FROM menu_lineage WHERE menu_id IN ({_DRAFT_MENUS}) OR parent_menu_id IN ({_DRAFT_MENUS})",
    f"DELETE FROM menu_item_pairings WHERE menu_id IN ({_DRAFT_MENUS})",
    f"DELETE FROM course_items WHERE course_id IN (SELECT id FROM courses WHERE menu_id IN ({_DRAFT_MENUS}))",
    f"DELETE FROM courses WHERE menu_id IN ({_DRAFT_MENUS})",
    f"DELETE FROM menus WHERE id IN ({_DRAFT_MENUS})",  # cascades to derived tables
    # Items nothing public refers to (cascades to their typed fields, sources and tags), then
    # tags that only they carried.
    f"DELETE FROM media_items AS i WHERE NOT {public_item('i')}",
    """DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM media_item_tags)
       AND name NOT IN (SELECT j.value FROM menus m, json_each(m.tags) j)""",
    # Language names only of the codes public items list.
    f"DELETE FROM language_names WHERE code NOT IN ({languages.CODES})",
    # A fork of a draft keeps its row to the published ancestor beyond the draft, whose depth
    # counted the draft: depths are counted again over the published menus alone, and the
    # row that becomes a fork's first step gets the fork's date, as a direct parent's has.
    "CREATE TEMP TABLE omakase_depths AS SELECT id, menu_id, row_number() OVER "
    "(PARTITION BY menu_id ORDER BY depth) AS depth FROM menu_lineage",
    "UPDATE menu_lineage SET depth = d.depth, forked_at = CASE WHEN d.depth = 1 THEN "
    "(SELECT m.published_at FROM menus m WHERE m.id = d.menu_id) END "
    "FROM temp.omakase_depths d WHERE d.id = menu_lineage.id AND d.depth != menu_lineage.depth",
    "DROP TABLE temp.omakase_depths",
)


def write_public_copy(conn: sqlite3.Connection, out_dir: Path, work: OpenWork | None = None) -> list[str]:
    """Write the public copy of the database behind `conn` to `out_dir`/data/omakase.sqlite,
    from the work files `work` brings up to date (without: throwaway ones).

    Returns [that path] when its bytes changed, [] when the copy there is already the same."""
    target = out_dir / SITE_PATH
    if work is None:
        with tempfile.TemporaryDirectory(prefix=TMP_PREFIX, dir=out_dir.parent) as folder:
            return write_public_copy(conn, out_dir, OpenWork(Path(folder)))
    if work.changes is not None and not work.changes.rows and target.is_file() and work.token:
        work.made = work.token  # no row changed: nor did the copy, made from the same rows
        return []
    source = conn.execute("PRAGMA database_list").fetchone()[2]
    public = refresh(work, source, copy_in_key_order, strip_private)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Built beside the site folder, not in it, and moved in only when it differs; a copy left
    # by a killed build is removed first.
    clean_stale_files(out_dir.parent, TMP_PREFIX, ".sqlite")
    tmp = out_dir.parent / f"{TMP_PREFIX}{os.getpid()}.sqlite"
    tmp.unlink(missing_ok=True)
    try:
        # Not opened read-only: SQLite then copies the file slower, and into other bytes.
        compact = sqlite3.connect(public, isolation_level=None)
        try:
            # Writes every page afresh: nothing deleted survives in free pages or slack
            # space, and the bytes depend on the rows alone, not on how the file got them.
            compact.execute("PRAGMA secure_delete = ON")
            compact.execute("PRAGMA synchronous = OFF")  # applies to the copy: a work file until moved in
            compact.execute("VACUUM INTO ?", [str(tmp)])
        finally:
            compact.close()
        if _same_bytes(tmp, target):
            return []
        # Not renamed over the old copy: ext4 would then write the new one out at once
        # (auto_da_alloc). The site folder is a tree no reader sees until it is swapped in.
        target.unlink(missing_ok=True)
        os.rename(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return [SITE_PATH]


def _same_bytes(a: Path, b: Path) -> bool:
    """Whether the files hold the same bytes (False when `b` is missing), read in large blocks."""
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        with a.open("rb") as fa, b.open("rb") as fb:
            while block := fa.read(1 << 20):
                if block != fb.read(1 << 20):
                    return False
    except FileNotFoundError:
        return False
    return True


def copy_in_key_order(public: sqlite3.Connection, source: str) -> None:
    """Copy every table of `source` into the empty `public`, rows in primary-key order, so
    the file depends only on the content, not on the order an incremental build wrote rows."""
    public.execute("ATTACH DATABASE ? AS src", [readonly_uri(source)])
    public.execute("BEGIN")
    schema = public.execute(
        "SELECT type, name, sql FROM src.sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table' DESC, rowid"
    ).fetchall()
    for kind, name, sql in schema:
        if kind != "table":
            continue
        public.execute(sql)
        order = key_order(public, "src", name)
        public.execute(f'INSERT INTO main."{name}" SELECT * FROM src."{name}" ORDER BY {order}')
    for kind, _name, sql in schema:
        if kind != "table":
            public.execute(sql)
    version = public.execute("PRAGMA src.user_version").fetchone()[0]
    public.execute(f"PRAGMA main.user_version = {int(version)}")
    public.execute("COMMIT")
    public.execute("DETACH DATABASE src")


def strip_private(conn: sqlite3.Connection) -> None:
    """Delete private rows and drop private columns, in one transaction."""
    conn.execute("PRAGMA secure_delete = ON")
    # Tables added later (derived ones such as fork diffs) that hang off a menu go with its
    # draft too, through their ON DELETE CASCADE.
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN")
    helpers = _index_foreign_keys(conn)
    for statement in REMOVALS:
        conn.execute(statement)
    for name in helpers:
        conn.execute(f'DROP INDEX "{name}"')
    left = conn.execute("PRAGMA foreign_key_check").fetchall()
    if left:
        raise BuildError(f"open data: rows still point at removed draft menus: {left[:3]}")
    for table, columns in PRIVATE_COLUMNS.items():
        for column in columns:
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.execute("COMMIT")


def _index_foreign_keys(conn: sqlite3.Connection) -> list[str]:
    """Index every referencing column that has no index of its own, for the deletes only.

    Deleting a parent row makes SQLite look for rows that point at it; without an index that
    is a scan of the child table per deleted row, quadratic on a large site.
    The indexes are dropped again before the file is compacted, so the copy does not change."""
    made = []
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    for table in tables:
        indexed = set()
        for index in conn.execute(f'PRAGMA index_list("{table}")').fetchall():
            first = conn.execute(f'PRAGMA index_info("{index[1]}")').fetchone()
            if first is not None:
                indexed.add(first[2])
        columns = sorted({fk[3] for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")')})
        for column in columns:
            if column in indexed:
                continue
            name = f"omakase_fk_{table}_{column}"
            conn.execute(f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
            made.append(name)
    return made
