"""The build state's file index: an edit writes the entries it changed, not the whole index;
read back, base and changes give the files as they are, wherever the site has moved."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from generator.engine import state as state_module
from generator.engine.build import build
from generator.engine.inputs import Inputs
from generator.engine.state import FileTable, IndexEntry, file_hash, hash_all, read_index, scan_tree
from tests.conftest import settings_for
from tests.test_incremental import sample_site


def _state(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(root / "data/omakase.sqlite.state")


def _files_now(root: Path) -> dict[str, IndexEntry]:
    files = Inputs(settings_for(root)).scan()
    hash_all(files)
    return files


def _stored(root: Path) -> tuple[bytes, list[str]]:
    """The index's base blob and the paths of its rows of changes."""
    with _state(root) as conn:
        (base,) = conn.execute("SELECT value FROM file_index").fetchone()
        rows = [path for (path,) in conn.execute("SELECT path FROM file_index_delta ORDER BY path")]
    return base, rows


def _edit(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_an_edit_writes_its_entries_and_the_index_reads_back_whole(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    base, rows = _stored(root)
    assert rows == []
    menu, log = sorted((root / "content/menus").glob("*.md"))[0], root / "content/logs/bruno.yaml"
    _edit(menu, "\nOne more line.\n")
    log.unlink()
    assert build(settings_for(root)).mode == "incremental"
    assert _stored(root) == (base, sorted([str(menu), str(log)]))
    with _state(root) as conn:
        assert read_index(conn, root) == _files_now(root)
        gone = conn.execute("SELECT entry FROM file_index_delta WHERE path = ?", (str(log),))
        assert gone.fetchone() == (None,)


def test_the_changes_are_folded_into_a_new_base_when_they_grow(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    files = len(_files_now(root))
    menus = sorted((root / "content/menus").glob("*.md"))
    seen = []
    for number in range(files // state_module.DELTA_SHARE + 2):
        _edit(menus[number % len(menus)], f"\nEdit {number}.\n")
        assert build(settings_for(root)).mode == "incremental"
        seen.append(len(_stored(root)[1]))
        with _state(root) as conn:
            assert read_index(conn, root) == _files_now(root)
    assert max(seen) * state_module.DELTA_SHARE <= files
    assert 0 in seen[1:], "a new base was written"


def test_a_moved_site_reads_its_index_at_the_new_place_and_writes_a_new_base(tmp_path: Path) -> None:
    first = sample_site(tmp_path / "first")
    build(settings_for(first))
    _edit(sorted((first / "content/menus").glob("*.md"))[0], "\nOne more line.\n")
    build(settings_for(first))
    root = tmp_path / "second"
    shutil.move(first, root)
    with _state(root) as conn:
        assert read_index(conn, root) == _files_now(root)
    assert build(settings_for(root)).mode == "unchanged"
    _edit(sorted((root / "content/menus").glob("*.md"))[1], "\nAnother line.\n")
    assert build(settings_for(root)).mode == "incremental"
    assert _stored(root)[1] == []  # the base now holds the new place's paths
    with _state(root) as conn:
        assert read_index(conn, root) == _files_now(root)
        assert all(path.startswith(str(root)) for path in read_index(conn, root))


@pytest.mark.parametrize("by_descriptor", [True, False])
def test_a_scan_takes_the_known_entry_of_a_file_whose_stat_did_not_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by_descriptor: bool
) -> None:
    if not by_descriptor:  # as on a system whose folders are listed by path only
        monkeypatch.setattr(state_module, "_FOLDER_FLAGS", 0)
    folder = tmp_path / "content"
    (folder / "menus").mkdir(parents=True)
    kept, edited, added = (folder / "menus" / f"{name}.md" for name in ("kept", "edited", "added"))
    kept.write_text("kept")
    edited.write_text("before")
    (folder / ".hidden").write_text("never scanned")
    known = {
        p: (m, size, b"hash of " + p.encode()) for p, (m, size, _) in scan_tree(folder, absolute=True).items()
    }
    edited.write_text("after, longer")
    added.write_text("new")

    files = scan_tree(folder, absolute=True, known=known)
    assert sorted(files) == sorted(map(str, (kept, edited, added)))
    assert files[str(kept)] is known[str(kept)]  # compared later by identity, hash kept
    assert files[str(edited)] == (edited.stat().st_mtime_ns, edited.stat().st_size, None)
    assert files[str(added)][2] is None

    changed, removed = FileTable(sqlite3.connect(":memory:"), tmp_path, kept=known).changes(files, Path("/"))
    assert changed == {str(edited), str(added)} and removed == set()
    assert files[str(edited)][2] == file_hash(edited)  # hashes filled in place
    relative = scan_tree(folder, known=known)
    assert relative["menus/kept.md"] is known[str(kept)] and "menus/edited.md" in relative
