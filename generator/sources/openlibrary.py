"""Open Library works and editions: fetch by OL id, map to a book item.

A work names its authors by key only (/authors/OL382982A); their records are fetched and kept
beside it. A work record without a first publication date or a cover (many have neither) gets
them from the search index's document for the work, kept the same way."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from generator.errors import BuildError
from generator.sources.mapped import MEDIA, Mapped, Unsupported, as_dict, clean_date, language_codes

NAME = "openlibrary"
BASE_URL = "https://openlibrary.org"
MIN_INTERVAL = 1.0  # Open Library asks bulk users to stay around one request a second
ID_RE = re.compile(r"(OL\d+[WM])\b", re.IGNORECASE)
# Keys go into request URLs: only the documented shape is followed (no '@host' or '../').
AUTHOR_KEY = re.compile(r"^/authors/(OL\d+A)$")
SEARCH_FIELDS = "key,title,author_name,first_publish_year,cover_i"


def normalize_id(raw: str, payload: Any = None) -> str:
    """'OL45804W', '/works/OL45804W' or an openlibrary.org URL → 'OL45804W'."""
    match = ID_RE.search(raw)
    if not match and isinstance(payload, dict) and isinstance(payload.get("key"), str):
        match = ID_RE.search(payload["key"])
    if not match:
        raise BuildError(f"{raw!r} is not an Open Library id; use a work (OL…W) or edition (OL…M) id")
    return match.group(1).upper()


def payload_id(payload: Any) -> str | None:
    """The id of the record a payload describes, to catch a file saved for another record."""
    key = payload.get("key") if isinstance(payload, dict) else None
    match = ID_RE.search(key) if isinstance(key, str) else None
    return match.group(1).upper() if match else None


def request_url(external_id: str, base: str = BASE_URL) -> str:
    kind = "works" if external_id.endswith("W") else "books"
    return f"{base.rstrip('/')}/{kind}/{external_id}.json"


def headers() -> dict[str, str]:
    return {}


def author_ids(payload: Any) -> list[str]:
    """The author ids of a work ([{author: {key}}]) or an edition ([{key}]), in credit order."""
    ids = []
    for entry in as_dict(payload).get("authors") or []:
        entry = as_dict(entry)
        key = as_dict(entry.get("author")).get("key") or entry.get("key")
        match = AUTHOR_KEY.match(key) if isinstance(key, str) else None
        if match and match.group(1) not in ids:
            ids.append(match.group(1))
    return ids


def related(payload: Any, external_id: str, base: str = BASE_URL) -> dict[str, str]:
    """The authors' records; for a work short of a date or a cover, its search document."""
    root = base.rstrip("/")
    out = {author: f"{root}/authors/{author}.json" for author in author_ids(payload)}
    data = as_dict(payload)
    if external_id.endswith("W") and not (data.get("first_publish_date") and data.get("covers")):
        query = quote(f"key:/works/{external_id}", safe=":/")
        out[f"search/{external_id}"] = f"{root}/search.json?q={query}&fields={SEARCH_FIELDS}"
    return out


def describes(related_id: str, payload: Any) -> bool:
    """Whether a saved file is the related payload `related_id` (an author, a search)."""
    if related_id.startswith("search/"):
        return _search_doc(payload, related_id.split("/", 1)[1]) is not None
    return as_dict(payload).get("key") == f"/authors/{related_id}"


def is_related(external_id: str) -> bool:
    """Authors' records and search documents are kept for the works that name them."""
    return external_id.endswith("A") or external_id.startswith("search/")


def _search_doc(payload: Any, work_id: str) -> dict[str, Any] | None:
    docs = as_dict(payload).get("docs")
    for doc in docs if isinstance(docs, list) else []:
        if as_dict(doc).get("key") == f"/works/{work_id}":
            return as_dict(doc)
    return None


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("value")
    return value.strip() if isinstance(value, str) else ""


def _isbn13(isbn10: str) -> str | None:
    digits = re.sub(r"[^0-9Xx]", "", isbn10)
    if len(digits) != 10:
        return None
    core = "978" + digits[:9]
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(core))
    return core + str((10 - total % 10) % 10)


def _refuse_other_records(data: dict[str, Any]) -> None:
    if isinstance(data.get("docs"), list):
        raise Unsupported(
            "this is an Open Library search response, not a work or an edition",
            "save the record itself (openlibrary.org/works/OL…W.json); a search response "
            "goes after it, as a second --from-file",
            "docs",
        )
    kind = as_dict(data.get("type")).get("key")
    if kind not in (None, "/type/work", "/type/edition"):
        raise Unsupported(
            f"this Open Library record is of type {str(kind).rsplit('/', 1)[-1]!r}, not a work "
            f"or an edition; Omakase holds {MEDIA}",
            "import a work (OL…W) or an edition (OL…M)",
            "type",
        )


def map_payload(payload: Any, external_id: str, related: dict[str, Any] | None = None) -> Mapped:
    """A work gives title, first publication, cover, subjects and description; an edition adds
    pages, ISBN, publisher and languages. Authors are named from their records."""
    data = as_dict(payload)
    _refuse_other_records(data)
    related = related or {}
    kind = "works" if external_id.endswith("W") else "books"
    search = _search_doc(related.get(f"search/{external_id}"), external_id) or {}
    covers = [c for c in data.get("covers") or [] if isinstance(c, int) and c > 0]
    if not covers and isinstance(search.get("cover_i"), int) and search["cover_i"] > 0:
        covers = [search["cover_i"]]
    year = search.get("first_publish_year")
    mapped = Mapped(
        source=NAME,
        external_id=external_id,
        media_type="book",
        title=_text(data.get("title")) or None,
        release_date=clean_date(data.get("first_publish_date") or data.get("publish_date"))
        or (str(year) if isinstance(year, int) else None),
        cover_image_url=f"https://covers.openlibrary.org/b/id/{covers[0]}-L.jpg" if covers else None,
        canonical_url=f"https://openlibrary.org/{kind}/{external_id}",
        source_url=f"https://openlibrary.org/{kind}/{external_id}",
        description=_text(data.get("description")),
    )
    authors = _author_names(data, related) or [
        n.strip() for n in search.get("author_name") or [] if isinstance(n, str) and n.strip()
    ]
    if authors:
        mapped.fields["authors"] = list(dict.fromkeys(authors))
    _map_edition(data, mapped)
    subjects = [s for s in data.get("subjects") or [] if isinstance(s, str) and s.strip()]
    if subjects:
        mapped.metadata["subjects"] = list(dict.fromkeys(s.strip() for s in subjects))[:12]
    languages = language_codes([as_dict(lang).get("key") for lang in data.get("languages") or []])
    if languages:
        mapped.metadata["languages"] = languages
    if covers:
        mapped.metadata["cover_count"] = len(covers)
    return mapped


def _author_names(data: dict[str, Any], related: dict[str, Any]) -> list[str]:
    """Names from the authors' records; empty unless every author's record is at hand."""
    names = []
    for author in author_ids(data):
        record = as_dict(related.get(author))
        name = record.get("name") or record.get("personal_name")
        if not isinstance(name, str) or not name.strip():
            return []
        names.append(name.strip())
    return names


def _map_edition(data: dict[str, Any], mapped: Mapped) -> None:
    """Pages, ISBN-13 and publisher, which an edition has and a work does not."""
    if isinstance(data.get("number_of_pages"), int) and data["number_of_pages"] > 0:
        mapped.fields["pages"] = data["number_of_pages"]
    isbn13 = [re.sub(r"[^0-9]", "", i) for i in data.get("isbn_13") or [] if isinstance(i, str)]
    isbn10 = [_isbn13(i) for i in data.get("isbn_10") or [] if isinstance(i, str)]
    isbn = next((i for i in isbn13 + isbn10 if i and len(i) == 13), None)
    if isbn:
        mapped.fields["isbn"] = isbn
    publishers = [p for p in data.get("publishers") or [] if isinstance(p, str) and p.strip()]
    if publishers:
        mapped.fields["publisher"] = publishers[0].strip()
