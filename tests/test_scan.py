"""The command line's scan (engine/scan.py) finds what state.scan_tree finds, in one order
whether or not a second process took half the stats, and falls back to one process."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from generator.engine import scan
from generator.engine.state import IndexEntry, scan_tree


def _site(root: Path) -> list[Path]:
    """Input folders with nested and hidden names, a symbolic link and an empty folder."""
    content, templates = root / "content", root / "templates"
    for n in range(40):
        (content / "items" / ("movie" if n % 2 else "book")).mkdir(parents=True, exist_ok=True)
        (content / "items" / ("movie" if n % 2 else "book") / f"i{n}.yaml").write_text(f"n: {n}\n" * n)
    (content / "menus").mkdir()
    (content / "menus/one.md").write_text("menu")
    (content / "menus/.draft.md").write_text("hidden")
    (content / ".git").mkdir()
    (content / ".git/HEAD").write_text("ref")
    (content / "empty").mkdir()
    (content / "menus/link.md").symlink_to(content / "menus/one.md")
    (templates / "partials").mkdir(parents=True)
    (templates / "partials/card.html").write_text("x")
    return [content, templates, root / "missing"]


def _scan_tree(roots: list[Path]) -> dict[str, IndexEntry]:
    files: dict[str, IndexEntry] = {}
    for root in roots:
        files.update(scan_tree(root, absolute=True))
    return files


def _split_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork whatever the size, and beside a test runner's own threads (pytest-xdist's)."""
    monkeypatch.setattr(scan, "SPLIT_AT", 0)
    monkeypatch.setattr(scan, "fork_is_safe", lambda: True)


@pytest.mark.parametrize("split", [True, False])
def test_the_scan_finds_what_scan_tree_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split: bool
) -> None:
    roots = _site(tmp_path)
    if split:
        _split_always(monkeypatch)
    found = scan.scan_roots(roots)
    assert found == _scan_tree(roots)
    assert not any("/." in path for path in found) and str(tmp_path / "content/menus/link.md") in found


def test_the_order_is_the_same_with_or_without_a_second_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    roots = _site(tmp_path)
    alone = list(scan.scan_roots(roots))
    forks: list[int] = []
    real_fork = os.fork

    def counted() -> int:
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", counted)
    _split_always(monkeypatch)
    assert list(scan.scan_roots(roots)) == alone
    assert forks == [1]


def test_a_failed_fork_or_child_leaves_the_work_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    roots = _site(tmp_path)
    expected = scan.scan_roots(roots)
    _split_always(monkeypatch)

    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    with monkeypatch.context() as patched:
        patched.setattr(os, "fork", no_fork)
        assert scan.scan_roots(roots) == expected

    def broken(fd: int, files: dict[str, IndexEntry]) -> None:
        raise RuntimeError("the child fails")  # in the child, which exits with code 1

    monkeypatch.setattr(scan, "_send", broken)
    assert scan.scan_roots(roots) == expected


def test_no_fork_beside_another_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    roots = _site(tmp_path)
    monkeypatch.setattr(scan, "SPLIT_AT", 0)

    def refuse() -> int:
        raise AssertionError("forked beside another thread")

    monkeypatch.setattr(os, "fork", refuse)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert scan.scan_roots(roots) == _scan_tree(roots)
    finally:
        stop.set()
        other.join()
