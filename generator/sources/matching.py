"""Which existing item an upstream record belongs to, and why: one item per work.

An edition, a release or a Wikidata entity names other records (its work, its release
group, its ids in other catalogues). When an item already lists one of those in its
`sources`, or has the record's ISBN, the record updates that item instead of creating a
second one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator.content.catalog import Catalog, ItemFile
from generator.sources.mapped import Mapped, as_dict

# Wikidata properties holding an entity's id in another catalogue this site imports from.
WIKIDATA_IDS = {
    "P648": ("openlibrary", "its Open Library id"),
    "P436": ("musicbrainz", "its MusicBrainz release group"),
    "P4947": ("tmdb", "its TMDB id"),
}  # IGDB's (P5794) is the game's slug; the igdb source's ids are numbers
OL_ID = re.compile(r"OL\d+[WM]$")


@dataclass(frozen=True)
class Match:
    """The item a record updates and the reason, said in the import's report."""

    item: ItemFile
    reason: str


def related_ids(mapped: Mapped, payload: Any) -> Iterator[tuple[str, str, str]]:
    """(source, id, description) of the other records this payload names."""
    data = as_dict(payload)
    if mapped.source == "openlibrary":
        for work in data.get("works") or []:
            key = as_dict(work).get("key")
            work_id = key.rsplit("/", 1)[-1] if isinstance(key, str) else ""
            if OL_ID.match(work_id):
                yield "openlibrary", work_id, f"the edition's work {work_id}"
    elif mapped.source == "musicbrainz":
        group = as_dict(data.get("release-group")).get("id")
        if mapped.external_id.startswith("release/") and isinstance(group, str):
            yield "musicbrainz", f"release-group/{group}", f"the release's release group {group}"
    elif mapped.source == "wikidata":
        yield from _wikidata_ids(data, mapped.external_id)


def _wikidata_ids(payload: dict[str, Any], qid: str) -> Iterator[tuple[str, str, str]]:
    entities = as_dict(payload.get("entities"))
    entity = as_dict(entities.get(qid)) if entities else payload
    claims = as_dict(entity.get("claims"))
    for prop, (source, what) in WIKIDATA_IDS.items():
        for statement in claims.get(prop) or []:
            value = as_dict(as_dict(as_dict(statement).get("mainsnak")).get("datavalue")).get("value")
            if isinstance(value, str) and value.strip():
                external = value.strip()
                if source == "musicbrainz":
                    external = f"release-group/{external}"
                yield source, external, f"{what} {value.strip()}"


def match_item(catalog: Catalog, mapped: Mapped, payload: Any, media_type: str | None) -> Match | None:
    """The item this record updates: one listing the record itself, one listing a record it
    names, one with its ISBN, else one of the type with its title and year."""
    ref = catalog.by_source.get((mapped.source, mapped.external_id))
    if ref:
        return Match(catalog.items[ref], f"{mapped.source}:{mapped.external_id} is its source")
    for source, external, what in related_ids(mapped, payload):
        ref = catalog.by_source.get((source, external))
        if ref:
            return Match(catalog.items[ref], f"{what} is its source")
    isbn = mapped.fields.get("isbn")
    if isinstance(isbn, str) and isbn in catalog.by_isbn:
        return Match(catalog.items[catalog.by_isbn[isbn]], f"its ISBN {isbn} is this record's")
    kind = media_type or mapped.media_type
    if kind and mapped.title:
        year = (mapped.release_date or "")[:4] or None
        item = catalog.find(kind, title=mapped.title, year=year)
        if item is not None:
            return Match(item, "same title" + (f" and year {year}" if year else ""))
    return None
