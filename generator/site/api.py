"""The static JSON API: one document per menu, item and curator, and an index, from the database.

Every document carries `api_version` and a link to its JSON Schema (schemas/api/ in the project,
published under /api/schemas/). Keys come in the order the schemas list them. Links between
documents are absolute URLs under the site's base URL. Only published menus appear, and no
private column (emails, password hashes, private notes, private log entries) is ever read."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.content.itemfields import ItemField, fields_of
from generator.errors import BuildError
from generator.settings import packaged
from generator.site import queries, urls
from generator.site.safejson import dumps_safe
from generator.site.year_review import curator_years
from generator.support.readonly import Queryable
from generator.support.timings import timed

API_VERSION = "1.0"
SCHEMAS_DIR = packaged("api_schemas")
SCHEMA_PATH = "/api/schemas/"


@dataclass(frozen=True)
class Link:
    """A link to a page or document of the site, written out as an absolute URL."""

    path: str


# The taste profile as the API promises it: these keys, in this order, whatever else the
# derive stage adds to its cached profile later.
TASTE_KEYS = (
    "items",
    "statuses",
    "types",
    "genres",
    "decades",
    "creators",
    "tags",
    "ratings",
    "rated",
    "average_rating",
    "favorites",
    "loved",
)
LOVED_KEYS = ("items", "genres", "creators", "tags")


def public_taste(profile: dict[str, Any]) -> dict[str, Any]:
    taste = {key: profile[key] for key in TASTE_KEYS}
    taste["loved"] = {key: profile["loved"][key] for key in LOVED_KEYS}
    return taste


def index_url() -> str:
    return "/api/index.json"


def menu_api_url(slug: str) -> str:
    return f"/api/menus/{slug}.json"


def item_api_url(media_type: str, slug: str) -> str:
    return f"/api/items/{media_type}/{slug}.json"


def curator_api_url(handle: str) -> str:
    return f"/api/curators/{handle}.json"


def _head(kind: str) -> dict[str, Any]:
    return {"api_version": API_VERSION, "schema": Link(f"{SCHEMA_PATH}{kind}.schema.json")}


def curator_ref(handle: str, name: str) -> dict[str, Any]:
    return {
        "handle": handle,
        "name": name,
        "url": Link(urls.curator_url(handle)),
        "api": Link(curator_api_url(handle)),
    }


def menu_ref(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": row["slug"],
        "title": row["title"],
        "curator": row["curator_handle"],
        "url": Link(urls.menu_url(row["slug"])),
        "api": Link(menu_api_url(row["slug"])),
    }


def item_ref(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": row["media_type"],
        "slug": row["slug"],
        "title": row["title"],
        "url": Link(urls.item_url(row["media_type"], row["slug"])),
        "api": Link(item_api_url(row["media_type"], row["slug"])),
    }


def index_document(db: Queryable) -> dict[str, Any]:
    """Everything the API has, as references: the place to start crawling."""
    menus = [
        {**menu_ref(m), "published_at": m["published_at"]}
        for m in queries.published_menus(db, fields="brief")
    ]
    items = [{**item_ref(i), "release_date": i["release_date"]} for i in queries.all_items(db)]
    curators = [
        curator_ref(u["handle"], u["display_name"])
        for u in db.query("SELECT handle, display_name FROM users ORDER BY handle")
    ]
    return {
        **_head("index"),
        "home": Link("/"),
        "open_data": Link("/data/omakase.sqlite"),
        "menus": menus,
        "items": items,
        "curators": curators,
    }


def menu_document(db: Queryable, slug: str) -> dict[str, Any]:
    """One published menu: courses with their items and annotations, pairings, lineage."""
    menu = queries.menu_detail(db, slug)
    assert menu is not None and menu["status"] == "published"
    parent = menu["parent"]
    return {
        **_head("menu"),
        "slug": menu["slug"],
        "title": menu["title"],
        "url": Link(urls.menu_url(slug)),
        "api": Link(menu_api_url(slug)),
        "curator": curator_ref(menu["curator_handle"], menu["curator_name"]),
        "published_at": menu["published_at"],
        "tags": [tag["name"] for tag in menu["tags"]],
        "introduction": menu["introduction"],
        # Only a published parent is named: a draft is not public.
        "forked_from": menu_ref(parent) if parent else None,
        "forks": [menu_ref(fork) for fork in menu["forks"]],
        "courses": [
            {
                "position": course["position"],
                "title": course["title"],
                "intent": course["intent"],
                "items": [
                    {
                        "position": entry["position"],
                        "annotation": entry["annotation"],
                        "item": item_ref(entry),
                    }
                    for entry in course["items"]
                ],
            }
            for course in menu["courses"]
        ],
        "pairings": [
            {
                "position": pairing["position"],
                "from": item_ref(pairing["from"]),
                "to": item_ref(pairing["to"]),
                "narrative": pairing["narrative"],
            }
            for pairing in menu["pairings"]
        ],
    }


def item_document(db: Queryable, media_type: str, slug: str) -> dict[str, Any]:
    """One item: canonical fields, typed attributes, tags, availability, sources, menus."""
    item = queries.item_detail(db, media_type, slug)
    assert item is not None
    stored = item["attributes"]
    attributes = {field.api_key: _attribute(field, stored[field.column]) for field in fields_of(media_type)}
    return {
        **_head("item"),
        "type": media_type,
        "slug": slug,
        "title": item["title"],
        "url": Link(urls.item_url(media_type, slug)),
        "api": Link(item_api_url(media_type, slug)),
        "release_date": item["release_date"],
        "description": item["description"],
        "cover_image_url": item["cover_image_url"],
        "cover": _cover(item["cover_image"]),
        "canonical_url": item["canonical_url"],
        "attributes": attributes,
        "metadata": item["metadata"],
        "tags": [tag["name"] for tag in item["tags"]],
        "availability": [
            {
                "provider": a["provider"],
                "region": a["region"],
                "format": a["format"],
                "status": a["status"],
                "url": a["url"],
                "last_checked": a["last_checked"],
            }
            for a in item["availability"]
        ],
        "sources": [
            {
                "source": s["source_name"],
                "id": s["external_id"],
                "canonical_url": s["canonical_url"],
                "fetched_at": s["fetched_at"],
            }
            for s in item["sources"]
        ],
        "menus": [
            {"menu": menu_ref(m), "course": m["course_title"], "annotation": m["annotation"]}
            for m in item["menus"]
        ],
    }


def _cover(image: Any) -> dict[str, Any] | None:
    """The item's cover as the site serves it: size, placeholder colour, hashed variants."""
    if not isinstance(image, dict) or not image.get("variants"):
        return None
    formats = ("avif", "webp", "jpeg")
    return {
        "width": image["width"],
        "height": image["height"],
        "color": image["color"],
        "variants": [
            {
                "width": v["width"],
                "height": v["height"],
                **{f: Link("/" + v[f]) for f in formats if f in v},
            }
            for v in image["variants"]
        ],
    }


def _attribute(field: ItemField, value: Any) -> Any:
    """A stored field value as the API gives it: JSON columns decoded (once)."""
    return json.loads(value) if field.json and isinstance(value, str) else value


def curator_document(db: Queryable, handle: str) -> dict[str, Any]:
    """One curator: profile, published menus, public log and taste profile."""
    user = next(
        iter(
            db.query("SELECT id, handle, display_name, bio, url FROM users WHERE handle = :h", {"h": handle})
        )
    )
    menus = queries.published_menus(db, owner=handle, fields="brief")
    states = db.query(
        queries.item_summary_sql("""
        JOIN user_item_states s ON s.media_item_id = i.id WHERE s.user_id = :u AND s.is_private = 0
        ORDER BY i.media_type, i.slug""").replace(
            "SELECT i.id,", "SELECT s.status, s.rating, s.favorite, s.notes, i.id,"
        ),
        {"u": user["id"]},
    )
    entries = db.query(
        queries.item_summary_sql("""
        JOIN user_item_logs l ON l.media_item_id = i.id
        WHERE l.user_id = :u AND l.is_private = 0
        ORDER BY l.logged_at, l.id""").replace(
            "SELECT i.id,",
            "SELECT l.kind, l.logged_at, l.minutes, l.progress_percent, l.goal_target, l.notes, i.id,",
        ),
        {"u": user["id"]},
    )
    taste = db.execute("SELECT profile FROM user_taste_profiles WHERE user_id = ?", [user["id"]]).fetchone()
    years = curator_years(db, user["id"])
    return {
        **_head("curator"),
        "handle": user["handle"],
        "name": user["display_name"],
        "bio": user["bio"],
        "website": user["url"],
        "url": Link(urls.curator_url(handle)),
        "api": Link(curator_api_url(handle)),
        "menus": [{**menu_ref(m), "published_at": m["published_at"]} for m in menus],
        "states": [
            {
                "item": item_ref(s),
                "status": s["status"],
                "rating": s["rating"],
                "favorite": bool(s["favorite"]),
                "notes": s["notes"],
            }
            for s in states
        ],
        "log": [
            {
                "item": item_ref(e),
                "kind": e["kind"],
                "date": e["logged_at"],
                "minutes": e["minutes"],
                "progress_percent": e["progress_percent"],
                "goal_target": e["goal_target"],
                "notes": e["notes"],
            }
            for e in entries
        ],
        "years": [{"year": int(y), "url": Link(urls.year_review_url(handle, y))} for y in years],
        "taste": public_taste(json.loads(taste[0])) if taste else None,
    }


def to_json(document: Any, base_url: str) -> bytes:
    """The bytes of one document: UTF-8, indented, keys in document order, links absolute.

    `<`, `>`, `&` and `'` are written as \\u escapes, so no file of the site holds raw markup
    from content even where a careless host serves JSON as HTML."""
    return (dumps_safe(_absolute_links(document, base_url), indent=2) + "\n").encode("utf-8")


def _absolute_links(value: Any, base_url: str) -> Any:
    if isinstance(value, Link):
        return urls.absolute(base_url, value.path)
    if isinstance(value, dict):
        return {key: _absolute_links(v, base_url) for key, v in value.items()}
    if isinstance(value, list):
        return [_absolute_links(v, base_url) for v in value]
    return value


@timed("api schemas")
def publish_schemas(out_dir: Path) -> list[str]:
    """Write the API's JSON Schemas next to the documents that name them; return the paths
    (relative to `out_dir`) whose bytes changed."""
    schemas = sorted(SCHEMAS_DIR.glob("*.schema.json"))
    if not schemas:
        raise BuildError(f"the API's JSON Schemas are missing from {SCHEMAS_DIR}")
    changed = []
    for schema in schemas:
        # Re-encoded: the same schema, without raw `<` or `>` (descriptions name URL patterns).
        document = json.loads(schema.read_text(encoding="utf-8"))
        data = (dumps_safe(document, indent=2) + "\n").encode("utf-8")
        rel = SCHEMA_PATH.strip("/") + "/" + schema.name
        target = out_dir / rel
        if target.is_file() and target.read_bytes() == data:
            continue
        write_new(target, data)
        changed.append(rel)
    return changed


def write_new(target: Path, data: bytes) -> None:
    """Write a file as a new inode (another tree may share the old one)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
