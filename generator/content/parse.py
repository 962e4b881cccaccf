"""Turn one file's fields into a model object, noting every malformed field."""

from __future__ import annotations

from generator.content.fields import SLUG_RE, Fields, name_problem, shortened, slugify
from generator.content.itemfields import COMMON_AFTER, COMMON_BEFORE, ENUM, INT, LIST, TRACKS, fields_of
from generator.content.model import (
    AVAILABILITY_FORMATS,
    AVAILABILITY_STATUSES,
    ENTRY_KINDS,
    MENU_STATUSES,
    STATE_STATUSES,
    Availability,
    Course,
    CourseItem,
    Curator,
    Entry,
    Item,
    Log,
    Menu,
    Pairing,
    Source,
    State,
)
from generator.content.yamlsource import LocDict, LocList
from generator.errors import Problem

ITEM_COMMON = COMMON_BEFORE + COMMON_AFTER


def _stem_slug(f: Fields, stem: str) -> str | None:
    """The file name as slug, when the file has no `slug:` field."""
    if not SLUG_RE.match(stem):
        f.error(
            None,
            f"file name {stem!r} is not a valid slug",
            f"rename the file to {slugify(stem) or 'a-slug'} plus its extension",
        )
        return None
    problem = name_problem(stem, f"file name {shortened(stem)!r}")
    if problem is not None:
        f.error(None, *problem)
        return None
    return stem


def _file_slug(f: Fields, stem: str) -> str | None:
    """The slug of an item or menu: its file name, which `slug:` (optional) must repeat,
    so that a page, its API document and its file are named alike."""
    if not f.has("slug"):
        return _stem_slug(f, stem)
    slug = f.slug("slug")
    if slug is not None and slug != stem:
        f.error(
            "slug",
            f"slug {slug!r} does not match the file name {stem!r}",
            f"rename the file to {slug}.md, or write 'slug: {stem}'",
        )
        return None
    return slug


def parse_curator(data: LocDict, path: str, stem: str, problems: list[Problem]) -> Curator | None:
    f = Fields(data, path, problems, ("handle", "name", "bio", "url", "email"))
    handle = f.slug("handle", required=True)
    if handle and handle != stem:
        f.error(
            "handle",
            f"handle {handle!r} does not match the file name {stem!r}",
            f"rename the file to {handle}.yaml or the handle to {stem!r}",
        )
    name = f.text("name", required=True)
    curator = Curator(
        handle=handle or stem,
        name=name,
        bio=f.text("bio"),
        url=f.url("url"),
        email=f.optional_text("email"),
        path=path,
        line=data.line,
    )
    return curator if handle else None


def parse_item(
    data: LocDict, body: str, path: str, media_type: str, stem: str, problems: list[Problem]
) -> Item | None:
    specific = fields_of(media_type)
    f = Fields(data, path, problems, ITEM_COMMON + tuple(field.name for field in specific))
    slug = _file_slug(f, stem)
    title = f.text("title", required=True)
    fields: dict[str, object] = {}
    for field in specific:
        name, kind = field.name, field.kind
        if kind == LIST:
            fields[name] = f.text_list(name)
        elif kind == INT:
            fields[name] = f.integer(name, low=0)
        elif kind == TRACKS:
            fields[name] = _tracks(f, name, path, problems)
        elif kind == ENUM:
            fields[name] = f.enum(name, field.choices, default=field.choices[0])
        else:
            fields[name] = f.optional_text(name)
    item = Item(
        type=media_type,
        slug=slug or stem,
        title=title,
        release_date=f.date("release_date"),
        cover_image_url=f.url("cover_image_url"),
        canonical_url=f.url("canonical_url"),
        fields=fields,
        metadata=f.mapping("metadata"),
        tags=f.text_list("tags"),
        sources=[s for s in (_source(d, path, problems) for d in f.mapping_list("sources")) if s],
        availability=[
            a for a in (_availability(d, path, problems) for d in f.mapping_list("availability")) if a
        ],
        description=body,
        path=path,
        line=data.line,
        cover_line=f.line("cover") if f.has("cover") else 0,
    )
    return item if slug and title else None


def _tracks(f: Fields, key: str, path: str, problems: list[Problem]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for entry in f.mapping_list(key):
        t = Fields(entry, path, problems, ("title", "duration_seconds"))
        out.append(
            {
                "title": t.text("title", required=True),
                "duration_seconds": t.integer("duration_seconds", low=0),
            }
        )
    return out


def _source(data: LocDict, path: str, problems: list[Problem]) -> Source | None:
    f = Fields(data, path, problems, ("source", "id", "url", "fetched"))
    name = f.slug("source", required=True)
    external = f.text("id", required=True)
    if not name or not external:
        return None
    return Source(source=name, id=external, url=f.url("url"), line=data.line, fetched_at=f.date("fetched"))


def _availability(data: LocDict, path: str, problems: list[Problem]) -> Availability | None:
    f = Fields(data, path, problems, ("provider", "region", "format", "status", "url", "last_checked"))
    provider = f.text("provider", required=True)
    entry = Availability(
        provider=provider,
        region=f.optional_text("region"),
        format=f.enum("format", AVAILABILITY_FORMATS, default="") or None,
        status=f.enum("status", AVAILABILITY_STATUSES, default="available") or "available",
        url=f.url("url"),
        last_checked=f.date("last_checked"),
        line=data.line,
    )
    return entry if provider else None


def _check_position(f: Fields, kind: str, index: int, seen: dict[int, int]) -> None:
    """An optional `position:` must repeat the list order: 1, 2, 3… with no duplicate or gap."""
    position = f.integer("position", low=1)
    if position is None:
        return
    hint = "positions follow the order of the list: 1, 2, 3… without gaps"
    if position in seen:
        f.error("position", f"duplicate {kind} position {position} (also on line {seen[position]})", hint)
    elif position != index + 1:
        f.error(
            "position",
            f"{kind} position {position} but it is {kind} {index + 1} of the list"
            + (f": position {index + 1} is missing" if position > index + 1 else ""),
            hint,
        )
    seen.setdefault(position, f.line("position"))


MENU_FIELDS = (
    "title",
    "slug",
    "curator",
    "status",
    "published",
    "updated",
    "tags",
    "forked_from",
    "aliases",
    "courses",
    "pairings",
)


def parse_menu(data: LocDict, body: str, path: str, stem: str, problems: list[Problem]) -> Menu | None:
    f = Fields(data, path, problems, MENU_FIELDS)
    slug = _file_slug(f, stem)
    aliases = []
    for index, alias in enumerate(f.text_list("aliases")):
        problem = (
            name_problem(alias, f"alias {shortened(alias)!r}")
            if SLUG_RE.match(alias)
            else (f"alias {alias!r} is not a valid slug", None)
        )
        if problem is None:
            aliases.append(alias)
        else:
            line = data["aliases"].line_of(index) if isinstance(data["aliases"], LocList) else 0
            problems.append(Problem(path, line or f.line("aliases"), *problem))
    # A draft is work in progress: it may have no courses yet, or a course with no items.
    complete = data.get("status") == "published"
    courses = []
    course_positions: dict[int, int] = {}
    for index, course_data in enumerate(f.mapping_list("courses", required=complete)):
        c = Fields(course_data, path, problems, ("title", "intent", "items", "position"))
        _check_position(c, "course", index, course_positions)
        items = []
        item_positions: dict[int, int] = {}
        for item_index, item_data in enumerate(c.mapping_list("items", required=complete)):
            i = Fields(item_data, path, problems, ("item", "note", "position"))
            ref = i.text("item", required=True)
            _check_position(i, "item", item_index, item_positions)
            if ref:
                items.append(CourseItem(ref=ref, note=i.text("note"), line=i.line("item")))
        if not items and "items" in course_data and complete:
            c.error("items", "a course needs at least one item")
        courses.append(
            Course(
                title=c.text("title", required=True),
                intent=c.text("intent"),
                items=items,
                line=course_data.line,
            )
        )
    pairings = []
    for pair_data in f.mapping_list("pairings"):
        p = Fields(pair_data, path, problems, ("from", "to", "narrative"))
        source, target = p.text("from", required=True), p.text("to", required=True)
        if source and target:
            pairings.append(
                Pairing(source, target, p.text("narrative"), pair_data.line, p.line("from"), p.line("to"))
            )
    menu = Menu(
        slug=slug or stem,
        title=f.text("title", required=True),
        curator=f.text("curator", required=True),
        status=f.enum("status", MENU_STATUSES, default="draft") or "draft",
        published=f.date("published"),
        updated=f.date("updated"),
        tags=f.text_list("tags"),
        forked_from=f.slug("forked_from"),
        aliases=aliases,
        courses=courses,
        pairings=pairings,
        introduction=body,
        path=path,
        line=data.line,
        lines={key: f.line(key) for key in data},
    )
    return menu if slug else None


def parse_log(data: LocDict, path: str, stem: str, problems: list[Problem]) -> Log:
    f = Fields(data, path, problems, ("curator", "states", "entries"))
    curator = f.text("curator") or stem
    if curator != stem:
        f.error(
            "curator", f"log of {curator!r} is in the file of {stem!r}", f"rename the file to {curator}.yaml"
        )
    states = []
    for d in f.mapping_list("states"):
        s = Fields(
            d, path, problems, ("item", "status", "rating", "favorite", "notes", "private_notes", "private")
        )
        ref = s.text("item", required=True)
        rating = d.get("rating")
        if isinstance(rating, float):
            s.error(
                "rating",
                f"rating {rating} must be a whole number from 0 to 10",
                "ratings are out of 10: 3.5 stars is 7",
            )
            rating_value = None
        else:
            rating_value = s.integer("rating", 0, 10)
        state = State(
            ref=ref,
            status=s.enum("status", STATE_STATUSES) or "want",
            rating=rating_value,
            favorite=s.boolean("favorite"),
            notes=s.text("notes"),
            private_notes=s.text("private_notes"),
            line=s.line("item"),
            private=s.boolean("private"),
        )
        if ref:
            states.append(state)
    entries = []
    for d in f.mapping_list("entries"):
        e = Fields(
            d, path, problems, ("item", "kind", "date", "minutes", "progress", "target", "note", "private")
        )
        ref = e.text("item", required=True)
        entry = Entry(
            ref=ref,
            kind=e.enum("kind", ENTRY_KINDS) or "note",
            date=e.date("date", required=True) or "",
            minutes=e.integer("minutes", low=0),
            progress=e.integer("progress", 0, 100),
            target=e.date("target"),
            note=e.text("note"),
            private=e.boolean("private"),
            line=e.line("item"),
        )
        if ref:
            entries.append(entry)
    return Log(curator=curator, states=states, entries=entries, path=path, line=data.line)
