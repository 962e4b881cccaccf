"""The items as the rest of a build sees them (keys, files, references, tags, card faces,
covers and their problems), kept in the build state as plain data. A build that finds every
item file, cover and payload as the side describes them (an edit of menus, logs or
curators) takes the side instead of loading and checking every item; `KeptItems` then
loads an item only when something asks for all of it."""

from __future__ import annotations

import marshal
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.content.model import Cover, Item
from generator.errors import Problem

FORMAT = 4
ProblemRow = tuple[str, "int | None", str, "str | None", str]


@dataclass
class TagCases:
    """What the tag-case check found over the items (validate.py), from where the menus'
    tags go on: the first spelling of each case-folded tag and its file, the spellings
    reported, and the problems."""

    first: dict[str, tuple[str, str]] = field(default_factory=dict)
    reported: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ItemSide:
    """One load's items, in the order the site holds them, and what checking them found."""

    refs: list[str]
    files: list[str]  # each item's file, as the state keys paths (`path_of` makes it absolute)
    titles: list[str]  # each item's title: what a menu's card shows of it, with its type
    tag_names: list[str]  # every tag of an item, once, in the order they come
    cases: TagCases
    by_source: dict[str, str]  # "<source>:<id>" -> item ref
    file_problems: dict[str, list[Problem]]  # item file (absolute) -> what its parse found
    source_problems: list[Problem]  # sources claimed by two items
    tag_problems: list[Problem]  # of the items' own tags, in item order
    staleness: list[Problem]  # in item order
    covers: dict[str, Cover]  # item ref -> its cover file
    cover_problems: list[Problem]
    # The items folder and its type folders (absolute path -> mtime_ns) when it was listed,
    # and what the listing and parses of its files found, in the order they are reported.
    folders: dict[str, int] = field(default_factory=dict)
    listing: list[Problem] = field(default_factory=list)
    path_of: Callable[[str], str] = str
    _places: dict[str, int] | None = field(default=None, init=False, repr=False, compare=False)

    def places(self) -> dict[str, int]:
        """Where each item is in the side's lists, by ref: one index for the files, the titles
        and the references' look-ups (it holds an entry per item)."""
        if self._places is None:
            self._places = {ref: number for number, ref in enumerate(self.refs)}
        return self._places

    def place(self, ref: str) -> int | None:
        """Where an item is in the side's lists, None when there is no such item."""
        return self.places().get(ref)

    def face(self, ref: str) -> tuple[str, str] | None:
        """The (type, title) of an item, None when there is no such item."""
        number = self.place(ref)
        return None if number is None else (ref.split("/", 1)[0], self.titles[number])

    def listing_now(self, folders: dict[str, int] | None) -> list[Problem] | None:
        """The side's listing of the items folder when its folders are as they were then
        (`folders`: as now). A folder's mtime moves when an entry comes, goes or is renamed
        in it, and the side is taken only while every file under it hashes as it did: the
        listing would find the same files and the same problems."""
        return list(self.listing) if folders and folders == self.folders else None

    def lists(self, paths: Iterable[str]) -> bool:
        """Whether `paths` (absolute) are exactly the side's item files."""
        wanted = set(paths)
        path_of = self.path_of
        return len(wanted) == len(self.files) and all(path_of(key) in wanted for key in self.files)


class KeptItems(Mapping[str, Item]):
    """`Site.items` when the side stood in for loading them: every key at hand, an item
    loaded (`load`, from its file, given as the state keys it) the first time it is asked for."""

    def __init__(self, side: ItemSide, load: Callable[[str], Item]) -> None:
        self.side = side
        self._load = load
        self._loaded: dict[str, Item] = {}

    def __getitem__(self, ref: str) -> Item:
        item = self._loaded.get(ref)
        if item is None:
            number = self.side.place(ref)
            if number is None:
                raise KeyError(ref)
            item = self._loaded[ref] = self._load(self.side.files[number])
        return item

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, str) and self.side.place(ref) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.side.refs)

    def __len__(self) -> int:
        return len(self.side.refs)


def item_face(items: Mapping[str, Item], ref: str) -> tuple[str, str] | None:
    """An item's (type, title), None when there is no such item; the kept side's when it
    stands in for the items."""
    if isinstance(items, KeptItems):
        return items.side.face(ref)
    item = items.get(ref)
    return (item.type, item.title) if item is not None else None


def item_tags(items: Mapping[str, Item]) -> list[str]:
    """Every tag of an item, once, in the order they come; the kept side's when it stands
    in for the items."""
    if isinstance(items, KeptItems):
        return items.side.tag_names
    return list(dict.fromkeys(tag for item in items.values() for tag in item.tags))


def encode(side: ItemSide, key: Callable[[str], str]) -> bytes:
    """The side as the state keeps it, its paths made state keys by `key` (StatePaths)."""
    rows = problem_rows
    cases = side.cases
    return marshal.dumps(
        (
            FORMAT,
            side.refs,
            side.files,
            side.titles,
            side.tag_names,
            (cases.first, sorted(cases.reported), rows(cases.problems)),
            side.by_source,
            {key(path): rows(found) for path, found in side.file_problems.items()},
            rows(side.source_problems),
            rows(side.tag_problems),
            rows(side.staleness),
            {ref: (key(c.path), c.display, c.hash) for ref, c in side.covers.items()},
            rows(side.cover_problems),
            {key(path): mtime for path, mtime in side.folders.items()},
            rows(side.listing),
        )
    )


def decode(blob: bytes, path_of: Callable[[str], str]) -> ItemSide | None:
    """The side a state keeps, `path_of` making its paths absolute; None when unreadable."""
    try:
        data: Any = marshal.loads(blob)
        if data[0] != FORMAT:
            return None
        problems = row_problems
        first, reported, case_rows = data[5]
        return ItemSide(
            refs=data[1],
            files=data[2],
            titles=data[3],
            tag_names=data[4],
            cases=TagCases(first, set(reported), problems(case_rows)),
            by_source=data[6],
            file_problems={path_of(key): problems(rows) for key, rows in data[7].items()},
            source_problems=problems(data[8]),
            tag_problems=problems(data[9]),
            staleness=problems(data[10]),
            covers={
                ref: Cover(path_of(path), display, digest)
                for ref, (path, display, digest) in data[11].items()
            },
            cover_problems=problems(data[12]),
            folders={path_of(key): mtime for key, mtime in data[13].items()},
            listing=problems(data[14]),
            path_of=path_of,
        )
    except (ValueError, EOFError, TypeError, IndexError, KeyError):
        return None


def problem_rows(problems: list[Problem]) -> list[ProblemRow]:
    """Problems as plain tuples, for marshal (the kept sides)."""
    return [(p.path, p.line, p.message, p.hint, p.severity) for p in problems]


def row_problems(rows: list[ProblemRow]) -> list[Problem]:
    """The problems `problem_rows` made tuples of."""
    return [Problem(*row) for row in rows]


def describe(
    items: Mapping[str, Item],
    files: tuple[Mapping[str, str], dict[str, list[Problem]]],
    checks: Any,
    covers: tuple[dict[str, Cover], list[Problem]],
    key: Callable[[str], str],
    listed: tuple[dict[str, int] | None, list[Problem]] = (None, []),
) -> ItemSide:
    """The side of a load: its items (by ref, in order), `files`: the file of each (`key`
    makes it a state key) and what their parses found (by file), what the item checks found
    (validate.ValidationMemo), the covers found with their problems, and the items folder's
    listing: its folders' times before it was listed and what it found (`listed`)."""
    values = list(items.values())
    file_of, file_problems = files
    return ItemSide(
        refs=list(items),
        files=[key(file_of[ref]) for ref in items],
        titles=[item.title for item in values],
        tag_names=item_tags(items),
        cases=checks.item_cases,
        by_source=dict(checks.refs.by_source),
        file_problems=file_problems,
        source_problems=list(checks.sources),
        tag_problems=[p for found in checks.item_tags for p in found],
        staleness=[p for found in checks.item_staleness for p in found],
        covers=covers[0],
        cover_problems=covers[1],
        folders=listed[0] or {},
        listing=listed[1],
    )
