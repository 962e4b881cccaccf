"""The menus as an edit's load takes them without unpickling each parse: every menu's face
(its fields but courses, pairings and introduction), what its parse and its checks found,
kept in the build state by the content hash of its file. An unchanged menu is then a
`KeptMenu`, its face at hand and the rest loaded the first time something reads it; what
its checks found is taken while they would find the same (the same item files, the same
curators)."""

from __future__ import annotations

import marshal
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from generator.content.itemside import ProblemRow, problem_rows, row_problems
from generator.content.model import Menu, Parsed
from generator.errors import Problem

FORMAT = 1
LAZY = frozenset(("courses", "pairings", "introduction"))
# The fields a menu's face holds, in the order a side keeps them: all but the lazy ones.
FACE = tuple(f.name for f in fields(Menu) if f.name not in LAZY)

# What the side keeps of a menu file: its content hash, face, the line its parse gave the
# menu, and the problems of its parse, of its tags and of its checks against the site.
Entry = tuple[bytes, tuple[Any, ...], int, list[ProblemRow], list[ProblemRow], list[ProblemRow]]


class KeptMenu(Menu):
    """A menu of an unchanged file, made from its face. Reading its courses, pairings or
    introduction loads the whole menu once (`load`), its references then resolved as the
    checks would (`resolve`, set when the checks were taken from the side)."""

    def __init__(self, entry: Entry, load: Callable[[], Menu]) -> None:
        self.__dict__.update(zip(FACE, entry[1], strict=True))
        self.__dict__["_kept"] = (entry, load, None)  # no resolver until the checks are taken

    def __getattr__(self, name: str) -> Any:
        kept = self.__dict__.get("_kept")
        if name not in LAZY or kept is None:
            raise AttributeError(name)
        _, load, resolve = kept
        whole = load()
        if callable(resolve):
            resolve(whole)
        for lazy in LAZY:
            self.__dict__[lazy] = getattr(whole, lazy)
        self.__dict__["_kept"] = None
        return self.__dict__[name]

    def kept_checks(
        self, side: MenuSide, curators: tuple[str, ...]
    ) -> tuple[list[Problem], list[Problem]] | None:
        """What checking this menu's tags and the menu found when the side was made, while
        the checks would find the same; None once it is loaded, or when they would not."""
        kept = self.__dict__.get("_kept")
        if kept is None or not side.checked or side.curators != curators:
            return None
        entry = kept[0]
        return row_problems(entry[4]), row_problems(entry[5])

    def resolve_with(self, resolve: Callable[[Menu], None]) -> None:
        """Resolve the references of the whole menu, once loaded, with `resolve`: the
        checks taken from the side did not."""
        kept = self.__dict__.get("_kept")
        if kept is not None:
            self.__dict__["_kept"] = (kept[0], kept[1], resolve)

    def kept_entry(self) -> Entry | None:
        """The side's entry of this menu while it stands: the menu not loaded, and its
        checks taken from it."""
        kept = self.__dict__.get("_kept")
        return kept[0] if kept is not None and callable(kept[2]) else None


@dataclass
class MenuSide:
    """Every menu file's entry by its path (absolute), the curators the checks saw, and
    whether the checks were made against the item files as they are now (`checked`)."""

    entries: dict[str, Entry]
    curators: tuple[str, ...]
    checked: bool = False
    hash_of: Callable[[str], bytes | None] = field(default=lambda path: None, repr=False)

    def parsed(self, path: str, load: Callable[[], Menu]) -> Parsed | None:
        """What the file at `path` parses into, from its entry, when its content is the
        one the entry was made from; None when not."""
        entry = self.entries.get(path)
        if entry is None or entry[0] != self.hash_of(path):
            return None
        menu = KeptMenu(entry, load)
        return Parsed((menu, entry[2]), row_problems(entry[3]))


def describe_menus(
    menus: list[tuple[str, Parsed]], checks: dict[int, Any], curators: tuple[str, ...]
) -> MenuSide:
    """The side of a load's menus: (file, parse) of each menu the site holds, and what the
    checks found of each (`checks`: by the menu's id, validate.ValidationMemo.menus). A
    kept menu whose checks were taken keeps its entry; a new entry's hash is left empty:
    the build state knows the files' (`encode`)."""
    entries: dict[str, Entry] = {}
    for path, got in menus:
        menu, line = got.value
        kept = menu.kept_entry() if isinstance(menu, KeptMenu) else None
        if kept is not None:  # the very entry: the state need not write it again
            entries[path] = kept
            continue
        _, tags, found = checks[id(menu)]
        face = tuple(getattr(menu, name) for name in FACE)
        entries[path] = (b"", face, line, problem_rows(got.problems), problem_rows(tags), problem_rows(found))
    return MenuSide(entries, curators)


def encode(entry: Entry, digest: bytes) -> bytes:
    """An entry as the state keeps it, with its file's content hash."""
    return marshal.dumps((digest, *entry[1:]))


def decode(rows: Iterable[tuple[str, bytes]], path_of: Callable[[str], str]) -> dict[str, Entry] | None:
    """The entries of the rows a state keeps (state key, encoded entry), by absolute path
    (`path_of`); None when one is unreadable."""
    try:
        return {path_of(key): marshal.loads(blob) for key, blob in rows}
    except (ValueError, EOFError, TypeError):
        return None
