"""A new site's files: omakase.yaml, example content, .gitignore and the CI workflow (`omakase init`)."""

from __future__ import annotations

import getpass
import re
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from generator.content.fields import SLUG_RE
from generator.errors import ContentError

STARTER = resources.files("generator") / "starter"
# Where each starter file goes in the new site (the package keeps no dotfiles).
PLACES = {
    "omakase.yaml": "omakase.yaml",
    "gitignore": ".gitignore",
    "workflow.yml": ".github/workflows/omakase.yml",
}
# The CI workflow is copied as it is: its ${{ … }} expressions are GitHub's.
WORKFLOW = "workflow.yml"
CONTENT_FOLDERS = ("curators", "items", "logs", "menus")
# What makes a folder a site already: init never writes over any of these.
SITE_MARKERS = ("omakase.yaml", "content", "templates", "data", "output")


def default_handle() -> str:
    """The user's login name as a curator handle, or `curator` when it is not a usable one."""
    try:
        name = re.sub(r"[^a-z0-9]+", "-", getpass.getuser().lower()).strip("-")
    except (OSError, KeyError):
        name = ""
    return name if name and SLUG_RE.fullmatch(name) else "curator"


def init_site(target: Path, *, handle: str, name: str, bare: bool = False) -> list[Path]:
    """Write a new site into `target` (made if missing); return the files written.

    Refuses a folder that already holds a site or any content, so nothing is overwritten."""
    if not SLUG_RE.fullmatch(handle):
        raise ContentError(
            "--curator",
            None,
            f"{handle!r} is not a usable handle",
            "use lowercase letters, digits and dashes",
        )
    _refuse_existing(target)
    values = {
        "handle": handle,
        "name": name or handle,
        "title": f"{name or handle}'s menus",
        "today": date.today().isoformat(),
    }
    written = [
        _write(STARTER / source, target / place, None if source == WORKFLOW else values)
        for source, place in PLACES.items()
    ]
    for folder in CONTENT_FOLDERS:
        (target / "content" / folder).mkdir(parents=True, exist_ok=True)
    if bare:
        for folder in CONTENT_FOLDERS:
            keep = target / "content" / folder / ".gitkeep"
            keep.touch()
            written.append(keep)
    else:
        written += _copy_tree(STARTER / "example", target, values)
    return written


def _refuse_existing(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise ContentError(str(target), None, "is a file, not a folder", "give a new or empty folder")
    if not target.is_dir():
        return
    found = [name for name in SITE_MARKERS if (target / name).exists()]
    others = [p.name for p in target.iterdir() if p.name not in (".git", *SITE_MARKERS)]
    if found or others:
        shown = ", ".join(sorted(found + others)[:5])
        raise ContentError(
            str(target),
            None,
            f"the folder is not empty ({shown}); omakase init writes only into a new or empty folder",
            "give a new folder name, e.g. `omakase init my-menus`, or empty this one first",
        )


def _write(source: Traversable, dest: Path, values: dict[str, str] | None) -> Path:
    """One starter file, with its $placeholders filled when `values` are given."""
    text = source.read_text(encoding="utf-8")
    if values is not None:
        text = Template(text).safe_substitute(values)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text, encoding="utf-8")
    return dest


def _copy_tree(source: Traversable, target: Path, values: dict[str, str]) -> list[Path]:
    """Every file under `source`, written at the same place under `target`; the curator
    file is named after the handle."""
    written = []
    for entry in source.iterdir():
        if entry.is_dir():
            written += _copy_tree(entry, target / entry.name, values)
        elif entry.name == "curator.yaml":
            written.append(_write(entry, target / f"{values['handle']}.yaml", values))
        else:
            written.append(_write(entry, target / entry.name, values))
    return written
