"""A site with nothing published yet builds: a home page saying so, valid feed and sitemap."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from generator.cli import main
from tests.sitekit import CURATOR, MENU, minimal_files, write


def empty_site(root: Path) -> Path:
    """One curator and nothing else; no templates/ of its own (the theme's serve)."""
    return write(root, {"content/curators/ada.yaml": CURATOR.format(handle="ada", name="Ada Okafor")})


def all_draft_site(root: Path) -> Path:
    """The small test site with every menu still a draft."""
    files = minimal_files()
    for name in [n for n in files if n.startswith("content/menus/")]:
        files[name] = MENU.format(title=Path(name).stem, curator="ada", status="draft", extra="")
    return write(root, files)


@pytest.mark.parametrize("make", [empty_site, all_draft_site], ids=["empty", "all-draft"])
def test_a_site_without_menus_builds(tmp_path: Path, make) -> None:
    root = make(tmp_path / "site")
    result = CliRunner().invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    output = root / "output"
    home = etree.parse(str(output / "index.html"), etree.HTMLParser())
    latest = " ".join(home.xpath("//section[@id='latest']//text()"))
    assert "There are no menus yet." in latest
    assert not home.xpath("//section[@id='latest']//a")
    feed = etree.parse(str(output / "feed.xml"))
    assert feed.getroot().tag == "{http://www.w3.org/2005/Atom}feed"
    assert not feed.getroot().findall("{http://www.w3.org/2005/Atom}entry")
    sitemap = etree.parse(str(output / "sitemap.xml"))
    locs = [el.text for el in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://menus.example.org/" in locs and "https://menus.example.org/menus/" in locs
    assert not [loc for loc in locs if re.search(r"/menus/[^/]+/", loc or "")]  # no menu page
    assert (output / "pagefind" / "bundles.json").is_file()
    # No page links a Pagefind UI file the empty index does not have; search.js reads this.
    indexed = json.loads((output / "pagefind" / "bundles.json").read_text())["indexed"]
    assert indexed is (make is all_draft_site)
    assert "pagefind-ui" not in (output / "index.html").read_text()


def test_an_empty_site_then_its_first_item_is_indexed(tmp_path: Path) -> None:
    """The index left out while there was nothing to search is made once there is."""
    root = empty_site(tmp_path / "site")
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--root", str(root)]).exit_code == 0
    assert not (root / "output/pagefind/pagefind-entry.json").exists()
    write(root, {k: v for k, v in minimal_files().items() if k.startswith("content/items/")})
    result = runner.invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # An item nothing public refers to has no page, so nothing to index yet …
    assert not (root / "output/pagefind/pagefind-entry.json").exists()
    # … until a public log names it.
    write(root, {k: v for k, v in minimal_files().items() if k.startswith(("content/logs/", "content/cur"))})
    result = runner.invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (root / "output/pagefind/pagefind-entry.json").is_file()
