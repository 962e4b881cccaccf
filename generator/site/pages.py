"""What a page of the site is, and what a route declares about each page type."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from generator.support.readonly import Queryable


@dataclass(frozen=True)
class Page:
    """One file of the site: its URL, the template that renders it and the data it shows.

    A page of format "json" has no template: its context is the document written out, its
    links made absolute under the site's base URL."""

    url: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    format: str = "html"


Made = tuple[str, dict[str, Any]]
"""What a route's page function returns: the page's URL and the data its template shows."""

KeyQuery = Callable[[Queryable], Iterable[tuple[Any, ...]]]
"""Lists the keys of a route's pages, one tuple per page, each the page function's arguments."""

Listed = tuple[tuple[Any, ...], str | None]
"""A page as the sitemap lists it: its key, and the date it last changed (None: unknown)."""

Listing = Callable[[Queryable], Iterable[Listed]]
"""A route's pages as the sitemap lists them, in its order."""


@dataclass(frozen=True)
class Route:
    """One page type of the site, declared once: everything else about it follows from here.

    `keys` is the route's key query; the name of another route, whose pages this one's
    mirror (an API document per menu page), to share its key query; or None for a route
    of one page. Key queries are known by the name of the route that declares them.

    `url` is the URL helper templates call, as the global `<name>_url` (dashes become
    underscores); a route of one page may give its URL as text. `sitemap` lists the pages
    the sitemap holds (none without it); `under` names the route after whose page of the
    same key prefix they are listed (a menu's story after the menu)."""

    name: str
    pattern: str
    template: str  # the page type: the template its pages render with ("" for JSON)
    page: Callable[..., Made]
    keys: KeyQuery | str | None = None
    url: Callable[..., str] | str | None = None
    sitemap: Listing | None = None
    under: str | None = None
    format: str = "html"

    @property
    def key_query(self) -> str:
        """The name its key reads are kept under: the route that declares its key query."""
        return self.keys if isinstance(self.keys, str) else self.name

    @property
    def helper(self) -> str | None:
        """The template global its URL helper is known by, if it has one."""
        return None if self.url is None else self.name.replace("-", "_") + "_url"

    def build(self, db: Queryable, key: tuple[Any, ...]) -> Page:
        """The page of `key`: its page function's URL and data, rendered as this route says."""
        url, context = self.page(db, *key)
        return Page(url, self.template, context, self.format)
