"""Find each item's cover image file beside it, and note its content hash for the build."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from generator.content.model import COVER_SUFFIXES, Cover, Item, Site
from generator.errors import Problem

COVER_HINT = "a cover is a file beside the item file: <slug>.jpg, .jpeg, .png, .webp or .avif"


def find_covers(site: Site, content: Path, problems: list[Problem]) -> None:
    """Set `site.covers`: the cover file of each item that has one, `cover:` naming it or
    named after the item file. Found anew at every load (not kept with the item's parse: a
    cover comes and goes without its item file changing)."""
    site.covers = {}
    listings: dict[str, set[str]] = {}
    for ref, item in site.items.items():
        folder = content / "items" / item.type
        if item.fields.get("cover"):
            found = _named(item, folder, problems)
        else:
            if item.type not in listings:
                listings[item.type] = _regular_files(folder)
            found = _beside(item, folder, listings[item.type], problems)
        if found is not None:
            path, display = found
            try:
                digest = hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()
            except OSError as exc:
                problems.append(Problem(display, None, f"cannot read cover: {exc.strerror}"))
                continue
            site.covers[ref] = Cover(path, display, digest)


def _display(item: Item, name: str) -> str:
    return str(Path(item.path).parent / name)


def _named(item: Item, folder: Path, problems: list[Problem]) -> tuple[str, str] | None:
    """The file `cover:` names, when it is a cover image in the item's folder."""
    name = str(item.fields["cover"])
    if "/" in name or "\\" in name or name.startswith("."):
        problems.append(
            Problem(
                item.path, item.line, f"cover {name!r} is not a file name", "name a file in the same folder"
            )
        )
        return None
    if os.path.splitext(name)[1].lower() not in COVER_SUFFIXES:
        problems.append(Problem(item.path, item.line, f"cover {name!r} is not a supported image", COVER_HINT))
        return None
    path = folder / name
    if _kind(path) != "file":  # a link is reported by the listing
        if _kind(path) is None:
            problems.append(
                Problem(
                    item.path, item.line, f"cover {name!r} not found", "put the file beside the item file"
                )
            )
        return None
    return str(path), _display(item, name)


def _regular_files(folder: Path) -> set[str]:
    """The names of the regular files in `folder`: one listing, where looking for each
    item's five possible cover names would ask the file system 50,000 times at 10,000 items."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name for entry in entries if entry.is_file(follow_symlinks=False)}
    except OSError:
        return set()


def _beside(item: Item, folder: Path, files: set[str], problems: list[Problem]) -> tuple[str, str] | None:
    """The cover named after the item file (`frankenstein.md` → `frankenstein.jpg`), if any;
    `files`: the regular files of its folder."""
    stem = os.path.basename(item.path).removesuffix(".md")
    found = [stem + suffix for suffix in COVER_SUFFIXES if stem + suffix in files]
    if len(found) > 1:
        problems.append(
            Problem(
                _display(item, found[1]),
                None,
                f"two covers for {item.ref}: {found[0]} and {found[1]}",
                "keep one of them",
            )
        )
        return None
    return (str(folder / found[0]), _display(item, found[0])) if found else None


def _kind(path: Path) -> str | None:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    return "file" if stat.S_ISREG(mode) else "other"
