"""What a mapper makes of one upstream payload: canonical fields, metadata, description."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import langcodes
from langcodes.tag_parser import LanguageTagError

MEDIA = "books, movies, games and music"


class Unsupported(Exception):
    """A payload of a kind Omakase does not hold (a TV show, a podcast, a search result):
    the importer locates it at the line of `key` in the payload."""

    def __init__(self, message: str, hint: str, key: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint, self.key = message, hint, key


def line_of_key(text: str, key: str | None) -> int | None:
    """The line of the first `"key":` in a JSON text, or None."""
    if not key:
        return None
    match = re.search(rf'"{re.escape(key)}"\s*:', text)
    return text.count("\n", 0, match.start()) + 1 if match else None


@dataclass
class Mapped:
    """Item front-matter values from one payload; empty values are simply left out.

    `fields` holds the type-specific canonical fields (authors, runtime_minutes, …) under
    the names docs/content-format.md uses, so they can be written to an item file as they are."""

    source: str
    external_id: str
    media_type: str | None
    title: str | None = None
    release_date: str | None = None
    cover_image_url: str | None = None
    canonical_url: str | None = None
    source_url: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def front_matter(self) -> dict[str, Any]:
        """The top-level item fields this payload offers, in docs/content-format.md order."""
        out: dict[str, Any] = {}
        for key in ("title", "release_date", "cover_image_url", "canonical_url"):
            value = getattr(self, key)
            if value:
                out[key] = year_or_date(value) if key == "release_date" else value
        out.update({k: v for k, v in self.fields.items() if v not in (None, "", [], {})})
        return out


def as_dict(value: object) -> dict[str, Any]:
    """A JSON object of a payload as it is (the same dict, so edits land in it), or an empty
    one when the payload has something else there: upstream shapes are not to be trusted."""
    return value if isinstance(value, dict) else {}


def year_or_date(value: str) -> str | int:
    """A bare year is written as a number (1973), as curators write it; dates stay text."""
    return int(value) if re.fullmatch(r"\d{4}", value) else value


def clean_date(value: object) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD from the many shapes upstream dates come in."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = re.match(r"^\+?(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if not match:
        match = re.search(r"\b(\d{4})\b", text)
        return match.group(1) if match else None
    year, month, day = match.groups()
    if month and month != "00":
        if day and day != "00":
            return f"{year}-{month}-{day}"
        return f"{year}-{month}"
    return year


# Codes that name no language of the work: none, several, undetermined, private use.
_NOT_A_LANGUAGE = frozenset({"und", "zxx", "mul", "mis"})


def language_code(value: object) -> str | None:
    """The ISO 639-1 code ('en') of a language however a source writes it: 'eng' (ISO 639-2,
    MusicBrainz), '/languages/fre' (Open Library), 'en-US' (TMDB) or a name ('English', the
    Wikidata label). A language without a two-letter code keeps its ISO 639-3 code ('gag')."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().rsplit("/", 1)[-1]
    try:
        language = langcodes.Language.get(langcodes.standardize_tag(text, macro=True))
    except (LanguageTagError, ValueError):
        language = None
    if language is None or not language.is_valid():
        try:
            found = langcodes.find(value.strip())
            language = langcodes.Language.get(langcodes.standardize_tag(str(found), macro=True))
        except (LookupError, LanguageTagError, ValueError):
            return None
    code = language.language
    if not code or code in _NOT_A_LANGUAGE or code.startswith("qa"):
        return None
    return code


def language_codes(values: list[Any]) -> list[str]:
    """ISO 639-1 codes of several languages, in order, each once."""
    return list(dict.fromkeys(c for c in (language_code(v) for v in values) if c))
