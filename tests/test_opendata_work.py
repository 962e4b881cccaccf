"""The open-data work files: an edit brings them up to date from the rows it changed, and a
build never trusts files the state does not name; the copy stays that of a full build."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from generator.engine.build import build
from generator.engine.state import get_meta, open_state, set_meta, state_path
from generator.site import opendata, search
from generator.site.keyed import RowChanges
from generator.site.openwork import READS, WORK, OpenWork, update_rows
from generator.support.caches import cache_dir
from tests.conftest import settings_for
from tests.sitekit import make_site
from tests.test_api import DRAFT

MENU = "content/menus/paranoid-seventies.md"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = make_site(tmp_path / "site", {"content/menus/secret-supper.md": DRAFT})
    build(settings_for(root))
    return root


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often the open-data copy was made from scratch ('copy'), stripped again
    ('strip'), and the work files of each refresh ('work')."""
    seen: Counter[str] = Counter()
    works: list[OpenWork] = []
    copy, strip, refresh = opendata.copy_in_key_order, opendata.strip_private, opendata.refresh

    def counting_copy(*args: Any) -> None:
        seen["copy"] += 1
        copy(*args)

    def counting_strip(*args: Any) -> None:
        seen["strip"] += 1
        strip(*args)

    def noting_refresh(work: OpenWork, *args: Any) -> Path:
        works.append(work)
        return refresh(work, *args)

    monkeypatch.setattr(opendata, "copy_in_key_order", counting_copy)
    monkeypatch.setattr(opendata, "strip_private", counting_strip)
    monkeypatch.setattr(opendata, "refresh", noting_refresh)
    seen.works = works  # type: ignore[attr-defined]
    return seen


def edit(root: Path, old: str, new: str, name: str = MENU) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def full_copy(root: Path, tmp: Path) -> bytes:
    """The open-data copy a full build of `root` makes, elsewhere."""
    out = tmp / "cold-out"
    build(settings_for(root, output_dir=out, db_path=tmp / "cold" / "omakase.sqlite"), full=True)
    return (out / opendata.SITE_PATH).read_bytes()


def published(root: Path) -> bytes:
    return (root / "output" / opendata.SITE_PATH).read_bytes()


def trusted_token(root: Path) -> str | None:
    state = open_state(state_path(root / "data/omakase.sqlite"))
    try:
        token = get_meta(state, "opendata")
    finally:
        state.close()
    return token if isinstance(token, str) else None


def test_a_menu_text_edit_updates_the_work_files_in_place(
    site: Path, tmp_path: Path, calls: Counter[str]
) -> None:
    before = published(site)
    edit(site, "An introduction.", "An introduction, now longer.")
    assert build(settings_for(site)).mode == "incremental"
    assert calls["copy"] == calls["strip"] == 0  # neither copied nor stripped again
    assert [work.recopied for work in calls.works] == [[]]  # type: ignore[attr-defined]
    after = published(site)
    assert after != before and b"An introduction, now longer." in after
    assert after == full_copy(site, tmp_path)


def test_an_edit_that_adds_rows_copies_their_tables_again(
    site: Path, tmp_path: Path, calls: Counter[str]
) -> None:
    book = "      - item: book/the-crying-of-lot-49\n"
    edit(site, book, "  - title: Digestif\n    intent: End.\n    items:\n" + book)  # a course of its own
    assert build(settings_for(site)).mode == "incremental"
    assert calls["copy"] == 0 and calls["strip"] == 1
    (work,) = calls.works  # type: ignore[attr-defined]
    assert {"courses", "course_items"} <= set(work.recopied) and "menus" not in work.recopied
    assert published(site) == full_copy(site, tmp_path)


def test_work_files_the_state_does_not_name_are_made_again(
    site: Path, tmp_path: Path, calls: Counter[str]
) -> None:
    token = trusted_token(site)
    folder = cache_dir(site / "data/omakase.sqlite", "opendata")
    work = folder / f"{token}{WORK}"
    assert work.is_file()
    # Files of another database under the name the state does not trust: not to be used.
    conn = sqlite3.connect(work)
    conn.execute("DELETE FROM menus")
    conn.commit()
    conn.close()
    state = open_state(state_path(site / "data/omakase.sqlite"))
    set_meta(state, "opendata", "0" * 16)
    state.close()
    edit(site, "An introduction.", "An introduction, now longer.")
    assert build(settings_for(site)).mode == "incremental"
    assert calls["copy"] == 1
    assert published(site) == full_copy(site, tmp_path)
    assert not work.exists()  # the untrusted files are gone


@pytest.mark.parametrize("damage", [b"", b"not a database" * 100])
def test_damaged_work_files_are_made_again(
    site: Path, tmp_path: Path, calls: Counter[str], damage: bytes
) -> None:
    folder = cache_dir(site / "data/omakase.sqlite", "opendata")
    (folder / f"{trusted_token(site)}{WORK}").write_bytes(damage)  # as a power cut may leave it
    edit(site, "An introduction.", "An introduction, now longer.")
    assert build(settings_for(site)).mode == "incremental"
    assert calls["copy"] == 1
    assert published(site) == full_copy(site, tmp_path)


def test_a_failed_build_leaves_no_work_file_a_later_build_trusts(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, calls: Counter[str]
) -> None:
    index_site = search.index_site

    def failing_index(*args: Any, meanwhile: Any = None, **kwargs: Any) -> list[str]:
        meanwhile()  # the work files are brought up to date, then the build fails
        raise RuntimeError("search index failed")

    monkeypatch.setattr(search, "index_site", failing_index)
    edit(site, "An introduction.", "An introduction, now longer.")
    with pytest.raises(RuntimeError):
        build(settings_for(site))
    assert [work.made for work in calls.works] != [None]  # they were updated
    token = trusted_token(site)
    folder = cache_dir(site / "data/omakase.sqlite", "opendata")
    assert not (folder / f"{token}{WORK}").exists()  # ... under a name the state does not trust
    monkeypatch.setattr(search, "index_site", index_site)
    edit(site, "An introduction, now longer.", "An introduction, longer still.")
    build(settings_for(site))
    assert calls["copy"] == 1
    assert published(site) == full_copy(site, tmp_path)


def test_the_public_copy_is_stripped_again_when_an_edit_reaches_what_the_strip_uses(site: Path) -> None:
    token = trusted_token(site)
    folder = cache_dir(site / "data/omakase.sqlite", "opendata")
    uses = set(json.loads((folder / f"{token}{READS}").read_text()))
    # What it decides by, what it writes (a fork's first step gets the fork's date), and the
    # foreign keys deletes cascade along.
    assert {"menus.status", "user_item_logs.is_private", "menu_lineage.forked_at"} <= uses
    assert {"course_items.course_id", "media_sources.media_item_id"} <= uses
    assert "menus.title" not in uses and "media_items.title" not in uses


def test_rows_are_updated_in_place_by_a_composite_key(tmp_path: Path) -> None:
    source = tmp_path / "source.sqlite"
    conn = sqlite3.connect(source)
    conn.execute("CREATE TABLE pairs (a TEXT, b TEXT, note TEXT, PRIMARY KEY (a, b))")
    conn.executemany(
        "INSERT INTO pairs VALUES (?, ?, ?)", [("y", "1", "p"), ("x", "2", "q"), ("x", "1", "r")]
    )
    conn.commit()
    work = sqlite3.connect(tmp_path / "work.sqlite", isolation_level=None)
    opendata.copy_in_key_order(work, str(source))
    conn.execute("UPDATE pairs SET note = 'changed' WHERE a = 'x' AND b = '2'")
    conn.commit()
    conn.close()
    work.execute("ATTACH DATABASE ? AS src", [str(source)])
    changes = RowChanges({"pairs": {'["x","2"]': frozenset({"note"})}}, {"pairs": ["a", "b"]})
    assert update_rows(work, changes) == []  # nothing copied again
    rows = work.execute("SELECT rowid, a, b, note FROM pairs ORDER BY rowid").fetchall()
    assert rows == [(1, "x", "1", "r"), (2, "x", "2", "changed"), (3, "y", "1", "p")]
