"""Merge a mapped payload into an item file: fill what is missing, never overwrite the curator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.content.catalog import Catalog, ItemFile
from generator.errors import BuildError
from generator.sources.mapped import Mapped, as_dict


@dataclass
class ItemChange:
    """What one payload did to one item file."""

    ref: str
    created: bool = False
    set: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # the curator's value differs from upstream

    @property
    def changed(self) -> bool:
        return self.created or bool(self.set)

    def describe(self) -> str:
        if self.created:
            return f"created {self.ref} ({', '.join(self.set)})"
        text = f"updated {self.ref}: set {', '.join(self.set)}" if self.set else f"unchanged {self.ref}"
        if self.kept:
            text += f"; kept the curator's {', '.join(self.kept)}"
        return text


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def apply_mapped(
    catalog: Catalog, mapped: Mapped, *, fetched: str | None, media_type: str | None = None
) -> ItemChange:
    """Find (or create) the item for this payload and fill its missing fields.

    `fetched` is the date the payload was fetched; None (replay) leaves the source's date."""
    key = (mapped.source, mapped.external_id)
    existing = catalog.items.get(catalog.by_source[key]) if key in catalog.by_source else None
    kind = media_type or (existing.type if existing else None) or mapped.media_type
    if kind is None:
        raise BuildError(
            f"cannot tell whether {mapped.source}:{mapped.external_id} is a book, "
            "movie, game or music; pass --type"
        )
    if existing is None:
        existing = catalog.find(kind, title=mapped.title, year=(mapped.release_date or "")[:4] or None)
    if existing is None:
        if not mapped.title:
            raise BuildError(f"{mapped.source}:{mapped.external_id} has no title to create an item from")
        front = mapped.front_matter()
        if mapped.metadata:
            front["metadata"] = dict(mapped.metadata)
        front["sources"] = [_source_entry(mapped, fetched)]
        item = catalog.create(kind, front, mapped.description)
        return ItemChange(item.ref, created=True, set=sorted(mapped.front_matter()))
    change = ItemChange(existing.ref)
    merge_into(existing, mapped, change)
    ensure_source(existing, mapped, fetched, change)
    catalog.reindex(existing)
    return change


def merge_into(item: ItemFile, mapped: Mapped, change: ItemChange) -> None:
    front = item.front
    for name, value in mapped.front_matter().items():
        if name == "title" and front.get("title"):
            if front["title"] != value:
                change.kept.append(name)
            continue
        if _empty(front.get(name)):
            front[name] = value
            change.set.append(name)
        elif _norm(front[name]) != _norm(value):
            change.kept.append(name)
    metadata = as_dict(front.get("metadata"))
    for name, value in mapped.metadata.items():
        if _empty(metadata.get(name)):
            metadata[name] = value
            change.set.append(f"metadata.{name}")
        elif _norm(metadata[name]) != _norm(value):
            change.kept.append(f"metadata.{name}")
    if metadata and "metadata" not in front:
        item.front = front = _insert_before(front, "metadata", metadata, ("tags", "sources", "availability"))
    elif metadata:
        front["metadata"] = metadata
    if not item.body.strip() and mapped.description:
        item.body = mapped.description
        change.set.append("description")


def _norm(value: Any) -> str:
    return str(value).strip().casefold()


def _insert_before(front: dict[str, Any], key: str, value: Any, before: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in front.items():
        if k in before and key not in out:
            out[key] = value
        out[k] = v
    out.setdefault(key, value)
    return out


def _source_entry(mapped: Mapped, fetched: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"source": mapped.source, "id": mapped.external_id}
    if mapped.source_url:
        entry["url"] = mapped.source_url
    if fetched:
        entry["fetched"] = fetched
    return entry


def ensure_source(item: ItemFile, mapped: Mapped, fetched: str | None, change: ItemChange) -> None:
    sources = item.front.get("sources")
    if not isinstance(sources, list):
        sources = []
    for entry in sources:
        if isinstance(entry, dict) and (str(entry.get("source")), str(entry.get("id"))) == (
            mapped.source,
            mapped.external_id,
        ):
            if not entry.get("url") and mapped.source_url:
                entry["url"] = mapped.source_url
                change.set.append("sources.url")
            if fetched and str(entry.get("fetched") or "") != fetched:
                entry["fetched"] = fetched
                change.set.append("sources.fetched")
            break
    else:
        sources.append(_source_entry(mapped, fetched))
        change.set.append(f"sources.{mapped.source}")
    if "sources" not in item.front:
        item.front = _insert_before(item.front, "sources", sources, ("availability",))
    else:
        item.front["sources"] = sources
