"""Every constraint of the database schema lives in the database: a violating raw INSERT fails."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

NOW = "2026-11-26T00:00:00Z"
EXPECTED_TABLES = {
    "users",
    "media_items",
    "book_items",
    "movie_items",
    "game_items",
    "music_items",
    "media_sources",
    "tags",
    "media_item_tags",
    "user_item_states",
    "user_item_logs",
    "menus",
    "courses",
    "course_items",
    "menu_item_pairings",
    "menu_lineage",
    "menu_share_tokens",
    "media_item_availability",
    "user_taste_profiles",
}


def seed(db: sqlite_utils.Database) -> None:
    db.execute(
        "INSERT INTO users (id, handle, display_name, created_at, updated_at) "
        "VALUES ('u1', 'ada', 'Ada', ?, ?)",
        [NOW, NOW],
    )
    db.execute(
        "INSERT INTO media_items (id, media_type, slug, title, created_at, updated_at) "
        "VALUES ('i1', 'movie', 'the-conversation', 'The Conversation', ?, ?)",
        [NOW, NOW],
    )
    db.execute(
        "INSERT INTO menus (id, slug, owner_id, title, status, created_at, updated_at) "
        "VALUES ('m1', 'paranoid', 'u1', 'Paranoid', 'published', ?, ?)",
        [NOW, NOW],
    )
    db.execute("INSERT INTO courses (id, menu_id, position, title) VALUES ('c1', 'm1', 1, 'A')")
    db.execute(
        "INSERT INTO course_items (id, course_id, media_item_id, position) VALUES ('ci1', 'c1', 'i1', 1)"
    )


def test_every_table_exists(db: sqlite_utils.Database) -> None:
    assert set(db.table_names()) >= EXPECTED_TABLES


def test_foreign_keys_are_enforced(db: sqlite_utils.Database) -> None:
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.execute("INSERT INTO courses (id, menu_id, position, title) VALUES ('c', 'nope', 1, 'x')")


@pytest.mark.parametrize(
    ("sql", "params", "error"),
    [
        (
            "INSERT INTO menus (id, slug, owner_id, title, status, created_at, updated_at) "
            "VALUES ('m2', 'paranoid', 'u1', 'Again', 'draft', ?, ?)",
            [NOW, NOW],
            "UNIQUE",
        ),
        ("INSERT INTO courses (id, menu_id, position, title) VALUES ('c2', 'm1', 1, 'B')", [], "UNIQUE"),
        (
            "INSERT INTO course_items (id, course_id, media_item_id, position) VALUES ('ci2', 'c1', 'i1', 1)",
            [],
            "UNIQUE",
        ),
        (
            "INSERT INTO user_item_states (id, user_id, media_item_id, status, rating, created_at,"
            " updated_at) VALUES ('s1', 'u1', 'i1', 'finished', 11, ?, ?)",
            [NOW, NOW],
            "CHECK",
        ),
        (
            "INSERT INTO user_item_states (id, user_id, media_item_id, status, rating, created_at,"
            " updated_at) VALUES ('s1', 'u1', 'i1', 'finished', -1, ?, ?)",
            [NOW, NOW],
            "CHECK",
        ),
        (
            "INSERT INTO media_items (id, media_type, slug, title, metadata, created_at, updated_at)"
            " VALUES ('i2', 'movie', 'x', 'X', '{not json', ?, ?)",
            [NOW, NOW],
            "CHECK",
        ),
        (
            "INSERT INTO media_items (id, media_type, slug, title, created_at, updated_at)"
            " VALUES ('i2', 'podcast', 'x', 'X', ?, ?)",
            [NOW, NOW],
            "CHECK",
        ),
        (
            "INSERT INTO media_items (id, media_type, slug, title, created_at, updated_at)"
            " VALUES ('i2', 'movie', 'x', 'X', '26/11/2026', ?)",
            [NOW],
            "CHECK",
        ),
        (
            "INSERT INTO menus (id, slug, owner_id, title, status, created_at, updated_at) "
            "VALUES ('m3', '../evil', 'u1', 'Evil', 'draft', ?, ?)",
            [NOW, NOW],
            "CHECK",
        ),
    ],
    ids=[
        "menu-slug-unique",
        "course-position-unique",
        "course-item-position-unique",
        "rating-above-10",
        "rating-below-0",
        "metadata-json",
        "media-type",
        "iso-timestamp",
        "slug-charset",
    ],
)
def test_constraint_rejects_violation(
    db: sqlite_utils.Database, sql: str, params: list[str], error: str
) -> None:
    seed(db)
    with pytest.raises(sqlite3.IntegrityError, match=error):
        db.execute(sql, params)


def test_user_item_state_unique_per_user_and_item(db: sqlite_utils.Database) -> None:
    seed(db)
    insert = (
        "INSERT INTO user_item_states (id, user_id, media_item_id, status, rating, "
        "created_at, updated_at) VALUES (?, 'u1', 'i1', 'finished', 10, ?, ?)"
    )
    db.execute(insert, ["s1", NOW, NOW])
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute(insert, ["s2", NOW, NOW])


def test_media_sources_unique_and_indexed(db: sqlite_utils.Database) -> None:
    seed(db)
    insert = (
        "INSERT INTO media_sources (id, media_item_id, source_name, external_id, raw_payload)"
        " VALUES (?, 'i1', 'wikidata', 'Q1', ?)"
    )
    db.execute(insert, ["src1", "{}"])
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute(insert, ["src2", "{}"])
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute(insert.replace("'Q1'", "'Q2'"), ["src3", "not json"])
    indexed = {tuple(i.columns) for i in db["media_sources"].indexes}
    assert ("media_item_id",) in indexed


def test_tag_names_unique_per_owner_and_globally(db: sqlite_utils.Database) -> None:
    seed(db)
    insert = "INSERT INTO tags (id, owner_id, name, slug, created_at) VALUES (?, ?, 'noir', 'noir', ?)"
    db.execute(insert, ["t1", "u1", NOW])
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute(insert, ["t2", "u1", NOW])
    db.execute(insert, ["g1", None, NOW])
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute(insert, ["g2", None, NOW])


def test_pairing_cannot_link_an_item_to_itself(db: sqlite_utils.Database) -> None:
    seed(db)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute(
            "INSERT INTO menu_item_pairings (id, menu_id, from_course_item_id, "
            "to_course_item_id, position) VALUES ('p', 'm1', 'ci1', 'ci1', 1)"
        )


def test_menu_slug_is_indexed(db: sqlite_utils.Database) -> None:
    indexes = {tuple(i.columns): i.unique for i in db["menus"].indexes}
    assert indexes.get(("slug",)) == 1
