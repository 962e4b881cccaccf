"""The route table: which pages exist, the query that feeds each, and its template."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from generator.site import queries, urls


@dataclass(frozen=True)
class Page:
    """One file of the site: its URL, the template that renders it and the data it shows."""

    url: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    pages: Callable[[sqlite_utils.Database], Iterator[Page]]


def _index(db: sqlite_utils.Database) -> Iterator[Page]:
    yield Page("/", "index.html", {"menus": queries.published_menus(db),
                                   "counts": queries.counts(db)})


def _menus(db: sqlite_utils.Database) -> Iterator[Page]:
    for row in db.query("SELECT slug FROM menus WHERE status = 'published' ORDER BY slug"):
        menu = queries.menu_detail(db, row["slug"])
        yield Page(urls.menu_url(row["slug"]), "menu.html", {"menu": menu})


def _items(db: sqlite_utils.Database) -> Iterator[Page]:
    for row in db.query("SELECT media_type, slug FROM media_items ORDER BY media_type, slug"):
        item = queries.item_detail(db, row["media_type"], row["slug"])
        yield Page(urls.item_url(row["media_type"], row["slug"]), "item.html", {"item": item})


def _not_found(db: sqlite_utils.Database) -> Iterator[Page]:
    yield Page("/404.html", "404.html", {})


ROUTES: list[Route] = [
    Route("index", "/", _index),
    Route("menu", "/menus/<slug>/", _menus),
    Route("item", "/items/<type>/<slug>/", _items),
    Route("404", "/404.html", _not_found),
]


def all_pages(db: sqlite_utils.Database) -> Iterator[Page]:
    for route in ROUTES:
        yield from route.pages(db)
