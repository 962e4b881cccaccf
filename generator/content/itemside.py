"""The items as the rest of a build sees them (keys, files, references, tags, card faces,
covers and their problems), kept in the build state as plain data. A build that finds every
item file, cover and payload as the side describes them (an edit of menus, logs or
curators) takes the side instead of loading and checking every item; `KeptItems` then
loads an item only when something asks for all of it."""

from __future__ import annotations

import marshal
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.content.model import Cover, Item
from generator.errors import Problem

FORMAT = 1
ProblemRow = tuple[str, "int | None", str, "str | None", str]


@dataclass
class ItemSide:
    """One load's items, in the order the site holds them, and what checking them found."""

    day: str  # the build day the staleness checks ran on
    inputs: str  # digest of the content hashes of the files under the items and sources folders
    refs: list[str]
    files: list[str]  # each item's file (absolute)
    faces: list[tuple[str, str]]  # each item's (type, title): what a menu's card shows of it
    tagged: list[tuple[list[str], str, int]]  # each item's (tags, file as shown, line)
    by_source: dict[str, str]  # "<source>:<id>" -> item ref
    file_problems: dict[str, list[Problem]]  # item file (absolute) -> what its parse found
    source_problems: list[Problem]  # sources claimed by two items
    tag_problems: list[list[Problem]]  # per item
    staleness: list[list[Problem]]  # per item
    covers: dict[str, Cover]  # item ref -> its cover file
    cover_problems: list[Problem]

    _faces: dict[str, tuple[str, str]] | None = field(default=None, init=False, repr=False, compare=False)

    def face(self, ref: str) -> tuple[str, str] | None:
        """The (type, title) of an item, None when there is no such item."""
        if self._faces is None:
            self._faces = dict(zip(self.refs, self.faces, strict=True))
        return self._faces.get(ref)


class KeptItems(Mapping[str, Item]):
    """`Site.items` when the side stood in for loading them: every key at hand, an item
    loaded (`load`, from its file) the first time it is asked for."""

    def __init__(self, side: ItemSide, load: Callable[[str], Item]) -> None:
        self.side = side
        self._files = dict(zip(side.refs, side.files, strict=True))
        self._load = load
        self._loaded: dict[str, Item] = {}

    def __getitem__(self, ref: str) -> Item:
        item = self._loaded.get(ref)
        if item is None:
            item = self._loaded[ref] = self._load(self._files[ref])
        return item

    def __contains__(self, ref: object) -> bool:
        return ref in self._files

    def __iter__(self) -> Iterator[str]:
        return iter(self.side.refs)

    def __len__(self) -> int:
        return len(self.side.refs)


def encode(side: ItemSide, key: Callable[[str], str]) -> bytes:
    """The side as the state keeps it, its paths made state keys by `key` (StatePaths)."""
    rows = _rows
    return marshal.dumps(
        (
            FORMAT,
            side.day,
            side.inputs,
            side.refs,
            [key(path) for path in side.files],
            side.faces,
            side.tagged,
            side.by_source,
            {key(path): rows(found) for path, found in side.file_problems.items()},
            rows(side.source_problems),
            [rows(found) for found in side.tag_problems],
            [rows(found) for found in side.staleness],
            {ref: (key(c.path), c.display, c.hash) for ref, c in side.covers.items()},
            rows(side.cover_problems),
        )
    )


def decode(blob: bytes, path_of: Callable[[str], str]) -> ItemSide | None:
    """The side a state keeps, its paths made absolute by `path_of`; None when unreadable."""
    try:
        data: Any = marshal.loads(blob)
        if data[0] != FORMAT:
            return None
        problems = _problems
        return ItemSide(
            day=data[1],
            inputs=data[2],
            refs=data[3],
            files=[path_of(key) for key in data[4]],
            faces=data[5],
            tagged=data[6],
            by_source=data[7],
            file_problems={path_of(key): problems(rows) for key, rows in data[8].items()},
            source_problems=problems(data[9]),
            tag_problems=[problems(rows) for rows in data[10]],
            staleness=[problems(rows) for rows in data[11]],
            covers={
                ref: Cover(path_of(path), display, digest)
                for ref, (path, display, digest) in data[12].items()
            },
            cover_problems=problems(data[13]),
        )
    except (ValueError, EOFError, TypeError, IndexError, KeyError):
        return None


def _rows(problems: list[Problem]) -> list[ProblemRow]:
    return [(p.path, p.line, p.message, p.hint, p.severity) for p in problems]


def _problems(rows: list[ProblemRow]) -> list[Problem]:
    return [Problem(*row) for row in rows]


def describe(
    items: Mapping[str, Item],
    files: Mapping[str, str],
    file_problems: dict[str, list[Problem]],
    checks: Any,
    covers: tuple[dict[str, Cover], list[Problem]],
    day: str,
) -> ItemSide:
    """The side of a load: its items (by ref, in order) and the file of each, what their
    parses found (by file), what the item checks found (validate.ValidationMemo) and the
    covers found with their problems. Its `inputs` are the engine's to fill."""
    values = list(items.values())
    return ItemSide(
        day=day,
        inputs="",
        refs=list(items),
        files=[files[ref] for ref in items],
        faces=[(item.type, item.title) for item in values],
        tagged=[(item.tags, item.path, item.line) for item in values],
        by_source=dict(checks.refs.by_source),
        file_problems=file_problems,
        source_problems=list(checks.sources),
        tag_problems=list(checks.item_tags),
        staleness=list(checks.item_staleness),
        covers=covers[0],
        cover_problems=covers[1],
    )
