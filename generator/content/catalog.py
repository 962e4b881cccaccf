"""The item files on disk as importers see them: find by source, ISBN or title + year; create."""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.content.fields import fitting_slug, slugify
from generator.content.files import read_text
from generator.content.itemfields import front_matter_order
from generator.content.model import MEDIA_TYPES
from generator.content.roundtrip import rewrite_markdown
from generator.content.writeback import markdown_text, read_front_matter, write_if_changed


def title_key(title: str) -> str:
    """Titles compared loosely: case, accents, punctuation and a leading article ignored.
    Letters of every script count ('三体' and '山体' stay two titles)."""
    decomposed = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[\W_]+", " ", text).strip()
    return re.sub(r"^(the|a|an) ", "", text)


@dataclass
class ItemFile:
    type: str
    slug: str
    path: Path
    front: dict[str, Any]
    body: str
    original: Any = None  # (front, body) as last read or written, to skip unchanged files

    @property
    def ref(self) -> str:
        return f"{self.type}/{self.slug}"

    @property
    def year(self) -> str | None:
        value = self.front.get("release_date")
        return str(value)[:4] if value else None

    def text(self) -> str:
        """The file's new text: a new file written whole; a file read from disk with only
        what changed changed, the curator's comments and formatting kept."""
        if self.original is None or not self.path.is_file():
            return markdown_text(self.front, self.body)
        old_front, old_body = self.original
        current = read_text(self.path, str(self.path), 20_000_000)
        new_front = placed(old_front, self.front)
        return rewrite_markdown(current, (old_front, old_body), (new_front, self.body), str(self.path))


@dataclass
class Catalog:
    """Every item file of a content folder, indexed for matching."""

    content_dir: Path
    items: dict[str, ItemFile] = field(default_factory=dict)
    by_source: dict[tuple[str, str], str] = field(default_factory=dict)
    by_title: dict[tuple[str, str, str | None], list[str]] = field(default_factory=dict)
    by_isbn: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, content_dir: Path) -> Catalog:
        catalog = cls(content_dir)
        for media_type in MEDIA_TYPES:
            folder = content_dir / "items" / media_type
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.md")):
                if path.name.startswith(".") or path.is_symlink():
                    continue
                display = (
                    str(path.relative_to(content_dir.parent))
                    if content_dir.parent in path.parents
                    else str(path)
                )
                front, body = read_front_matter(path, display)
                slug = str(front.get("slug") or path.stem)
                item = ItemFile(media_type, slug, path, front, body)
                item.original = (copy.deepcopy(front), body)
                catalog._index(item)
        return catalog

    def _index(self, item: ItemFile) -> None:
        self.items[item.ref] = item
        for source in item.front.get("sources") or []:
            if isinstance(source, dict) and source.get("source") and source.get("id") is not None:
                self.by_source[(str(source["source"]), str(source["id"]))] = item.ref
        title = item.front.get("title")
        if isinstance(title, str):
            for year in (item.year, None):
                key = (item.type, title_key(title), year)
                self.by_title.setdefault(key, []).append(item.ref)
        isbn = item.front.get("isbn")
        if isbn:
            self.by_isbn[re.sub(r"[^0-9X]", "", str(isbn))] = item.ref

    def reindex(self, item: ItemFile) -> None:
        """Index an item again after its sources or title changed."""
        self._index(item)

    def resolve(self, ref: str) -> str | None:
        """A `<type>/<slug>` or `<source>:<id>` reference → the item's ref."""
        if ref in self.items:
            return ref
        source, _, external = ref.partition(":")
        return self.by_source.get((source, external)) if external else None

    def find(
        self,
        media_type: str,
        *,
        sources: list[tuple[str, str]] = (),  # type: ignore[assignment]
        isbn: str | None = None,
        title: str | None = None,
        year: str | None = None,
    ) -> ItemFile | None:
        """The existing item for these identifiers: a source id first, then ISBN, then the
        title with the year (or the title alone when exactly one item of the type has it)."""
        for key in sources:
            ref = self.by_source.get(key)
            if ref and ref.startswith(media_type + "/"):
                return self.items[ref]
        if isbn and isbn in self.by_isbn:
            return self.items[self.by_isbn[isbn]]
        if title:
            loose = title_key(title)
            refs = self.by_title.get((media_type, loose, year)) if year else None
            if not refs and not year:
                refs = self.by_title.get((media_type, loose, None))
            if refs and len(set(refs)) == 1:
                return self.items[refs[0]]
        return None

    def new_slug(self, media_type: str, title: str, year: str | None) -> str:
        base = fitting_slug(title) or media_type
        candidates = [base] + ([f"{base}-{year}"] if year else [])
        for slug in candidates:
            if f"{media_type}/{slug}" not in self.items:
                return slug
        n = 2
        while f"{media_type}/{candidates[-1]}-{n}" in self.items:
            n += 1
        return f"{candidates[-1]}-{n}"

    def create(self, media_type: str, front: dict[str, Any], body: str = "") -> ItemFile:
        """A new item (not yet written); its slug comes from its title and year."""
        title = str(front.get("title") or "")
        if not slugify(title):
            title = " ".join(_source_words(front)) or title
        year = str(front["release_date"])[:4] if front.get("release_date") else None
        slug = self.new_slug(media_type, title, year)
        path = self.content_dir / "items" / media_type / f"{slug}.md"
        item = ItemFile(media_type, slug, path, ordered(front), body)
        self._index(item)
        return item

    def save(self) -> list[ItemFile]:
        """Write every item whose text changed; return those written."""
        written = []
        for item in self.items.values():
            if item.original == (item.front, item.body):
                continue
            if write_if_changed(item.path, item.text()):
                written.append(item)
            item.original = (copy.deepcopy(item.front), item.body)
        return written


def _source_words(front: dict[str, Any]) -> list[str]:
    """'wikidata Q42' of the first source: a slug for a title of no letters or digits."""
    sources = front.get("sources")
    first = sources[0] if isinstance(sources, list) and sources else None
    if not isinstance(first, dict):
        return []
    return [str(first.get("source") or ""), str(first.get("id") or "")]


def placed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`new` with the keys `old` had in their old order, and each added key placed before the
    first old key that comes after it in docs/content-format.md order (else last)."""
    order = {key: rank for rank, key in enumerate(front_matter_order())}
    keys = [k for k in old if k in new]
    for key in new:
        if key in old:
            continue
        rank = order.get(key, len(order))
        at = next((i for i, k in enumerate(keys) if order.get(k, len(order)) > rank), len(keys))
        keys.insert(at, key)
    return {k: new[k] for k in keys}


def ordered(front: dict[str, Any]) -> dict[str, Any]:
    """Front matter with the known keys in docs/content-format.md order, unknown ones after."""
    out = {k: front[k] for k in front_matter_order() if k in front}
    out.update({k: v for k, v in front.items() if k not in out})
    return out
