"""Item references in menus and logs: `<type>/<slug>` or `<source>:<id>`, resolved to items."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from generator.content.fields import suggest
from generator.content.itemside import KeptItems
from generator.content.model import Site
from generator.errors import Problem


class RefIndex:
    """Resolves `<type>/<slug>` and `<source>:<id>` references to item refs."""

    def __init__(self, site: Site, by_source: dict[str, str] | None = None) -> None:
        """`by_source`: the index of source ids, when known (a kept item side's)."""
        self.items: Mapping[str, Any] = site.items
        if by_source is not None:  # the refs alone, looked up in C
            items = site.items
            self.items = items.side.places() if isinstance(items, KeptItems) else dict.fromkeys(items)
            self.by_source = by_source
            return
        self.by_source = {}
        for item in site.items.values():
            for source in item.sources:
                self.by_source[f"{source.source}:{source.id}"] = item.ref

    def resolve(self, ref: str) -> str | None:
        ref = ref.strip()
        if ref in self.items:
            return ref
        return self.by_source.get(ref)

    def hint(self, ref: str) -> str:
        choices = list(self.items)
        close = suggest(ref, choices)
        if not close and "/" in ref:
            slug = ref.split("/", 1)[1]
            close = suggest(slug, [r.split("/", 1)[1] for r in choices])
            if close:
                close = close.replace("did you mean", "did you mean an item named")
        return (
            close
            or "references are '<type>/<slug>' of a file in content/items/, "
            "or '<source>:<id>' of a source listed on an item"
        )


def resolved_ref(refs: RefIndex, path: str, written: str, line: int, problems: list[Problem]) -> str | None:
    """The item a reference names, or None with the problem noted."""
    resolved = refs.resolve(written)
    if resolved is None:
        problems.append(Problem(path, line, f"unknown item {written!r}", refs.hint(written)))
    return resolved


def resolve_each(
    refs: RefIndex,
    path: str,
    entries: Sequence[Any],
    problems: list[Problem],
    again: Callable[[str, int], tuple[str, str]],
) -> dict[str, int]:
    """Resolve each entry's reference into its `ref`, noting unknown ones, and an item named
    a second time with the message and hint `again` gives (the item, its first line).
    Returns each item's first line."""
    seen: dict[str, int] = {}
    for entry in entries:
        resolved = resolved_ref(refs, path, entry.written, entry.line, problems)
        if resolved is None:
            continue
        entry.ref = resolved
        if resolved in seen:
            message, hint = again(resolved, seen[resolved])
            problems.append(Problem(path, entry.line, message, hint))
        seen[resolved] = entry.line
    return seen
