"""Upstream sources as readers know them: "Open Library", not "openlibrary: OL45804W"."""

from __future__ import annotations

import re
from urllib.parse import quote

LABELS = {
    "letterboxd": "Letterboxd",
    "openlibrary": "Open Library",
    "musicbrainz": "MusicBrainz",
    "wikidata": "Wikidata",
    "tmdb": "TMDB",
    "igdb": "IGDB",
    "goodreads": "Goodreads",
}

MBID_PATH = re.compile(r"(release-group|release|recording)/[0-9a-f-]{36}")


def source_label(name: str) -> str:
    """The source's own name for itself; a source this site does not know, as written."""
    return LABELS.get(name, name)


def source_link(name: str, external_id: str, url: str | None = None) -> str | None:
    """The record's page upstream: the URL the item file gives, else one made from the id
    where the source's addresses follow from it; None when neither."""
    if url:
        return url
    ident = quote(external_id, safe="/")
    if name == "openlibrary" and re.fullmatch(r"OL\d+[WM]", external_id):
        return f"https://openlibrary.org/{'works' if external_id.endswith('W') else 'books'}/{ident}"
    if name == "musicbrainz" and re.fullmatch(
        r"(release-group|release|recording)/[0-9a-f-]{36}", external_id
    ):
        return f"https://musicbrainz.org/{ident}"
    if name == "wikidata" and re.fullmatch(r"Q\d+", external_id):
        return f"https://www.wikidata.org/wiki/{ident}"
    if name == "tmdb" and external_id.isdigit():
        return f"https://www.themoviedb.org/movie/{ident}"
    if name == "goodreads" and external_id.isdigit():
        return f"https://www.goodreads.com/book/show/{ident}"
    return None
