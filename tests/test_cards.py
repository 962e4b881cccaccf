"""Social cards: a 1200×630 image per published menu, drawn once, named by what it shows."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from lxml import html
from PIL import Image

import generator.engine.cards as cards
from generator.content.loader import load_site
from generator.engine.build import build
from generator.support.caches import cache_dir
from tests.conftest import settings_for
from tests.test_incremental import assert_same_as_full, sample_site, server_on_a_built_site

BASE = "https://menus.example.org/"


def meta(page: Path) -> dict[str, str]:
    doc = html.fromstring(page.read_bytes())
    return {
        m.get("property") or m.get("name"): m.get("content")
        for m in doc.xpath("//head/meta[@property or @name]")
        if (m.get("property") or m.get("name") or "").startswith(("og:image", "twitter:"))
    }


def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The titles of the cards each build draws (in this process or its workers)."""
    titles: list[str] = []
    real = cards._draw_all

    def draw_all(todo: dict[str, tuple[dict[str, Any], list[str | None]]], root: Path, fonts: Path) -> None:
        titles.extend(card["title"] for card, _art in todo.values())
        real(todo, root, fonts)

    monkeypatch.setattr(cards, "_draw_all", draw_all)
    return titles


def published(root: Path) -> list[str]:
    conn = sqlite3.connect(root / "data/omakase.sqlite")
    try:
        return [s for (s,) in conn.execute("SELECT slug FROM menus WHERE status = 'published' ORDER BY slug")]
    finally:
        conn.close()


def test_every_published_menu_has_a_card_and_items_their_cover(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    build(settings_for(root, base_url=BASE))
    out = root / "output"
    slugs = published(root)
    assert "the-house-remembers" not in slugs  # the sample's draft
    seen = set()
    for slug in slugs:
        tags = meta(out / f"menus/{slug}/index.html")
        assert re.fullmatch(BASE + r"cards/[0-9a-f]{20}\.jpg", tags["og:image"]), slug
        name = tags["og:image"].removeprefix(BASE)
        with Image.open(out / name) as card:
            assert (card.format, card.size) == ("JPEG", (1200, 630))
            assert not card.getexif()
        assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
        assert tags["og:image:type"] == "image/jpeg"
        assert tags["twitter:card"] == "summary_large_image"
        assert tags["og:image:alt"].startswith(f"{meta_title(out, slug)}: a menu by ")
        seen.add(name)
    # One card per published menu, and no other: a draft gets none.
    assert sorted(p.name for p in (out / "cards").iterdir()) == sorted(n.removeprefix("cards/") for n in seen)
    # An item page shows its own cover, the largest JPEG variant.
    tags = meta(out / "items/book/the-time-machine/index.html")
    assert re.fullmatch(BASE + r"covers/[0-9a-f]{20}-640\.jpg", tags["og:image"])
    assert (tags["og:image:width"], tags["og:image:alt"]) == ("640", "Cover of The Time Machine")
    assert tags["twitter:card"] == "summary_large_image"
    # The item's API document lists the same variants, as absolute URLs.
    document = json.loads((out / "api/items/book/the-time-machine.json").read_text())
    assert document["cover"]["variants"][-1]["jpeg"] == tags["og:image"]
    assert json.loads((out / "api/items/book/solaris.json").read_text())["cover"] is None
    # An item without a cover, and a page of no menu, have no picture to show.
    assert meta(out / "items/book/solaris/index.html") == {}
    assert meta(out / "index.html") == {}


def meta_title(out: Path, slug: str) -> str:
    doc = html.fromstring((out / f"menus/{slug}/index.html").read_bytes())
    return str(doc.xpath("//h1")[0].text_content())


def test_cards_are_drawn_once_and_again_only_when_what_they_show_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    titles = drawn(monkeypatch)
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    assert len(titles) == len(published(root))
    page = root / "output/menus/made-things/index.html"
    first = meta(page)["og:image"]
    cached = cache_dir(root / "data/omakase.sqlite", "cards")

    # An edit no card shows (an item's description, a full rebuild) draws nothing.
    titles.clear()
    item = root / "content/items/book/frankenstein.md"
    item.write_text(item.read_text().replace("shorter and angrier", "shorter and fiercer"))
    assert build(settings_for(root)).mode == "incremental"
    assert build(settings_for(root), full=True).mode == "full"
    assert titles == [] and meta(page)["og:image"] == first

    # A curator's new name is on each of their cards: those are drawn again, as a full
    # build would, and the old cards leave the site and the cache.
    curator = root / "content/curators/ada.yaml"
    curator.write_text(curator.read_text().replace("Ada Okafor", "Ada O. Okafor"))
    assert build(settings_for(root)).mode == "incremental"
    assert "Made Things" in titles and "Alone in Orbit" not in titles
    now = meta(page)["og:image"]
    assert now != first and "Ada O. Okafor" in meta(page)["og:image:alt"]
    old = first.rsplit("/", 1)[1]
    assert not (root / "output/cards" / old).exists() and not (cached / old).exists()
    assert_same_as_full(root, tmp_path)

    # A cover removed: the card shows the item's tile instead.
    titles.clear()
    (root / "content/items/book/frankenstein.jpg").unlink()
    assert build(settings_for(root)).mode == "incremental"
    assert titles == ["Made Things"]
    assert_same_as_full(root, tmp_path)
    shutil.rmtree(tmp_path / "cold-out")


def test_a_menu_turned_draft_loses_its_card(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    name = meta(root / "output/menus/made-things/index.html")["og:image"].rsplit("/", 1)[1]
    menu = root / "content/menus/made-things.md"
    menu.write_text(menu.read_text().replace("status: published", "status: draft"))
    record = root / "data/published-slugs.txt"  # taken down on purpose
    kept = [line for line in record.read_text().splitlines(True) if "made-things" not in line]
    record.write_text("".join(kept))
    build(settings_for(root))
    assert not (root / "output/cards" / name).exists()
    assert len(list((root / "output/cards").iterdir())) == len(published(root))
    assert_same_as_full(root, tmp_path)


def test_a_long_title_stays_on_the_card(tmp_path: Path) -> None:
    from generator.engine import cardart

    out = tmp_path / "card.jpg"
    card = {
        "site": "Omakase",
        "title": "A " + "very " * 40 + "long title",
        "curator": "Somebody with a rather long name indeed, " * 3,
        "courses": 1,
        "items": 1,
        "art": [["tile", "Solaris", "book"]],
    }
    cardart.draw_card(card, [None], str(Path(cards.__file__).parents[2] / "templates/fonts"), str(out))
    with Image.open(out) as im:
        assert im.size == (1200, 630)


def test_the_dev_servers_card_memo_makes_again_only_the_cards_of_changed_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = sample_site(tmp_path / "site")
    settings = settings_for(root)
    build(settings)
    site, _ = load_site(settings)
    memo = cards.CardMemo()
    made: list[str] = []
    real = cards.card_of
    monkeypatch.setattr(cards, "card_of", lambda menu, *a: made.append(menu.slug) or real(menu, *a))
    cards.process_cards(site, settings, memo)
    first = dict(site.cards)
    assert sorted(made) == sorted(first)  # every published menu's card made once

    made.clear()
    slug = sorted(first)[0]
    site.menus[slug] = dataclasses.replace(site.menus[slug], title="Another title")
    cards.process_cards(site, settings, memo)
    assert made == [slug]
    fresh, _ = load_site(settings)
    fresh.menus[slug] = site.menus[slug]
    cards.process_cards(fresh, settings)
    assert site.cards == fresh.cards and site.cards[slug] != first[slug]

    made.clear()
    handle = site.menus[slug].curator
    site.curators[handle] = dataclasses.replace(site.curators[handle], name="Someone Else")
    cards.process_cards(site, settings, memo)
    assert sorted(made) == sorted(first)  # a curator's name is on every card: all made again


def test_a_command_line_edit_makes_again_only_the_cards_its_files_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state keeps each menu's card key by its file's hash, in the context of the items,
    curators, title and fonts (a full build saves them too): an edit works out the cards of
    the menus it changed; one of the context works them all out; a card missing from the
    cache is drawn again."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    with sqlite3.connect(root / "data/omakase.sqlite") as conn:
        (published,) = conn.execute("SELECT count(*) FROM menu_cards").fetchone()
    assert published > 2
    made: list[str] = []
    real = cards.card_of
    monkeypatch.setattr(cards, "card_of", lambda menu, *a: made.append(menu.slug) or real(menu, *a))
    menu = root / "content/menus/made-things.md"
    menu.write_text(menu.read_text().replace("title: Made Things", "title: Things Made"))
    assert build(settings_for(root)).mode == "incremental"
    assert made == ["made-things"]  # the first edit after a full build too

    made.clear()
    menu.write_text(menu.read_text().replace("title: Things Made", "title: Made Things Again"))
    assert build(settings_for(root)).mode == "incremental"
    assert made == ["made-things"]
    assert_same_as_full(root, tmp_path)

    made.clear()
    curator = root / "content/curators/ada.yaml"
    curator.write_text(curator.read_text() + "\n# a comment changes the file, so the context\n")
    assert build(settings_for(root)).mode == "incremental"
    assert len(made) == published

    made.clear()
    shutil.rmtree(cache_dir(settings_for(root).db_path, "cards"))
    menu.write_text(menu.read_text() + "\nOne more line.\n")
    assert build(settings_for(root)).mode == "incremental"
    assert len(made) == published  # the kept keys name no card in the cache: all drawn again
    assert_same_as_full(root, tmp_path)


def test_card_keys_of_another_context_are_not_kept_for_a_menu_that_comes_back(tmp_path: Path) -> None:
    """A menu unpublished in the build whose context changed has no card then; when it comes
    back with the bytes it had before, its card is of the new context."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    menu, curator = root / "content/menus/made-things.md", root / "content/curators/ada.yaml"
    published = menu.read_text()
    menu.write_text(published + "\nOne more line.\n")
    build(settings_for(root))  # its card key is kept by these bytes
    cached = cache_dir(settings_for(root).db_path, "cards")
    shutil.copytree(cached, tmp_path / "old-cards")
    kept = menu.read_text()
    menu.write_text(kept.replace("status: published", "status: draft"))
    curator.write_text(curator.read_text().replace("name: Ada Okafor", "name: Ada O."))
    record = root / "data/published-slugs.txt"  # the URL taken down on purpose
    record.write_text(
        "".join(line for line in record.read_text().splitlines(True) if "made-things" not in line)
    )
    result = build(settings_for(root))
    assert result.mode == "incremental"
    menu.write_text(kept)
    shutil.copytree(tmp_path / "old-cards", cached, dirs_exist_ok=True)  # an older cache, as CI restores
    assert build(settings_for(root)).mode == "incremental"
    assert_same_as_full(root, tmp_path)


def test_the_dev_servers_first_edit_takes_the_cards_the_state_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server started on a built site has no card memo: its first edit starts from the
    card keys the state keeps, as a command-line build does, and its later edits from the
    memo that edit left in the session."""
    root = sample_site(tmp_path / "site")
    resident = server_on_a_built_site(root)
    made: list[str] = []
    real = cards.card_of
    monkeypatch.setattr(cards, "card_of", lambda menu, *a: made.append(menu.slug) or real(menu, *a))
    menu = root / "content/menus/alone-in-orbit.md"
    for title in ("Alone in Deep Orbit", "Alone in Low Orbit"):
        menu.write_text(re.sub(r"(?m)^title: .*$", f"title: {title}", menu.read_text()))
        made.clear()
        assert resident(settings_for(root), {str(menu)}).mode == "incremental"  # as the watcher tells
        assert made == ["alone-in-orbit"]
        assert title in (root / "output/menus/alone-in-orbit/index.html").read_text()
    assert_same_as_full(root, tmp_path)


def test_the_dev_servers_card_rows_follow_the_database_it_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the server has published a database, an edit writes only the card rows of the
    cards that changed since; after a build that failed once it had copied the database,
    the next one compares every row."""
    from generator.db import update
    from generator.engine.incremental import IncrementalBuild

    root = sample_site(tmp_path / "site")
    resident = server_on_a_built_site(root)
    asked: list[list[str] | None] = []
    real = update.card_rows

    def card_rows(site: Any, slugs: Any = None) -> Any:
        asked.append(None if slugs is None else sorted(slugs))
        return real(site, slugs)

    monkeypatch.setattr(update, "card_rows", card_rows)
    menu = root / "content/menus/alone-in-orbit.md"

    def retitle(title: str) -> Any:
        menu.write_text(re.sub(r"(?m)^title: .*$", f"title: {title}", menu.read_text()))
        return resident(settings_for(root), {str(menu)})

    assert retitle("Alone in Deep Orbit").mode == "incremental" and asked == [None]
    assert retitle("Alone in Low Orbit").mode == "incremental" and asked[-1] == ["alone-in-orbit"]
    assert_same_as_full(root, tmp_path)

    real_step = IncrementalBuild.find_affected  # after the database copy, before the pages

    def fail(self: IncrementalBuild) -> None:
        raise OSError("the disk went away")

    monkeypatch.setattr(IncrementalBuild, "find_affected", fail)
    with pytest.raises(OSError):
        retitle("Alone in High Orbit")
    monkeypatch.setattr(IncrementalBuild, "find_affected", real_step)
    menu.write_text(menu.read_text() + "\nOne more line.\n")  # the title stays
    assert resident(settings_for(root), {str(menu)}).mode == "incremental" and asked[-1] is None
    assert "Alone in High Orbit" in meta(root / "output/menus/alone-in-orbit/index.html")["og:image:alt"]
    assert_same_as_full(root, tmp_path)


def test_published_cards_and_covers_are_links_to_their_cached_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build wrote each card and cover variant whole into its cache: the site's copy
    is a hard link to it (no second write), through a full build and an edit's shadow tree.
    Where a link cannot be made, the bytes are written."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    db = root / "data/omakase.sqlite"
    for kind in ("cards", "covers"):
        published_files = [p for p in (root / "output" / kind).rglob("*") if p.is_file()]
        assert published_files
        for path in published_files:
            cached = cache_dir(db, kind) / path.relative_to(root / "output" / kind)
            if kind == "covers":  # variants are kept per cover: <key>/<name>
                cached = next(cache_dir(db, kind).glob(f"*/{path.name}"))
            assert path.stat().st_ino == cached.stat().st_ino, path
    curator = root / "content/curators/ada.yaml"
    curator.write_text(curator.read_text().replace("Ada Okafor", "Ada O. Okafor"))
    assert build(settings_for(root)).mode == "incremental"
    card = meta(root / "output/menus/made-things/index.html")["og:image"].rsplit("/", 1)[1]
    assert (root / "output/cards" / card).stat().st_ino == (cache_dir(db, "cards") / card).stat().st_ino

    def refused(source: object, target: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr("generator.site.render.os.link", refused)
    other = sample_site(tmp_path / "other")
    build(settings_for(other))
    cached_cards = cache_dir(other / "data/omakase.sqlite", "cards")
    for path in (other / "output/cards").iterdir():
        assert path.stat().st_nlink == 1
        assert path.read_bytes() == (cached_cards / path.name).read_bytes()
