"""Goodreads library export (CSV) → book items and the curator's log."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from generator.content.catalog import Catalog
from generator.content.fields import slugify
from generator.errors import ContentError
from generator.imports.common import LogBook, Row, Summary, read_csv, read_file
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
        source_url=f"https://www.goodreads.com/book/show/{book_id}",
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


def import_goodreads(settings: Settings | Config, export: Path, handle: str) -> Summary:
    """Import a Goodreads library export. Running it twice changes nothing."""
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
    log = LogBook(content_dir, handle, catalog)
    for row in track(rows, "Importing books"):
        book_id = row.get("Book Id")
        if not book_id.isdigit():
            summary.skip(row, f"book id {book_id!r} is not a number")
            continue
        if not row.get("Title"):
            summary.skip(row, "no title")
            continue
        stars = _int(row.get("My Rating"))
        if stars is None or stars > 5:
            summary.skip(row, f"rating {row.get('My Rating')!r} is not 0–5")
            continue
        ok_read, read_on = _day(row, "Date Read", summary)
        ok_added, added_on = _day(row, "Date Added", summary) if ok_read else (False, None)
        if not (ok_read and ok_added):
            continue
        mapped = _mapped(row, book_id)
        item = catalog.find(
            "book",
            sources=[("goodreads", book_id)],
            isbn=mapped.fields.get("isbn"),
            title=mapped.title,
            year=mapped.release_date,
        )
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
        ensure_source(item, mapped, None, change)
        shelf = row.get("Exclusive Shelf") or "read"
        shelves = [s.strip() for s in row.get("Bookshelves").split(",") if s.strip()]
        tags = item.front.get("tags") if isinstance(item.front.get("tags"), list) else []
        for name in shelves:
            tag = slugify(name)
            if tag and name not in STATUSES and name != shelf and tag not in tags:
                tags.append(tag)
        if tags:
            item.front["tags"] = tags
            item.front = {
                k: item.front[k]
                for k in [k for k in item.front if k not in ("sources", "availability")]
                + [k for k in ("sources", "availability") if k in item.front]
            }
        catalog.reindex(item)
        status = (
            "finished"
            if read_on
            else STATUSES.get(shelf) or ("abandoned" if ABANDONED.search(shelf) else "want")
        )
        log.state(
            item.ref,
            summary,
            status=status,
            rating=stars * 2 if stars else None,
            private_notes=row.get("Private Notes"),
        )
        if added_on:
            log.entry(item.ref, summary, kind="note", date=added_on, note=f"Shelved as {shelf}.")
        if read_on:
            log.entry(item.ref, summary, kind="finished", date=read_on)
        if row.get("My Review") and (read_on or added_on):
            log.entry(
                item.ref, summary, kind="note", date=read_on or added_on or "", note=row.get("My Review")
            )
        summary.imported += 1
    summary.files_written += len(catalog.save())
    summary.files_written += log.save()
    return summary
