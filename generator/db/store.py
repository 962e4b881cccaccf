"""Write a loaded, validated site into a fresh database of the full schema."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlite_utils

from generator.content.fields import slugify
from generator.content.model import Site
from generator.db.ids import stable_id


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def day_stamp(day: str | None, fallback: str | None) -> str | None:
    """A content date (YYYY, YYYY-MM or YYYY-MM-DD) as an ISO-8601 UTC timestamp."""
    if not day:
        return fallback
    parts = (day.split("-") + ["01", "01"])[:3]
    return f"{parts[0]}-{parts[1]}-{parts[2]}T00:00:00Z"


def dumps(value: Any) -> str:
    """JSON stored in the database: compact, keys as written, same bytes for same content."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def store_site(db: sqlite_utils.Database, site: Site, build_time: datetime) -> None:
    """Insert every row of the site. The schema must already exist and be empty."""
    now = iso(build_time)
    with db.conn:
        _insert(db, "users", (
            {
                "id": stable_id("user", c.handle), "handle": c.handle, "display_name": c.name,
                "bio": c.bio, "url": c.url, "email": c.email, "password_hash": None,
                "created_at": now, "updated_at": now,
            }
            for c in site.curators.values()
        ))
        _store_items(db, site, now)
        _store_menus(db, site, now)
        _store_logs(db, site, now)
        _insert(db, "menu_share_tokens", (
            {"id": stable_id("share", share.id), "menu_id": stable_id("menu", share.menu),
             "token": share.token, "created_at": share.created, "expires_at": share.expires,
             "revoked": int(share.revoked)}
            for share in site.shares if share.token
        ))


def _insert(db: sqlite_utils.Database, table: str, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    if rows:
        db[table].insert_all(rows, batch_size=500)


def _store_items(db: sqlite_utils.Database, site: Site, now: str) -> None:
    items, sources, availability, tags, item_tags = [], [], [], {}, []
    extension: dict[str, list[dict[str, Any]]] = {t: [] for t in ("book", "movie", "game", "music")}
    for item in site.items.values():
        item_id = stable_id("item", item.ref)
        items.append({
            "id": item_id, "media_type": item.type, "slug": item.slug, "title": item.title,
            "description": item.description, "release_date": item.release_date,
            "cover_image_url": item.cover_image_url, "canonical_url": item.canonical_url,
            "metadata": dumps(item.metadata), "source_path": item.path,
            "created_at": now, "updated_at": now,
        })
        f = item.fields
        row: dict[str, Any] = {"media_item_id": item_id}
        if item.type == "book":
            row |= {"authors": dumps(f["authors"]), "isbn": f["isbn"], "pages": f["pages"],
                    "publisher": f["publisher"]}
        elif item.type == "movie":
            row |= {"directors": dumps(f["directors"]), "runtime_minutes": f["runtime_minutes"],
                    "cast_members": dumps(f["cast"]), "countries": dumps(f["countries"])}
        elif item.type == "game":
            row |= {"platforms": dumps(f["platforms"]), "developers": dumps(f["developers"]),
                    "publishers": dumps(f["publishers"])}
        else:
            row |= {"artists": dumps(f["artists"]), "kind": f["kind"], "label": f["label"],
                    "duration_minutes": f["duration_minutes"], "tracks": dumps(f["tracks"])}
        extension[item.type].append(row)
        for source in item.sources:
            payload = site.payloads.get((source.source, source.id))
            sources.append({
                "id": stable_id("source", source.source, source.id), "media_item_id": item_id,
                "source_name": source.source, "external_id": source.id,
                "canonical_url": source.url, "raw_payload": payload,
                "fetched_at": day_stamp(source.fetched_at, None),
            })
        for index, entry in enumerate(item.availability):
            availability.append({
                "id": stable_id("availability", item.ref, index), "media_item_id": item_id,
                "provider": entry.provider, "region": entry.region, "format": entry.format,
                "status": entry.status, "url": entry.url,
                "last_checked": day_stamp(entry.last_checked, None),
            })
        for name in dict.fromkeys(item.tags):
            tag_id = stable_id("tag", "", name)
            tags.setdefault(name, {"id": tag_id, "owner_id": None, "name": name,
                                   "slug": slugify(name), "created_at": now})
            item_tags.append({"media_item_id": item_id, "tag_id": tag_id})
    for menu in site.menus.values():
        for name in menu.tags:
            tags.setdefault(name, {"id": stable_id("tag", "", name), "owner_id": None,
                                   "name": name, "slug": slugify(name), "created_at": now})
    _insert(db, "media_items", items)
    for media_type, rows in extension.items():
        _insert(db, f"{media_type}_items", rows)
    _insert(db, "media_sources", sources)
    _insert(db, "media_item_availability", availability)
    _insert(db, "tags", tags.values())
    _insert(db, "media_item_tags", item_tags)


def _store_menus(db: sqlite_utils.Database, site: Site, now: str) -> None:
    menus, courses, course_items, pairings, lineage = [], [], [], [], []
    for menu in site.menus.values():
        menu_id = stable_id("menu", menu.slug)
        published = day_stamp(menu.published, None)
        menus.append({
            "id": menu_id, "slug": menu.slug, "owner_id": stable_id("user", menu.curator),
            "title": menu.title, "introduction": menu.introduction, "status": menu.status,
            "published_at": published, "aliases": dumps(menu.aliases), "tags": dumps(menu.tags),
            "source_path": menu.path,
            "created_at": published or now,
            "updated_at": day_stamp(menu.updated, published or now),
        })
        placed: dict[str, str] = {}
        for c_index, course in enumerate(menu.courses, start=1):
            course_id = stable_id("course", menu.slug, c_index)
            courses.append({"id": course_id, "menu_id": menu_id, "position": c_index,
                            "title": course.title, "intent": course.intent})
            for i_index, entry in enumerate(course.items, start=1):
                ci_id = stable_id("course_item", menu.slug, c_index, i_index)
                placed[entry.ref] = ci_id
                course_items.append({
                    "id": ci_id, "course_id": course_id,
                    "media_item_id": stable_id("item", entry.ref), "position": i_index,
                    "annotation": entry.note,
                })
        for p_index, pairing in enumerate(menu.pairings, start=1):
            pairings.append({
                "id": stable_id("pairing", menu.slug, p_index), "menu_id": menu_id,
                "from_course_item_id": placed[pairing.from_ref],
                "to_course_item_id": placed[pairing.to_ref],
                "position": p_index, "narrative": pairing.narrative,
            })
        # Lineage keeps every ancestor with its distance, so a family is one indexed query.
        depth, parent = 1, menu.forked_from
        while parent is not None and parent in site.menus and depth <= len(site.menus):
            lineage.append({
                "id": stable_id("lineage", menu.slug, parent), "menu_id": menu_id,
                "parent_menu_id": stable_id("menu", parent), "depth": depth,
                "forked_at": published if depth == 1 else None,
            })
            depth, parent = depth + 1, site.menus[parent].forked_from
    _insert(db, "menus", menus)
    _insert(db, "courses", courses)
    _insert(db, "course_items", course_items)
    _insert(db, "menu_item_pairings", pairings)
    _insert(db, "menu_lineage", lineage)


def _store_logs(db: sqlite_utils.Database, site: Site, now: str) -> None:
    states, logs = [], []
    for log in site.logs.values():
        user_id = stable_id("user", log.curator)
        for state in log.states:
            states.append({
                "id": stable_id("state", log.curator, state.ref), "user_id": user_id,
                "media_item_id": stable_id("item", state.ref), "status": state.status,
                "rating": state.rating, "favorite": int(state.favorite), "notes": state.notes,
                "private_notes": state.private_notes, "created_at": now, "updated_at": now,
            })
        for index, entry in enumerate(log.entries):
            stamp = day_stamp(entry.date, now)
            logs.append({
                "id": stable_id("log", log.curator, index), "user_id": user_id,
                "media_item_id": stable_id("item", entry.ref), "kind": entry.kind,
                "logged_at": stamp, "minutes": entry.minutes, "progress_percent": entry.progress,
                "goal_target": entry.target, "notes": entry.note,
                "is_private": int(entry.private), "created_at": stamp,
            })
    _insert(db, "user_item_states", states)
    _insert(db, "user_item_logs", logs)
