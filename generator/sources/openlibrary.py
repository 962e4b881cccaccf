"""Open Library works and editions: fetch by OL id, map to a book item."""

from __future__ import annotations

import re
from typing import Any

from generator.errors import BuildError
from generator.sources.mapped import Mapped, as_dict, clean_date

NAME = "openlibrary"
BASE_URL = "https://openlibrary.org"
MIN_INTERVAL = 1.0  # Open Library asks bulk users to stay around one request a second
ID_RE = re.compile(r"(OL\d+[WM])\b", re.IGNORECASE)


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


def map_payload(payload: Any, external_id: str) -> Mapped:
    """A work gives title, first publication, cover, subjects and description; an edition adds
    pages, ISBN, publisher and languages."""
    data = as_dict(payload)
    kind = "works" if external_id.endswith("W") else "books"
    covers = [c for c in data.get("covers") or [] if isinstance(c, int) and c > 0]
    mapped = Mapped(
        source=NAME,
        external_id=external_id,
        media_type="book",
        title=_text(data.get("title")) or None,
        release_date=clean_date(data.get("first_publish_date") or data.get("publish_date")),
        cover_image_url=f"https://covers.openlibrary.org/b/id/{covers[0]}-L.jpg" if covers else None,
        canonical_url=f"https://openlibrary.org/{kind}/{external_id}",
        source_url=f"https://openlibrary.org/{kind}/{external_id}",
        description=_text(data.get("description")),
    )
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
    subjects = [s for s in data.get("subjects") or [] if isinstance(s, str) and s.strip()]
    if subjects:
        mapped.metadata["subjects"] = list(dict.fromkeys(s.strip() for s in subjects))[:12]
    languages = [
        lang["key"].rsplit("/", 1)[-1]
        for lang in data.get("languages") or []
        if isinstance(lang, dict) and isinstance(lang.get("key"), str)
    ]
    if languages:
        mapped.metadata["languages"] = languages
    if covers:
        mapped.metadata["cover_count"] = len(covers)
    return mapped
