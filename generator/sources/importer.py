"""`omakase import SOURCE ID` and `omakase replay`: fetch or read payloads, map, write items."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from generator.content.catalog import Catalog
from generator.errors import BuildError, ContentError
from generator.settings import Config, Settings
from generator.sources import SOURCES
from generator.sources.apply import ItemChange, apply_mapped
from generator.sources.http import HttpClient, user_agent
from generator.sources.payloads import (
    parse_payload,
    read_payload_file,
    store_payload,
    stored_payloads,
)
from generator.support.progress import track


@dataclass
class UpstreamReport:
    changes: list[ItemChange] = field(default_factory=list)
    payloads_written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"stored payload {p}" for p in self.payloads_written]
        out += [c.describe() for c in self.changes]
        out += [f"skipped {s}" for s in self.skipped]
        changed = sum(1 for c in self.changes if c.changed)
        out.append(
            f"{len(self.changes)} item(s) mapped, {changed} changed, "
            f"{len(self.payloads_written)} payload file(s) written, "
            f"{len(self.skipped)} skipped."
        )
        return out


def fetch_day() -> str:
    """The day a payload is fetched: today, or SOURCE_DATE_EPOCH's day for reproducible runs.
    (Not the build clock, which may be the last commit's time.)"""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = datetime.fromtimestamp(int(epoch), tz=UTC) if epoch.isdigit() else datetime.now(tz=UTC)
    return moment.date().isoformat()


def source_module(name: str):  # noqa: ANN201 - a source module
    if name not in SOURCES:
        raise BuildError(
            f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}, letterboxd, goodreads"
        )
    return SOURCES[name]


def import_upstream(
    settings: Settings | Config,
    source: str,
    raw_id: str,
    *,
    from_file: Path | None = None,
    media_type: str | None = None,
    client: HttpClient | None = None,
    api_url: str | None = None,
) -> UpstreamReport:
    """Fetch (or read) one upstream record, keep it verbatim, and create or update its item."""
    settings = settings.resolve()
    module = source_module(source)
    if from_file is not None:
        text, payload = read_payload_file(from_file)
    else:
        external_id = module.normalize_id(raw_id)
        url = module.request_url(external_id, api_url or module.BASE_URL)
        client = client or HttpClient(user_agent=user_agent(settings.base_url))
        text = client.get(url, source=source, min_interval=module.MIN_INTERVAL, headers=module.headers())
        payload = parse_payload(text, url)
    external_id = module.normalize_id(raw_id, payload)
    described = module.payload_id(payload)
    if described and described != external_id:
        where = str(from_file) if from_file is not None else "the response"
        raise ContentError(
            where,
            None,
            f"this payload describes {source}:{described}, not {source}:{external_id}",
            f"import it as '{described}', or pass the payload saved for {external_id}",
        )
    report = UpstreamReport()
    catalog = Catalog.load(settings.content_dir)
    mapped = module.map_payload(payload, external_id)
    change = apply_mapped(catalog, mapped, fetched=fetch_day(), media_type=media_type)
    if store_payload(settings.data_dir, source, external_id, text):
        report.payloads_written.append(f"{source}:{external_id}")
    catalog.save()
    report.changes.append(change)
    return report


def replay(settings: Settings | Config, source: str | None = None) -> UpstreamReport:
    """Re-map every stored payload with the current mappers, offline. Idempotent."""
    settings = settings.resolve()
    if source is not None:
        source_module(source)
    catalog = Catalog.load(settings.content_dir)
    report = UpstreamReport()
    for name, external_id, path in track(
        list(stored_payloads(settings.data_dir, source)), "Replaying payloads"
    ):
        if name not in SOURCES:
            report.skipped.append(f"{name}:{external_id} (no mapper for source {name!r})")
            continue
        if (name, external_id) not in catalog.by_source:
            report.skipped.append(
                f"{name}:{external_id} (no item lists this source; "
                f"run 'omakase import {name} {external_id} --from-file {path}')"
            )
            continue
        _, payload = read_payload_file(path)
        mapped = SOURCES[name].map_payload(payload, external_id)
        report.changes.append(apply_mapped(catalog, mapped, fetched=None))
    catalog.save()
    return report
