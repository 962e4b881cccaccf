"""The loaded site as plain dataclasses: what the files say, with where they said it."""

from __future__ import annotations

import operator
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from generator.errors import Problem

MEDIA_TYPES = ("book", "movie", "game", "music")
MENU_STATUSES = ("draft", "published")
STATE_STATUSES = ("want", "in_progress", "finished", "abandoned")
ENTRY_KINDS = ("started", "progress", "finished", "note", "goal")
AVAILABILITY_FORMATS = (
    "stream",
    "rent",
    "buy",
    "library",
    "physical",
    "ebook",
    "audiobook",
    "free",
)
AVAILABILITY_STATUSES = ("available", "leaving", "unavailable")
# Cover image files an item folder may hold, in the order a cover named after its item is looked for.
COVER_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".avif")

# The type-specific fields of items are declared in content/itemfields.py.


@dataclass
class Cover:
    """An item's cover image file, found by the loader beside the item file."""

    path: str  # absolute, for the build's image step
    display: str  # as shown in messages and stored
    hash: str  # of the file's bytes: the key of its processed variants
    image: dict[str, Any] = field(default_factory=dict)
    """What the build's image step made of it: size, colour, variants (empty until then)."""


@dataclass
class Curator:
    handle: str
    name: str
    bio: str = ""
    url: str | None = None
    email: str | None = None
    path: str = ""
    line: int = 1


@dataclass
class Source:
    source: str
    id: str
    url: str | None
    line: int
    fetched_at: str | None = None


@dataclass
class Availability:
    provider: str
    region: str | None
    format: str | None
    status: str
    url: str | None
    last_checked: str | None
    line: int


@dataclass
class Item:
    type: str
    slug: str
    title: str
    release_date: str | None = None
    cover_image_url: str | None = None
    canonical_url: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    availability: list[Availability] = field(default_factory=list)
    description: str = ""
    path: str = ""
    line: int = 1
    cover_line: int = 0  # of `cover:`, when the item names its cover file

    @property
    def ref(self) -> str:
        return f"{self.type}/{self.slug}"


@dataclass
class CourseItem:
    ref: str  # as written; the loader's checks replace it with the item's "<type>/<slug>"
    note: str
    line: int
    written: str = ""  # the reference as written, kept: the checks resolve from it every build

    def __post_init__(self) -> None:
        self.written = self.written or self.ref


@dataclass
class Course:
    title: str
    intent: str
    items: list[CourseItem]
    line: int


@dataclass
class Pairing:
    from_ref: str  # resolved by the loader's checks, like CourseItem.ref
    to_ref: str
    narrative: str
    line: int
    from_line: int
    to_line: int
    from_written: str = ""
    to_written: str = ""

    def __post_init__(self) -> None:
        self.from_written = self.from_written or self.from_ref
        self.to_written = self.to_written or self.to_ref


@dataclass
class Menu:
    slug: str
    title: str
    curator: str
    status: str
    published: str | None
    updated: str | None
    tags: list[str]
    forked_from: str | None
    aliases: list[str]
    courses: list[Course]
    pairings: list[Pairing]
    introduction: str
    path: str
    line: int = 1
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


@dataclass
class State:
    ref: str  # resolved by the loader's checks, like CourseItem.ref
    status: str
    rating: int | None
    favorite: bool
    notes: str
    private_notes: str
    line: int
    written: str = ""
    private: bool = False  # a private state is never published

    def __post_init__(self) -> None:
        self.written = self.written or self.ref


@dataclass
class Entry:
    ref: str  # resolved by the loader's checks, like CourseItem.ref
    kind: str
    date: str
    minutes: int | None
    progress: int | None
    target: str | None
    note: str
    private: bool
    line: int
    written: str = ""

    def __post_init__(self) -> None:
        self.written = self.written or self.ref


@dataclass
class Log:
    curator: str
    states: list[State]
    entries: list[Entry]
    path: str
    line: int = 1


@dataclass
class Share:
    """A share link for a draft menu, from data/shares.yaml; the token needs the site's secret."""

    menu: str
    id: str
    created: str  # ISO-8601 UTC timestamp
    expires: str
    revoked: bool
    path: str
    line: int
    token: str | None = None


@dataclass
class Site:
    """Everything the content folder says, checked and cross-referenced."""

    curators: dict[str, Curator] = field(default_factory=dict)
    items: Mapping[str, Item] = field(default_factory=dict)  # by "<type>/<slug>"
    menus: dict[str, Menu] = field(default_factory=dict)  # by slug
    logs: dict[str, Log] = field(default_factory=dict)  # by curator handle
    payloads: dict[tuple[str, str], str] = field(default_factory=dict)
    """(source, external_id) -> raw JSON text, verbatim from data/sources/."""
    shares: list[Share] = field(default_factory=list)
    """Live share links (not expired) whose token could be derived."""
    published_record: dict[str, int] = field(default_factory=dict)
    """Menu slugs published before (data/published-slugs.txt) -> their line there."""
    covers: dict[str, Cover] = field(default_factory=dict)
    """Item ref -> its cover image file, for the items that have one."""
    cards: dict[str, str] = field(default_factory=dict)
    """Menu slug -> its social card (engine/cards.py): image, width, height and alt, as the
    JSON text the database keeps. Published menus only."""
    item_side: Any = field(default=None, compare=False)
    """The items as the next build may take them without loading them (itemside.ItemSide):
    the side this load took, or the one it made; None when neither."""
    menu_side: Any = field(default=None, compare=False)
    """The menus as the next build may take them without their parses (menuside.MenuSide),
    made by a load without a memo; None otherwise."""
    items_made: object = field(default=None, compare=False)
    """Stands for the item objects: a load that gives the very same ones, in the same order,
    gives the same object (content/assembly.py); None when not known."""
    item_tag_names: list[str] | None = field(default=None, compare=False)
    """Every tag of an item, once, in order, when the checks worked them out (a process
    that loads again and again keeps them while the item objects are the same)."""


@dataclass
class Parsed:
    """What one file parsed into (None when it could not be), and the problems it has alone."""

    value: Any
    problems: list[Problem]


_SHARED = 40  # the longest string `share_strings` makes one object of: names, not prose


def share_strings(parsed: Parsed) -> None:
    """Make the short strings an item's parse repeats with thousands of others (its type,
    field names, tags, genres, countries, people) one object each (`sys.intern`), in place.
    Unpickling gives every parse its own copies: a process that keeps every parse in memory
    (the dev server) keeps far fewer objects so."""
    value = parsed.value
    if not isinstance(value, tuple) or not value or not isinstance(value[0], Item):
        return
    item = value[0]
    item.type = sys.intern(item.type)
    item.fields = {sys.intern(key): _shared(v) for key, v in item.fields.items()}
    item.metadata = {sys.intern(key): _shared(v) for key, v in item.metadata.items()}
    item.tags = [_short(tag) for tag in item.tags]


def _shared(value: Any) -> Any:
    if type(value) is list:
        return [_short(v) for v in value]
    return _short(value)


def _short(value: Any) -> Any:
    return sys.intern(value) if type(value) is str and len(value) <= _SHARED else value


def same_objects(now: Sequence[object], before: Sequence[object] | None) -> bool:
    """Whether `now` holds the very objects `before` did, in order: a process that loads
    again and again keeps an unchanged file's parse as the same object."""
    return before is not None and len(now) == len(before) and all(map(operator.is_, now, before))


class ParseCache(Protocol):
    """Parses of unchanged files kept between builds; `get` returns one or None. A parse may
    be the one an earlier build of this process used: the checks resolve references from
    what was written, so they give the same answer whether or not they ran on it before."""

    def get(self, path: Path | str, kind: str) -> Parsed | None: ...

    def put(self, path: Path | str, kind: str, parsed: Parsed) -> None: ...
