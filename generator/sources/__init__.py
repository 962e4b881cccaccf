"""Upstream catalogues: one module per source, each fetching and mapping its payloads."""

from __future__ import annotations

from types import ModuleType

from generator.sources import igdb, musicbrainz, openlibrary, tmdb, wikidata

SOURCES: dict[str, ModuleType] = {
    module.NAME: module for module in (openlibrary, musicbrainz, wikidata, tmdb, igdb)
}
