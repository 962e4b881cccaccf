"""A published menu's downloads: a Letterboxd list, a Goodreads shelf, a plain CSV and JSON.

Each is made at build time from the database, as a page of its own route. The tracker
files use the columns those trackers' importers read: Letterboxd's list importer
(Position, Title, Year, Directors, tmdbID, imdbID, LetterboxdURI, Review) and the
Goodreads library export, which StoryGraph, BookWyrm and others import too. Every CSV is
written with the csv module, and a cell that a spreadsheet would run as a formula (one
starting with =, +, -, @, a tab or a carriage return) is neutralised with a leading
apostrophe, as OWASP recommends against CSV injection."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

from generator.site import urls
from generator.site.api import API_VERSION, SCHEMA_PATH, Link, item_api_url
from generator.site.filters import summary
from generator.site.keyed import keyed
from generator.site.queries import MENU_BY_SLUG, MENU_COURSES, MENU_ENTRIES, fetch_rows
from generator.support.readonly import Queryable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

LETTERBOXD_COLUMNS = ("Position", "Title", "Year", "Directors", "tmdbID", "imdbID", "LetterboxdURI", "Review")
# The columns of Goodreads' library export, in its order.
GOODREADS_COLUMNS = (
    "Book Id", "Title", "Author", "Author l-f", "Additional Authors", "ISBN", "ISBN13", "My Rating",
    "Average Rating", "Publisher", "Binding", "Number of Pages", "Year Published",
    "Original Publication Year", "Date Read", "Date Added", "Bookshelves",
    "Bookshelves with positions", "Exclusive Shelf", "My Review", "Spoiler", "Private Notes",
    "Read Count", "Owned Copies",
)  # fmt: skip
MENU_COLUMNS = (
    "Course", "Course Title", "Position", "Type", "Title", "Year", "Creators", "Note", "ISBN13",
    "imdbID", "tmdbID", "Other IDs", "URL", "Canonical URL",
)  # fmt: skip

# Each download page asks these with its menu's id (keyed queries, keyed.py).
MENU_ITEM_SOURCES = keyed(
    """
    SELECT {key}ci.id AS course_item_id, s.source_name, s.external_id, s.canonical_url
    FROM course_items ci JOIN courses mc ON mc.id = ci.course_id
    JOIN media_sources s ON s.media_item_id = ci.media_item_id
    WHERE {match} ORDER BY ci.id, s.source_name, s.external_id""",
    "mc.menu_id = :id",
    rows={"ci": "course_items", "mc": "courses", "s": "media_sources"},
    id="mc.menu_id",
)
MENU_ITEM_EXTRAS = keyed(
    """
    SELECT {key}ci.id AS course_item_id, i.canonical_url, json_extract(i.metadata, '$.imdb_id') AS imdb,
           b.isbn, b.pages, b.publisher
    FROM course_items ci JOIN courses mc ON mc.id = ci.course_id
    JOIN media_items i ON i.id = ci.media_item_id LEFT JOIN book_items b ON b.media_item_id = i.id
    WHERE {match} ORDER BY ci.id""",
    "mc.menu_id = :id",
    rows={"ci": "course_items", "mc": "courses", "i": "media_items", "b": "book_items"},
    id="mc.menu_id",
)


def neutralise(value: Any) -> Any:
    """A cell as a spreadsheet may open it safely: text a spreadsheet would read as a
    formula gets a leading apostrophe; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Iterable[Iterable[Any]], base_url: str) -> bytes:
    """UTF-8 CSV (RFC 4180: CRLF line ends, quoted where needed) of `rows`, the first its
    header; links absolute under `base_url`, None as an empty cell."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(
            [
                "" if cell is None else urls.absolute(base_url, cell.path) if isinstance(cell, Link) else cell
                for cell in map(neutralise, row)
            ]
        )
    return out.getvalue().encode("utf-8")


def menu_entries(db: Queryable, slug: str) -> dict[str, Any]:
    """A published menu's head and its items in menu order, each with its course, its ids
    by source, and the book fields the Goodreads columns ask for."""
    menu = fetch_rows(db, MENU_BY_SLUG, {"slug": slug})[0]
    assert menu["status"] == "published", "a draft has no downloads"
    courses = {c["id"]: c for c in fetch_rows(db, MENU_COURSES, {"id": menu["id"]})}
    ids: dict[str, dict[str, str]] = {}
    links: dict[str, dict[str, str]] = {}
    for row in fetch_rows(db, MENU_ITEM_SOURCES, {"id": menu["id"]}):
        ids.setdefault(row["course_item_id"], {}).setdefault(row["source_name"], row["external_id"])
        if row["canonical_url"]:
            links.setdefault(row["course_item_id"], {}).setdefault(row["source_name"], row["canonical_url"])
    extras = {row["course_item_id"]: row for row in fetch_rows(db, MENU_ITEM_EXTRAS, {"id": menu["id"]})}
    entries = fetch_rows(db, MENU_ENTRIES, {"id": menu["id"]})
    entries.sort(key=lambda e: (courses[e["course_id"]]["position"], e["position"]))
    for entry in entries:
        extra = extras[entry["course_item_id"]]
        entry["course"] = courses[entry["course_id"]]
        entry["ids"] = _ids(ids.get(entry["course_item_id"], {}), extra)
        entry["links"] = links.get(entry["course_item_id"], {})
        entry["canonical_url"] = extra["canonical_url"]
        entry["pages"], entry["publisher"] = extra["pages"], extra["publisher"]
    return {"menu": menu, "courses": list(courses.values()), "entries": entries}


def _ids(by_source: dict[str, str], extra: dict[str, Any]) -> dict[str, str]:
    """An item's ids: its sources', then its ISBN and IMDb id when it has them."""
    found = dict(by_source)
    if extra["isbn"]:
        found.setdefault("isbn", str(extra["isbn"]))
    imdb = extra["imdb"]
    if isinstance(imdb, str) and re.fullmatch(r"tt\d+", imdb):
        found.setdefault("imdb", imdb)
    return found


def plain(note: str) -> str:
    """A course note as plain text (its Markdown rendered and the tags dropped)."""
    return summary(note, 1_000_000) if note else ""


def _letterboxd_uri(entry: dict[str, Any]) -> str:
    """The film's Letterboxd address when a source knows it: its link, or its short code."""
    if entry["links"].get("letterboxd"):
        return str(entry["links"]["letterboxd"])
    code = entry["ids"].get("letterboxd", "")
    return f"https://boxd.it/{code}" if re.fullmatch(r"[A-Za-z0-9]{2,12}", code) else ""


def letterboxd_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The menu's films as a Letterboxd list: numbered in menu order, the note as review."""
    films = [e for e in data["entries"] if e["media_type"] == "movie"]
    rows: list[list[Any]] = [list(LETTERBOXD_COLUMNS)]
    for number, film in enumerate(films, start=1):
        rows.append(
            [
                number,
                film["title"],
                (film["release_date"] or "")[:4],
                ", ".join(film["creators"]),
                film["ids"].get("tmdb", ""),
                film["ids"].get("imdb", ""),
                _letterboxd_uri(film),
                plain(film["annotation"]),
            ]
        )
    return rows


def _last_first(name: str) -> str:
    """'Mary Shelley' as 'Shelley, Mary', the form of Goodreads' "Author l-f" column."""
    first, _, last = name.rpartition(" ")
    return f"{last}, {first}" if first else name


def goodreads_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The menu's books as a Goodreads library export: on a shelf named after the menu, to
    read, the note as review."""
    books = [e for e in data["entries"] if e["media_type"] == "book"]
    shelf = data["menu"]["slug"]
    rows: list[list[Any]] = [list(GOODREADS_COLUMNS)]
    for number, book in enumerate(books, start=1):
        authors = book["creators"] or [""]
        year = (book["release_date"] or "")[:4]
        values = {
            "Book Id": book["ids"].get("goodreads", ""),
            "Title": book["title"],
            "Author": authors[0],
            "Author l-f": _last_first(authors[0]),
            "Additional Authors": ", ".join(authors[1:]),
            "ISBN13": book["ids"].get("isbn", ""),
            "My Rating": 0,
            "Publisher": book["publisher"] or "",
            "Number of Pages": book["pages"] or "",
            "Year Published": year,
            "Original Publication Year": year,
            "Bookshelves": shelf,
            "Bookshelves with positions": f"{shelf} (#{number})",
            "Exclusive Shelf": "to-read",
            "My Review": plain(book["annotation"]),
            "Read Count": 0,
            "Owned Copies": 0,
        }
        rows.append([values.get(column, "") for column in GOODREADS_COLUMNS])
    return rows


def _other_ids(ids: dict[str, str]) -> str:
    return "; ".join(f"{name}:{value}" for name, value in sorted(ids.items()) if name not in MAIN_IDS)


MAIN_IDS = ("isbn", "imdb", "tmdb")


def menu_rows(data: dict[str, Any]) -> list[list[Any]]:
    """Every item of every course, in menu order, with its ids and links."""
    rows: list[list[Any]] = [list(MENU_COLUMNS)]
    for e in data["entries"]:
        ids = e["ids"]
        rows.append(
            [
                e["course"]["position"],
                e["course"]["title"],
                e["position"],
                e["media_type"],
                e["title"],
                (e["release_date"] or "")[:4],
                ", ".join(e["creators"]),
                e["annotation"],
                *(ids.get(name, "") for name in MAIN_IDS),
                _other_ids(ids),
                Link(urls.item_url(e["media_type"], e["slug"])),
                e["canonical_url"] or "",
            ]
        )
    return rows


def menu_document(data: dict[str, Any]) -> dict[str, Any]:
    """The whole menu as one JSON document: courses, items, notes (Markdown), ids, links."""
    menu = data["menu"]
    by_course: dict[str, list[dict[str, Any]]] = {}
    for e in data["entries"]:
        by_course.setdefault(e["course_id"], []).append(
            {
                "position": e["position"],
                "type": e["media_type"],
                "slug": e["slug"],
                "title": e["title"],
                "year": (e["release_date"] or "")[:4] or None,
                "creators": e["creators"],
                "note": e["annotation"],
                "ids": dict(sorted(e["ids"].items())),
                "links": {
                    "page": Link(urls.item_url(e["media_type"], e["slug"])),
                    "api": Link(item_api_url(e["media_type"], e["slug"])),
                    "canonical": e["canonical_url"],
                    "sources": dict(sorted(e["links"].items())),
                },
            }
        )
    return {
        "api_version": API_VERSION,
        "schema": Link(f"{SCHEMA_PATH}menu-export.schema.json"),
        "slug": menu["slug"],
        "title": menu["title"],
        "url": Link(urls.menu_url(menu["slug"])),
        "curator": {"handle": menu["curator_handle"], "name": menu["curator_name"]},
        "published_at": menu["published_at"],
        "introduction": menu["introduction"],
        "courses": [
            {
                "position": c["position"],
                "title": c["title"],
                "intent": c["intent"],
                "items": by_course.get(c["id"], []),
            }
            for c in data["courses"]
        ],
    }


# The routes' key queries and page functions (routes.py declares the routes).
_WITH_MEDIUM = """
    SELECT m.slug FROM menus m WHERE m.status = 'published' AND EXISTS (
        SELECT 1 FROM courses c JOIN course_items ci ON ci.course_id = c.id
        JOIN media_items i ON i.id = ci.media_item_id
        WHERE c.menu_id = m.id AND i.media_type = '{medium}')
    ORDER BY m.slug"""


def film_menu_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    """Published menus that serve at least one film."""
    return db.execute(_WITH_MEDIUM.format(medium="movie")).fetchall()


def book_menu_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    """Published menus that serve at least one book."""
    return db.execute(_WITH_MEDIUM.format(medium="book")).fetchall()


def letterboxd_page(db: Queryable, slug: str) -> tuple[str, dict[str, Any]]:
    return urls.menu_letterboxd_url(slug), {"rows": letterboxd_rows(menu_entries(db, slug))}


def goodreads_page(db: Queryable, slug: str) -> tuple[str, dict[str, Any]]:
    return urls.menu_goodreads_url(slug), {"rows": goodreads_rows(menu_entries(db, slug))}


def csv_page(db: Queryable, slug: str) -> tuple[str, dict[str, Any]]:
    return urls.menu_csv_url(slug), {"rows": menu_rows(menu_entries(db, slug))}


def json_page(db: Queryable, slug: str) -> tuple[str, dict[str, Any]]:
    return urls.menu_json_url(slug), menu_document(menu_entries(db, slug))
