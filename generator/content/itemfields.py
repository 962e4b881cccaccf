"""The type-specific item fields, declared once; parsing, DDL, rows, schemas and API follow.

Each media type has its own extension table (`<type>_items`, one row per item) whose columns
are its fields in the order declared here. That order is the column order of the table, the
key order of the API's `attributes` and of the editor schemas, so appending a field changes
no existing byte. Everything else reads `ITEM_FIELDS` when it runs, never a copy made at
import time, so one entry here is the whole of a new field (docs/recipes/add-an-item-field.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.content.model import MEDIA_TYPES

# Kinds of field. What each kind means in YAML, SQL, JSON Schema and the API is decided
# once per kind by the module that needs it (parse, db.schema, content.schemas).
LIST = "list"  # a list of text (a single text is read as a one-entry list); JSON array column
TEXT = "text"  # optional text; TEXT column, NULL when absent
INT = "int"  # optional whole number >= 0; INTEGER column
ENUM = "enum"  # one of `choices`, the first when absent; TEXT NOT NULL column
TRACKS = "tracks"  # a list of {title, duration_seconds}; JSON array column
KINDS = (LIST, TEXT, INT, ENUM, TRACKS)
JSON_KINDS = frozenset((LIST, TRACKS))


@dataclass(frozen=True, slots=True)
class ItemField:
    """One type-specific field: its front-matter key, kind, editor help and database column."""

    name: str
    """Front-matter key, and key of `Item.fields`."""
    kind: str
    help: str
    """Description shown by editors (the JSON Schema's `description`)."""
    column: str = ""
    """Column of the type's extension table, and key in the API's `attributes`; default `name`."""
    choices: tuple[str, ...] = ()
    """For ENUM: the allowed values; the first is the default."""
    creator: bool = False
    """The names of the item's makers: taste profiles count them as creators."""
    json: bool = field(init=False)
    """Stored as JSON text (the kinds LIST and TRACKS)."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"item field {self.name!r}: unknown kind {self.kind!r}")
        if (self.kind == ENUM) != bool(self.choices):
            raise ValueError(f"item field {self.name!r}: choices go with kind 'enum' only")
        object.__setattr__(self, "column", self.column or self.name)
        object.__setattr__(self, "json", self.kind in JSON_KINDS)

    @property
    def api_key(self) -> str:
        """The key of this field in the API's `attributes` (the column's name)."""
        return self.column


# The cover fields every type has, appended to each type's own (docs/content-format.md).
COVER_FIELDS = (
    ItemField("cover", TEXT, "Cover image file in the item's folder, when not named after the item file."),
    ItemField("cover_credit", TEXT, "Who made the cover image (Markdown links allowed)."),
    ItemField("cover_license", TEXT, "The cover image's license."),
)

ITEM_FIELDS: dict[str, tuple[ItemField, ...]] = {
    "book": (
        ItemField("authors", LIST, "Authors, in credit order.", creator=True),
        ItemField("isbn", TEXT, "ISBN-13, as a quoted string."),
        ItemField("pages", INT, "Page count."),
        ItemField("publisher", TEXT, "Publisher."),
        *COVER_FIELDS,
    ),
    "movie": (
        ItemField("directors", LIST, "Directors.", creator=True),
        ItemField("runtime_minutes", INT, "Running time in minutes."),
        ItemField("cast", LIST, "Main cast.", column="cast_members"),  # CAST is an SQL keyword
        ItemField("countries", LIST, "Production countries."),
        *COVER_FIELDS,
    ),
    "game": (
        ItemField("platforms", LIST, "Platforms."),
        ItemField("developers", LIST, "Developers.", creator=True),
        ItemField("publishers", LIST, "Publishers."),
        *COVER_FIELDS,
    ),
    "music": (
        ItemField("artists", LIST, "Artists.", creator=True),
        ItemField("kind", ENUM, "album or recording.", choices=("album", "recording")),
        ItemField("label", TEXT, "Record label."),
        ItemField("duration_minutes", INT, "Total duration in minutes."),
        ItemField("tracks", TRACKS, "Track list."),
        *COVER_FIELDS,
    ),
}

# Front-matter keys every item has, before and after the type-specific ones.
COMMON_BEFORE = ("title", "slug", "release_date", "cover_image_url", "canonical_url")
COMMON_AFTER = ("metadata", "tags", "sources", "availability")


def extension_table(media_type: str) -> str:
    """The table holding one row of type-specific fields per item of `media_type`."""
    return f"{media_type}_items"


def extension_tables() -> tuple[str, ...]:
    return tuple(extension_table(t) for t in MEDIA_TYPES)


def fields_of(media_type: str) -> tuple[ItemField, ...]:
    return ITEM_FIELDS[media_type]


def json_columns() -> frozenset[str]:
    """Columns of the extension tables that hold JSON text."""
    return frozenset(f.column for fields in ITEM_FIELDS.values() for f in fields if f.json)


def creator_columns() -> tuple[tuple[str, str], ...]:
    """(table, column) of every field naming an item's makers, in media type order."""
    return tuple((extension_table(t), f.column) for t in MEDIA_TYPES for f in ITEM_FIELDS[t] if f.creator)


def front_matter_order() -> tuple[str, ...]:
    """Every front-matter key of an item file, in the order new files are written."""
    specific = dict.fromkeys(f.name for t in MEDIA_TYPES for f in ITEM_FIELDS[t])
    return (*COMMON_BEFORE, *specific, *COMMON_AFTER)
