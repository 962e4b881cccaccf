"""A payload with the payloads it refers to (authors, labels): from files, the store or a fetch.

A record names its authors, directors or genres by id; their names are in other records of the
same source. Each mapper says which (`related`), and those are kept beside the record under
data/sources/<source>/ so that `omakase replay` can name them again without the network.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from generator.errors import BuildError, ContentError
from generator.sources.http import FetchError
from generator.sources.payloads import parse_payload, payload_path, read_payload_file


@dataclass
class PayloadFile:
    path: Path
    text: str
    payload: Any


@dataclass
class Bundle:
    """One record's payload (`text`, `payload`, from `where`) and the related ones found."""

    text: str
    payload: Any
    where: str
    extras: list[PayloadFile] = field(default_factory=list)
    related: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # related payloads to store, verbatim
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def payload_files(paths: Sequence[Path]) -> list[Path]:
    """The files named, a folder standing for the .json files in it (sorted)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.glob("*.json") if p.is_file() and not p.name.startswith("."))
            if not found:
                raise ContentError(str(path), None, "no .json payload file in this folder")
            out.extend(found)
        else:
            out.append(path)
    return list(dict.fromkeys(out))


def _is_primary(module: ModuleType, raw_id: str, payload: Any) -> bool:
    try:
        return bool(module.payload_id(payload) == module.normalize_id(raw_id, payload))
    except BuildError:
        return False


def read_bundle(paths: Sequence[Path], module: ModuleType, raw_id: str) -> Bundle:
    """The record `raw_id` among saved payload files, the other files kept as extras. When no
    file describes the record, the first is taken (and refused later as another record's)."""
    files = [PayloadFile(p, *read_payload_file(p)) for p in payload_files(paths)]
    primary = next((f for f in files if _is_primary(module, raw_id, f.payload)), files[0])
    extras = [f for f in files if f is not primary]
    return Bundle(primary.text, primary.payload, str(primary.path), extras)


def wanted(module: ModuleType, payload: Any, external_id: str, base: str | None) -> dict[str, str]:
    """Related id → URL of the payloads the mapper would use."""
    related = getattr(module, "related", None)
    return related(payload, external_id, base or module.BASE_URL) if related else {}


def complete(
    bundle: Bundle,
    module: ModuleType,
    external_id: str,
    data_dir: Path,
    *,
    fetch: Callable[[str], str] | None = None,
    base: str | None = None,
) -> None:
    """Find every related payload: in the files given, then by `fetch` (when online), then in
    the store. A file given that is none of them is refused before anything is fetched."""
    urls = wanted(module, bundle.payload, external_id, base)
    used: set[int] = set()
    for rid in urls:
        for index, extra in enumerate(bundle.extras):
            if module.describes(rid, extra.payload):
                bundle.related[rid], bundle.texts[rid] = extra.payload, extra.text
                used.add(index)
                break
    for index, extra in enumerate(bundle.extras):
        if index not in used:
            raise ContentError(
                str(extra.path),
                None,
                f"this file is neither the {module.NAME} payload of {external_id} "
                "nor one that payload refers to",
                "it refers to: " + (", ".join(urls) or "no other payload"),
            )
    for rid, url in urls.items():
        if rid in bundle.related:
            continue
        if fetch is not None:
            try:
                text = fetch(url)
                bundle.related[rid], bundle.texts[rid] = parse_payload(text, url.split("?", 1)[0]), text
                continue
            except (FetchError, ContentError) as exc:
                bundle.warnings.append(
                    f"warning: {exc.format_message()} (names from {module.NAME}:{rid} left out)"
                )
        stored = payload_path(data_dir, module.NAME, rid)
        if stored.is_file():
            bundle.related[rid] = read_payload_file(stored)[1]
        else:
            bundle.missing.append(rid)
