"""`omakase import SOURCE ID` and `omakase replay`: fetch or read payloads, map, write items."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any, TypedDict, Unpack

from generator.content.catalog import Catalog, ItemFile
from generator.errors import BuildError, ContentError, Problem
from generator.settings import Config, Settings
from generator.sources import SOURCES
from generator.sources.apply import ItemChange, Origin, apply_mapped
from generator.sources.covers import CoverFetcher, cover_from_file, fetch_cover
from generator.sources.http import HttpClient, user_agent
from generator.sources.mapped import Mapped
from generator.sources.payloads import (
    parse_payload,
    read_payload_file,
    store_payload,
    stored_payloads,
)
from generator.sources.written import read_written, save_written
from generator.support.progress import track


@dataclass
class UpstreamReport:
    changes: list[ItemChange] = field(default_factory=list)
    payloads_written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    covers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # a cover that could not be saved

    def lines(self) -> list[str]:
        out = [f"stored payload {p}" for p in self.payloads_written]
        out += [c.describe() for c in self.changes]
        out += self.covers
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


def source_module(name: str) -> ModuleType:
    """The mapper module of a source name; an unknown name is a BuildError listing the known."""
    if name not in SOURCES:
        raise BuildError(
            f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}, letterboxd, goodreads"
        )
    return SOURCES[name]


class PayloadOrigin(TypedDict, total=False):
    """Where import_upstream gets the payload: a saved file, or a fetch through `client`
    (a fresh polite one by default) from `api_url` (the source's own API by default).

    And the cover: `cover` None fetches it when the payload is fetched (a saved payload stays
    offline), True or False always or never; `cover_from_file` is a local image instead;
    `cover_url` is a mirror for cover images and the Commons API."""

    from_file: Path | None
    client: HttpClient | None
    api_url: str | None
    cover: bool | None
    cover_from_file: Path | None
    cover_url: str | None


def import_upstream(
    settings: Settings | Config,
    source: str,
    raw_id: str,
    *,
    media_type: str | None = None,
    **origin: Unpack[PayloadOrigin],
) -> UpstreamReport:
    """Fetch (or read) one upstream record, keep it verbatim, and create or update its item."""
    settings = settings.resolve()
    module = source_module(source)
    from_file = origin.get("from_file")
    if from_file is not None:
        text, payload = read_payload_file(from_file)
    else:
        text, payload = _fetch(settings, source, raw_id, origin)
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
    records = partial(read_written, settings.data_dir)
    written = records(source, external_id)
    change = apply_mapped(
        catalog, mapped, fetched=fetch_day(), media_type=media_type, origin=Origin(payload, records)
    )
    if store_payload(settings.data_dir, source, external_id, text):
        report.payloads_written.append(f"{source}:{external_id}")
    _attach_cover(settings, catalog.items[change.ref], mapped, origin, report)
    catalog.save()
    save_written(settings.data_dir, source, external_id, change.ref, {**written, **change.wrote})
    report.changes.append(change)
    return report


def _attach_cover(
    config: Config, item: ItemFile, mapped: Mapped, origin: PayloadOrigin, report: UpstreamReport
) -> None:
    """Save the item's cover as `origin` asks. A cover that cannot be had is a warning: the
    item itself is imported all the same."""
    wanted = origin.get("cover")
    local = origin.get("cover_from_file")
    if wanted is False or (local is None and wanted is None and origin.get("from_file") is not None):
        return
    try:
        if local is not None:
            report.covers.append(cover_from_file(item, local))
        else:
            client = origin.get("client") or HttpClient(user_agent=user_agent(config.base_url))
            fetcher = CoverFetcher(client, origin.get("cover_url"))
            report.covers.append(fetch_cover(item, mapped, fetcher))
    except ContentError as exc:
        problem = exc.problem
        warning = Problem(problem.path, problem.line, problem.message, problem.hint, "warning")
        report.warnings.append(f"{warning.format()}\n    (the cover of {item.ref} was skipped)")


def _fetch(config: Config, source: str, raw_id: str, origin: PayloadOrigin) -> tuple[str, Any]:
    """(verbatim text, parsed JSON) of the record as the source's API serves it now."""
    module = source_module(source)
    url = module.request_url(module.normalize_id(raw_id), origin.get("api_url") or module.BASE_URL)
    client = origin.get("client") or HttpClient(user_agent=user_agent(config.base_url))
    text = client.get(url, source=source, min_interval=module.MIN_INTERVAL, headers=module.headers())
    return text, parse_payload(text, url)


def replay(settings: Settings | Config, source: str | None = None) -> UpstreamReport:
    """Re-map every stored payload with the current mappers, offline. Idempotent."""
    settings = settings.resolve()
    if source is not None:
        source_module(source)
    catalog = Catalog.load(settings.content_dir)
    report = UpstreamReport()
    records: list[tuple[str, str, str, dict[str, Any]]] = []
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
        written = read_written(settings.data_dir, name, external_id)
        origin = Origin(payload, partial(read_written, settings.data_dir))
        change = apply_mapped(catalog, mapped, fetched=None, origin=origin)
        report.changes.append(change)
        records.append((name, external_id, change.ref, {**written, **change.wrote}))
    catalog.save()
    for name, external_id, ref, values in records:
        save_written(settings.data_dir, name, external_id, ref, values)
    return report
