"""Write a loaded, validated site into a fresh database of the full schema."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Collection
from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from generator.content.fields import slugify
from generator.content.itemfields import extension_table, extension_tables, fields_of
from generator.content.itemside import item_tags
from generator.content.model import Curator, Item, Log, Menu, Site
from generator.db.ids import stable_id

if TYPE_CHECKING:
    import sqlite_utils


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def day_stamp(day: str | None, fallback: str | None) -> str | None:
    """A content date (YYYY, YYYY-MM or YYYY-MM-DD) as an ISO-8601 UTC timestamp."""
    if not day:
        return fallback
    parts = (day.split("-") + ["01", "01"])[:3]
    return f"{parts[0]}-{parts[1]}-{parts[2]}T00:00:00Z"


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    """JSON stored in the database: compact, keys as written, same bytes for same content."""
    return _JSON.encode(value)  # json.dumps would build a new encoder for every value


Rows = dict[str, list[dict[str, Any]]]
"""Rows of several tables: table name -> rows, each row a dict of column -> value."""


def store_site(db: sqlite_utils.Database, site: Site, build_time: datetime) -> None:
    """Insert every row of the site. The schema must already exist and be empty."""
    now = iso(build_time)
    tables: Rows = {}
    for rows in (
        *(curator_rows(c, now) for c in site.curators.values()),
        *(item_rows(item, site, now) for item in site.items.values()),
        tag_rows(site, now),
        *(menu_rows(menu, site, now) for menu in site.menus.values()),
        lineage_rows(site),
        *(log_rows(log, now) for log in site.logs.values()),
        share_rows(site),
        card_rows(site),
    ):
        for table, table_rows in rows.items():
            tables.setdefault(table, []).extend(table_rows)
    with db.conn:
        for table in INSERT_ORDER:
            insert_rows(db.conn, table, tables.get(table, []))


# Parents before children, so foreign keys hold at every step.
INSERT_ORDER = (
    "users",
    "media_items",
    *extension_tables(),
    "media_sources",
    "media_item_availability",
    "tags",
    "media_item_tags",
    "menus",
    "courses",
    "course_items",
    "menu_item_pairings",
    "menu_lineage",
    "user_item_states",
    "user_item_logs",
    "menu_share_tokens",
    "menu_cards",
)


def insert_rows(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """One executemany per table: the rows of one table share their columns."""
    if not rows:
        return
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    values = itemgetter(*columns)
    conn.executemany(
        sql, [values(row) for row in rows] if len(columns) > 1 else [(values(row),) for row in rows]
    )


def card_rows(site: Site, slugs: Collection[str] | None = None) -> Rows:
    """Each published menu's social card, as the build's card step drew it (of the menus
    `slugs` names, when it does)."""
    cards = site.cards if slugs is None else {s: site.cards[s] for s in slugs if s in site.cards}
    return {
        "menu_cards": [
            {"id": stable_id("card", slug), "menu_id": stable_id("menu", slug), "card": card}
            for slug, card in sorted(cards.items())
        ]
    }


def curator_rows(c: Curator, now: str) -> Rows:
    return {
        "users": [
            {
                "id": stable_id("user", c.handle),
                "handle": c.handle,
                "display_name": c.name,
                "bio": c.bio,
                "url": c.url,
                "email": c.email,
                "password_hash": None,
                "created_at": now,
                "updated_at": now,
            }
        ]
    }


def _cover(site: Site, ref: str) -> str | None:
    """An item's cover as stored: its file, content hash and what the image step made of it."""
    cover = site.covers.get(ref)
    if cover is None:
        return None
    return dumps({"file": cover.display, "hash": cover.hash, **cover.image})


def item_rows(item: Item, site: Site, now: str) -> Rows:
    """Every row one item file produces (its tags' own rows come from `tag_rows`)."""
    item_id = stable_id("item", item.ref)
    out: Rows = {
        "media_items": [
            {
                "id": item_id,
                "media_type": item.type,
                "slug": item.slug,
                "title": item.title,
                "description": item.description,
                "release_date": item.release_date,
                "cover_image_url": item.cover_image_url,
                "canonical_url": item.canonical_url,
                "metadata": dumps(item.metadata),
                "source_path": item.path,
                "cover_image": _cover(site, item.ref),
                "created_at": now,
                "updated_at": now,
            }
        ]
    }
    values = item.fields
    row: dict[str, Any] = {"media_item_id": item_id}
    for field in fields_of(item.type):
        value = values[field.name]
        row[field.column] = dumps(value) if field.json else value
    out[extension_table(item.type)] = [row]
    out["media_sources"] = [
        {
            "id": stable_id("source", source.source, source.id),
            "media_item_id": item_id,
            "source_name": source.source,
            "external_id": source.id,
            "canonical_url": source.url,
            "raw_payload": site.payloads.get((source.source, source.id)),
            "fetched_at": day_stamp(source.fetched_at, None),
        }
        for source in item.sources
    ]
    out["media_item_availability"] = [
        {
            "id": stable_id("availability", item.ref, index),
            "media_item_id": item_id,
            "provider": entry.provider,
            "region": entry.region,
            "format": entry.format,
            "status": entry.status,
            "url": entry.url,
            "last_checked": day_stamp(entry.last_checked, None),
        }
        for index, entry in enumerate(item.availability)
    ]
    out["media_item_tags"] = [
        {"media_item_id": item_id, "tag_id": stable_id("tag", "", name)} for name in dict.fromkeys(item.tags)
    ]
    return out


def tag_rows(site: Site, now: str) -> Rows:
    """The shared tags table: every tag named by an item or a published menu, once. A
    draft's tags are only in its own row: a tag of its own would reach the public database
    and the tags' pages, and one spelt otherwise could rename a public tag's page."""
    tags: dict[str, dict[str, Any]] = {}
    published = (m.tags for m in site.menus.values() if m.status == "published")
    of_items = site.item_tag_names if site.item_tag_names is not None else item_tags(site.items)
    for names in (of_items, *published):
        for name in names:
            if name not in tags:
                tags[name] = {
                    "id": stable_id("tag", "", name),
                    "owner_id": None,
                    "name": name,
                    "slug": slugify(name),
                    "created_at": now,
                }
    return {"tags": list(tags.values())}


def menu_rows(menu: Menu, site: Site, now: str) -> Rows:
    """Every row one menu file produces (lineage comes from `lineage_rows`)."""
    menu_id = stable_id("menu", menu.slug)
    published = day_stamp(menu.published, None)
    courses, course_items, pairings = [], [], []
    placed: dict[str, str] = {}
    for c_index, course in enumerate(menu.courses, start=1):
        course_id = stable_id("course", menu.slug, c_index)
        courses.append(
            {
                "id": course_id,
                "menu_id": menu_id,
                "position": c_index,
                "title": course.title,
                "intent": course.intent,
            }
        )
        for i_index, entry in enumerate(course.items, start=1):
            ci_id = stable_id("course_item", menu.slug, c_index, i_index)
            placed[entry.ref] = ci_id
            course_items.append(
                {
                    "id": ci_id,
                    "course_id": course_id,
                    "media_item_id": stable_id("item", entry.ref),
                    "position": i_index,
                    "annotation": entry.note,
                }
            )
    for p_index, pairing in enumerate(menu.pairings, start=1):
        pairings.append(
            {
                "id": stable_id("pairing", menu.slug, p_index),
                "menu_id": menu_id,
                "from_course_item_id": placed[pairing.from_ref],
                "to_course_item_id": placed[pairing.to_ref],
                "position": p_index,
                "narrative": pairing.narrative,
            }
        )
    return {
        "menus": [
            {
                "id": menu_id,
                "slug": menu.slug,
                "owner_id": stable_id("user", menu.curator),
                "title": menu.title,
                "introduction": menu.introduction,
                "status": menu.status,
                "published_at": published,
                "aliases": dumps(menu.aliases),
                "tags": dumps(menu.tags),
                "source_path": menu.path,
                "created_at": published or now,
                "updated_at": day_stamp(menu.updated, published or now),
            }
        ],
        "courses": courses,
        "course_items": course_items,
        "menu_item_pairings": pairings,
    }


def lineage_rows(site: Site) -> Rows:
    """Lineage keeps every ancestor with its distance, so a family is one indexed query."""
    menus = tuple((menu.slug, menu.forked_from, menu.published) for menu in site.menus.values())
    return {"menu_lineage": list(_lineage(menus))}


@functools.lru_cache(maxsize=1)
def _lineage(menus: tuple[tuple[str, str | None, str | None], ...]) -> list[dict[str, Any]]:
    """The lineage rows of the menus (slug, parent, published), the last answer kept: the
    dev server's edits seldom change a fork, and the ids cost more than the key."""
    parents = {slug: parent for slug, parent, _ in menus}
    lineage = []
    for slug, forked_from, published_on in menus:
        if forked_from is None:  # most menus are no fork: their ids and dates are not worked out
            continue
        menu_id = stable_id("menu", slug)
        published = day_stamp(published_on, None)
        depth = 1
        parent: str | None = forked_from
        while parent is not None and parent in parents and depth <= len(menus):
            lineage.append(
                {
                    "id": stable_id("lineage", slug, parent),
                    "menu_id": menu_id,
                    "parent_menu_id": stable_id("menu", parent),
                    "depth": depth,
                    "forked_at": published if depth == 1 else None,
                }
            )
            depth, parent = depth + 1, parents[parent]
    return lineage


def share_rows(site: Site) -> Rows:
    """Share links of draft menus (from data/shares.yaml and the site's secret)."""
    return {
        "menu_share_tokens": [
            {
                "id": stable_id("share", share.id),
                "menu_id": stable_id("menu", share.menu),
                "token": share.token,
                "created_at": share.created,
                "expires_at": share.expires,
                "revoked": int(share.revoked),
            }
            for share in site.shares
            if share.token
        ]
    }


def log_rows(log: Log, now: str) -> Rows:
    user_id = stable_id("user", log.curator)
    states = [
        {
            "id": stable_id("state", log.curator, state.ref),
            "user_id": user_id,
            "media_item_id": stable_id("item", state.ref),
            "status": state.status,
            "rating": state.rating,
            "favorite": int(state.favorite),
            "notes": state.notes,
            "private_notes": state.private_notes,
            "is_private": int(state.private),
            "created_at": now,
            "updated_at": now,
        }
        for state in log.states
    ]
    logs = []
    for index, entry in enumerate(log.entries):
        stamp = day_stamp(entry.date, now)
        logs.append(
            {
                "id": stable_id("log", log.curator, index),
                "user_id": user_id,
                "media_item_id": stable_id("item", entry.ref),
                "kind": entry.kind,
                "logged_at": stamp,
                "minutes": entry.minutes,
                "progress_percent": entry.progress,
                "goal_target": entry.target,
                "notes": entry.note,
                "is_private": int(entry.private),
                "created_at": stamp,
            }
        )
    return {"user_item_states": states, "user_item_logs": logs}
