"""Menu card rows: the cut of the introduction that cards show; the whole text on demand."""

from __future__ import annotations

from typing import Any

from generator.site.keyed import keyed
from generator.support.readonly import Queryable

CARD_SUMMARY = 160  # characters of a menu card's introduction (sqlfunctions.summary)
# A keyed query (keyed.py): an edit re-asks it only for the menus it changed, not for every
# card of every page that read it.
MENU_INTRODUCTION = keyed(
    "SELECT {key}introduction FROM menus m WHERE {match}",
    "m.id = :id",
    rows={"m": "menus"},
    id="m.id",
)


class MenuCard(dict[str, Any]):
    """A menu card's row. A template of the site's own that reads the whole `introduction`
    gets it, by a query of its own that the page records: so it still re-renders when the
    text changes, while the cards of the built-in templates depend on its first characters."""

    def __init__(self, db: Queryable, row: dict[str, Any]) -> None:
        super().__init__(row)
        self._db = db

    def __missing__(self, key: str) -> Any:
        if key != "introduction":
            raise KeyError(key)
        found = self._db.execute(MENU_INTRODUCTION, {"id": self["id"]}).fetchone()
        self[key] = found[0] if found else None
        return self[key]
