"""JSON Schemas of every content file kind, generated from the loader's own field tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator.content.itemfields import ENUM, INT, LIST, TEXT, TRACKS, ItemField, fields_of
from generator.content.model import (
    AVAILABILITY_FORMATS,
    AVAILABILITY_STATUSES,
    ENTRY_KINDS,
    MEDIA_TYPES,
    MENU_STATUSES,
    STATE_STATUSES,
)
from generator.content.parse import ITEM_COMMON, MENU_FIELDS

DRAFT = "http://json-schema.org/draft-07/schema#"
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
DATE = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
FULL_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
REF = r"^((book|movie|game|music)/[a-z0-9]+(-[a-z0-9]+)*|[a-z0-9]+(-[a-z0-9]+)*:\S+)$"
URL = r"^https?://\S+$"


def _text(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _slug(description: str) -> dict[str, Any]:
    return _text(description, pattern=SLUG)


def _date(description: str) -> dict[str, Any]:
    # YAML reads 1974 as a number and 1974-04-07 as a date; editors see both as scalars.
    return {"type": ["string", "integer"], "description": description, "pattern": DATE}


def _url(description: str) -> dict[str, Any]:
    return _text(description, pattern=URL, format="uri")


def _list(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "anyOf": [{"type": "array", "items": {"type": ["string", "number"]}}, {"type": "string"}],
    }


def _enum(description: str, choices: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "string", "description": description, "enum": list(choices)}


def _int(description: str, low: int = 0, high: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "description": description, "minimum": low}
    if high is not None:
        schema["maximum"] = high
    return schema


def _object(
    title: str, description: str, properties: dict[str, Any], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "type": "object",
        "title": title,
        "description": description,
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _file_schema(name: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT, "$id": f"https://omakase.invalid/schemas/{name}.schema.json", **body}


def curator_schema() -> dict[str, Any]:
    return _file_schema(
        "curator",
        _object(
            "Omakase curator",
            "content/curators/<handle>.yaml",
            {
                "handle": _slug("The curator's handle; must equal the file name."),
                "name": _text("Display name.", minLength=1),
                "bio": _text("One or two sentences; Markdown allowed."),
                "url": _url("The curator's own site (optional)."),
                "email": _text("PRIVATE: never published."),
            },
            ("handle", "name"),
        ),
    )


def item_field_schema(field: ItemField) -> dict[str, Any]:
    """What an editor may write for one type-specific field."""
    if field.kind == LIST:
        return _list(field.help)
    if field.kind == INT:
        return _int(field.help)
    if field.kind == ENUM:
        return _enum(field.help, field.choices)
    if field.kind == TRACKS:
        return {
            "type": "array",
            "description": field.help,
            "items": _object(
                "Track",
                "One track.",
                {"title": _text("Track title.", minLength=1), "duration_seconds": _int("Length in seconds.")},
                ("title",),
            ),
        }
    # YAML reads an unquoted ISBN or label as a number; the loader takes it as text.
    return {"type": ["string", "integer"], "description": field.help}


def item_schema(media_type: str) -> dict[str, Any]:
    common: dict[str, Any] = {
        "title": _text("The item's title.", minLength=1),
        "slug": _slug("Optional; defaults to the file name and must equal it."),
        "release_date": _date("YYYY-MM-DD, YYYY-MM or YYYY."),
        "cover_image_url": _url("Cover image (http or https)."),
        "canonical_url": _url("The item's reference page."),
        "metadata": {"type": "object", "description": "Free-form, queryable: genres, languages, counts."},
        "tags": _list("Tags; each becomes a /tags/<tag>/ page."),
        "sources": {
            "type": "array",
            "description": "Upstream records of this item.",
            "items": _object(
                "Source",
                "An upstream record.",
                {
                    "source": _slug(
                        "wikidata | openlibrary | musicbrainz | tmdb | igdb | letterboxd | goodreads"
                    ),
                    "id": {"type": ["string", "integer"], "description": "The record's id upstream."},
                    "url": _url("The record's page upstream."),
                    "fetched": _date("When the payload was fetched."),
                },
                ("source", "id"),
            ),
        },
        "availability": {
            "type": "array",
            "description": "Where to find it.",
            "items": _object(
                "Availability",
                "One provider offering.",
                {
                    "provider": _text("Provider name.", minLength=1),
                    "region": _text("ISO 3166-1 alpha-2, or 'world'."),
                    "format": _enum("How it is offered.", AVAILABILITY_FORMATS),
                    "status": _enum("available | leaving | unavailable", AVAILABILITY_STATUSES),
                    "url": _url("Where to get it."),
                    "last_checked": _date("When this was last checked (YYYY-MM-DD)."),
                },
                ("provider",),
            ),
        },
    }
    specific = {field.name: item_field_schema(field) for field in fields_of(media_type)}
    properties = {k: common[k] for k in ITEM_COMMON} | specific
    return _file_schema(
        f"item-{media_type}",
        _object(
            f"Omakase {media_type} item",
            f"Front matter of content/items/{media_type}/<slug>.md; the body is the description.",
            properties,
            ("title",),
        ),
    )


def menu_schema() -> dict[str, Any]:
    course_item = _object(
        "Course item",
        "One item served in a course.",
        {
            "item": _text("'<type>/<slug>' or '<source>:<id>'.", pattern=REF),
            "note": _text("The curator's annotation (Markdown)."),
            "position": _int("Optional; must follow list order.", low=1),
        },
        ("item",),
    )
    course = _object(
        "Course",
        "One course of the menu.",
        {
            "title": _text("The course's title.", minLength=1),
            "intent": _text("What this course is for."),
            "items": {"type": "array", "items": course_item, "description": "Items in order."},
            "position": _int("Optional; must follow list order.", low=1),
        },
        ("title",),
    )
    pairing = _object(
        "Pairing",
        "A story link between two items of this menu.",
        {
            "from": _text("An item of this menu.", pattern=REF),
            "to": _text("Another item of this menu.", pattern=REF),
            "narrative": _text("Why they belong together."),
        },
        ("from", "to"),
    )
    properties = {
        "title": _text("The menu's title; changing it never changes the URL.", minLength=1),
        "slug": _slug("Written once at creation; never change it (add the old one to aliases)."),
        "curator": _slug("A curator handle (content/curators/<handle>.yaml)."),
        "status": _enum("draft | published", MENU_STATUSES),
        "published": _date("Publication date, YYYY-MM-DD; required once published."),
        "updated": _date("Last meaningful update, YYYY-MM-DD."),
        "tags": _list("Tags of the menu."),
        "forked_from": _slug("The parent menu's slug (lineage)."),
        "aliases": {
            "type": "array",
            "items": {"type": "string", "pattern": SLUG},
            "description": "Former slugs; each old URL becomes a redirect.",
        },
        "courses": {
            "type": "array",
            "items": course,
            "description": "Courses in order; a draft may have none yet.",
        },
        "pairings": {"type": "array", "items": pairing, "description": "Story mode."},
    }
    assert tuple(properties) == MENU_FIELDS
    return _file_schema(
        "menu",
        _object(
            "Omakase menu",
            "Front matter of content/menus/<slug>.md; the body is the introduction.",
            properties,
            ("title", "curator"),
        ),
    )


def log_schema() -> dict[str, Any]:
    state = _object(
        "State",
        "The curator's current state for one item.",
        {
            "item": _text("'<type>/<slug>' or '<source>:<id>'.", pattern=REF),
            "status": _enum("want | in_progress | finished | abandoned", STATE_STATUSES),
            "rating": _int("0–10.", 0, 10),
            "favorite": {"type": "boolean", "description": "A favourite."},
            "notes": _text("Public note."),
            "private_notes": _text("PRIVATE: never published."),
            "private": {"type": "boolean", "description": "A private state is never published."},
        },
        ("item", "status"),
    )
    entry = _object(
        "Entry",
        "One timeline entry.",
        {
            "item": _text("'<type>/<slug>' or '<source>:<id>'.", pattern=REF),
            "kind": _enum("started | progress | finished | note | goal", ENTRY_KINDS),
            "date": {"type": "string", "pattern": FULL_DATE, "description": "YYYY-MM-DD."},
            "minutes": _int("Minutes spent."),
            "progress": _int("Percent, 0–100.", 0, 100),
            "target": _date("For goals: a date."),
            "note": _text("A note."),
            "private": {"type": "boolean", "description": "A private entry is never published."},
        },
        ("item", "kind", "date"),
    )
    return _file_schema(
        "log",
        _object(
            "Omakase log",
            "content/logs/<handle>.yaml",
            {
                "curator": _slug("The curator's handle; must equal the file name."),
                "states": {"type": "array", "items": state},
                "entries": {"type": "array", "items": entry},
            },
        ),
    )


def content_schemas() -> dict[str, dict[str, Any]]:
    """File name → schema, for every content file kind."""
    schemas = {
        "curator.schema.json": curator_schema(),
        "menu.schema.json": menu_schema(),
        "log.schema.json": log_schema(),
    }
    for media_type in MEDIA_TYPES:
        schemas[f"item-{media_type}.schema.json"] = item_schema(media_type)
    return dict(sorted(schemas.items()))


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


_API_VALUE: dict[str, dict[str, Any]] = {
    LIST: {"type": "array", "items": {"type": "string"}},
    TEXT: {"type": ["string", "null"]},
    INT: {"type": ["integer", "null"], "minimum": 0},
    TRACKS: {"type": "array"},
}


def api_attributes_schema() -> list[dict[str, Any]]:
    """The `attributes` of the API's item document, one schema per media type (its oneOf)."""
    out = []
    for media_type in MEDIA_TYPES:
        fields = fields_of(media_type)
        properties = {
            f.api_key: {"enum": list(f.choices)} if f.kind == ENUM else dict(_API_VALUE[f.kind])
            for f in fields
        }
        out.append(
            {
                "type": "object",
                "description": f"Attributes of a {media_type}.",
                "properties": properties,
                "required": [f.api_key for f in fields],
                "additionalProperties": False,
            }
        )
    return out


def api_item_schema_text(current: str) -> str:
    """The API's item schema (schemas/api/item.schema.json) with its attributes made from
    the field table; the rest of that hand-written schema is kept as it is."""
    schema = json.loads(current)
    schema["properties"]["attributes"]["oneOf"] = api_attributes_schema()
    return schema_text(schema)


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema into `folder`, rewriting only files whose text changed."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in content_schemas().items():
        path = folder / name
        text = schema_text(schema)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    api_item = folder / "api" / "item.schema.json"
    if api_item.is_file():  # the project's own schemas/, which holds the API's too
        current = api_item.read_text(encoding="utf-8")
        text = api_item_schema_text(current)
        if text != current:
            api_item.write_text(text, encoding="utf-8")
        written.append(api_item)
    return written
