"""Letterboxd export (zip or folder) → items, the curator's log, and draft menus from lists."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from generator.content.catalog import Catalog, ItemFile, title_key
from generator.content.fields import fitting_slug, slugify
from generator.content.parallel import collector_paused
from generator.errors import ContentError
from generator.imports.common import (
    LogBook,
    Row,
    StateValues,
    Summary,
    read_csv,
    write_draft_menu,
)
from generator.imports.letterboxd_export import read_export
from generator.settings import Config, Settings
from generator.support.progress import track

FILES = ("watched.csv", "watchlist.csv", "ratings.csv", "diary.csv", "reviews.csv", "likes/films.csv")
CODE_RE = re.compile(r"^https?://(?:boxd\.it|letterboxd\.com)/([A-Za-z0-9]+)/?$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Film:
    """One film as the export knows it, from every file that mentions it."""

    name: str
    year: str | None
    code: str | None = None  # the film's boxd.it short code, when a file gives it
    status: str = "want"
    rating: int | None = None
    rating_date: str = ""
    favorite: bool = False
    logged: bool = False  # named by the activity files, not only by a list
    entries: list[dict[str, Any]] = field(default_factory=list)
    ref: str | None = None


def _year(row: Row, summary: Summary) -> tuple[bool, str | None]:
    """Whether the row names a film, and its year; a row that doesn't is skipped with a reason."""
    if not row.get("Name"):
        summary.skip(row, "no film name")
        return False, None
    year = row.get("Year")
    if year and not re.fullmatch(r"\d{4}", year):
        summary.skip(row, f"year {year!r} is not a year")
        return False, None
    return True, year or None


def _rating(row: Row, summary: Summary) -> tuple[bool, int | None]:
    """Letterboxd's 0.5–5 stars as Omakase's 1–10."""
    text = row.get("Rating")
    if not text:
        return True, None
    try:
        stars = float(text)
    except ValueError:
        stars = -1.0
    if not 0.5 <= stars <= 5 or (stars * 2) % 1:
        summary.skip(row, f"rating {text!r} is not 0.5–5 in half stars")
        return False, None
    return True, round(stars * 2)


def _day(row: Row, *keys: str) -> str | None:
    for key in keys:
        value = row.get(key)
        if DAY_RE.match(value):
            return value
    return None


class FilmTable:
    def __init__(self) -> None:
        self.films: dict[tuple[str, str | None], Film] = {}

    def film(self, name: str, year: str | None, code: str | None = None) -> Film:
        key = (title_key(name), year)
        film = self.films.get(key)
        if film is None:
            film = self.films[key] = Film(name=name, year=year)
        if code and not film.code:
            film.code = code
        return film


def _code(row: Row, key: str) -> str | None:
    match = CODE_RE.match(row.get(key))
    return match.group(1) if match else None


# Files whose Letterboxd URI is the film's own; diary and review rows link to the entry.
FILM_URI_FILES = ("watched.csv", "watchlist.csv", "ratings.csv", "likes/films.csv")


def _collect(files: dict[str, tuple[str, str]], summary: Summary) -> FilmTable:
    table = FilmTable()
    for name in FILES:
        if name not in files:
            continue
        text, display = files[name]
        rows = read_csv(text, display, required=("Name", "Year"))
        summary.rows += len(rows)
        for row in rows:
            _take(table, name, row, summary)
    return table


def _take(table: FilmTable, name: str, row: Row, summary: Summary) -> None:
    """Fold one row of the activity file `name` into its film, or skip it with a reason."""
    ok, year = _year(row, summary)
    if not ok:
        return
    ok, rating = _rating(row, summary) if "Rating" in row.values else (True, None)
    if not ok:
        return
    film = table.film(row.get("Name"), year, _code(row, "Letterboxd URI") if name in FILM_URI_FILES else None)
    day = _day(row, "Watched Date", "Date")
    if (
        name in ("diary.csv", "reviews.csv")
        and row.get("Watched Date")
        and not DAY_RE.match(row.get("Watched Date"))
    ):
        summary.skip(row, f"watched date {row.get('Watched Date')!r} is not YYYY-MM-DD")
        return
    summary.imported += 1
    if name != "watchlist.csv" and name != "likes/films.csv":
        film.status = "finished"
    if name == "likes/films.csv":
        film.favorite = True
    film.logged = True
    if rating is not None:
        # ratings.csv holds the current rating; otherwise the latest diary rating counts.
        stamp = "9999" if name == "ratings.csv" else (day or "")
        if film.rating is None or stamp >= film.rating_date:
            film.rating, film.rating_date = rating, stamp
    if name == "diary.csv" and day:
        rewatch = row.get("Rewatch").lower() == "yes"
        film.entries.append({"kind": "finished", "date": day, "note": "Rewatch." if rewatch else ""})
    if name == "reviews.csv" and day and row.get("Review"):
        film.entries.append({"kind": "note", "date": day, "note": row.get("Review")})


def _resolve(film: Film, catalog: Catalog, summary: Summary) -> ItemFile:
    """The item for a film: by Letterboxd id, else title + year, else a new item."""
    source_id = film.code or slugify(f"{film.name} {film.year or ''}") or "untitled"
    item = catalog.find("movie", sources=[("letterboxd", source_id)], title=film.name, year=film.year)
    if item is None:
        front: dict[str, Any] = {"title": film.name}
        if film.year:
            front["release_date"] = int(film.year)
        front["sources"] = [_source(source_id, film.code)]
        item = catalog.create("movie", front)
        summary.created.add(item.ref)
        return item
    if item.ref not in summary.created:
        summary.matched.add(item.ref)
    sources = item.front.setdefault("sources", [])
    has_letterboxd = isinstance(sources, list) and any(
        isinstance(s, dict) and s.get("source") == "letterboxd" for s in sources
    )
    if (
        isinstance(sources, list)
        and not has_letterboxd
        and ("letterboxd", source_id) not in catalog.by_source
    ):
        sources.append(_source(source_id, film.code))
        catalog.reindex(item)
    return item


def _source(source_id: str, code: str | None) -> dict[str, str]:
    entry = {"source": "letterboxd", "id": source_id}
    if code:
        entry["url"] = f"https://boxd.it/{code}"
    return entry


def _lists(
    files: dict[str, tuple[str, str]],
    table: FilmTable,
    catalog: Catalog,
    handle: str,
    summary: Summary,
    content_dir: Path,
) -> None:
    """Each list file becomes a draft menu of the curator's, with the list's films as a course."""
    for name in sorted(n for n in files if n.startswith("lists/")):
        text, display = files[name]
        meta, entries = _read_list(text, display)
        summary.rows += len(entries)
        if not meta and entries:
            meta = ["", _name_of(name)]
        if len(meta) < 2 or not meta[1].strip():
            summary.skipped.append((display, "list file without a list name"))
            continue
        items = _list_items(entries, table, catalog, summary)
        if not items:
            summary.skipped.append((display, "list has no films"))
            continue
        title = meta[1].strip()
        slug = fitting_slug(title) or "letterboxd-list"
        if (content_dir / "menus" / f"{slug}.md").exists():
            summary.menus_kept.append(slug)
        elif write_draft_menu(content_dir, slug, _menu_front(meta, title, handle, items), _list_body(meta)):
            summary.menus_created.append(slug)
            summary.files_written += 1


# A list written for Letterboxd's importer names its columns as the importer reads them.
IMPORTER_COLUMNS = {"Title": "Name", "LetterboxdURI": "URL", "Review": "Description"}


def _export_name(column: str, header: list[str]) -> str:
    """A column as an export's list file names it, unless the file has that column too."""
    name = IMPORTER_COLUMNS.get(column, column)
    return column if name != column and name in header else name


def _name_of(member: str) -> str:
    """A list's name from its file name, for a list file without a metadata record:
    'lists/alone-in-orbit-letterboxd.csv' -> 'Alone in orbit'."""
    stem = PurePosixPath(member).stem.removesuffix("-letterboxd")
    words = re.sub(r"[-_\s]+", " ", stem).strip()
    return words[:1].upper() + words[1:]


def _read_list(text: str, display: str) -> tuple[list[str], list[Row]]:
    """A list file's metadata record (Date, Name, Tags, URL, Description) and its film rows.

    An export's list file is two CSV tables one after the other: the list's own header and
    record, then a blank line and the films under a header starting with Position. A list
    made for Letterboxd's importer is the films' table alone, its columns named as the
    importer reads them (Title, Year, LetterboxdURI, Review …)."""
    meta: list[str] = []
    entries: list[Row] = []
    header: list[str] | None = None
    for record in csv.reader(io.StringIO(text, newline="")):
        if not record or not any(cell.strip() for cell in record):
            continue
        if record[:2] == ["Date", "Name"]:
            header = ["meta"]
            continue
        if record and record[0] == "Position":
            header = [
                IMPORTER_COLUMNS.get(c, c) if IMPORTER_COLUMNS.get(c) not in record else c for c in record
            ]
            continue
        if header == ["meta"] and not meta:
            meta = record
        elif header and header != ["meta"]:
            entries.append(Row(dict(zip(header, record, strict=False)), f"{display}:#{len(entries) + 1}"))
    return meta, entries


def _list_items(
    entries: list[Row], table: FilmTable, catalog: Catalog, summary: Summary
) -> list[dict[str, str]]:
    """The course items of a list: each film once, in list order, with the list's note."""
    items: list[dict[str, str]] = []
    seen: set[str] = set()
    for row in entries:
        ok, year = _year(row, summary)
        if not ok:
            continue
        film = table.film(row.get("Name"), year, _code(row, "URL"))
        film.ref = film.ref or _resolve(film, catalog, summary).ref
        summary.imported += 1
        if film.ref in seen:
            continue
        seen.add(film.ref)
        entry = {"item": film.ref}
        if row.get("Description"):
            entry["note"] = row.get("Description")
        items.append(entry)
    return items


def _menu_front(meta: list[str], title: str, handle: str, items: list[dict[str, str]]) -> dict[str, Any]:
    tags = [t for t in (slugify(t) for t in (meta[2] if len(meta) > 2 else "").split(",")) if t]
    front: dict[str, Any] = {"title": title, "curator": handle, "status": "draft"}
    if tags:
        front["tags"] = tags
    front["courses"] = [{"title": title, "intent": "Imported from a Letterboxd list.", "items": items}]
    return front


def _list_body(meta: list[str]) -> str:
    """The list's description, the menu's introduction."""
    return meta[4].strip() if len(meta) > 4 else ""


def _import_letterboxd(
    settings: Settings | Config, export: Path, handle: str, *, private: bool = False
) -> Summary:
    """The import itself, the collector paused by the caller."""
    settings = settings.resolve()
    content_dir = settings.content_dir
    summary = Summary("letterboxd")
    files = read_export(export)
    if not any(name in files for name in FILES) and not any(n.startswith("lists/") for n in files):
        raise ContentError(
            str(export),
            None,
            "no Letterboxd files found (diary.csv, watched.csv, lists/…)",
            "pass the .zip Letterboxd sent you, the folder it unpacks to, or one list's .csv file",
        )
    catalog = Catalog.load(content_dir)
    log = LogBook(content_dir, handle, catalog, private)
    table = _collect(files, summary)
    for film in track(list(table.films.values()), "Matching films"):
        film.ref = _resolve(film, catalog, summary).ref
    _lists(files, table, catalog, handle, summary, content_dir)
    for film in sorted(table.films.values(), key=lambda f: (f.name.lower(), f.year or "")):
        if film.ref is None or not film.logged:
            continue
        values = StateValues(film.status, rating=film.rating, favorite=film.favorite)
        log.state(film.ref, summary, values)
    entries = sorted(
        ((e["date"], film.ref, e) for film in table.films.values() if film.ref for e in film.entries),
        key=lambda t: (t[0], t[1], t[2]["kind"]),
    )
    for _, ref, e in entries:
        log.entry(ref, summary, kind=e["kind"], date=e["date"], note=e["note"])
    summary.files_written += len(catalog.save())
    summary.files_written += log.save()
    return summary


def import_letterboxd(
    settings: Settings | Config, export: Path, handle: str, *, private: bool = False
) -> Summary:
    """Import a Letterboxd export into the content folder. Running it twice changes nothing.
    With `private`, every state and entry it adds is private."""
    # Thousands of small objects that live until the end, no cycles: the collector's
    # passes over them took longer than the import itself.
    with collector_paused():
        return _import_letterboxd(settings, export, handle, private=private)
