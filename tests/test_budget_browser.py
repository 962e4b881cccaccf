"""The page-weight budget in Chromium: a menu page at phone width, covers and all, transfers
at most 300 KB, never shifts its layout while it loads, and asks nothing of another origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import chromium_context, serve
from tests.sitekit import build_sample

pytestmark = [pytest.mark.browser]
BASE = "https://menus.example.org/"
BUDGET = 300 * 1024
# The sample's menus with the most covers: every cover on them loads once scrolled to.
MENUS = ("made-things", "alone-in-orbit", "paranoid-listening")

WATCH_SHIFTS = """() => {
  window.__shift = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) window.__shift += entry.value;
    }
  }).observe({type: "layout-shift", buffered: true});
}"""

TRANSFERRED = """() => {
  const entries = [
    ...performance.getEntriesByType("navigation"),
    ...performance.getEntriesByType("resource"),
  ];
  return entries.map((e) => [e.name, e.transferSize]);
}"""


@pytest.mark.parametrize("slug", MENUS)
def test_a_menu_page_at_phone_width_keeps_to_its_budget(tmp_path: Path, slug: str) -> None:
    out = build_sample(tmp_path, BASE)
    with serve(out) as origin, chromium_context(viewport={"width": 375, "height": 812}) as context:
        page = context.new_page()  # type: ignore[attr-defined]
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{origin}/menus/{slug}/index.html", wait_until="load")
        page.evaluate(WATCH_SHIFTS)
        # Scroll down the page so that every lazy cover loads too: the budget is the page's
        # whole weight, not only what the first screen shows.
        height = page.evaluate("() => document.documentElement.scrollHeight")
        for y in range(0, height + 812, 400):
            page.evaluate(f"() => window.scrollTo(0, {y})")
            page.wait_for_timeout(50)
        page.wait_for_load_state("networkidle")
        shift = page.evaluate("() => window.__shift")
        transferred = page.evaluate(TRANSFERRED)
    assert requested and all(url.startswith(origin + "/") for url in requested), requested
    images = [name for name, _size in transferred if "/covers/" in name]
    if slug == "made-things":
        assert images, "the sample's covers are on this menu"
    total = sum(size for _name, size in transferred)
    assert 0 < total <= BUDGET, sorted(transferred, key=lambda e: -e[1])[:5]
    assert shift == 0
