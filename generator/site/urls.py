"""URLs of the site (the URL map readers rely on) and relative links between pages."""

from __future__ import annotations

import posixpath
from urllib.parse import quote


def menu_url(slug: str) -> str:
    return f"/menus/{slug}/"


def story_url(slug: str) -> str:
    return f"/menus/{slug}/story/"


def lineage_url(slug: str) -> str:
    return f"/menus/{slug}/lineage/"


def item_url(media_type: str, slug: str) -> str:
    return f"/items/{media_type}/{slug}/"


def curator_url(handle: str) -> str:
    return f"/curators/{handle}/"


def year_review_url(handle: str, year: str) -> str:
    """A curator's year in review."""
    return f"/curators/{handle}/{year}/"


# A published menu's downloads, made at build time (menu_exports.py).
def menu_letterboxd_url(slug: str) -> str:
    """Its films, as a list Letterboxd's importer reads."""
    return f"/menus/{slug}/letterboxd.csv"


def menu_goodreads_url(slug: str) -> str:
    """Its books, in the columns of a Goodreads library export."""
    return f"/menus/{slug}/goodreads.csv"


def menu_csv_url(slug: str) -> str:
    """Every item of every course, one row each."""
    return f"/menus/{slug}/menu.csv"


def menu_json_url(slug: str) -> str:
    """The whole menu as one JSON document."""
    return f"/menus/{slug}/menu.json"


def menu_card_url(slug: str) -> str:
    """A published menu's one-page card, for printing."""
    return f"/menus/{slug}/card/"


def tag_url(tag_slug: str, page: int = 1) -> str:
    """A tag's first page, or its page number `page` of items."""
    return _paged(f"/tags/{quote(tag_slug)}/", page)


def _paged(base: str, page: int) -> str:
    """A list's first page at `base`, its page number `page` under `base`page/<n>/."""
    return base + (f"page/{int(page)}/" if page > 1 else "")


def menus_url(page: int = 1) -> str:
    """Every published menu, newest first."""
    return _paged("/menus/", page)


def curators_url(page: int = 1) -> str:
    return _paged("/curators/", page)


def tags_url(page: int = 1) -> str:
    return _paged("/tags/", page)


def items_url(page: int = 1) -> str:
    """Every item, by title."""
    return _paged("/items/", page)


def medium_url(media_type: str, page: int = 1) -> str:
    """One medium's items, by title."""
    return _paged(f"/items/{media_type}/", page)


FEED = "/feed.xml"


def curator_feed_url(handle: str) -> str:
    return f"/curators/{handle}/feed.xml"


def share_url(token: str) -> str:
    return f"/share/{token}/"


def relative(from_url: str, to_url: str) -> str:
    """A link from one page to another that works on any host path and from file://."""
    base = from_url if from_url.endswith("/") else posixpath.dirname(from_url) + "/"
    target, _, fragment = to_url.partition("#")
    if fragment and target in ("", from_url):
        return "#" + fragment
    rel = _relpath(target or base, base)
    if target.endswith("/") and rel != ".":
        rel += "/"
    if rel == ".":
        rel = "./"
    if target.endswith("/"):
        rel += "index.html"
    return rel + ("#" + fragment if fragment else "")


def _relpath(path: str, start: str) -> str:
    """posixpath.relpath for the site's own clean absolute paths, without its normalising
    (a link costs a page a tenth of its time otherwise); any other path goes to relpath."""
    if not (_clean(path) and _clean(start)):
        return posixpath.relpath(path, start)
    to = [part for part in path.split("/") if part]
    at = [part for part in start.split("/") if part]
    common = 0
    for a, b in zip(to, at, strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(at) - common) + to[common:]) or "."


def _clean(path: str) -> bool:
    return path.startswith("/") and "//" not in path and "/." not in path


def absolute(base_url: str, url: str) -> str:
    return base_url.rstrip("/") + url
