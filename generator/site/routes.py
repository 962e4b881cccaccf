"""The route table: every page type of the site, declared once (see pages.Route).

The table is the only list of page types: the template globals for URL helpers, the
sitemap's entries and the page-type test all follow from it.

A route answers two questions separately, so an incremental build can ask the cheap one
alone: `keys(db)` lists the pages that exist (one small query, a tuple per page), and
`page(db, *key)` loads one page's data. Every query `page` runs is recorded as that page's
dependency, so keep all reads of a page inside its `page` function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from generator.content.model import MEDIA_TYPES
from generator.site import (
    api,
    browse_queries,
    curator_queries,
    feeds,
    lineage,
    menu_exports,
    queries,
    sitemap,
    tag_queries,
    urls,
    year_review,
)
from generator.site.pages import KeyQuery, Made, Route
from generator.site.record import ReadDatabase, columns_seen
from generator.site.visibility import PUBLIC_ITEMS, mark_item_pages, public_item
from generator.support.readonly import Queryable, connect_readonly


def _index(db: Queryable) -> Made:
    return "/", {
        "menus": queries.published_menus(db, limit=12, fields="card"),
        "counts": queries.counts(db),
        "curators": curator_queries.curators(db),
        "tags": tag_queries.tags(db),
    }


def _menu_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    return db.execute("SELECT slug FROM menus WHERE status = 'published' ORDER BY slug").fetchall()


def _menu(db: Queryable, slug: str) -> Made:
    menu = queries.menu_detail(db, slug)
    assert menu is not None
    menu["has_story"] = feeds.has_story(db, menu["id"])
    menu["has_lineage"] = feeds.has_lineage(db, menu["id"])
    return urls.menu_url(slug), {"menu": menu}


def _menu_card(db: Queryable, slug: str) -> Made:
    return urls.menu_card_url(slug), {"menu": queries.menu_detail(db, slug), "noindex": True}


def _story_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    return db.execute("""SELECT slug FROM menus m WHERE status = 'published' AND EXISTS
                         (SELECT 1 FROM menu_item_pairings p WHERE p.menu_id = m.id)
                         ORDER BY slug""").fetchall()


def _story(db: Queryable, slug: str) -> Made:
    return urls.story_url(slug), {"menu": queries.story(db, slug)}


def _lineage_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    return [
        (row["slug"],)
        for row in db.query("SELECT id, slug FROM menus WHERE status = 'published' ORDER BY slug")
        if feeds.has_lineage(db, row["id"])
    ]


def _lineage(db: Queryable, slug: str) -> Made:
    return urls.lineage_url(slug), {"family": lineage.family(db, slug)}


def _item_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    return db.execute(
        f"SELECT media_type, slug FROM media_items i WHERE {public_item()} ORDER BY media_type, slug"
    ).fetchall()


def _item(db: Queryable, media_type: str, slug: str) -> Made:
    return urls.item_url(media_type, slug), {"item": queries.item_detail(db, media_type, slug)}


def _share_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    # Only drafts: a menu published since its link was issued has its own public URL.
    return db.execute("""
        SELECT t.token, m.slug FROM menu_share_tokens t JOIN menus m ON m.id = t.menu_id
        WHERE t.revoked = 0 AND m.status = 'draft' ORDER BY t.token""").fetchall()


def _share(db: Queryable, token: str, slug: str) -> Made:
    """A draft menu at its unguessable link only, kept out of search engines; its banner
    says it is a draft and until when the link works."""
    link = queries.fetch_rows(
        db, "SELECT expires_at FROM menu_share_tokens WHERE token = :token", {"token": token}
    )
    shared = {"expires": link[0]["expires_at"] if link else None}
    menu = queries.menu_detail(db, slug)
    if menu is not None:
        mark_item_pages(db, menu)
    return urls.share_url(token), {"menu": menu, "noindex": True, "shared": shared}


def _alias_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    return db.execute("""
        SELECT a.value, m.slug FROM menus m, json_each(m.aliases) a
        WHERE m.status = 'published' ORDER BY a.value""").fetchall()


def _redirect(db: Queryable, alias: str, slug: str) -> Made:
    """A renamed menu's old URL. Hosts that read `_redirects` answer it with a 301; elsewhere
    this page names the new address and points search engines at it. It does not refresh by
    itself: a timed or instant meta refresh takes the reader away without their say (WCAG
    2.2.1/3.2.5) and leaves accessibility checkers nothing to inspect."""
    title = db.execute("SELECT title FROM menus WHERE slug = ?", [slug]).fetchone()[0]
    return urls.menu_url(alias), {"target": urls.menu_url(slug), "title": title, "noindex": True}


def _redirects_file(db: Queryable) -> Made:
    """Real HTTP redirects for hosts that read a `_redirects` file (Netlify, Cloudflare Pages)."""
    pairs = [(urls.menu_url(alias), urls.menu_url(slug)) for alias, slug in _alias_keys(db)]
    return "/_redirects", {"redirects": pairs}


def _curator_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    return db.execute("SELECT handle FROM users ORDER BY handle").fetchall()


def _curator(db: Queryable, handle: str) -> Made:
    return urls.curator_url(handle), {"curator": curator_queries.curator_detail(db, handle)}


def _curator_feed(db: Queryable, handle: str) -> Made:
    row = next(iter(db.query("SELECT handle, display_name FROM users WHERE handle = :h", {"h": handle})))
    return urls.curator_feed_url(handle), {"curator": dict(row), **feeds.feed(db, owner=handle)}


def _year_review(db: Queryable, handle: str, year: str) -> Made:
    return urls.year_review_url(handle, year), year_review.year_review(db, handle, year)


def _tag_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    # The slugs of tag_queries.tags(db), without its counts: every build lists these keys.
    return db.execute(f"""
        SELECT DISTINCT t.slug FROM tags t
        WHERE EXISTS (SELECT 1 FROM media_item_tags mt
                      WHERE mt.tag_id = t.id AND mt.media_item_id IN ({PUBLIC_ITEMS}))
           OR EXISTS (SELECT 1 FROM menus m, json_each(m.tags) j
                      WHERE m.status = 'published' AND j.value = t.name)
        ORDER BY t.slug""").fetchall()


def _tag(db: Queryable, slug: str) -> Made:
    return urls.tag_url(slug), {"tag": tag_queries.tag_detail(db, slug)}


def _tag_page_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    """(slug, page) of every tag page after the first."""
    items = dict(
        db.execute(f"""
        SELECT t.slug, count(DISTINCT mt.media_item_id) FROM tags t
        JOIN media_item_tags mt ON mt.tag_id = t.id
        WHERE mt.media_item_id IN ({PUBLIC_ITEMS}) GROUP BY t.slug""").fetchall()
    )
    menus = dict(
        db.execute("""
        SELECT t.slug, count(DISTINCT m.id) FROM menus m, json_each(m.tags) j
        JOIN tags t ON t.name = j.value AND t.owner_id IS NULL
        WHERE m.status = 'published' GROUP BY t.slug""").fetchall()
    )
    for slug in sorted(items.keys() | menus.keys()):
        for page in range(2, tag_queries.tag_pages(items.get(slug, 0), menus.get(slug, 0)) + 1):
            yield slug, page


def _tag_page(db: Queryable, slug: str, page: int) -> Made:
    return urls.tag_url(slug, page), {"tag": tag_queries.tag_detail(db, slug, page)}


def _pages(total: int, per_page: int) -> list[tuple[int]]:
    return [(n,) for n in range(1, browse_queries.page_count(total, per_page) + 1)]


# The browse pages' key queries count, and read no more: an edit of a title or an
# introduction lists the same pages. Each list has its first page even when it is empty.
def _menus_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    return _pages(browse_queries.menu_count(db), browse_queries.MENUS_PER_PAGE)


def _menus(db: Queryable, page: int) -> Made:
    return urls.menus_url(page), {"listing": browse_queries.menus_page(db, page)}


def _curators_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    return _pages(browse_queries.curator_total(db), browse_queries.CURATORS_PER_PAGE)


def _curators(db: Queryable, page: int) -> Made:
    return urls.curators_url(page), {"listing": browse_queries.curators_page(db, page)}


def _tags_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    return _pages(browse_queries.tag_total(db), browse_queries.TAGS_PER_PAGE)


def _tags(db: Queryable, page: int) -> Made:
    return urls.tags_url(page), {"listing": browse_queries.tags_page(db, page)}


def _items_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    return _pages(browse_queries.item_count(db), browse_queries.ITEMS_PER_PAGE)


def _items(db: Queryable, page: int) -> Made:
    return urls.items_url(page), {"listing": browse_queries.items_page(db, None, page)}


def _medium_keys(db: Queryable) -> Iterable[tuple[Any, ...]]:
    """(medium, page) of every medium's pages: each medium has one, if only to say it has
    no items yet, so that links to it always resolve."""
    counts = dict(
        db.execute(
            f"SELECT media_type, count(*) FROM media_items i WHERE {public_item()} GROUP BY media_type"
        ).fetchall()
    )
    for media_type in MEDIA_TYPES:
        for (page,) in _pages(counts.get(media_type, 0), browse_queries.ITEMS_PER_PAGE):
            yield media_type, page


def _medium(db: Queryable, media_type: str, page: int) -> Made:
    return urls.medium_url(media_type, page), {"listing": browse_queries.items_page(db, media_type, page)}


def _feed(db: Queryable) -> Made:
    return urls.FEED, {"curator": None, **feeds.feed(db)}


def _sitemap(db: Queryable) -> Made:
    return "/sitemap.xml", {"entries": sitemap.entries(db, ROUTES)}


def _robots(db: Queryable) -> Made:
    return "/robots.txt", {}


def _not_found(db: Queryable) -> Made:
    return "/404.html", {"noindex": True}


def _search(db: Queryable) -> Made:
    # A search page is for visitors, not search engines: the pages it finds are in the sitemap.
    # Without JavaScript it links to the browse pages: a list of every item weighed
    # hundreds of kilobytes on a big site, and re-rendered whenever any title changed.
    return "/search/", {"noindex": True}


def _api_index(db: Queryable) -> Made:
    return api.index_url(), api.index_document(db)


def _api_menu(db: Queryable, slug: str) -> Made:
    return api.menu_api_url(slug), api.menu_document(db, slug)


def _api_item(db: Queryable, media_type: str, slug: str) -> Made:
    return api.item_api_url(media_type, slug), api.item_document(db, media_type, slug)


def _api_curator(db: Queryable, handle: str) -> Made:
    return api.curator_api_url(handle), api.curator_document(db, handle)


# fmt: off
ROUTES: list[Route] = [
    Route("index", "/", "index.html", _index, url="/", sitemap=sitemap.only),
    Route("menu", "/menus/<slug>/", "menu.html", _menu, _menu_keys, urls.menu_url, sitemap.menus),
    Route("story", "/menus/<slug>/story/", "story.html", _story, _story_keys, urls.story_url,
          sitemap.stories, under="menu"),
    Route("lineage", "/menus/<slug>/lineage/", "lineage.html", _lineage, _lineage_keys,
          urls.lineage_url, sitemap.undated(_lineage_keys), under="menu"),
    # A published menu's downloads and its printable card (drafts have none).
    Route("menu-letterboxd", "/menus/<slug>/letterboxd.csv", "", menu_exports.letterboxd_page,
          menu_exports.film_menu_keys, urls.menu_letterboxd_url, format="csv"),
    Route("menu-goodreads", "/menus/<slug>/goodreads.csv", "", menu_exports.goodreads_page,
          menu_exports.book_menu_keys, urls.menu_goodreads_url, format="csv"),
    Route("menu-csv", "/menus/<slug>/menu.csv", "", menu_exports.csv_page, "menu", urls.menu_csv_url,
          format="csv"),
    Route("menu-json", "/menus/<slug>/menu.json", "", menu_exports.json_page, "menu", urls.menu_json_url,
          format="json"),
    Route("menu-card", "/menus/<slug>/card/", "menu-card.html", _menu_card, "menu", urls.menu_card_url),
    Route("item", "/items/<type>/<slug>/", "item.html", _item, _item_keys, urls.item_url,
          sitemap.undated(_item_keys)),
    Route("share", "/share/<token>/", "menu.html", _share, _share_keys),
    Route("redirect", "/menus/<alias>/", "redirect.html", _redirect, _alias_keys),
    Route("redirects-file", "/_redirects", "_redirects.txt", _redirects_file),
    Route("curator", "/curators/<handle>/", "curator.html", _curator, _curator_keys,
          urls.curator_url, sitemap.curators),
    Route("curator-feed", "/curators/<handle>/feed.xml", "feed.xml", _curator_feed, "curator",
          urls.curator_feed_url),
    Route("year-review", "/curators/<handle>/<year>/", "curator-year.html", _year_review,
          year_review.year_keys, urls.year_review_url, sitemap.undated(year_review.year_keys),
          under="curator"),
    Route("tag", "/tags/<tag>/", "tag.html", _tag, _tag_keys, urls.tag_url, sitemap.tags),
    Route("tag-page", "/tags/<tag>/page/<n>/", "tag.html", _tag_page, _tag_page_keys, urls.tag_url,
          sitemap.undated(_tag_page_keys), under="tag"),
    # Browse pages: a list's first page, then /page/2/, … (as a tag's pages).
    Route("menus", "/menus/[page/<n>/]", "menus.html", _menus, _menus_keys, urls.menus_url,
          sitemap.undated(_menus_keys)),
    Route("curators", "/curators/[page/<n>/]", "curators.html", _curators, _curators_keys,
          urls.curators_url, sitemap.undated(_curators_keys)),
    Route("tags", "/tags/[page/<n>/]", "tags.html", _tags, _tags_keys, urls.tags_url,
          sitemap.undated(_tags_keys)),
    Route("items", "/items/[page/<n>/]", "items.html", _items, _items_keys, urls.items_url,
          sitemap.undated(_items_keys)),
    Route("medium", "/items/<type>/[page/<n>/]", "items.html", _medium, _medium_keys, urls.medium_url,
          sitemap.undated(_medium_keys)),
    Route("feed", "/feed.xml", "feed.xml", _feed, url=urls.FEED),
    Route("sitemap", "/sitemap.xml", "sitemap.xml", _sitemap),
    Route("robots", "/robots.txt", "robots.txt", _robots),
    Route("search", "/search/", "search.html", _search, url="/search/"),
    Route("404", "/404.html", "404.html", _not_found),
    Route("api-index", "/api/index.json", "", _api_index, format="json"),
    Route("api-menu", "/api/menus/<slug>.json", "", _api_menu, "menu", format="json"),
    Route("api-item", "/api/items/<type>/<slug>.json", "", _api_item, "item", format="json"),
    Route("api-curator", "/api/curators/<handle>.json", "", _api_curator, "curator", format="json"),
]
# fmt: on


def url_helpers() -> dict[str, Callable[..., str] | str]:
    """The template globals of the routes' URL helpers, each under its route's `helper` name."""
    return {route.helper: route.url for route in ROUTES if route.helper and route.url is not None}


KeyReads = dict[str, list[str]]
"""What each key query (named by the route that declares it) read: `table.column`s, as record.py notes."""


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
    declared = {route.name: route.keys for route in ROUTES}
    for route in ROUTES:
        query = route.key_query
        before = (last or {}).get(query)
        if before is not None and keep is not None and keep(before):
            keys[route.name], reads[query] = None, before
            continue
        if query not in asked:
            asked[query], reads[query] = _ask(db_file, declared[query])
        keys[route.name] = asked[query]
    return keys, reads


def _ask(db_file: Path, query: KeyQuery | str | None) -> tuple[list[tuple[Any, ...]], list[str]]:
    """A key query's keys and the `table.column`s it read; a route of one page reads nothing."""
    if query is None:
        return [()], []
    assert not isinstance(query, str), "a route shares the key query of a route that declares one"
    # A connection of its own: the authorizer sees a statement when it is prepared, and one
    # prepared earlier on a shared connection would come from its cache.
    conn = connect_readonly(db_file)
    try:
        with columns_seen(conn) as seen:
            found = [tuple(key) for key in query(ReadDatabase(conn))]
    finally:
        conn.close()
    return found, sorted(seen)
