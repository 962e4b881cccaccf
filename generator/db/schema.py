"""The database schema as SQL: tables, foreign keys, unique constraints, checks (docs/architecture.md)."""

from __future__ import annotations

import os
import sqlite3
from typing import TYPE_CHECKING

from generator.content.itemfields import ENUM, INT, ItemField, extension_table, fields_of
from generator.content.model import MEDIA_TYPES

if TYPE_CHECKING:
    import sqlite_utils

# Timestamps are ISO-8601 UTC text ("2026-10-02T00:00:00Z"); this check keeps them so.
_TS = (
    "CHECK ({col} IS NULL OR {col} GLOB "
    "'[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z')"
)


def ts(col: str, not_null: bool = True) -> str:
    return f"{col} TEXT{' NOT NULL' if not_null else ''} {_TS.format(col=col)}"


def _json(col: str, not_null: bool = True) -> str:
    return f"{col} TEXT{' NOT NULL' if not_null else ''} CHECK ({col} IS NULL OR json_valid({col}))"


def _column(field: ItemField) -> str:
    """The column definition of one type-specific item field."""
    col = field.column
    if field.json:
        return f"{_json(col)} DEFAULT '[]'"
    if field.kind == INT:
        return f"{col} INTEGER CHECK ({col} IS NULL OR {col} >= 0)"
    if field.kind == ENUM:
        allowed = ", ".join(f"'{choice}'" for choice in field.choices)
        return f"{col} TEXT NOT NULL DEFAULT '{field.choices[0]}' CHECK ({col} IN ({allowed}))"
    return f"{col} TEXT"


def extension_table_body(media_type: str) -> str:
    """The columns of `<type>_items`: the item's id, then its fields in declared order."""
    columns = [
        "media_item_id TEXT PRIMARY KEY REFERENCES media_items(id) ON DELETE CASCADE",
        *(_column(field) for field in fields_of(media_type)),
    ]
    return "\n        " + ",\n        ".join(columns) + "\n    "


# Every table but the extension tables, which `tables()` places after media_items.
TABLES: dict[str, str] = {
    "users": f"""
        id TEXT PRIMARY KEY,
        handle TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        bio TEXT NOT NULL DEFAULT '',
        url TEXT,
        email TEXT,
        password_hash TEXT,
        {ts("created_at")},
        {ts("updated_at")}
    """,
    "media_items": f"""
        id TEXT PRIMARY KEY,
        media_type TEXT NOT NULL CHECK (media_type IN ('book', 'movie', 'game', 'music')),
        slug TEXT NOT NULL CHECK (slug GLOB '[a-z0-9]*' AND slug NOT GLOB '*[^a-z0-9-]*'),
        title TEXT NOT NULL CHECK (length(title) > 0),
        description TEXT NOT NULL DEFAULT '',
        release_date TEXT,
        cover_image_url TEXT,
        canonical_url TEXT,
        {_json("metadata")} DEFAULT '{{}}',
        source_path TEXT,
        {_json("cover_image", not_null=False)},
        {ts("created_at")},
        {ts("updated_at")},
        UNIQUE (media_type, slug)
    """,
    "media_sources": f"""
        id TEXT PRIMARY KEY,
        media_item_id TEXT NOT NULL REFERENCES media_items(id) ON DELETE CASCADE,
        source_name TEXT NOT NULL,
        external_id TEXT NOT NULL,
        canonical_url TEXT,
        {_json("raw_payload", not_null=False)},
        {ts("fetched_at", not_null=False)},
        UNIQUE (source_name, external_id)
    """,
    "tags": f"""
        id TEXT PRIMARY KEY,
        owner_id TEXT REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL CHECK (length(name) > 0),
        slug TEXT NOT NULL,
        {ts("created_at")},
        UNIQUE (owner_id, name)
    """,
    "media_item_tags": """
        media_item_id TEXT NOT NULL REFERENCES media_items(id) ON DELETE CASCADE,
        tag_id TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        PRIMARY KEY (media_item_id, tag_id)
    """,
    "user_item_states": f"""
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        media_item_id TEXT NOT NULL REFERENCES media_items(id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('want', 'in_progress', 'finished', 'abandoned')),
        rating INTEGER CHECK (rating BETWEEN 0 AND 10),
        favorite INTEGER NOT NULL DEFAULT 0 CHECK (favorite IN (0, 1)),
        notes TEXT NOT NULL DEFAULT '',
        private_notes TEXT NOT NULL DEFAULT '',
        is_private INTEGER NOT NULL DEFAULT 0 CHECK (is_private IN (0, 1)),
        {ts("created_at")},
        {ts("updated_at")},
        UNIQUE (user_id, media_item_id)
    """,
    "user_item_logs": f"""
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        media_item_id TEXT NOT NULL REFERENCES media_items(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('started', 'progress', 'finished', 'note', 'goal')),
        {ts("logged_at")},
        minutes INTEGER CHECK (minutes IS NULL OR minutes >= 0),
        progress_percent INTEGER CHECK (progress_percent IS NULL OR progress_percent BETWEEN 0 AND 100),
        goal_target TEXT,
        notes TEXT NOT NULL DEFAULT '',
        is_private INTEGER NOT NULL DEFAULT 0 CHECK (is_private IN (0, 1)),
        {ts("created_at")}
    """,
    "menus": f"""
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE CHECK (slug GLOB '[a-z0-9]*' AND slug NOT GLOB '*[^a-z0-9-]*'),
        owner_id TEXT NOT NULL REFERENCES users(id),
        title TEXT NOT NULL CHECK (length(title) > 0),
        introduction TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
        {ts("published_at", not_null=False)},
        {_json("aliases")} DEFAULT '[]',
        {_json("tags")} DEFAULT '[]',
        source_path TEXT,
        {ts("created_at")},
        {ts("updated_at")}
    """,
    "courses": """
        id TEXT PRIMARY KEY,
        menu_id TEXT NOT NULL REFERENCES menus(id) ON DELETE CASCADE,
        position INTEGER NOT NULL CHECK (position >= 1),
        title TEXT NOT NULL,
        intent TEXT NOT NULL DEFAULT '',
        UNIQUE (menu_id, position)
    """,
    "course_items": """
        id TEXT PRIMARY KEY,
        course_id TEXT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
        media_item_id TEXT NOT NULL REFERENCES media_items(id),
        position INTEGER NOT NULL CHECK (position >= 1),
        annotation TEXT NOT NULL DEFAULT '',
        UNIQUE (course_id, position)
    """,
    "menu_item_pairings": """
        id TEXT PRIMARY KEY,
        menu_id TEXT NOT NULL REFERENCES menus(id) ON DELETE CASCADE,
        from_course_item_id TEXT NOT NULL REFERENCES course_items(id) ON DELETE CASCADE,
        to_course_item_id TEXT NOT NULL REFERENCES course_items(id) ON DELETE CASCADE,
        position INTEGER NOT NULL CHECK (position >= 1),
        narrative TEXT NOT NULL DEFAULT '',
        CHECK (from_course_item_id <> to_course_item_id),
        UNIQUE (menu_id, position)
    """,
    "menu_lineage": f"""
        id TEXT PRIMARY KEY,
        menu_id TEXT NOT NULL REFERENCES menus(id) ON DELETE CASCADE,
        parent_menu_id TEXT NOT NULL REFERENCES menus(id) ON DELETE CASCADE,
        depth INTEGER NOT NULL DEFAULT 1 CHECK (depth >= 1),
        {ts("forked_at", not_null=False)},
        CHECK (menu_id <> parent_menu_id),
        UNIQUE (menu_id, parent_menu_id)
    """,
    "menu_share_tokens": f"""
        id TEXT PRIMARY KEY,
        menu_id TEXT NOT NULL REFERENCES menus(id) ON DELETE CASCADE,
        token TEXT NOT NULL UNIQUE CHECK (length(token) >= 22),
        {ts("created_at")},
        {ts("expires_at")},
        revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
    """,
    "menu_cards": f"""
        id TEXT PRIMARY KEY,
        menu_id TEXT NOT NULL UNIQUE REFERENCES menus(id) ON DELETE CASCADE,
        {_json("card")}
    """,
    "media_item_availability": f"""
        id TEXT PRIMARY KEY,
        media_item_id TEXT NOT NULL REFERENCES media_items(id) ON DELETE CASCADE,
        provider TEXT NOT NULL,
        region TEXT,
        format TEXT,
        status TEXT NOT NULL CHECK (status IN ('available', 'leaving', 'unavailable')),
        url TEXT,
        {ts("last_checked", not_null=False)}
    """,
    "user_taste_profiles": f"""
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
        {_json("profile")},
        {ts("computed_at")}
    """,
}

INDEXES: list[str] = [
    "CREATE UNIQUE INDEX idx_menus_slug ON menus(slug)",
    "CREATE INDEX idx_menus_owner ON menus(owner_id)",
    "CREATE INDEX idx_courses_menu ON courses(menu_id)",
    "CREATE INDEX idx_course_items_course ON course_items(course_id)",
    "CREATE INDEX idx_course_items_item ON course_items(media_item_id)",
    "CREATE INDEX idx_media_sources_item ON media_sources(media_item_id)",
    # SQLite treats NULLs as distinct in UNIQUE: global tags (NULL owner) need this index too.
    "CREATE UNIQUE INDEX idx_tags_global_name ON tags(name) WHERE owner_id IS NULL",
    "CREATE INDEX idx_media_item_tags_tag ON media_item_tags(tag_id)",
    "CREATE INDEX idx_user_item_states_item ON user_item_states(media_item_id)",
    "CREATE INDEX idx_user_item_logs_user ON user_item_logs(user_id, logged_at)",
    "CREATE INDEX idx_user_item_logs_item ON user_item_logs(media_item_id)",
    "CREATE INDEX idx_pairings_menu ON menu_item_pairings(menu_id)",
    "CREATE INDEX idx_lineage_parent ON menu_lineage(parent_menu_id)",
    "CREATE INDEX idx_share_tokens_menu ON menu_share_tokens(menu_id)",
    "CREATE INDEX idx_availability_item ON media_item_availability(media_item_id)",
]


def connect(path: str | None = None) -> sqlite_utils.Database:
    """A database with foreign keys enforced; in memory when `path` is None."""
    conn = sqlite3.connect(path or ":memory:")
    conn.execute("PRAGMA foreign_keys = ON")
    return wrap(conn)


def wrap(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """sqlite_utils over `conn`, without sqlite-utils plugins: the schema and its queries
    are Omakase's own, so a plugin installed beside it must not change a build, and finding
    plugins reads the entry points of every installed distribution at every build."""
    import sqlite_utils  # here: a command that only renders never needs it (site/record.py)

    return sqlite_utils.Database(conn, execute_plugins=False)


WORK_FILE_PRAGMAS = (
    # A build writes a work file beside the database and moves it into place only when the
    # build succeeded (a failed one deletes it): its journal can live in memory, and it is
    # synced to disk once, at the end (`sync_file`), not at every commit.
    "PRAGMA journal_mode = MEMORY",
    "PRAGMA synchronous = OFF",
    # 64 MiB of page cache: with the default 2 MiB, inserts slow down as the tables grow
    # past the cache (BENCH.md, 100k items).
    "PRAGMA cache_size = -65536",
)


def as_work_file(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Set up a connection to the work file of a build (see WORK_FILE_PRAGMAS)."""
    for pragma in WORK_FILE_PRAGMAS:
        conn.execute(pragma)
    return conn


def sync_file(path: str | os.PathLike[str]) -> None:
    """Flush a finished work file to disk before it is moved into place."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def tables() -> dict[str, str]:
    """Every table's name and column definitions, in the order they are created; the
    extension tables are made from the field table when called."""
    out: dict[str, str] = {}
    for name, body in TABLES.items():
        out[name] = body
        if name == "media_items":
            out |= {extension_table(t): extension_table_body(t) for t in MEDIA_TYPES}
    return out


def create_schema(db: sqlite_utils.Database) -> None:
    """Create every table and index of the schema in an empty database."""
    with db.conn:
        for name, body in tables().items():
            db.execute(f"CREATE TABLE {name} ({body})")
        for statement in INDEXES:
            db.execute(statement)
