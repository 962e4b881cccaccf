"""The item side: a build whose item files, covers and payloads are the ones the state's side
was made from, on the same day, takes it instead of loading every item, and gives what a
full build gives; any other build loads the items."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import generator.engine.incremental as incremental
from generator.content.assembly import Kept
from generator.content.listing import item_folders
from generator.engine import itemstate
from generator.engine.build import build
from generator.engine.inputs import Inputs
from generator.engine.session import Session
from generator.engine.state import FileTable, get_meta, hash_all
from generator.errors import ContentErrors
from tests.conftest import settings_for
from tests.test_incremental import assert_same_as_full, sample_site

SAMPLE_PAYLOAD = '{"title": "Solaris", "key": "/works/OL1W"}\n'


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The type of `site.items` of each incremental build's load: KeptItems when it took the side."""
    seen: list[str] = []
    load_site = incremental.load_site

    def spy(*args: Any, **kwargs: Any) -> Any:
        try:
            site, warnings = load_site(*args, **kwargs)
        except ContentErrors:
            seen.append("failed with a side" if kwargs.get("kept", (None,))[0] else "failed")
            raise
        seen.append(type(site.items).__name__)
        return site, warnings

    monkeypatch.setattr(incremental, "load_site", spy)
    return seen


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """The sample site, built once: its state keeps an item side."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    return root


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _edit_menu(root: Path) -> None:
    _append(sorted((root / "content/menus").glob("*.md"))[0], "\nOne more line.\n")


def _check(root: Path, tmp: Path, **settings: Any) -> None:
    report = build(settings_for(root, **settings))
    assert report.mode == "incremental"
    assert report.warnings, "the sample's items have staleness warnings to keep"
    # Rows keep the stamp of the build that made them: another day's full build differs there.
    assert_same_as_full(root, tmp, warnings=report.warnings, database=not settings, **settings)


def test_a_menu_edit_takes_the_side_and_equals_a_full_build(
    built: Path, tmp_path: Path, loads: list[str]
) -> None:
    root = built
    _edit_menu(root)
    _check(root, tmp_path)
    assert loads == ["KeptItems"]
    _append(root / "content/items/book/solaris.md", "\nA new paragraph.\n")
    _check(root, tmp_path)
    _edit_menu(root)
    _check(root, tmp_path)
    assert loads == ["KeptItems", "dict", "KeptItems"]  # the item edit made a new side


def test_a_menu_tag_spelt_as_an_items_otherwise_is_found_with_the_side(
    built: Path, tmp_path: Path, loads: list[str]
) -> None:
    root = built
    menu = root / "content/menus/made-things.md"
    text = menu.read_text(encoding="utf-8")
    menu.write_text(text.replace("[creation,", "[Grief, Cyberpunk, creation,"), encoding="utf-8")
    with pytest.raises(ContentErrors) as kept:
        build(settings_for(root))
    with pytest.raises(ContentErrors) as full:
        build(settings_for(root, output_dir=tmp_path / "full", db_path=tmp_path / "full.sqlite"), full=True)
    assert loads == ["failed with a side"]
    assert [p.format() for p in kept.value.problems] == [p.format() for p in full.value.problems]
    assert [p.message for p in kept.value.problems] == [
        "tag 'Cyberpunk' differs only in case from 'cyberpunk' in content/items/book/neuromancer.md",
        "tag 'Grief' differs only in case from 'grief' in content/items/book/solaris.md",
    ]
    menu.write_text(text + "\nOne more line.\n", encoding="utf-8")
    _check(root, tmp_path)
    assert loads[-1] == "KeptItems"


def test_a_new_cover_a_payload_or_another_day_loads_the_items(
    built: Path, tmp_path: Path, loads: list[str]
) -> None:
    root = built
    cover = root / "content/items/book/solaris.jpg"
    shutil.copyfile(root / "content/items/book/frankenstein.jpg", cover)
    _edit_menu(root)
    _check(root, tmp_path)
    payload = root / "data/sources/openlibrary/OL1W.json"
    payload.parent.mkdir(parents=True)
    payload.write_text(SAMPLE_PAYLOAD, encoding="utf-8")
    _edit_menu(root)
    _check(root, tmp_path)
    later = settings_for(root).build_time + timedelta(days=400)
    _edit_menu(root)
    _check(root, tmp_path, build_time=later)
    assert loads == ["dict", "dict", "dict"]
    _edit_menu(root)
    _check(root, tmp_path, build_time=later)
    assert loads[-1] == "KeptItems"


def test_a_moved_site_takes_its_side_and_an_unreadable_side_is_not_taken(
    built: Path, tmp_path: Path, loads: list[str]
) -> None:
    root = tmp_path / "moved"
    shutil.move(built, root)
    _edit_menu(root)
    _check(root, tmp_path)
    with sqlite3.connect(root / "data/omakase.sqlite.state") as state:
        state.execute("UPDATE item_side SET value = ?", (b"not a side",))
    _edit_menu(root)
    _check(root, tmp_path)
    assert loads == ["KeptItems", "dict"]


def _inputs_noted(root: Path) -> tuple[object, str]:
    """The item side's inputs the state notes beside its file index, and those of the files now."""
    settings = settings_for(root)
    with sqlite3.connect(root / "data/omakase.sqlite.state") as state:
        noted = get_meta(state, itemstate.INPUTS_KEY)
    files = Inputs(settings).scan()
    hash_all(files)
    return noted, itemstate.side_inputs(settings, files)


def test_the_items_inputs_are_hashed_again_only_when_an_item_input_changed(
    built: Path, tmp_path: Path, loads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = built
    hashed: list[int] = []
    digest = itemstate._digest

    def counting(*args: Any) -> str:
        hashed.append(1)
        return digest(*args)

    monkeypatch.setattr(itemstate, "_digest", counting)
    noted, now = _inputs_noted(root)
    assert noted == now
    hashed.clear()
    _edit_menu(root)
    assert build(settings_for(root)).mode == "incremental"
    assert (hashed, loads) == ([], ["KeptItems"])  # the noted digest, not the files', was taken
    assert_same_as_full(root, tmp_path)
    noted, now = _inputs_noted(root)
    assert noted == now
    _append(root / "content/items/book/solaris.md", "\nA new paragraph.\n")
    hashed.clear()
    assert build(settings_for(root)).mode == "incremental"
    assert len(hashed) == 1
    noted, now = _inputs_noted(root)
    assert noted == now


def test_a_server_build_that_changed_an_item_leaves_no_items_inputs_noted(
    built: Path, tmp_path: Path, loads: list[str]
) -> None:
    """The dev server loads from its memo and works out no side inputs: after it changed an
    item, the digest the state noted is of other files and must not be carried."""
    root = built
    session = Session()
    build(settings_for(root), session=session)
    _append(root / "content/items/book/solaris.md", "\nA new paragraph.\n")
    assert build(settings_for(root), session=session).mode == "incremental"
    assert _inputs_noted(root)[0] is None
    _edit_menu(root)
    _check(root, tmp_path)
    assert loads[-1] == "dict"  # the side is of the old solaris.md: not taken
    noted, now = _inputs_noted(root)
    assert noted == now


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each load: whether it listed the items folder (False: the kept side's listing)."""
    import generator.content.loader as loader

    seen: list[bool] = []
    real = loader.list_content

    def spy(content: Path, display: Any, items: Any = None) -> Any:
        seen.append(items is None)
        return real(content, display, items)

    monkeypatch.setattr(loader, "list_content", spy)
    return seen


def test_a_kept_side_stands_in_for_listing_the_items_folder_while_its_folders_are_unchanged(
    built: Path, tmp_path: Path, loads: list[str], listings: list[bool]
) -> None:
    root = built
    _edit_menu(root)
    assert build(settings_for(root)).mode == "incremental"
    assert (loads, listings) == (["KeptItems"], [False])
    assert_same_as_full(root, tmp_path)
    # A folder that holds no file changes no file's hash, but the listing refuses it.
    (root / "content/items/movie/extras").mkdir()
    _edit_menu(root)
    with pytest.raises(ContentErrors) as kept:
        build(settings_for(root))
    assert listings[-1] is True
    assert "content/items/movie/extras: error: unexpected folder here" in str(kept.value)
    (root / "content/items/movie/extras").rmdir()
    (root / "content/items/podcast").mkdir()
    with pytest.raises(ContentErrors) as kept:
        build(settings_for(root))
    assert "unknown item type folder 'podcast'" in str(kept.value)
    (root / "content/items/podcast").rmdir()
    _check(root, tmp_path)
    assert loads[-1] == "KeptItems" and listings[-1] is True  # the folders' times moved: listed


def test_an_item_of_a_kept_listing_loads_when_asked_for(built: Path) -> None:
    """With the side's listing, no item file was listed: an item asked for is loaded from
    its file all the same, and is the item a full load makes."""
    from generator.content.loader import load_site
    from generator.engine.itemstate import read_side

    settings = settings_for(built)
    files = Inputs(settings).scan()
    FileTable(sqlite3.connect(":memory:"), built, kept={}).changes(files, Path("/"))
    with sqlite3.connect(built / "data/omakase.sqlite.state") as state:
        side = read_side(state, settings, itemstate.side_inputs(settings, files))
    assert side is not None and side.listing_now(item_folders(settings.content_dir)) == []
    site, _ = load_site(settings, kept=Kept(side))
    full, _ = load_site(settings)
    assert type(site.items).__name__ == "KeptItems"
    for ref in ("book/solaris", "movie/moon"):
        assert site.items[ref] == full.items[ref]
