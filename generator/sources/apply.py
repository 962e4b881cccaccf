"""Merge a mapped payload into an item file: fill what is missing, never overwrite the curator.

A value an earlier import wrote (and the curator left as it was) follows upstream; a value
the curator wrote or changed is kept, and the report says so."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from generator.content.catalog import Catalog, ItemFile
from generator.errors import BuildError
from generator.sources.mapped import Mapped, as_dict
from generator.sources.matching import match_item


def _no_record(source: str, external_id: str) -> dict[str, Any]:
    return {}


@dataclass
class Origin:
    """The payload a mapped record came from, and `records(source, id)`: what earlier imports
    of a record wrote into its item (field -> value)."""

    payload: Any = None
    records: Callable[[str, str], dict[str, Any]] = _no_record

    def written_for(self, item: ItemFile, mapped: Mapped) -> Written:
        own = self.records(mapped.source, mapped.external_id)
        others: dict[str, Any] = {}
        for entry in item.front.get("sources") or []:
            if isinstance(entry, dict) and entry.get("source") and entry.get("id") is not None:
                key = (str(entry["source"]), str(entry["id"]))
                if key != (mapped.source, mapped.external_id):
                    for name, value in self.records(*key).items():
                        others.setdefault(name, []).append(value)
        return Written(own, others)


@dataclass(frozen=True)
class Written:
    """What this record's imports wrote (field -> value), and what other records' imports
    wrote into the same item (field -> values): theirs is left alone, and not called the
    curator's."""

    own: dict[str, Any]
    others: dict[str, list[Any]] = field(default_factory=dict)


@dataclass
class ItemChange:
    """What one payload did to one item file."""

    ref: str
    created: bool = False
    set: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # the curator's value differs from upstream
    reason: str = ""  # why an existing item was taken for this record
    wrote: dict[str, Any] = field(default_factory=dict)  # field -> the value written now

    @property
    def changed(self) -> bool:
        return self.created or bool(self.set)

    def describe(self) -> str:
        if self.created:
            return f"created {self.ref} ({', '.join(self.set)})"
        text = f"updated {self.ref}" if self.set else f"unchanged {self.ref}"
        if self.reason:
            text += f": {self.reason}"
        if self.set:
            text += f"{';' if self.reason else ':'} set {', '.join(self.set)}"
        if self.kept:
            text += f"; kept the curator's {', '.join(self.kept)}"
        return text


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def apply_mapped(
    catalog: Catalog,
    mapped: Mapped,
    *,
    fetched: str | None,
    media_type: str | None = None,
    origin: Origin | None = None,
) -> ItemChange:
    """Find (or create) the item for this payload and fill its missing fields.

    `fetched` is the date the payload was fetched; None (replay) leaves the source's date."""
    origin = origin or Origin()
    match = match_item(catalog, mapped, origin.payload, media_type)
    existing = match.item if match else None
    kind = media_type or (existing.type if existing else None) or mapped.media_type
    if kind is None:
        raise BuildError(
            f"cannot tell whether {mapped.source}:{mapped.external_id} is a book, "
            "movie, game or music; pass --type"
        )
    if existing is None:
        if not mapped.title:
            raise BuildError(f"{mapped.source}:{mapped.external_id} has no title to create an item from")
        front = mapped.front_matter()
        if mapped.metadata:
            front["metadata"] = dict(mapped.metadata)
        front["sources"] = [_source_entry(mapped, fetched)]
        item = catalog.create(kind, front, mapped.description)
        change = ItemChange(item.ref, created=True, set=sorted(mapped.front_matter()))
        change.wrote = _offered(mapped)
        return change
    change = ItemChange(existing.ref)
    if match and match.reason != f"{mapped.source}:{mapped.external_id} is its source":
        change.reason = match.reason
    merge_into(existing, mapped, change, origin.written_for(existing, mapped))
    ensure_source(existing, mapped, fetched, change)
    catalog.reindex(existing)
    return change


def _offered(mapped: Mapped) -> dict[str, Any]:
    """Every value a payload offers, under the names the report and the record use."""
    out = {k: v for k, v in mapped.front_matter().items() if k != "title"}
    out.update({f"metadata.{k}": v for k, v in mapped.metadata.items()})
    if mapped.description.strip():
        out["description"] = mapped.description.strip()
    return out


def _take(current: Any, value: Any, name: str, written: Written | None, change: ItemChange) -> bool:
    """Whether upstream's `value` replaces `current`: when the field is empty, or holds what
    an earlier import of this record wrote. Another record's value stays; a value the
    curator wrote or changed is kept, and said to be."""
    if _empty(current):
        return True
    own = written.own if written else {}
    if current == value:
        if name in own:
            change.wrote[name] = value
        return False
    if name in own and own[name] == current:
        return True
    if written and current in written.others.get(name, []):
        return False
    if _norm(current) != _norm(value):
        change.kept.append(name)
    return False


def merge_into(item: ItemFile, mapped: Mapped, change: ItemChange, written: Written | None = None) -> None:
    """Fill the item's empty fields from `mapped`. With `written` (what earlier imports of
    this record wrote), a value still as the import wrote it follows upstream too."""
    front = item.front
    for name, value in mapped.front_matter().items():
        if name == "title" and front.get("title"):
            if front["title"] != value:
                change.kept.append(name)
            continue
        if _take(front.get(name), value, name, written, change):
            front[name] = value
            change.set.append(name)
            change.wrote[name] = value
    metadata = as_dict(front.get("metadata"))
    for name, value in mapped.metadata.items():
        key = f"metadata.{name}"
        if _take(metadata.get(name), value, key, written, change):
            metadata[name] = value
            change.set.append(key)
            change.wrote[key] = value
    if metadata and "metadata" not in front:
        item.front = front = _insert_before(front, "metadata", metadata, ("tags", "sources", "availability"))
    elif metadata:
        front["metadata"] = metadata
    description = mapped.description.strip()
    if description and _take(item.body.strip(), description, "description", written, change):
        item.body = description
        change.set.append("description")
        change.wrote["description"] = description


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
