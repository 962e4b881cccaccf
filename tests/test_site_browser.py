"""The built sample site in real tools: Nu HTML Checker, axe-core in Chromium, screenshots."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.browser import AXE_JS, VNU_JAR, chromium_context, require, serve
from tests.sitekit import build_sample

# One xdist worker runs this module (--dist loadgroup), so `sample` is built once.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("test_site_browser")]
BASE = "https://menus.example.org/"
# One page of each type.
PAGES = [
    "index.html",
    "404.html",
    "menus/overheard-after-dark/index.html",
    "menus/overheard-after-dark/story/index.html",
    "menus/overheard/lineage/index.html",
    "items/book/frankenstein/index.html",
    "items/movie/the-conversation/index.html",
    "items/game/firewatch/index.html",
    "items/music/dummy/index.html",
    "curators/ada/index.html",
    "curators/ada/2026/index.html",
    "menus/overheard-after-dark/card/index.html",
    "tags/surveillance/index.html",
    "tags/surveillance/page/2/index.html",
    "menus/index.html",
    "items/index.html",
    "items/book/index.html",
    "curators/index.html",
    "tags/index.html",
    "search/index.html",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from generator.site import tag_queries

    # One item per tag page, so that the paginated tag pages and their pager are checked too.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tag_queries, "TAG_PAGE_ITEMS", 1)
        return build_sample(tmp_path_factory.mktemp("browser-sample"), BASE)


def test_every_page_is_valid_html(sample: Path) -> None:
    require(VNU_JAR)
    if not shutil.which("java"):
        pytest.fail("java is missing: run .ci/setup-browser.sh")
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU_JAR),
            "--skip-non-html",
            "--format",
            "json",
            "--exit-zero-always",
            str(sample),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{m.get('url')}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert len(list(sample.rglob("*.html"))) > 100
    assert errors == []


def test_nu_checker_reports_invalid_html(tmp_path: Path) -> None:
    require(VNU_JAR)
    (tmp_path / "bad.html").write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div></p>")
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", str(tmp_path / "bad.html")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert [m for m in json.loads(result.stderr)["messages"] if m["type"] == "error"]


def axe_violations(page: object, url: str) -> list[dict]:
    page.goto(url)  # type: ignore[attr-defined]
    page.add_script_tag(path=str(AXE_JS))  # type: ignore[attr-defined]
    return page.evaluate(  # type: ignore[attr-defined]
        """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},
             resultTypes: ['violations']})).violations.map(v => ({id: v.id,
             nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))""",
        AXE_TAGS,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violations_on_one_page_of_each_type(sample: Path, scheme: str) -> None:
    require(AXE_JS)
    found = {}
    with serve(sample) as origin, chromium_context(color_scheme=scheme) as context:
        page = context.new_page()
        for rel in PAGES:
            violations = axe_violations(page, f"{origin}/{rel}")
            if violations:
                found[rel] = violations
        # The checker itself works: a page with an unlabelled image and no lang fails.
        (sample / "axe-probe.html").write_text("<!DOCTYPE html><title>x</title><img src=a.png>")
        try:
            assert axe_violations(page, f"{origin}/axe-probe.html")
        finally:
            (sample / "axe-probe.html").unlink()
    assert found == {}


def test_menu_page_screenshots_fit_phone_and_desktop(sample: Path) -> None:
    shots = Path(os.environ.get("OMAKASE_SCREENSHOTS") or tempfile.mkdtemp(prefix="omakase-shots-"))
    shots.mkdir(parents=True, exist_ok=True)
    with serve(sample) as origin, chromium_context() as context:
        page = context.new_page()
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(f"{origin}/menus/overheard-after-dark/index.html")
            target = shots / f"menu-{width}.png"
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 10_000
            geometry = page.evaluate("""() => ({
                scroll: document.documentElement.scrollWidth,
                view: document.documentElement.clientWidth,
                h1: document.querySelector('h1').getBoundingClientRect().toJSON(),
                aside: document.querySelector('.menu-aside').getBoundingClientRect().toJSON(),
                body: document.querySelector('.menu-body').getBoundingClientRect().toJSON(),
                font: parseFloat(getComputedStyle(document.querySelector('.annotation')).fontSize)
            })""")
            assert geometry["scroll"] <= geometry["view"], f"horizontal overflow at {width}px"
            assert geometry["h1"]["right"] <= width
            assert geometry["font"] >= 16
            if width == 375:  # one column: the aside follows the courses
                assert geometry["aside"]["top"] >= geometry["body"]["bottom"]
            else:  # two columns: the aside sits beside the courses
                assert geometry["aside"]["left"] >= geometry["body"]["right"]
        print(f"screenshots in {shots}")


def test_menu_page_prints_without_navigation(sample: Path) -> None:
    with serve(sample) as origin, chromium_context() as context:
        page = context.new_page()
        page.goto(f"{origin}/menus/overheard-after-dark/index.html")
        page.emulate_media(media="print")
        hidden = page.evaluate("""() => ['.site-header', '.site-footer', '.cover']
            .map(s => getComputedStyle(document.querySelector(s)).display)""")
        assert hidden == ["none", "none", "none"]
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")


def test_every_menu_card_prints_on_one_page(sample: Path) -> None:
    """The card is the menu on one sheet, A4 or US Letter, without the site's navigation."""
    import re

    cards = sorted(sample.glob("menus/*/card/index.html"))
    assert cards
    with serve(sample) as origin, chromium_context() as context:
        page = context.new_page()
        for card in cards:
            page.goto(f"{origin}/{card.relative_to(sample).as_posix()}")
            page.emulate_media(media="print")
            hidden = page.evaluate("""() => ['.site-header', '.site-footer', '.card-help']
                .map(s => getComputedStyle(document.querySelector(s)).display)""")
            assert hidden == ["none", "none", "none"]
            for paper in ("A4", "Letter"):
                pdf = page.pdf(format=paper)
                pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
                assert pages == 1, (card.parent.parent.name, paper, pages)
