"""Language names: a derive step names each code items list, once; item pages read the names."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from generator.derive import languages
from generator.engine.build import build
from tests.conftest import settings_for
from tests.test_incremental import sample_site

ITEM = "content/items/book/frankenstein.md"
PAGE = "output/items/book/frankenstein/index.html"


def names(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT code, name FROM language_names"))


def test_an_edit_names_only_a_new_code_and_drops_an_unused_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    assert names(root / "data/omakase.sqlite")["en"] == "English"
    named: list[str] = []
    real = languages.language_name
    monkeypatch.setattr(languages, "language_name", lambda code: named.append(code) or real(code))
    item = root / ITEM
    text = item.read_text(encoding="utf-8")
    item.write_text(text.replace("languages: [en]", "languages: [en, la]"), encoding="utf-8")
    assert build(settings_for(root)).mode == "incremental"
    assert named == ["la"]
    assert names(root / "data/omakase.sqlite")["la"] == "Latin"
    assert "<dt>Languages</dt><dd>English, Latin</dd>" in (root / PAGE).read_text(encoding="utf-8")

    item.write_text(text, encoding="utf-8")
    assert build(settings_for(root)).mode == "incremental"
    assert "la" not in names(root / "data/omakase.sqlite")
    assert "<dt>Languages</dt><dd>English</dd>" in (root / PAGE).read_text(encoding="utf-8")


def test_entries_that_are_not_codes_show_as_written(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    item = root / ITEM
    text = item.read_text(encoding="utf-8")
    item.write_text(text.replace("languages: [en]", "languages: [English, 12, xx-nowhere]"), encoding="utf-8")
    build(settings_for(root))
    page = (root / PAGE).read_text(encoding="utf-8")
    assert "<dt>Languages</dt><dd>English, 12, xx-nowhere</dd>" in page


def test_the_public_copy_names_only_the_codes_of_public_items(tmp_path: Path) -> None:
    """An item no published menu or public log shows is left out of the open data, and so
    is the name of a language only it lists."""
    root = sample_site(tmp_path / "site")
    hidden = root / "content/items/book/a-private-book.md"
    hidden.write_text(
        '---\ntitle: "A Private Book"\nauthors: [Nobody]\nmetadata:\n  languages: [tlh]\n---\nUnlisted.\n',
        encoding="utf-8",
    )
    build(settings_for(root))
    assert names(root / "data/omakase.sqlite")["tlh"] == "Klingon"
    public = names(root / "output/data/omakase.sqlite")
    assert "tlh" not in public and public["en"] == "English"
