"""Availability derived from stored payloads: TMDB watch providers become availability rows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from generator.content.providers import watch_providers
from generator.db.ids import stable_id

if TYPE_CHECKING:
    import sqlite_utils


def derive_availability(db: sqlite_utils.Database, regions: Iterable[str] = ()) -> int:
    """Add a row per provider, region and format of every TMDB payload's `watch/providers`.

    Entries the curator wrote in the item file for the same provider, region and format win;
    `last_checked` is the day the payload was fetched. Returns the number of rows added."""
    wanted = {r.strip().upper() for r in regions if r.strip()}
    written = {
        (row["media_item_id"], row["provider"].casefold(), (row["region"] or "").upper(), row["format"] or "")
        for row in db.query("SELECT media_item_id, provider, region, format FROM media_item_availability")
    }
    rows = []
    for source in db.query(
        "SELECT media_item_id, external_id, raw_payload, fetched_at FROM media_sources "
        "WHERE source_name = 'tmdb' AND raw_payload IS NOT NULL ORDER BY media_item_id, external_id"
    ):
        try:
            payload = json.loads(source["raw_payload"])
        except ValueError:
            continue
        for offer in watch_providers(payload):
            if wanted and offer["region"].upper() not in wanted:
                continue
            key = (
                source["media_item_id"],
                offer["provider"].casefold(),
                offer["region"].upper(),
                offer["format"],
            )
            if key in written:
                continue
            written.add(key)
            rows.append(
                {
                    "id": stable_id(
                        "availability",
                        "tmdb",
                        source["external_id"],
                        offer["region"],
                        offer["format"],
                        offer["provider"],
                    ),
                    "media_item_id": source["media_item_id"],
                    "provider": offer["provider"],
                    "region": offer["region"],
                    "format": offer["format"],
                    "status": "available",
                    "url": offer["url"],
                    "last_checked": source["fetched_at"],
                }
            )
    if rows:
        with db.conn:
            db.table("media_item_availability").insert_all(rows, batch_size=500)
    return len(rows)
