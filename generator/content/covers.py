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
    # One listing and one folder path per item type: this runs for every item at every load.
    folders: dict[str, tuple[Path, dict[str, list[str]]]] = {}
    for ref, item in site.items.items():
        if item.type not in folders:
            folder = content / "items" / item.type
            folders[item.type] = (folder, _images(folder))
        folder, images = folders[item.type]
        if item.fields.get("cover"):
            found = _named(item, folder, problems)
        elif images:
            found = _beside(item, folder, images, problems)
        else:
            continue
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
                item.path,
                item.cover_line or item.line,
                f"cover {name!r} is not a file name",
                "name a file in the same folder",
            )
        )
        return None
    if os.path.splitext(name)[1].lower() not in COVER_SUFFIXES:
        problems.append(
            Problem(
                item.path,
                item.cover_line or item.line,
                f"cover {name!r} is not a supported image",
                COVER_HINT,
            )
        )
        return None
    path = folder / name
    if _kind(path) != "file":  # a link is reported by the listing
        if _kind(path) is None:
            problems.append(
                Problem(
                    item.path,
                    item.cover_line or item.line,
                    f"cover {name!r} not found",
                    "put the file beside the item file",
                )
            )
        return None
    return str(path), _display(item, name)


def _images(folder: Path) -> dict[str, list[str]]:
    """The image files of an item folder, by their name in lower case: a camera's `.JPG`
    counts as `.jpg`. One listing per folder, not one look-up per item and extension."""
    found: dict[str, list[str]] = {}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in entries:
        lower = entry.name.lower()
        if os.path.splitext(lower)[1] in COVER_SUFFIXES and entry.is_file(follow_symlinks=False):
            found.setdefault(lower, []).append(entry.name)
    return found


def _beside(
    item: Item, folder: Path, images: dict[str, list[str]], problems: list[Problem]
) -> tuple[str, str] | None:
    """The cover named after the item file (`frankenstein.md` → `frankenstein.jpg`, or
    `.JPG`), if any."""
    stem = os.path.basename(item.path).removesuffix(".md").lower()
    found = sorted(name for suffix in COVER_SUFFIXES for name in images.get(stem + suffix, ()))
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
