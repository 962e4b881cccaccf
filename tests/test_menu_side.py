"""The menu side: a command-line edit takes each unchanged menu from its face and what its
checks found, loads none of their parses, and still gives what a full build gives; checks
that could find otherwise (other items, other curators) are made again."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

import generator.engine.incremental as incremental
from generator.content import validate
from generator.content.loader import load_site
from generator.content.menuside import KeptMenu
from generator.engine.build import build
from generator.engine.state import StateParseCache
from generator.errors import ContentErrors
from tests.conftest import settings_for
from tests.test_incremental import assert_same_as_full, sample_site

MENU = "content/menus/made-things.md"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """The sample site with a menu naming an item by its source id, built once."""
    root = sample_site(tmp_path / "site")
    menu = root / MENU
    menu.write_text(menu.read_text().replace("item: movie/blade-runner", "item: wikidata:Q184843"))
    build(settings_for(root))
    return root


def _edit(root: Path) -> None:
    """Edit another menu than MENU (by another curator: bruno, not ada)."""
    path = root / "content/menus/overheard.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")


@pytest.fixture
def menu_gets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The menu files whose kept parse a build asked the state for."""
    asked: list[str] = []
    get = StateParseCache.get

    def spy(self: StateParseCache, path: Path | str, kind: str) -> Any:
        if kind == "menu":
            asked.append(Path(path).name)
        return get(self, path, kind)

    monkeypatch.setattr(StateParseCache, "get", spy)
    return asked


def test_a_menu_edit_reads_no_other_menus_parse_and_equals_a_full_build(
    built: Path, tmp_path: Path, menu_gets: list[str]
) -> None:
    _edit(built)
    report = build(settings_for(built))
    assert report.mode == "incremental"
    assert menu_gets == ["overheard.md"]  # the edited file, asked for and not found
    assert_same_as_full(built, tmp_path, warnings=report.warnings)


def test_a_kept_menu_read_whole_resolves_its_references_as_a_fresh_load(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[dict[str, Any]] = []
    kinds: list[bool] = []
    load = incremental.load_site

    def spy(*args: Any, **kwargs: Any) -> Any:
        site, warnings = load(*args, **kwargs)
        kinds.extend(isinstance(menu, KeptMenu) for slug, menu in site.menus.items() if slug != "overheard")
        # Every field, the courses and pairings loaded whole while the build's state is open.
        read.append({slug: asdict(menu) for slug, menu in site.menus.items()})
        return site, warnings

    monkeypatch.setattr(incremental, "load_site", spy)
    _edit(built)
    build(settings_for(built))
    assert kinds and all(kinds)
    fresh, _ = load_site(settings_for(built))
    assert read[0] == {slug: asdict(menu) for slug, menu in fresh.menus.items()}
    served = [entry["ref"] for course in read[0]["made-things"]["courses"] for entry in course["items"]]
    assert "movie/blade-runner" in served


def test_an_item_gone_from_under_an_unchanged_menu_fails_the_edit(built: Path) -> None:
    _edit(built)
    item = built / "content/items/movie/blade-runner.md"
    item.write_text(item.read_text().replace("id: Q184843", "id: Q999999999"))
    with pytest.raises(ContentErrors) as failure:
        build(settings_for(built))
    assert "unknown item 'wikidata:Q184843'" in str(failure.value)
    assert "made-things.md" in str(failure.value)


def test_a_curator_gone_from_under_an_unchanged_menu_fails_the_edit(built: Path) -> None:
    menu = built / MENU
    handle = next(line for line in menu.read_text().splitlines() if line.startswith("curator:"))
    handle = handle.split(":", 1)[1].strip()
    (built / "content/curators" / f"{handle}.yaml").rename(built / f"{handle}.yaml.aside")
    _edit(built)
    with pytest.raises(ContentErrors) as failure:
        build(settings_for(built))
    assert f"unknown curator {handle!r}" in str(failure.value)
    assert "made-things.md" in str(failure.value)


def test_a_side_made_against_other_items_is_checked_again(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An item edit that leaves every reference resolving: the menus' checks are made
    again (their side counts against the old items), then taken by the next edit."""
    checked: list[str] = []
    real = validate.check_menu

    def spy(menu: Any, *args: Any, **kwargs: Any) -> None:
        checked.append(menu.slug)
        real(menu, *args, **kwargs)

    monkeypatch.setattr(validate, "check_menu", spy)
    item = built / "content/items/book/solaris.md"
    item.write_text(item.read_text() + "\nA new paragraph.\n")
    build(settings_for(built))
    assert len(checked) == len(list((built / "content/menus").glob("*.md")))
    checked.clear()
    _edit(built)
    report = build(settings_for(built))
    assert checked == ["overheard"]
    assert_same_as_full(built, tmp_path, warnings=report.warnings)


def _rows(root: Path) -> dict[str, tuple[int, bytes]]:
    state = sqlite3.connect(root / "data/omakase.sqlite.state")
    try:
        return {
            path: (rowid, entry) for rowid, path, entry in state.execute("SELECT rowid, * FROM menu_side")
        }
    finally:
        state.close()


def test_an_edit_writes_the_rows_of_the_menus_it_changed(built: Path) -> None:
    before = _rows(built)
    assert len(before) == len(list((built / "content/menus").glob("*.md")))
    _edit(built)
    build(settings_for(built))
    after = _rows(built)
    assert sorted(after) == sorted(before)
    assert [path for path in after if after[path] != before[path]] == ["content/menus/overheard.md"]
    draft = built / "content/menus/the-house-remembers.md"
    draft.unlink()
    build(settings_for(built))
    assert sorted(_rows(built)) == sorted(set(before) - {"content/menus/the-house-remembers.md"})
