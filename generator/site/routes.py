"""The route table: which pages exist, the query that feeds each, and its template.

A route answers two questions separately, so an incremental build can ask the cheap one
alone: `keys(db)` lists the pages that exist (one small query, a tuple per page), and
`page(db, *key)` loads one page's data. Every query `page` runs is recorded as that page's
dependency, so keep all reads of a page inside its `page` function.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from generator.site import api, feeds, lineage, queries, urls
from generator.site.record import columns_seen


@dataclass(frozen=True)
class Page:
    """One file of the site: its URL, the template that renders it and the data it shows.

    A page with `body` set (bytes, e.g. a JSON index) is written as it is, without a template.
    A page of format "json" has no template either: its context is the document written out,
    its links made absolute under the site's base URL."""

    url: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    body: bytes | None = None
    format: str = "html"


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    keys: Callable[[sqlite_utils.Database], Iterable[tuple[Any, ...]]]
    page: Callable[..., Page]


def _one(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    return [()]


def _index(db: sqlite_utils.Database) -> Page:
    return Page(
        "/",
        "index.html",
        {
            "menus": queries.published_menus(db, limit=12),
            "counts": queries.counts(db),
            "curators": queries.curators(db),
            "tags": queries.tags(db),
        },
    )


def _menu_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    return db.execute("SELECT slug FROM menus WHERE status = 'published' ORDER BY slug").fetchall()


def _menu(db: sqlite_utils.Database, slug: str) -> Page:
    menu = queries.menu_detail(db, slug)
    assert menu is not None
    menu["has_story"] = feeds.has_story(db, menu["id"])
    menu["has_lineage"] = feeds.has_lineage(db, menu["id"])
    return Page(urls.menu_url(slug), "menu.html", {"menu": menu})


def _story_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    return db.execute("""SELECT slug FROM menus m WHERE status = 'published' AND EXISTS
                         (SELECT 1 FROM menu_item_pairings p WHERE p.menu_id = m.id)
                         ORDER BY slug""").fetchall()


def _story(db: sqlite_utils.Database, slug: str) -> Page:
    return Page(urls.story_url(slug), "story.html", {"menu": queries.story(db, slug)})


def _lineage_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    return [
        (row["slug"],)
        for row in db.query("SELECT id, slug FROM menus WHERE status = 'published' ORDER BY slug")
        if feeds.has_lineage(db, row["id"])
    ]


def _lineage(db: sqlite_utils.Database, slug: str) -> Page:
    return Page(urls.lineage_url(slug), "lineage.html", {"family": lineage.family(db, slug)})


def _item_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    return db.execute("SELECT media_type, slug FROM media_items ORDER BY media_type, slug").fetchall()


def _item(db: sqlite_utils.Database, media_type: str, slug: str) -> Page:
    return Page(
        urls.item_url(media_type, slug), "item.html", {"item": queries.item_detail(db, media_type, slug)}
    )


def _share_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    # Only drafts: a menu published since its link was issued has its own public URL.
    return db.execute("""
        SELECT t.token, m.slug FROM menu_share_tokens t JOIN menus m ON m.id = t.menu_id
        WHERE t.revoked = 0 AND m.status = 'draft' ORDER BY t.token""").fetchall()


def _share(db: sqlite_utils.Database, token: str, slug: str) -> Page:
    """A draft menu at its unguessable link only, kept out of search engines."""
    return Page(
        urls.share_url(token),
        "menu.html",
        {"menu": queries.menu_detail(db, slug), "noindex": True, "shared": True},
    )


def _alias_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    return db.execute("""
        SELECT a.value, m.slug FROM menus m, json_each(m.aliases) a
        WHERE m.status = 'published' ORDER BY a.value""").fetchall()


def _redirect(db: sqlite_utils.Database, alias: str, slug: str) -> Page:
    """A renamed menu's old URL. Hosts that read `_redirects` answer it with a 301; elsewhere
    this page names the new address and points search engines at it. It does not refresh by
    itself: a timed or instant meta refresh takes the reader away without their say (WCAG
    2.2.1/3.2.5) and leaves accessibility checkers nothing to inspect."""
    title = db.execute("SELECT title FROM menus WHERE slug = ?", [slug]).fetchone()[0]
    return Page(
        urls.menu_url(alias),
        "redirect.html",
        {"target": urls.menu_url(slug), "title": title, "noindex": True},
    )


def _redirects_file(db: sqlite_utils.Database) -> Page:
    """Real HTTP redirects for hosts that read a `_redirects` file (Netlify, Cloudflare Pages)."""
    pairs = [(urls.menu_url(alias), urls.menu_url(slug)) for alias, slug in _alias_keys(db)]
    return Page("/_redirects", "_redirects.txt", {"redirects": pairs})


def _curator_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    return db.execute("SELECT handle FROM users ORDER BY handle").fetchall()


def _curator(db: sqlite_utils.Database, handle: str) -> Page:
    return Page(urls.curator_url(handle), "curator.html", {"curator": queries.curator_detail(db, handle)})


def _curator_feed(db: sqlite_utils.Database, handle: str) -> Page:
    row = next(iter(db.query("SELECT handle, display_name FROM users WHERE handle = :h", {"h": handle})))
    return Page(
        urls.curator_feed_url(handle), "feed.xml", {"curator": dict(row), **feeds.feed(db, owner=handle)}
    )


def _tag_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    # The slugs of queries.tags(db), without its counts: every build lists these keys.
    return db.execute("""
        SELECT DISTINCT t.slug FROM tags t
        WHERE EXISTS (SELECT 1 FROM media_item_tags mt WHERE mt.tag_id = t.id)
           OR EXISTS (SELECT 1 FROM menus m, json_each(m.tags) j
                      WHERE m.status = 'published' AND j.value = t.name)
        ORDER BY t.slug""").fetchall()


def _tag(db: sqlite_utils.Database, slug: str) -> Page:
    return Page(urls.tag_url(slug), "tag.html", {"tag": queries.tag_detail(db, slug)})


def _tag_page_keys(db: sqlite_utils.Database) -> Iterable[tuple[Any, ...]]:
    """(slug, page) of every tag page after the first."""
    items = dict(
        db.execute("""
        SELECT t.slug, count(DISTINCT mt.media_item_id) FROM tags t
        JOIN media_item_tags mt ON mt.tag_id = t.id GROUP BY t.slug""").fetchall()
    )
    menus = dict(
        db.execute("""
        SELECT t.slug, count(DISTINCT m.id) FROM menus m, json_each(m.tags) j
        JOIN tags t ON t.name = j.value AND t.owner_id IS NULL
        WHERE m.status = 'published' GROUP BY t.slug""").fetchall()
    )
    for slug in sorted(items.keys() | menus.keys()):
        for page in range(2, queries.tag_pages(items.get(slug, 0), menus.get(slug, 0)) + 1):
            yield slug, page


def _tag_page(db: sqlite_utils.Database, slug: str, page: int) -> Page:
    return Page(urls.tag_url(slug, page), "tag.html", {"tag": queries.tag_detail(db, slug, page)})


def _feed(db: sqlite_utils.Database) -> Page:
    return Page(urls.FEED, "feed.xml", {"curator": None, **feeds.feed(db)})


def _sitemap(db: sqlite_utils.Database) -> Page:
    return Page("/sitemap.xml", "sitemap.xml", {"entries": feeds.sitemap_entries(db)})


def _robots(db: sqlite_utils.Database) -> Page:
    return Page("/robots.txt", "robots.txt", {})


def _not_found(db: sqlite_utils.Database) -> Page:
    return Page("/404.html", "404.html", {"noindex": True})


def _search(db: sqlite_utils.Database) -> Page:
    # A search page is for visitors, not search engines: the pages it finds are in the sitemap.
    return Page(
        "/search/",
        "search.html",
        {"menus": queries.published_menus(db, brief=True), "items": queries.all_items(db), "noindex": True},
    )


def _api_index(db: sqlite_utils.Database) -> Page:
    return Page(api.index_url(), "", api.index_document(db), format="json")


def _api_menu(db: sqlite_utils.Database, slug: str) -> Page:
    return Page(api.menu_api_url(slug), "", api.menu_document(db, slug), format="json")


def _api_item(db: sqlite_utils.Database, media_type: str, slug: str) -> Page:
    return Page(
        api.item_api_url(media_type, slug), "", api.item_document(db, media_type, slug), format="json"
    )


def _api_curator(db: sqlite_utils.Database, handle: str) -> Page:
    return Page(api.curator_api_url(handle), "", api.curator_document(db, handle), format="json")


ROUTES: list[Route] = [
    Route("index", "/", _one, _index),
    Route("menu", "/menus/<slug>/", _menu_keys, _menu),
    Route("story", "/menus/<slug>/story/", _story_keys, _story),
    Route("lineage", "/menus/<slug>/lineage/", _lineage_keys, _lineage),
    Route("item", "/items/<type>/<slug>/", _item_keys, _item),
    Route("share", "/share/<token>/", _share_keys, _share),
    Route("redirect", "/menus/<alias>/", _alias_keys, _redirect),
    Route("redirects-file", "/_redirects", _one, _redirects_file),
    Route("curator", "/curators/<handle>/", _curator_keys, _curator),
    Route("curator-feed", "/curators/<handle>/feed.xml", _curator_keys, _curator_feed),
    Route("tag", "/tags/<tag>/", _tag_keys, _tag),
    Route("tag-page", "/tags/<tag>/page/<n>/", _tag_page_keys, _tag_page),
    Route("feed", "/feed.xml", _one, _feed),
    Route("sitemap", "/sitemap.xml", _one, _sitemap),
    Route("robots", "/robots.txt", _one, _robots),
    Route("search", "/search/", _one, _search),
    Route("404", "/404.html", _one, _not_found),
    Route("api-index", "/api/index.json", _one, _api_index),
    Route("api-menu", "/api/menus/<slug>.json", _menu_keys, _api_menu),
    Route("api-item", "/api/items/<type>/<slug>.json", _item_keys, _api_item),
    Route("api-curator", "/api/curators/<handle>.json", _curator_keys, _api_curator),
]


KeyReads = dict[str, list[str]]
"""What each key query (named by its function) read: `table.column`s, as record.py notes."""


def list_keys(
    db_file: Path, keep: Callable[[list[str]], bool] | None = None, last: KeyReads | None = None
) -> tuple[dict[str, list[tuple[Any, ...]] | None], KeyReads]:
    """Every route's page keys, and what each key query read.

    A route whose key query read, last time, only columns that `keep` says are unchanged is
    not asked again: its entry is None and its pages are the ones it had. Routes sharing a
    key query ask it once."""
    keys: dict[str, list[tuple[Any, ...]] | None] = {}
    reads: KeyReads = {}
    asked: dict[str, list[tuple[Any, ...]]] = {}
    for route in ROUTES:
        query = route.keys.__name__
        before = (last or {}).get(query)
        if before is not None and keep is not None and keep(before):
            keys[route.name], reads[query] = None, before
            continue
        if query not in asked:
            # A connection of its own: the authorizer sees a statement when it is prepared,
            # and one prepared earlier on a shared connection would come from its cache.
            conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
            try:
                with columns_seen(conn) as seen:
                    asked[query] = [tuple(key) for key in route.keys(sqlite_utils.Database(conn))]
            finally:
                conn.close()
            reads[query] = sorted(seen)
        keys[route.name] = asked[query]
    return keys, reads
