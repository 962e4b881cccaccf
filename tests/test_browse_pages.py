"""Browse pages: every published menu, curator, tag and item, by medium too, paginated as
tag pages are, in the sitemap and the site's navigation."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from lxml import html as lhtml

from tests.linkcheck import check_site
from tests.sitekit import MENU, build_sample, make_site

BASE = "https://menus.example.org/"
pytestmark = pytest.mark.xdist_group("test_browse_pages")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample(tmp_path_factory.mktemp("browse"), BASE)


def page(out: Path, rel: str) -> lhtml.HtmlElement:
    return lhtml.fromstring((out / rel / "index.html").read_bytes())


def texts(tree: lhtml.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


CARD_TITLES = '//div[@class="cards"]/article/h3/a'
ITEM_TITLES = '//ul[contains(@class, "item-grid")]//p[@class="item-title"]/a'


def test_browse_pages_list_everything_public_in_order(sample: Path) -> None:
    db = sqlite3.connect(sample.parent / "omakase.sqlite")
    menus = [
        r[0]
        for r in db.execute(
            "SELECT title FROM menus WHERE status = 'published' ORDER BY published_at DESC, slug"
        )
    ]
    assert texts(page(sample, "menus"), CARD_TITLES) == menus
    assert "The House Remembers" not in (sample / "menus/index.html").read_text()  # a draft
    items = [r[0] for r in db.execute("SELECT title FROM media_items ORDER BY title, media_type, slug")]
    assert texts(page(sample, "items"), ITEM_TITLES) == items
    for media_type in ("book", "movie", "game", "music"):
        query = "SELECT title FROM media_items WHERE media_type = ? ORDER BY title, slug"
        expected = [r[0] for r in db.execute(query, [media_type])]
        assert expected and texts(page(sample, f"items/{media_type}"), ITEM_TITLES) == expected
    curators = [r[0] for r in db.execute("SELECT display_name FROM users ORDER BY display_name, handle")]
    assert texts(page(sample, "curators"), '//ul[contains(@class, "curator-list")]/li/a') == curators
    tags = page(sample, "tags")
    slugs = [a.get("href").split("/")[0] for a in tags.xpath('//ul[contains(@class, "tag-index")]/li/a')]
    assert slugs == sorted(slugs) and "surveillance" in slugs
    counts = texts(tags, '//a[@href="surveillance/index.html"]/following-sibling::span')
    assert counts and "items" in counts[0] and "menu" in counts[0]


def test_browse_pages_are_in_the_sitemap_and_the_nav_links_to_them(sample: Path) -> None:
    sitemap = (sample / "sitemap.xml").read_text()
    for rel in (
        "menus/",
        "curators/",
        "tags/",
        "items/",
        "items/book/",
        "items/movie/",
        "items/game/",
        "items/music/",
    ):
        assert f"<loc>{BASE}{rel}</loc>" in sitemap
    for rel, links in (
        ("index.html", ["menus/index.html", "items/index.html", "curators/index.html", "tags/index.html"]),
        (
            "items/book/frankenstein/index.html",
            [
                "../../../menus/index.html",
                "../../index.html",
                "../../../curators/index.html",
                "../../../tags/index.html",
            ],
        ),
    ):
        nav = lhtml.fromstring((sample / rel).read_bytes()).xpath('//nav[@class="site-nav"]//a')
        assert [a.get("href") for a in nav] == links
        assert not [a for a in nav if "#" in a.get("href")]
    current = page(sample, "curators").xpath('//nav[@class="site-nav"]//a[@aria-current="page"]')
    assert [a.text_content() for a in current] == ["Curators"]
    checked, broken = check_site(sample, BASE)
    assert broken == []


def test_browse_pages_paginate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.site import browse_queries

    for name, size in (
        ("MENUS_PER_PAGE", 4),
        ("ITEMS_PER_PAGE", 10),
        ("CURATORS_PER_PAGE", 2),
        ("TAGS_PER_PAGE", 5),
    ):
        monkeypatch.setattr(browse_queries, name, size)
    out = build_sample(tmp_path, BASE)
    db = sqlite3.connect(tmp_path / "omakase.sqlite")
    menus = [
        r[0]
        for r in db.execute(
            "SELECT title FROM menus WHERE status = 'published' ORDER BY published_at DESC, slug"
        )
    ]
    assert len(menus) == 6
    first, second = page(out, "menus"), page(out, "menus/page/2")
    assert texts(first, CARD_TITLES) + texts(second, CARD_TITLES) == menus
    assert not (out / "menus/page/3").exists()
    assert "6 menus, newest first · page 2 of 2" in texts(second, '//p[@class="byline"]')[0]
    pager = second.xpath('//nav[@class="pager"]')[0]
    assert pager.get("aria-label") == "Pages of menus"
    assert pager.xpath('.//a[@aria-current="page"]')[0].text_content() == "2"
    assert second.xpath('//nav[@class="pager"]//a[@rel="prev"]')[0].get("href") == "../../index.html"
    assert first.xpath('//nav[@class="pager"]//a[@rel="next"]')[0].get("href") == "page/2/index.html"
    items = [r[0] for r in db.execute("SELECT title FROM media_items ORDER BY title, media_type, slug")]
    pages = ["items", "items/page/2", "items/page/3", "items/page/4"]
    assert sum((texts(page(out, p), ITEM_TITLES) for p in pages), []) == items
    assert not (out / "items/page/5").exists()
    books = texts(page(out, "items/book"), ITEM_TITLES) + texts(page(out, "items/book/page/2"), ITEM_TITLES)
    assert len(books) == 12 and not (out / "items/book/page/3").exists()
    assert (out / "curators/page/2/index.html").is_file() and (out / "tags/page/2/index.html").is_file()
    sitemap = (out / "sitemap.xml").read_text()
    for rel in ("menus/page/2/", "items/page/4/", "curators/page/2/", "tags/page/2/"):
        assert f"<loc>{BASE}{rel}</loc>" in sitemap
    checked, broken = check_site(out, BASE)
    assert broken == []


def test_drafts_are_on_no_browse_page(tmp_path: Path) -> None:
    from generator.engine.build import build
    from tests.conftest import settings_for

    draft = MENU.format(title="Secret Draft", curator="ada", status="draft", extra="")
    draft = draft.replace("[conspiracy]", "[only-in-draft]")
    root = make_site(tmp_path / "site", {"content/menus/secret-draft.md": draft})
    build(settings_for(root, base_url=BASE))
    out = root / "output"
    for rel in ("menus", "curators", "tags", "items", "items/book", "items/movie"):
        text = (out / rel / "index.html").read_text()
        assert "Secret Draft" not in text and "only-in-draft" not in text, rel
    assert "Paranoid Seventies" in (out / "menus/index.html").read_text()
    # A medium with no items still has its page, so that links to it resolve.
    assert "No games yet." in (out / "items/game/index.html").read_text()


def test_browse_pages_escape_content(tmp_path: Path) -> None:
    from generator.engine.build import build
    from tests.conftest import settings_for

    menu = MENU.format(title='Quote " & <tag>', curator="ada", status="published", extra="")
    root = make_site(tmp_path / "site", {"content/menus/paranoid-seventies.md": menu})
    build(settings_for(root, base_url=BASE))
    text = (root / "output/menus/index.html").read_text()
    assert "<tag>" not in text and "&lt;tag&gt;" in text
