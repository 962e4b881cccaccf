"""List the content folder: every file to parse, and what is wrong with the listing itself."""

from __future__ import annotations

import operator
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from generator.content.files import not_regular, special_file
from generator.content.model import COVER_SUFFIXES, MEDIA_TYPES
from generator.errors import Problem


class Task(NamedTuple):
    """One content file to parse: its kind ("curator", "item", "menu", "log"), absolute path,
    path as shown in messages, file name without the extension, and media type (items)."""

    kind: str
    path: str
    display: str
    stem: str
    media_type: str


def _tasks(
    folder: Path, suffix: str, kind: str, media_type: str, problems: list[Any], display: Callable[[Path], str]
) -> list[Task]:
    """Content files of one folder, sorted; stray files and links out of the site are errors.
    An item folder also holds cover images: not parsed, found by content/covers.py."""
    allowed = COVER_SUFFIXES if kind == "item" else ()
    if folder.is_symlink():
        problems.append(
            Problem(
                display(folder),
                None,
                "symbolic links are not followed in content",
                "replace the linked folder with a real one",
            )
        )
        return []
    if not folder.is_dir():
        return []
    out = []
    shown = display(folder)
    cut = len(suffix)
    # os.scandir: the entry types come with the listing, no extra system call per file; plain
    # strings, not Path objects, for the thousands of files of a big site. A regular file is
    # asked about first: it is what almost every entry is.
    for entry in sorted(os.scandir(folder), key=_name):
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_file(follow_symlinks=False):
            if name.endswith(suffix) and len(name) > cut:
                out.append(Task(kind, entry.path, f"{shown}/{name}", name[:-cut], media_type))
                continue
            if os.path.splitext(name)[1].lower() in allowed:
                continue
        if entry.is_symlink():
            problems.append(
                Problem(
                    f"{shown}/{name}",
                    None,
                    "symbolic links are not followed in content",
                    "replace the link with the file itself",
                )
            )
        elif not entry.is_dir(follow_symlinks=False) and (what := _special(entry)):
            problems.append(special_file(f"{shown}/{name}", what).problem)
        else:
            problems.append(
                Problem(
                    f"{shown}/{name}",
                    None,
                    f"unexpected {'folder' if entry.is_dir() else 'file'} here",
                    f"this folder holds only {suffix} files"
                    + (f" and cover images ({', '.join(allowed)})" if allowed else ""),
                )
            )
    return out


_name = operator.attrgetter("name")


def _special(entry: os.DirEntry[str]) -> str | None:
    """What a listed entry is when it is a pipe, a socket or a device (never opened)."""
    try:
        return not_regular(entry.stat(follow_symlinks=False).st_mode)
    except OSError:
        return None


def item_folders(content: Path) -> dict[str, int] | None:
    """The mtime_ns of the items folder and of each type folder in it, by absolute path;
    None when one of them is a link (what a link's target holds is not followed)."""
    items_dir = content / "items"
    found: dict[str, int] = {}
    for folder in (items_dir, *(items_dir / media_type for media_type in MEDIA_TYPES)):
        try:
            st = os.lstat(folder)
        except OSError:
            continue
        if stat.S_ISLNK(st.st_mode):
            return None
        found[str(folder)] = st.st_mtime_ns
    return found


def list_content(
    content: Path, display: Callable[[Path], str], items: list[Problem] | None = None
) -> list[Task | Problem]:
    """Every file to parse, and the listing's own problems, in the order they are reported.
    With `items`, the items folder is not listed: a kept item side's listing of it, which
    stands in for its files (itemside.ItemSide.listing_now), holds its problems."""
    plan: list[Task | Problem] = []
    plan.extend(_tasks(content / "curators", ".yaml", "curator", "", plan, display))
    if items is not None:
        plan.extend(items)
    else:
        _list_items(content / "items", display, plan)
    plan.extend(_tasks(content / "menus", ".md", "menu", "", plan, display))
    plan.extend(_tasks(content / "logs", ".yaml", "log", "", plan, display))
    return plan


def _list_items(items_dir: Path, display: Callable[[Path], str], plan: list[Task | Problem]) -> None:
    """The item files of each type folder, and what is wrong with the items folder itself."""
    if items_dir.is_symlink():
        plan.append(
            Problem(
                display(items_dir),
                None,
                "symbolic links are not followed in content",
                "replace the linked folder with a real one",
            )
        )
    elif items_dir.is_dir():
        for entry in sorted(items_dir.iterdir()):
            if entry.name in MEDIA_TYPES and (entry.is_dir() or entry.is_symlink()):
                continue  # a linked type folder is refused when its files are listed
            if entry.name.startswith("."):
                continue
            plan.append(
                Problem(
                    display(entry),
                    None,
                    f"unknown item type folder {entry.name!r}",
                    "items live in items/book, items/movie, items/game or items/music",
                )
            )
    for media_type in MEDIA_TYPES if not items_dir.is_symlink() else ():
        plan.extend(_tasks(items_dir / media_type, ".md", "item", media_type, plan, display))
