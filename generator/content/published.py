"""The record of published menu URLs (data/published-slugs.txt), so none disappears silently.

It is a committed file rather than the previous database or output, because CI builds a
fresh clone where neither exists; git history of content would need a full clone. The build
adds every menu URL it publishes; a later build that would drop one fails, naming the line.
A rename keeps the old slug in `aliases:` (it becomes a redirect); deleting the line is how a
maintainer retires a URL on purpose, visibly, in a reviewed diff."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from generator.content.files import not_regular, special_file
from generator.content.model import Site
from generator.errors import Problem
from generator.publish.atomic import write_atomic

RECORD_FILE = "published-slugs.txt"
_HEADER = """\
# Menu URLs (/menus/<slug>/) this site has published; `omakase build` adds to this list.
# A build that would drop one fails: keep a renamed menu's old slug in its `aliases:`
# (the old URL becomes a redirect), or delete the line here to retire the URL on purpose.
"""


def read_record(path: Path, display: str = RECORD_FILE) -> dict[str, int]:
    """slug -> line number; comments and blank lines skipped. A pipe or a device in its
    place is a ContentError: it is never opened."""
    try:
        what = not_regular(path.stat().st_mode)
    except OSError:
        return {}
    if what:
        raise special_file(display, what)
    out: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        slug = line.split("#", 1)[0].strip()
        if slug:
            out.setdefault(slug, number)
    return out


def check_record(site: Site, display: str) -> list[Problem]:
    """An error for every recorded slug that no published menu serves any more."""
    served: set[str] = set()
    for menu in site.menus.values():
        if menu.status == "published":
            served.add(menu.slug)
            served.update(menu.aliases)
    problems = []
    for slug, line in site.published_record.items():
        if slug in served:
            continue
        draft = site.menus.get(slug)
        if draft is not None:
            message = f"/menus/{slug}/ was published and {draft.path} is now a {draft.status}"
            hint = "publish it again, or delete this line to take the URL down on purpose"
        else:
            message = f"/menus/{slug}/ was published and no menu serves it any more"
            hint = (
                f"if the menu was renamed, add '{slug}' to its aliases: (the old URL then "
                "redirects); to retire the URL on purpose, delete this line"
            )
        problems.append(Problem(display, line, message, hint))
    return problems


def published_urls(db: sqlite3.Connection) -> set[str]:
    """Slugs and aliases of every published menu in a built database."""
    # SQLite reads the aliases' JSON: a site has thousands of menus, and a build asks each time.
    rows = db.execute(
        "SELECT slug FROM menus WHERE status = 'published' UNION "
        "SELECT alias.value FROM menus, json_each(menus.aliases) AS alias WHERE status = 'published'"
    )
    return {slug for (slug,) in rows}


def update_record(path: Path, slugs: set[str]) -> bool:
    """Add `slugs` to the record; rewrite only when something is new. True if it changed."""
    known = read_record(path)
    if slugs <= set(known):
        return False
    lines = sorted(set(known) | slugs)
    write_atomic(path, (_HEADER + "\n".join(lines) + "\n").encode("utf-8"))
    return True
