"""A Pagefind glob that picks a bundle's pages out of a site, so that Pagefind reads them in place."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")


def site_glob(pages: Iterable[str]) -> str | None:
    """A Pagefind glob that picks exactly `pages` (paths relative to the site), or None
    when a path holds a character the glob would read as syntax. Pages that share a file
    name and their folder's parent make one alternative (`menus/{a,b}/index.html`), which
    keeps the glob short."""
    groups: dict[tuple[str, str], list[str]] = {}
    alternatives: list[str] = []
    for relpath in sorted(pages):
        if not _PLAIN_PATH.fullmatch(relpath):
            return None
        folder, _, name = relpath.rpartition("/")
        if not folder:
            alternatives.append(relpath)
            continue
        parent, _, leaf = folder.rpartition("/")
        groups.setdefault((parent, name), []).append(leaf)
    for (parent, name), leaves in groups.items():
        leaf = leaves[0] if len(leaves) == 1 else "{" + ",".join(leaves) + "}"
        alternatives.append(f"{parent}/{leaf}/{name}" if parent else f"{leaf}/{name}")
    return alternatives[0] if len(alternatives) == 1 else "{" + ",".join(alternatives) + "}"
