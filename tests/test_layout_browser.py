"""Layout in Chromium: no page scrolls sideways at phone, tablet or desktop width, lineage
titles fit their nodes, chart counts stay whole, and search from disk says what it needs.

One page of every HTML route of the route table is checked (the largest, the likeliest to
overflow), so a new page type is checked as soon as the sample site has a page of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import chromium_context, serve
from tests.sitekit import build_sample

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("test_layout_browser")]
BASE = "https://menus.example.org/"
WIDTHS = (320, 375, 768, 1280)
# Routes the sample site has no page of: a share needs a link issued.
WITHOUT_PAGES = {"share"}
WIDEST = "W" * 40  # the widest title a lineage node could be asked to show


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from generator.site import browse_queries, tag_queries

    # Small pages, so that every list has a second page (and a pager) to check too; kept
    # while the module runs, so that the route table lists the pages that were built.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tag_queries, "TAG_PAGE_ITEMS", 1)
        for name, size in (("MENUS_PER_PAGE", 2), ("ITEMS_PER_PAGE", 3), ("CURATORS_PER_PAGE", 2)):
            mp.setattr(browse_queries, name, size)
        mp.setattr(browse_queries, "TAGS_PER_PAGE", 4)
        yield build_sample(tmp_path_factory.mktemp("layout-sample"), BASE)


def one_page_per_route(sample: Path) -> dict[str, str]:
    """Route name -> the output path of its largest HTML page."""
    from generator.publish.safepaths import safe_relative
    from generator.site.record import ReadDatabase, connect_recording
    from generator.site.routes import ROUTES, list_keys

    db_file = sample.parent / "omakase.sqlite"
    keys, _ = list_keys(db_file)
    conn = connect_recording(str(db_file))
    chosen: dict[str, str] = {}
    try:
        db = ReadDatabase(conn)
        for route in ROUTES:
            if route.format != "html" or not route.template.endswith(".html"):
                continue
            files = [sample / safe_relative(route.page(db, *key)[0]) for key in keys[route.name] or ()]
            files = [f / "index.html" if f.is_dir() else f for f in files]
            if files:
                largest = max(files, key=lambda f: f.stat().st_size)
                chosen[route.name] = largest.relative_to(sample).as_posix()
    finally:
        conn.close()
    return chosen


GEOMETRY = """() => {
  const d = document.documentElement;
  const clipped = [...document.querySelectorAll('.lineage-graph .node')].filter(node => {
    const box = node.querySelector('rect').getBBox();
    return [...node.querySelectorAll('text')].some(t => {
      const b = t.getBBox();
      return b.x + b.width > box.x + box.width || b.x < box.x;
    });
  }).map(node => node.querySelector('title').textContent);
  const broken = [...document.querySelectorAll('.bars .bar')].filter(bar => {
    const line = parseFloat(getComputedStyle(bar).lineHeight);
    return bar.getBoundingClientRect().height > line * 1.5;
  }).map(bar => bar.textContent);
  return {scroll: d.scrollWidth, view: d.clientWidth, clipped, broken};
}"""


def test_no_page_scrolls_sideways_and_nothing_is_clipped(sample: Path) -> None:
    pages = one_page_per_route(sample)
    from generator.site.routes import ROUTES

    html_routes = {r.name for r in ROUTES if r.format == "html" and r.template.endswith(".html")}
    assert set(pages) == html_routes - WITHOUT_PAGES
    assert {"menus", "items", "medium", "curators", "tags", "item", "lineage", "curator"} <= set(pages)
    problems = []
    with serve(sample) as origin, chromium_context() as context:
        page = context.new_page()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for route, rel in sorted(pages.items()):
                page.goto(f"{origin}/{rel}")
                geometry = page.evaluate(GEOMETRY)
                if geometry["scroll"] > geometry["view"]:
                    problems.append(f"{rel} ({route}) is {geometry['scroll']} px wide at {width} px")
                if geometry["clipped"]:
                    problems.append(f"{rel}: lineage titles clipped at {width} px: {geometry['clipped']}")
                if geometry["broken"]:
                    problems.append(f"{rel}: chart counts wrap at {width} px: {geometry['broken']}")
    assert problems == []


def test_long_lineage_titles_and_big_counts_still_fit(sample: Path) -> None:
    """The sample's titles and counts are short: put the worst in their place and look again."""
    from generator.site.lineage import _short

    widest = _short(WIDEST, 15)
    assert widest.endswith("…") and len(widest) > 5
    with serve(sample) as origin, chromium_context() as context:
        page = context.new_page()
        page.set_viewport_size({"width": 320, "height": 900})
        page.goto(f"{origin}/menus/overheard/lineage/index.html")
        page.evaluate(
            "(t) => document.querySelectorAll('.node-title').forEach(n => { n.textContent = t; })", widest
        )
        geometry = page.evaluate(GEOMETRY)
        assert geometry["clipped"] == []
        # The whole title stays available to readers and to pointer hover.
        assert page.evaluate("() => document.querySelector('.lineage-graph .node title').textContent")
        page.goto(f"{origin}/curators/ada/index.html")
        assert page.evaluate("() => document.querySelectorAll('.bars .bar').length") > 0
        page.evaluate(
            """() => document.querySelectorAll('.bars .bar').forEach(b => {
                 b.lastChild.textContent = '123456'; b.style.setProperty('--w', '1%'); })"""
        )
        geometry = page.evaluate(GEOMETRY)
        assert geometry["broken"] == [] and geometry["scroll"] <= geometry["view"]


def test_search_opened_from_disk_says_it_needs_a_server(sample: Path) -> None:
    with chromium_context() as context:
        page = context.new_page()
        page.goto((sample / "index.html").as_uri())
        page.fill("#site-search-input", "stalker")
        page.press("#site-search-input", "Enter")
        page.wait_for_url("**/search/index.html?q=stalker")
        note = page.locator("[data-search-file]")
        assert note.is_visible()
        assert "omakase serve" in note.inner_text() and "web server" in note.inner_text()
        assert not page.locator("[data-search-fallback]").is_visible()
        # The browse pages it offers instead open from disk too.
        page.click("text=Every menu")
        assert page.locator("h1").inner_text() == "Menus"
