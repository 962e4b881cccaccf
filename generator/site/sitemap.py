"""The sitemap: every page of the routes that declare a sitemap listing, in their order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from generator.site import curator_queries, queries, tag_queries
from generator.site.pages import KeyQuery, Listed, Listing, Route
from generator.support.readonly import Queryable


def only(db: Queryable) -> list[Listed]:
    """A route of one page, undated."""
    return [((), None)]


def _lastmod(row: Any) -> str | None:
    return (row["updated_at"] or row["published_at"] or "")[:10] or None


def menus(db: Queryable) -> Iterable[Listed]:
    """Published menus, newest first, dated by their last change."""
    return [((menu["slug"],), _lastmod(menu)) for menu in queries.published_menus(db, fields="brief")]


def stories(db: Queryable) -> Iterable[Listed]:
    """The stories of published menus, dated as their menu (listed under it, in its order)."""
    rows = db.query("""SELECT slug, updated_at, published_at FROM menus m
                       WHERE status = 'published' AND EXISTS
                       (SELECT 1 FROM menu_item_pairings p WHERE p.menu_id = m.id)""")
    return [((row["slug"],), _lastmod(row)) for row in rows]


def undated(keys: KeyQuery) -> Listing:
    """A route's pages in the order of its key query, undated."""
    return lambda db: [(tuple(key), None) for key in keys(db)]


def curators(db: Queryable) -> Iterable[Listed]:
    """Curators in the order of the curators' list, by name."""
    return [((row["handle"],), None) for row in curator_queries.curators(db)]


def tags(db: Queryable) -> Iterable[Listed]:
    """Tags that something public carries, by slug."""
    return [((row["slug"],), None) for row in tag_queries.tags(db)]


def entries(db: Queryable, routes: Sequence[Route]) -> list[dict[str, Any]]:
    """Every page of the routes that declare a sitemap listing, each route's pages in its
    listing's order, a route's pages listed `under` another after that route's page of the
    same key prefix."""
    entries: list[dict[str, Any]] = []
    listed = [route for route in routes if route.sitemap is not None]
    for route in listed:
        listing = route.sitemap
        if listing is None or route.under is not None:
            continue
        width = route.pattern.count("<")  # the parts of its key
        below = [_by_prefix(child, db, width) for child in listed if child.under == route.name]
        for key, lastmod in listing(db):
            entries.append({"url": _url_of(route, key), "lastmod": lastmod})
            for child, pages in below:
                for child_key, child_lastmod in pages.get(key, ()):
                    entries.append({"url": _url_of(child, child_key), "lastmod": child_lastmod})
    return entries


def _by_prefix(route: Route, db: Queryable, width: int) -> tuple[Route, dict[tuple[Any, ...], list[Listed]]]:
    """A route's listed pages by the key of the page they are listed after: the first
    `width` parts of their own (all of a menu's story's, a tag's second page's tag)."""
    assert route.sitemap is not None
    pages: dict[tuple[Any, ...], list[Listed]] = {}
    for key, lastmod in route.sitemap(db):
        pages.setdefault(tuple(key[:width]), []).append((key, lastmod))
    return route, pages


def _url_of(route: Route, key: tuple[Any, ...]) -> str:
    assert route.url is not None, f"route {route.name!r} is in the sitemap without a URL helper"
    return route.url if isinstance(route.url, str) else route.url(*key)
