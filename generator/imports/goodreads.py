"""Goodreads library export (CSV) → book items and the curator's log."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.content.catalog import Catalog, ItemFile
from generator.content.fields import slugify
from generator.content.parallel import collector_paused
from generator.errors import ContentError
from generator.imports.common import LogBook, Row, StateValues, Summary, read_csv, read_file
from generator.settings import Config, Settings
from generator.sources.apply import ItemChange, ensure_source, merge_into
from generator.sources.mapped import Mapped
from generator.support.progress import track

REQUIRED = ("Book Id", "Title", "Author", "My Rating", "Exclusive Shelf")
STATUSES = {"read": "finished", "currently-reading": "in_progress", "to-read": "want"}
ABANDONED = re.compile(r"did-?not-?finish|dnf|abandon", re.IGNORECASE)
SERIES_RE = re.compile(r"^(?P<title>.+?)\s*\((?P<series>[^()]*#\s*[\d.]+)\)\s*$")
GR_DATE = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$")


def unwrap(value: str) -> str:
    """Goodreads writes ISBNs as ="0123456789" so spreadsheets keep the zeros."""
    text = value.strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return re.sub(r"[^0-9Xx]", "", text).upper()


def _day(row: Row, key: str, summary: Summary) -> tuple[bool, str | None]:
    text = row.get(key)
    if not text:
        return True, None
    match = GR_DATE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            return True, dt.date(year, month, day).isoformat()
        except ValueError:
            pass
    summary.skip(row, f"{key} {text!r} is not a date")
    return False, None


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _mapped(row: Row, book_id: str) -> Mapped:
    title = row.get("Title")
    metadata: dict[str, Any] = {}
    match = SERIES_RE.match(title)
    if match:
        title, metadata["series"] = match.group("title"), match.group("series")
    authors = [row.get("Author")] + [a.strip() for a in row.get("Additional Authors").split(",")]
    year = _int(row.get("Original Publication Year")) or _int(row.get("Year Published"))
    mapped = Mapped(
        source="goodreads",
        external_id=book_id,
        media_type="book",
        title=title,
        release_date=str(year) if year else None,
        source_url=f"https://www.goodreads.com/book/show/{book_id}" if book_id else None,
        metadata=metadata,
    )
    fields: dict[str, Any] = {"authors": list(dict.fromkeys(a for a in authors if a))}
    isbn13, isbn10 = unwrap(row.get("ISBN13")), unwrap(row.get("ISBN"))
    if len(isbn13) == 13:
        fields["isbn"] = isbn13
    elif len(isbn10) == 10:
        metadata["isbn10"] = isbn10
    pages = _int(row.get("Number of Pages"))
    if pages:
        fields["pages"] = pages
    if row.get("Publisher"):
        fields["publisher"] = row.get("Publisher")
    mapped.fields = fields
    return mapped


@dataclass(frozen=True)
class Reading:
    """The log facts of one valid row: the book, its shelf, the curator's stars and days."""

    book_id: str
    shelf: str
    stars: int
    read_on: str | None
    added_on: str | None


def _reading(row: Row, summary: Summary) -> Reading | None:
    """The row's log facts, or None after recording why the row is skipped."""
    book_id = row.get("Book Id")
    # No id at all is a book Goodreads does not know yet (a file written for its importer,
    # such as a menu's goodreads.csv): it is matched by ISBN or title, and gets no source.
    if book_id and not book_id.isdigit():
        summary.skip(row, f"book id {book_id!r} is not a number")
        return None
    if not row.get("Title"):
        summary.skip(row, "no title")
        return None
    stars = _int(row.get("My Rating"))
    if stars is None or stars > 5:
        summary.skip(row, f"rating {row.get('My Rating')!r} is not 0–5")
        return None
    ok_read, read_on = _day(row, "Date Read", summary)
    # Only the first bad date is reported: the row is skipped either way.
    ok_added, added_on = _day(row, "Date Added", summary) if ok_read else (False, None)
    if not (ok_read and ok_added):
        return None
    shelf = row.get("Exclusive Shelf") or "read"
    return Reading(book_id, shelf, stars, read_on, added_on)


def _item(catalog: Catalog, mapped: Mapped, summary: Summary) -> ItemFile:
    """The book's item: found by Goodreads id, ISBN or title and year and filled, else created."""
    item = catalog.find(
        "book",
        sources=[("goodreads", mapped.external_id)] if mapped.external_id else [],
        isbn=mapped.fields.get("isbn"),
        title=mapped.title,
        year=mapped.release_date,
    )
    # The change record is for upstream imports' report; an export's summary counts items.
    change = ItemChange(item.ref if item else "")
    if item is None:
        front = mapped.front_matter()
        if mapped.metadata:
            front["metadata"] = mapped.metadata
        item = catalog.create("book", front)
        summary.created.add(item.ref)
    elif item.ref not in summary.created:
        summary.matched.add(item.ref)
        merge_into(item, mapped, change)
    if mapped.external_id:
        ensure_source(item, mapped, None, change)
    return item


def _tag_shelves(item: ItemFile, row: Row, shelf: str) -> None:
    """The row's own shelves become tags; status shelves are the log's business, not tags."""
    shelves = [s.strip() for s in row.get("Bookshelves").split(",") if s.strip()]
    existing = item.front.get("tags")
    tags: list[Any] = existing if isinstance(existing, list) else []
    for name in shelves:
        tag = slugify(name)
        if tag and name not in STATUSES and name != shelf and tag not in tags:
            tags.append(tag)
    if tags:
        item.front["tags"] = tags
        # sources and availability stay last in the file, where the format puts them.
        item.front = {
            k: item.front[k]
            for k in [k for k in item.front if k not in ("sources", "availability")]
            + [k for k in ("sources", "availability") if k in item.front]
        }


def _log(log: LogBook, ref: str, row: Row, reading: Reading, summary: Summary) -> None:
    """The curator's state for the book, and timeline entries for its dated events."""
    read_on, added_on, shelf = reading.read_on, reading.added_on, reading.shelf
    status = (
        "finished" if read_on else STATUSES.get(shelf) or ("abandoned" if ABANDONED.search(shelf) else "want")
    )
    values = StateValues(
        status,
        rating=reading.stars * 2 if reading.stars else None,
        private_notes=row.get("Private Notes"),
    )
    log.state(ref, summary, values)
    # Wanting a book is its state; starting one is an event. Other shelves say what they are.
    if added_on and shelf == "currently-reading":
        log.entry(ref, summary, kind="started", date=added_on)
    elif added_on and shelf not in STATUSES:
        log.entry(ref, summary, kind="note", date=added_on, note=f"Shelved as {shelf}.")
    if read_on:
        log.entry(ref, summary, kind="finished", date=read_on)
    if row.get("My Review") and (read_on or added_on):
        log.entry(ref, summary, kind="note", date=read_on or added_on or "", note=row.get("My Review"))


def _import_goodreads(
    settings: Settings | Config, export: Path, handle: str, *, private: bool = False
) -> Summary:
    """The import itself, the collector paused by the caller."""
    settings = settings.resolve()
    content_dir = settings.content_dir
    if not export.is_file():
        raise ContentError(
            str(export),
            None,
            "export file not found",
            "pass goodreads_library_export.csv from Goodreads' export page",
        )
    rows = read_csv(read_file(export), str(export), required=REQUIRED)
    summary = Summary("goodreads", rows=len(rows))
    catalog = Catalog.load(content_dir)
    log = LogBook(content_dir, handle, catalog, private)
    for row in track(rows, "Importing books"):
        reading = _reading(row, summary)
        if reading is None:
            continue
        item = _item(catalog, _mapped(row, reading.book_id), summary)
        _tag_shelves(item, row, reading.shelf)
        catalog.reindex(item)
        _log(log, item.ref, row, reading, summary)
        summary.imported += 1
    summary.files_written += len(catalog.save())
    summary.files_written += log.save()
    return summary


def import_goodreads(
    settings: Settings | Config, export: Path, handle: str, *, private: bool = False
) -> Summary:
    """Import a Goodreads library export. Running it twice changes nothing.
    With `private`, every state and entry it adds is private."""
    # Thousands of small objects that live until the end, no cycles: the collector's
    # passes over them took longer than the import itself.
    with collector_paused():
        return _import_goodreads(settings, export, handle, private=private)
