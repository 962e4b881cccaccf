"""The build's social-card step: a 1200×630 image per published menu, cached by what it shows.

Runs after the covers (a card shows the menu's first four covers, or their items' tiles) and
before the database is stored: the card's name, size and text alternative go into the
`menu_cards` table, where the menu page finds its `og:image`. A card's name is the hash of
everything drawn on it (title, curator, counts, the covers' variant names, the tiles' titles,
the site's name, the theme's fonts and the settings of cardart.py), so a card is drawn once
and never again while none of that changes. Drafts get no card: nothing public shows them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from generator.content.itemside import item_face
from generator.content.model import Menu, Site, same_objects
from generator.content.parallel import map_on_cores
from generator.db.store import dumps
from generator.engine import cardart
from generator.engine.itemstate import side_inputs
from generator.engine.state import get_meta, set_meta
from generator.settings import Config
from generator.support.caches import cache_dir, prune_cache
from generator.support.readonly import connect_readonly
from generator.support.timings import timed

VERSION = 1  # of the drawing in cardart.py: raise it when a change alters the output
MAX_ART = 4
# A menu's card as the memos keep it: its token (CardMemo.token), key, database entry (the
# JSON text `menu_cards.card` holds) and drawing (None when only the key is kept: the card
# is in the cache).
Made = tuple[object, str, str, "tuple[dict[str, Any], list[str | None]] | None"]
FONTS = (cardart.FONT_REGULAR, cardart.FONT_BOLD)


def fonts_dir(settings: Config) -> Path:
    """The theme's fonts (the packaged theme's: a site's own templates do not replace them)."""
    return settings.theme_dir / "fonts"


def _fonts_digest(folder: Path) -> str:
    h = hashlib.blake2b(digest_size=10)
    for name in FONTS:
        h.update(name.encode() + b"\0" + (folder / name).read_bytes())
    return h.hexdigest()


def card_of(menu: Menu, site: Site, site_title: str) -> tuple[dict[str, Any], list[str | None]]:
    """What a menu's card shows, and per picture the cached cover variant it is drawn from."""
    card: dict[str, Any] = {
        "site": site_title,
        "title": menu.title,
        "curator": site.curators[menu.curator].name if menu.curator in site.curators else menu.curator,
        "courses": len(menu.courses),
        "items": sum(len(course.items) for course in menu.courses),
        "art": [],
    }
    files: list[str | None] = []
    refs = list(dict.fromkeys(entry.ref for course in menu.courses for entry in course.items))
    for ref in refs[:MAX_ART]:
        face = item_face(site.items, ref)
        if face is None:
            continue
        cover = site.covers.get(ref)
        variant = _variant(cover.image) if cover is not None and cover.image else None
        if cover is not None and variant is not None:
            card["art"].append(["cover", variant])
            files.append(variant)
        else:
            card["art"].append(["tile", face[1], face[0]])
            files.append(None)
    return card, files


def _variant(image: dict[str, Any]) -> str | None:
    """The JPEG variant a card draws a cover from: the smallest one at least 320 wide."""
    variants = image.get("variants") or []
    wide = [v for v in variants if v.get("width", 0) >= 320] or variants[-1:]
    return wide[0].get("jpeg") if wide else None


def _cached_variant(covers: Path, name: str) -> Path:
    """Where the cover cache keeps a variant (`covers/<key>-<width>.jpg`: engine/covers.py)."""
    file = name.removeprefix("covers/")
    return covers / file.split("-")[0] / file


def card_key(card: dict[str, Any], fonts: str) -> str:
    settings = [VERSION, cardart.WIDTH, cardart.HEIGHT, cardart.JPEG_QUALITY, fonts, _pil_version()]
    text = json.dumps([settings, card], ensure_ascii=False, sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


@functools.cache
def _pil_version() -> str:
    import PIL

    return str(PIL.__version__)


def alt_text(card: dict[str, Any]) -> str:
    return f"{card['title']}: a menu by {card['curator']}, {cardart.count(card['courses'], 'course')}"


class CardMemo:
    """What a process that builds again and again (the dev server) found at its last card
    step: each menu's card and key, by the menu object. A card is drawn from its menu, the
    menu's curator, its first items and their covers, the site's title and the fonts: while
    the same objects and values come back (a kept parse is the same object from build to
    build), so does the card."""

    def __init__(self) -> None:
        self.values: tuple[str, str] = ("", "")
        self.items_made: object = None  # Site.items_made of `item_objects`
        self.item_objects: list[object] = []
        self.objects: list[object] = []  # the curators and covers
        self.cards: dict[str, Made] = {}

    def take(self, site: Site, site_title: str, fonts: str) -> None:
        """Forget every card unless the objects and values cards are drawn from are the same."""
        same_items = site.items_made is not None and site.items_made is self.items_made
        if not same_items:
            items: list[object] = list(site.items.values())
            same_items = same_objects(items, self.item_objects)
            self.item_objects = items
        objects = [*site.curators.values(), *site.covers.values()]
        if not same_items or not same_objects(objects, self.objects) or (site_title, fonts) != self.values:
            self.cards = {}
        self.values, self.objects, self.items_made = (site_title, fonts), objects, site.items_made

    def token(self, menu: Menu) -> object:
        """What stands for a menu's card: the same token, the same card."""
        return menu

    def holds(self, kept: object, token: object) -> bool:
        return kept is token

    def save(self, state: sqlite3.Connection) -> None:
        """Keep the cards beyond this process (the server's are kept in memory only)."""


class StoredCards(CardMemo):
    """The card step's memo of a command-line build, kept in the build state: each menu's
    card key by the content hash of its file, while the context is the one the keys were
    made in (the item side's inputs, the curators' files, the site's title and the fonts; a
    state is kept only under one fingerprint). Working out 10,000 cards again would follow
    the site's size. A full build passes no `state`: it starts from none, and saves its
    cards into the new one."""

    def __init__(
        self, state: sqlite3.Connection | None, settings: Config, files: Mapping[str, Any], items: str
    ) -> None:
        super().__init__()
        self.state, self.settings, self.files, self.items = state, settings, files, items
        self.root = str(settings.root).rstrip(os.sep) + os.sep
        self.context = ""
        self.stored: dict[str, tuple[bytes, str]] | None = {}  # the rows read, by slug

    def take(self, site: Site, site_title: str, fonts: str) -> None:
        h = hashlib.blake2b(digest_size=16)
        h.update(json.dumps([self.items, site_title, fonts]).encode())
        for handle in sorted(site.curators):
            path = site.curators[handle].path
            h.update(f"\0{handle}\0{path}\0".encode() + (self._hash(path) or b""))
        self.context = h.hexdigest()
        self.values = (site_title, fonts)  # what a session's memo made from this one compares
        self.cards, self.stored = {}, {}
        if self.state is None or get_meta(self.state, "cards_context") != self.context:
            self.stored = None  # rows of another context: none is kept
            return
        for slug, token, key, entry in self.state.execute("SELECT slug, token, key, card FROM menu_cards"):
            self.stored[slug] = (token, key)
            self.cards[slug] = (token, key, entry, None)

    def token(self, menu: Menu) -> object:
        return self._hash(menu.path)

    def _hash(self, shown: str) -> bytes | None:
        """The content hash of a content file, by the path its messages show (joined as
        strings: a Path per menu cost more than the look-up)."""
        entry = self.files.get(shown if shown.startswith(os.sep) else self.root + shown)
        return entry[2] if entry is not None else None

    def holds(self, kept: object, token: object) -> bool:
        return token is not None and kept == token

    def save(self, state: sqlite3.Connection) -> None:
        """Write the rows of the cards made since, and drop those of menus without one (all
        rows, when they were of another context)."""
        stored = self.stored
        if stored is None:
            state.execute("DELETE FROM menu_cards")
            stored = {}
        rows = [
            (slug, token, key, entry)
            for slug, (token, key, entry, _) in self.cards.items()
            if stored.get(slug) != (token, key)
        ]
        state.executemany("INSERT OR REPLACE INTO menu_cards VALUES (?, ?, ?, ?)", rows)
        gone = [(slug,) for slug in stored if slug not in self.cards]
        state.executemany("DELETE FROM menu_cards WHERE slug = ?", gone)
        set_meta(state, "cards_context", self.context)


class CardsKept(Protocol):
    """Where a process that builds again and again keeps its card memo (engine/session.py)."""

    cards: CardMemo | None


def card_memo(
    session: CardsKept | None,
    state: sqlite3.Connection,
    settings: Config,
    files: Mapping[str, Any],
    items: str | None,
    moved: Iterable[str] = (),
) -> CardMemo | None:
    """The memo of an incremental build's card step: the dev server's, kept in its session,
    or the state's (`items`: the item side's inputs, which a command-line build works out).
    The server's first build starts from the state's too, working out the inputs itself
    (`moved`: the paths changed or removed since the state's file index): drawing every
    card's key again would make its first edit wait (`keep_card_memo` then keeps a memo)."""
    if session is not None and session.cards is not None:
        return session.cards
    if session is not None and items is None:
        items = side_inputs(settings, files, state, moved)
    return StoredCards(state, settings, files, items) if items is not None else None


def keep_card_memo(session: CardsKept | None, memo: CardMemo | None, site: Site) -> None:
    """After the card step, keep in the dev server's session the memo its next builds use:
    the state's cards, as the menu objects of `site` (they are the cards of those very
    menus: StoredCards worked them out or took them for this build's files)."""
    if session is None or session.cards is memo:
        return
    kept = CardMemo()
    if memo is not None:
        kept.take(site, *memo.values)
        menus = site.menus
        kept.cards = {slug: (menus[slug], *made[1:]) for slug, made in memo.cards.items() if slug in menus}
    session.cards = kept


def card_entry(key: str, alt: str) -> str:
    """What the database keeps of a card (`menu_cards.card`): its file, size and text
    alternative, as JSON text. Made once per card drawn, and kept with its key by the
    memos: thousands of menus keep their cards from build to build."""
    return dumps({"image": f"cards/{key}.jpg", "width": cardart.WIDTH, "height": cardart.HEIGHT, "alt": alt})


@timed("cards")
def process_cards(site: Site, settings: Config, memo: CardMemo | None = None) -> int:
    """Set `site.cards`: each published menu's card, drawn into the cache when missing (on
    every core when there are several). Cards no menu uses any more leave the cache.
    Returns how many were drawn. With a `memo`, an unchanged menu's card is not made again."""
    root = cache_dir(settings.db_path, "cards")
    covers = cache_dir(settings.db_path, "covers")
    fonts = fonts_dir(settings)
    digest = _fonts_digest(fonts)
    site.cards = {}
    todo: dict[str, tuple[dict[str, Any], list[str | None]]] = {}
    try:  # one listing of the cache, not a look-up per menu
        present = set(os.listdir(root))
    except OSError:
        present = set()
    keys: set[str] = set()
    if memo is not None:
        memo.take(site, settings.site_title, digest)
    kept = memo.cards if memo is not None else {}
    made: dict[str, Made] = {}
    for slug in sorted(site.menus):
        menu = site.menus[slug]
        if menu.status != "published":
            continue
        token = memo.token(menu) if memo is not None else None
        known = kept.get(slug)
        if (
            memo is None
            or known is None
            or not memo.holds(known[0], token)
            or (known[3] is None and f"{known[1]}.jpg" not in present)  # to draw again
        ):
            card, art = card_of(menu, site, settings.site_title)
            key = card_key(card, digest)
            art_files = [None if name is None else str(_cached_variant(covers, name)) for name in art]
            known = (token, key, card_entry(key, alt_text(card)), (card, art_files))
        made[slug] = known
        _, key, entry, drawing = known
        site.cards[slug] = entry
        keys.add(key)
        if key not in todo and f"{key}.jpg" not in present and drawing is not None:
            todo[key] = drawing
    if memo is not None:
        memo.cards = made
    if todo:
        root.mkdir(parents=True, exist_ok=True)
        _draw_all(todo, root, fonts)
    prune_cache(root, keys, present)
    return len(todo)


def _draw_all(todo: dict[str, tuple[dict[str, Any], list[str | None]]], root: Path, fonts: Path) -> None:
    map_on_cores(
        draw_into, [(card, art, str(fonts), str(root / f"{key}.jpg")) for key, (card, art) in todo.items()]
    )


def draw_into(card: dict[str, Any], art: list[str | None], fonts: str, out: str) -> None:
    """Draw one card beside its final name, then move it there: a killed build leaves no
    half-written card under a name that says it is complete."""
    work = f"{out}.{os.getpid()}.tmp"
    cardart.draw_card(card, art, fonts, work)
    os.replace(work, out)


def card_files(db_file: Path, db_path: Path) -> dict[str, str]:
    """The published path of every card of the database -> its cached file. Every build
    lists them, one per menu: SQLite reads the JSON, and the paths stay strings."""
    root = str(cache_dir(db_path, "cards"))
    conn = connect_readonly(db_file)
    try:
        rows = conn.execute("SELECT json_extract(card, '$.image') FROM menu_cards").fetchall()
    finally:
        conn.close()
    return {name: os.path.join(root, name.removeprefix("cards/")) for (name,) in rows}
