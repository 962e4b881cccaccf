"""Parsing on several cores gives exactly what parsing in turn gives: the same site, the same
problems in the same order with their file and line, the same database and parse cache."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.content import assembly, parallel
from generator.content.loader import load_site
from generator.engine.state import StateParseCache
from generator.errors import ContentErrors
from tests.conftest import settings_for
from tests.sitekit import MENU, copy_sample, make_site
from tests.test_crash_safety import tree


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every load parses with two workers, whatever the machine; records each time whether
    workers did the parsing."""
    monkeypatch.setattr(parallel, "MIN_FILES", 1)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    used: list[bool] = []
    real = assembly.parse_files

    def spy(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        used.append(result is not None)
        return result

    monkeypatch.setattr(assembly, "parse_files", spy)
    return used


def serial(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_FILES", 10**9)


def load_both(root: Path, monkeypatch: pytest.MonkeyPatch, used: list[bool]) -> tuple:
    def load() -> tuple:
        cache = StateParseCache(None, Path("/"), {}, set())
        try:
            site, warnings = load_site(settings_for(root), cache=cache)
        except ContentErrors as exc:
            return None, [p.format() for p in exc.problems], cache.new
        return site, [p.format() for p in warnings], cache.new

    in_workers = load()
    assert used == [True]
    serial(monkeypatch)
    in_turn = load()
    assert used == [True, False]
    return in_workers, in_turn


def test_workers_load_the_same_site_and_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: list[bool]
) -> None:
    root = copy_sample(tmp_path / "site")
    (in_workers, in_turn) = load_both(root, monkeypatch, workers)
    assert in_workers[0] is not None and len(in_workers[0].items) > 20
    assert in_workers[0] == in_turn[0]
    assert in_workers[1] == in_turn[1]
    # The parse cache keeps the same bytes, so incremental builds start from the same state.
    assert in_workers[2] == in_turn[2]


def test_problems_found_by_workers_keep_their_file_line_and_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: list[bool]
) -> None:
    menus = {
        f"content/menus/menu-{n:02}.md": MENU.format(
            title=f"Menu {n}", curator="ada", status="published", extra=""
        )
        for n in range(40)
    }
    menus["content/menus/menu-07.md"] = menus["content/menus/menu-07.md"].replace(
        "status: published", "status: [published"
    )  # an unclosed list from line 4
    menus["content/menus/menu-33.md"] = menus["content/menus/menu-33.md"].replace(
        "title: Menu 33", "title: Menu 33\nslug: menu-02"
    )  # a slug unlike its file name, in a later chunk
    menus["content/menus/menu-21.md"] = "no front matter\n"
    root = make_site(tmp_path / "site", menus)
    (root / "content/menus/stray.txt").write_text("x")
    in_workers, in_turn = load_both(root, monkeypatch, workers)
    assert in_workers[0] is None and in_workers[1] == in_turn[1]
    found = "\n".join(in_workers[1])
    assert (
        "content/menus/menu-07.md:5: error: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence that starts on line 4)" in found
    )
    assert "content/menus/menu-21.md:1: error: missing front matter" in found
    assert "content/menus/menu-33.md:3: error: slug 'menu-02' does not match the file name 'menu-33'" in found
    assert "content/menus/stray.txt: error: unexpected file here" in found
    assert in_workers[2] == in_turn[2]


def test_cold_build_with_workers_is_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: list[bool]
) -> None:
    def build(root: Path) -> None:
        result = CliRunner().invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
        assert result.exit_code == 0, result.output

    one, two = copy_sample(tmp_path / "one"), copy_sample(tmp_path / "two")
    build(one)
    assert workers == [True]
    serial(monkeypatch)
    build(two)
    assert workers == [True, False]
    assert tree(one / "output") == tree(two / "output")
    assert (one / "data/omakase.sqlite").read_bytes() == (two / "data/omakase.sqlite").read_bytes()

    def parses(root: Path) -> dict[str, bytes]:
        conn = sqlite3.connect(root / "data/omakase.sqlite.state")
        rows = conn.execute("SELECT path, parsed FROM files WHERE parsed IS NOT NULL").fetchall()
        conn.close()
        return {str(Path(path).relative_to(root)): blob for path, blob in rows}

    assert parses(one) == parses(two) and len(parses(one)) > 20


def test_few_files_are_parsed_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    assert parallel.parse_files(["a"] * (parallel.MIN_FILES - 1), 1, lambda t, n: t) is None
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    assert parallel.parse_files(["a"] * parallel.MIN_FILES, 1, lambda t, n: t) is None
