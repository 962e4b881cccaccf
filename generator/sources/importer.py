"""`omakase import SOURCE ID` and `omakase replay`: fetch or read payloads, map, write items."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Sequence
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
from generator.sources.bundle import Bundle, complete, read_bundle
from generator.sources.covers import CoverFetcher, cover_from_file, fetch_cover
from generator.sources.http import HttpClient, user_agent
from generator.sources.mapped import Mapped, Unsupported, line_of_key
from generator.sources.payloads import (
    parse_payload,
    read_payload_file,
    store_payload,
    stored_payloads,
)
from generator.sources.vet import refuse_unbuildable
from generator.sources.written import read_written, save_written
from generator.support.progress import track


@dataclass
class UpstreamReport:
    changes: list[ItemChange] = field(default_factory=list)
    payloads_written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    covers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # a cover not saved, names left out

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
    """Where import_upstream gets the payload: saved files (the record's and the related ones
    it names, or folders of them), or a fetch through `client` (a fresh polite one by default)
    from `api_url` (the source's own API by default).

    And the cover: `cover` None fetches it when the payload is fetched (a saved payload stays
    offline), True or False always or never; `cover_from_file` is a local image instead;
    `cover_url` is a mirror for cover images and the Commons API."""

    from_file: Path | Sequence[Path] | None
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
    """Fetch (or read) one upstream record and those it refers to, keep them verbatim, and
    create or update its item. Nothing is written when the item would not build."""
    settings = settings.resolve()
    module = source_module(source)
    bundle, fetch = _bundle(settings, module, raw_id, origin)
    external_id = module.normalize_id(raw_id, bundle.payload)
    described = module.payload_id(bundle.payload)
    if described and described != external_id:
        raise ContentError(
            bundle.where,
            None,
            f"this payload describes {source}:{described}, not {source}:{external_id}",
            f"import it as '{described}', or pass the payload saved for {external_id}",
        )
    complete(bundle, module, external_id, settings.data_dir, fetch=fetch, base=origin.get("api_url"))
    report = UpstreamReport()
    catalog = Catalog.load(settings.content_dir)
    mapped = map_bundle(module, bundle, external_id)
    records = partial(read_written, settings.data_dir)
    written = records(source, external_id)
    change = apply_mapped(
        catalog,
        mapped,
        fetched=fetch_day(),
        media_type=media_type,
        origin=Origin(bundle.payload, records),
    )
    if change.changed:  # an unchanged file has no problem the payload brought
        refuse_unbuildable(settings, catalog.items[change.ref], bundle.where)
    for stored_id, text in [(external_id, bundle.text), *bundle.texts.items()]:
        if store_payload(settings.data_dir, source, stored_id, text):
            report.payloads_written.append(f"{source}:{stored_id}")
    report.warnings += bundle.warnings + [
        f"note: {source}:{rid} was not given, so the names it holds are left out "
        "(pass its payload with --from-file too, or import without --from-file)"
        for rid in bundle.missing
    ]
    _attach_cover(settings, catalog.items[change.ref], mapped, origin, report)
    catalog.save()
    save_written(settings.data_dir, source, external_id, change.ref, {**written, **change.wrote})
    report.changes.append(change)
    return report


def map_bundle(module: ModuleType, bundle: Bundle, external_id: str) -> Mapped:
    """The mapper's reading of the payload; a record of a kind Omakase does not hold (a TV
    show, a podcast) is a ContentError at the line of the payload that says so."""
    try:
        return module.map_payload(bundle.payload, external_id, bundle.related)
    except Unsupported as exc:
        raise ContentError(bundle.where, line_of_key(bundle.text, exc.key), exc.message, exc.hint) from None


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


def _bundle(
    config: Config, module: ModuleType, raw_id: str, origin: PayloadOrigin
) -> tuple[Bundle, Callable[[str], str] | None]:
    """The record's payload, from the files given or fetched now; and, when fetching, how to
    fetch the related ones too."""
    from_file = origin.get("from_file")
    if from_file is not None:
        paths = [from_file] if isinstance(from_file, Path) else list(from_file)
        return read_bundle(paths, module, raw_id), None
    client = origin.get("client") or HttpClient(user_agent=user_agent(config.base_url))
    base = origin.get("api_url") or module.BASE_URL
    external_id = module.normalize_id(raw_id)
    custom = getattr(module, "fetch", None)
    if custom is not None:
        url, text = custom(client, external_id, base)
    else:
        url = module.request_url(external_id, base)
        text = client.get(url, source=module.NAME, min_interval=module.MIN_INTERVAL, headers=module.headers())

    def fetch(related_url: str) -> str:
        return client.get(
            related_url, source=module.NAME, min_interval=module.MIN_INTERVAL, headers=module.headers()
        )

    where = url.split("?", 1)[0]  # messages name the record, never a key in the query
    return Bundle(text, parse_payload(text, where), where), fetch


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
        if name in SOURCES and getattr(SOURCES[name], "is_related", lambda _: False)(external_id):
            continue  # an author's or labels' payload, read with the record that names it
        if name not in SOURCES:
            report.skipped.append(f"{name}:{external_id} (no mapper for source {name!r})")
            continue
        if (name, external_id) not in catalog.by_source:
            report.skipped.append(
                f"{name}:{external_id} (no item lists this source; "
                f"run 'omakase import {name} {external_id} --from-file {path}')"
            )
            continue
        text, payload = read_payload_file(path)
        bundle = Bundle(text, payload, str(path))
        complete(bundle, SOURCES[name], external_id, settings.data_dir)
        try:
            mapped = map_bundle(SOURCES[name], bundle, external_id)
        except ContentError as exc:
            report.skipped.append(f"{name}:{external_id} ({exc.problem.message})")
            continue
        written = read_written(settings.data_dir, name, external_id)
        origin = Origin(payload, partial(read_written, settings.data_dir))
        change = apply_mapped(catalog, mapped, fetched=None, origin=origin)
        item = catalog.items[change.ref]
        try:
            if change.changed:
                refuse_unbuildable(settings, item, str(path))
        except ContentError as exc:
            item.front, item.body = copy.deepcopy(item.original)  # the file stays as it was
            report.skipped.append(f"{name}:{external_id} ({exc.problem.format()})")
            continue
        report.changes.append(change)
        records.append((name, external_id, change.ref, {**written, **change.wrote}))
    catalog.save()
    for name, external_id, ref, values in records:
        save_written(settings.data_dir, name, external_id, ref, values)
    return report
