"""A curator's year in review: its figures, which years have a page, and that private
entries change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html as lhtml

from generator.engine.build import build
from generator.site.year_review import longest_streak, summarise
from tests.conftest import settings_for
from tests.sitekit import make_site
from tests.test_incremental import assert_same_as_full, tree

BASE = "https://menus.example.org/"

# ada: three public entries in 2025 (two days running, then one more), one in 2024 (a
# year of a single entry), her sitekit entry in 2026, and a private entry in 2023.
LOG = """\
curator: ada
states:
  - item: movie/the-conversation
    status: finished
    rating: 9
    favorite: true
  - item: book/the-crying-of-lot-49
    status: finished
    rating: 7
entries:
  - item: movie/the-conversation
    kind: finished
    date: 2026-09-14
    minutes: 113
  - item: book/the-crying-of-lot-49
    kind: started
    date: 2025-03-30
    minutes: 40
  - item: book/the-crying-of-lot-49
    kind: finished
    date: 2025-03-31
    minutes: 200
    note: Finished on the train.
  - item: movie/the-conversation
    kind: finished
    date: 2025-07-02
    minutes: 113
  - item: movie/the-conversation
    kind: note
    date: 2024-05-05
    note: Bought the disc.
  - item: book/the-crying-of-lot-49
    kind: finished
    date: 2023-01-01
    minutes: 999
    note: PRIVATE-ENTRY-2023
    private: true
"""

PRIVATE_ENTRIES = """\
  - item: book/the-crying-of-lot-49
    kind: finished
    date: 2025-04-01
    minutes: 777
    note: PRIVATE-ENTRY-2025
    private: true
  - item: movie/the-conversation
    kind: finished
    date: 2025-12-31
    private: true
  - item: book/the-crying-of-lot-49
    kind: note
    date: 2021-06-01
    private: true
"""


def _site(root: Path, log: str = LOG) -> Path:
    return make_site(root, {"content/logs/ada.yaml": log})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _site(tmp_path_factory.mktemp("year"))
    build(settings_for(root, base_url=BASE))
    return root / "output"


def _main(path: Path) -> lhtml.HtmlElement:
    return lhtml.fromstring(path.read_bytes()).find(".//main")


def _text(element: lhtml.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _list_after(main: lhtml.HtmlElement, heading: str) -> list[lhtml.HtmlElement]:
    """The items of the list that follows the heading of id `heading`."""
    return main.xpath(f'.//h2[@id="{heading}"]/following-sibling::*[self::ol or self::ul][1]/li')


def test_a_streak_is_the_longest_run_of_consecutive_days() -> None:
    assert longest_streak([]) is None
    assert longest_streak(["2025-03-01"]) == {"days": 1, "start": "2025-03-01", "end": "2025-03-01"}
    days = ["2025-01-30", "2025-01-31", "2025-02-01", "2025-02-01", "2025-05-01", "2025-05-02"]
    assert longest_streak(days) == {"days": 3, "start": "2025-01-30", "end": "2025-02-01"}
    # Of equal runs, the earliest; the order given does not matter.
    assert longest_streak(["2025-09-02", "2025-09-01", "2025-03-04", "2025-03-03"]) == {
        "days": 2,
        "start": "2025-03-03",
        "end": "2025-03-04",
    }
    # A leap day joins February to March.
    assert longest_streak(["2024-02-28", "2024-02-29", "2024-03-01"])["days"] == 3


def test_the_figures_of_a_year() -> None:
    entries = [
        {"kind": "started", "logged_at": "2025-03-30T00:00:00Z", "minutes": 40, "media_type": "book"},
        {"kind": "finished", "logged_at": "2025-03-31T00:00:00Z", "minutes": 200, "media_type": "book"},
        {"kind": "finished", "logged_at": "2025-07-02T00:00:00Z", "minutes": None, "media_type": "movie"},
        {"kind": "finished", "logged_at": "2025-07-02T00:00:00Z", "minutes": 5, "media_type": "movie"},
    ]
    figures = summarise(entries)
    assert figures["finished"] == {"book": 1, "movie": 2, "game": 0, "music": 0}
    assert figures["finished_total"] == 3
    assert figures["minutes"] == 245
    assert figures["months"] == [0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0]
    assert figures["active_days"] == 3
    assert figures["streak"] == {"days": 2, "start": "2025-03-30", "end": "2025-03-31"}
    assert figures["first"] is entries[0] and figures["last"] is entries[-1]


def test_a_page_per_year_with_public_entries_and_none_for_a_curator_without(site: Path) -> None:
    years = sorted(p.parent.name for p in (site / "curators/ada").glob("*/index.html"))
    assert years == ["2024", "2025", "2026"]  # 2023 holds only a private entry
    assert not list((site / "curators/bruno").glob("[0-9]*"))  # bruno has no log
    page = (site / "curators/ada/index.html").read_text(encoding="utf-8")
    for year in years:
        assert f'href="{year}/index.html"' in page
    assert "2023/index.html" not in page
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{BASE}curators/ada/2025/</loc>" in sitemap
    assert "curators/ada/2023/" not in sitemap
    # Listed after the curator's page, as a menu's story after the menu.
    assert sitemap.index(f"{BASE}curators/ada/</loc>") < sitemap.index(f"{BASE}curators/ada/2024/</loc>")
    document = json.loads((site / "api/curators/ada.json").read_text(encoding="utf-8"))
    assert document["years"] == [
        {"year": year, "url": f"{BASE}curators/ada/{year}/"} for year in (2024, 2025, 2026)
    ]
    assert json.loads((site / "api/curators/bruno.json").read_text(encoding="utf-8"))["years"] == []


def test_the_year_page_shows_its_figures(site: Path) -> None:
    main = _main(site / "curators/ada/2025/index.html")
    text = _text(main)
    assert "Ada Okafor’s 2025 in review" in text
    assert "Finished 1 book, 1 film" in text
    assert "353 minutes (5 h 53 min)" in text
    assert "Longest streak 2 days, 30 March 2025 to 31 March 2025" in text
    assert "consecutive calendar days" in text  # the page says what a streak is
    first, last = _list_after(main, "ends-title")
    assert "30 March 2025" in _text(first) and "Started The Crying of Lot 49" in _text(first)
    assert "2 July 2025" in _text(last) and "Finished The Conversation" in _text(last)
    best = [_text(li) for li in _list_after(main, "best-title")]
    assert "The Conversation" in best[0] and "Rated 9 out of 10" in best[0]
    assert "The Crying of Lot 49" in best[1] and "Rated 7 out of 10" in best[1]
    assert [
        _text(li.xpath(".//p[@class='item-title']")[0]) for li in _list_after(main, "favourites-title")
    ] == ["The Conversation"]
    assert "None this year." in _text(main.xpath('.//h2[@id="year-menus-title"]/..')[0])
    # The chart and its text alternative: twelve months, each named with its count.
    svg = main.xpath('.//figure[@class="chart"]/svg')[0]
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "months-caption months-desc"
    desc = _text(svg.xpath("desc")[0])
    assert desc.startswith("Jan: 0; Feb: 0; Mar: 2;") and "Jul: 1;" in desc and desc.endswith("Dec: 0")
    assert len(svg.xpath("rect")) == 2
    assert [a.get("href") for a in main.xpath('.//nav[@class="year-nav"]//a')] == [
        "../2024/index.html",
        "../2026/index.html",
    ]


def test_a_year_of_one_entry(site: Path) -> None:
    main = _main(site / "curators/ada/2024/index.html")
    text = _text(main)
    assert "Drawn from 1 public log entry on 1 day." in text
    assert "Finished nothing" in text and "Time logged none recorded" in text
    assert "Longest streak 1 day, 5 May 2024" in text
    assert len(_list_after(main, "ends-title")) == 1
    assert "both the first and the last" in text
    assert len(main.xpath('.//figure[@class="chart"]//rect')) == 1
    # The year's one entry names a rated favourite: the curator's rating and mark of it.
    assert "Rated 9 out of 10" in " ".join(_text(li) for li in _list_after(main, "best-title"))
    assert main.xpath('.//h2[@id="favourites-title"]')
    assert [a.get("rel") for a in main.xpath('.//nav[@class="year-nav"]//a')] == ["next"]


def test_menus_published_in_the_year(site: Path) -> None:
    main = _main(site / "curators/ada/2026/index.html")
    menus = main.xpath('.//h2[@id="year-menus-title"]/following-sibling::ul[1]//a')
    assert [a.text_content() for a in menus] == ["Paranoid Seventies"]


def test_private_entries_change_no_byte_of_any_year_page(tmp_path: Path) -> None:
    public = _site(tmp_path / "public")
    build(settings_for(public, base_url=BASE))
    private = _site(tmp_path / "private", LOG + PRIVATE_ENTRIES)
    build(settings_for(private, base_url=BASE))
    before, after = tree(public / "output"), tree(private / "output")
    pages = sorted(name for name in before if name.startswith("curators/ada/"))
    assert pages == sorted(name for name in after if name.startswith("curators/ada/"))
    assert any(name.startswith("curators/ada/2025/") for name in pages)
    for name in [*pages, "api/curators/ada.json", "sitemap.xml"]:
        assert before[name] == after[name], name
    for name, data in after.items():
        if name.endswith((".html", ".json", ".csv", ".xml")):
            assert b"PRIVATE-ENTRY" not in data, name


def test_an_edit_of_a_log_builds_the_year_pages_as_a_full_build(tmp_path: Path) -> None:
    root = _site(tmp_path / "site")
    build(settings_for(root))
    log = root / "content/logs/ada.yaml"
    # A new year, a year's only public entry made private, and a rating changed.
    log.write_text(
        LOG.replace("rating: 7", "rating: 10").replace(
            "    note: Bought the disc.\n", "    note: Bought the disc.\n    private: true\n"
        )
        + "  - item: movie/the-conversation\n    kind: finished\n    date: 2022-02-02\n    minutes: 5\n",
        encoding="utf-8",
    )
    build(settings_for(root))
    output = root / "output"
    assert sorted(p.parent.name for p in (output / "curators/ada").glob("*/index.html")) == [
        "2022",
        "2025",
        "2026",
    ]
    assert "Rated 10 out of 10" in (output / "curators/ada/2025/index.html").read_text(encoding="utf-8")
    assert_same_as_full(root, tmp_path)
