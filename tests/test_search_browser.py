"""Search in a real browser: headless Debian Chromium types a sample title into the search box."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from generator.engine.build import build
from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve
from tests.conftest import settings_for
from tests.sitekit import PROJECT

# One xdist worker runs this module (--dist loadgroup), so `served_site` and `browser` are made once.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("test_search_browser")]

FLAGS = ["--headless", *CHROMIUM_ARGS]
# Items of the sample site whose titles are searched for (title read from the content file).
SEARCHED = ["game/kentucky-route-zero", "movie/the-conversation", "music/ok-computer"]


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def require_chromium() -> None:
    """Fail (in CI) or skip (elsewhere) without Debian's Chromium."""
    if not CHROMIUM.exists():
        message = "Debian chromium is not installed (.ci/setup-chromium.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def served_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    root = tmp_path_factory.mktemp("sample")
    for name in ("content", "templates"):
        shutil.copytree(PROJECT / name, root / name)
    build(settings_for(root))
    with serve(root / "output") as origin:
        yield origin


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _search(browser: object, base: str, start: str, query: str) -> tuple[str, list[str]]:
    page = browser.new_page()  # type: ignore[attr-defined]
    # Nothing leaves the machine: every request but the local site's is refused.
    page.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort()
    )
    try:
        page.goto(f"{base}{start}")
        box = page.locator(".site-search .pagefind-ui__search-input")
        box.fill(query)
        first = page.locator(".site-search .pagefind-ui__result").first
        first.wait_for(timeout=15000)
        href = first.locator(".pagefind-ui__result-link").get_attribute("href") or ""
        tags = first.locator(".pagefind-ui__result-tag").all_inner_texts()
        return href, tags
    finally:
        page.close()


@pytest.mark.parametrize("ref", SEARCHED)
def test_searching_a_title_finds_its_item_first(served_site: str, browser: object, ref: str) -> None:
    media_type, slug = ref.split("/")
    meta = front_matter(PROJECT / "content" / "items" / media_type / f"{slug}.md")
    href, tags = _search(browser, served_site, "/index.html", meta["title"])
    assert href.endswith(f"/items/{media_type}/{slug}/index.html"), href
    label = {"book": "Book", "movie": "Film", "game": "Game", "music": "Music"}[media_type]
    assert f"Type: {label}" in [t.strip() for t in tags], tags
    assert f"Year: {str(meta['release_date'])[:4]}" in [t.strip() for t in tags], tags
    assert any(t.strip().startswith("Menus: ") for t in tags), tags


def test_search_works_from_a_deep_page_and_the_search_page(served_site: str, browser: object) -> None:
    meta = front_matter(PROJECT / "content" / "items" / "movie" / "stalker.md")
    href, _ = _search(browser, served_site, "/items/game/outer-wilds/index.html", meta["title"])
    assert href == "/items/movie/stalker/index.html"
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(f"{served_site}/search/index.html?q=Stalker")
        first = page.locator(".search-page .pagefind-ui__result-link").first
        first.wait_for(timeout=15000)
        assert first.get_attribute("href") == "/items/movie/stalker/index.html"
    finally:
        page.close()


def test_searching_hostile_content_runs_nothing(tmp_path: Path, browser: object) -> None:
    """Pagefind keeps page text as data; its results must show it as text, never as markup."""
    from tests.hostile import MARKER, make_hostile_site

    root = make_hostile_site(tmp_path / "site")
    build(settings_for(root))
    stack = contextlib.ExitStack()
    base = stack.enter_context(serve(root / "output"))
    context = browser.new_context()  # type: ignore[attr-defined]
    context.add_init_script(
        "window.__xss = []; for (const n of ['alert', 'confirm', 'prompt'])"
        " { window[n] = (...a) => window.__xss.push(n + ':' + a); }"
    )
    context.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort()
    )
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{base}/search/index.html?q={MARKER}")
        results = page.locator(".search-page .pagefind-ui__result")
        results.first.wait_for(timeout=15000)
        # Results fill in as their fragments load: wait until the text of several is there.
        page.wait_for_function(
            """(marker) => [...document.querySelectorAll('.search-page .pagefind-ui__result-title')]
                .filter(e => e.innerText.includes(marker)).length >= 5""",
            arg=MARKER,
            timeout=15000,
        )
        more = page.locator(".search-page .pagefind-ui__button")
        if more.count():
            more.first.click()
        page.wait_for_timeout(500)
        shown = page.locator(".search-page .pagefind-ui__results").inner_text()
        # The payloads are shown, as text.
        assert MARKER in shown and any(f"<{tag}" in shown for tag in ("a ", "script", "img", "svg"))
        injected = page.evaluate("""() => document.querySelectorAll(
            '.pagefind-ui__results :is(script, img, svg, iframe, object, embed, style, template, '
            + 'a[href^="javascript"], [onerror], [onclick])'
            ).length""")
        assert injected == 0
        assert page.evaluate("window.__xss") == [] and dialogs == []
    finally:
        context.close()
        stack.close()


@pytest.mark.parametrize("start", ["/search/index.html?q=Stalker", "/items/movie/stalker/index.html"])
def test_search_ui_with_results_has_no_axe_violations(
    served_site: str, browser: object, start: str, tmp_path: Path
) -> None:
    from tests.browser import AXE_JS, require
    from tests.test_site_browser import AXE_TAGS

    require(AXE_JS)
    page = browser.new_page()  # type: ignore[attr-defined]
    try:
        page.goto(served_site + start)
        if "?q=" not in start:
            page.locator(".site-search .pagefind-ui__search-input").fill("Stalker")
        page.locator(".pagefind-ui__result").first.wait_for(timeout=15000)
        page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
        page.add_script_tag(path=str(AXE_JS))
        violations = page.evaluate(
            """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},
                 resultTypes: ['violations']})).violations.map(v => ({id: v.id,
                 nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))""",
            AXE_TAGS,
        )
        assert violations == []
    finally:
        page.close()
