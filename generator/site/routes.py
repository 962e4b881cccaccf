"""The route table: which pages exist, the query that feeds each, and its template.

A route answers two questions separately, so an incremental build can ask the cheap one
alone: `keys(db)` lists the pages that exist (one small query, a tuple per page), and
`page(db, *key)` loads one page's data. Every query `page` runs is recorded as that page's
dependency, so keep all reads of a page inside its `page` function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from generator.site import queries, urls


@dataclass(frozen=True)
class Page:
    """One file of the site: its URL, the template that renders it and the data it shows.

    A page with `body` set (bytes, e.g. a JSON index) is written as it is, without a template."""

    url: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    keys: Callable[[sqlite_utils.Database], Iterable[tuple[Any, ...]]]
    page: Callable[..., Page]


def _one(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    return [()]


def _index(db: sqlite_utils.Database) -> Page:
    return Page("/", "index.html", {"menus": queries.published_menus(db),
                                    "counts": queries.counts(db)})


def _menu_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    return db.execute("SELECT slug FROM menus WHERE status = 'published' ORDER BY slug").fetchall()


def _menu(db: sqlite_utils.Database, slug: str) -> Page:
    return Page(urls.menu_url(slug), "menu.html", {"menu": queries.menu_detail(db, slug)})


def _item_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    return db.execute("SELECT media_type, slug FROM media_items ORDER BY media_type, slug").fetchall()


def _item(db: sqlite_utils.Database, media_type: str, slug: str) -> Page:
    return Page(urls.item_url(media_type, slug), "item.html",
                {"item": queries.item_detail(db, media_type, slug)})


def _share_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    # Only drafts: a menu published since its link was issued has its own public URL.
    return db.execute("""
        SELECT t.token, m.slug FROM menu_share_tokens t JOIN menus m ON m.id = t.menu_id
        WHERE t.revoked = 0 AND m.status = 'draft' ORDER BY t.token""").fetchall()


def _share(db: sqlite_utils.Database, token: str, slug: str) -> Page:
    """A draft menu at its unguessable link only, kept out of search engines."""
    return Page(urls.share_url(token), "menu.html",
                {"menu": queries.menu_detail(db, slug), "noindex": True, "shared": True})


def _alias_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    return db.execute("""
        SELECT a.value, m.slug FROM menus m, json_each(m.aliases) a
        WHERE m.status = 'published' ORDER BY a.value""").fetchall()


def _redirect(db: sqlite_utils.Database, alias: str, slug: str) -> Page:
    """A renamed menu's old URL: a redirect page, since a static host has no server redirects."""
    title = db.execute("SELECT title FROM menus WHERE slug = ?", [slug]).fetchone()[0]
    return Page(urls.menu_url(alias), "redirect.html",
                {"target": urls.menu_url(slug), "title": title, "noindex": True})


def _not_found(db: sqlite_utils.Database) -> Page:
    return Page("/404.html", "404.html", {})


ROUTES: list[Route] = [
    Route("index", "/", _one, _index),
    Route("menu", "/menus/<slug>/", _menu_keys, _menu),
    Route("item", "/items/<type>/<slug>/", _item_keys, _item),
    Route("share", "/share/<token>/", _share_keys, _share),
    Route("redirect", "/menus/<alias>/", _alias_keys, _redirect),
    Route("404", "/404.html", _one, _not_found),
]


def all_keys(db: sqlite_utils.Database) -> Iterator[tuple[Route, tuple[Any, ...]]]:
    """Every page of the site as (route, key), in route order."""
    for route in ROUTES:
        for key in route.keys(db):
            yield route, tuple(key)


def all_pages(db: sqlite_utils.Database) -> Iterator[Page]:
    for route, key in all_keys(db):
        yield route.page(db, *key)
