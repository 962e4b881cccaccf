"""A full build's cards drawn by a forked child while the build goes on (cards.Drawing): the
same site as cards drawn at once, and nothing left to a child that failed or was stopped."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

import generator.engine.cards as cards
from generator.engine.build import build
from generator.errors import BuildError
from generator.support.caches import cache_dir
from tests.conftest import settings_for
from tests.test_incremental import sample_site, tree


def _cards_in(root: Path) -> set[str]:
    return {p.name for p in cache_dir(root / "data/omakase.sqlite", "cards").glob("*.jpg")}


def _fork_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork beside a test runner's own threads (pytest-xdist's) too."""
    monkeypatch.setattr(cards, "fork_is_safe", lambda: True)


def _drawn_here(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids that drew cards in this process; a child's drawing is not seen here."""
    pids: list[int] = []
    real = cards._draw_all

    def draw_all(*args: Any, **kwargs: Any) -> None:
        pids.append(os.getpid())
        real(*args, **kwargs)

    monkeypatch.setattr(cards, "_draw_all", draw_all)
    return pids


def test_a_full_build_has_its_cards_drawn_by_a_child_and_the_same_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = sample_site(tmp_path / "site")
    _fork_allowed(monkeypatch)
    drawn_here = _drawn_here(monkeypatch)
    assert build(settings_for(root)).mode == "full"
    assert drawn_here == [] and len(_cards_in(root)) >= 2
    forked = tree(root / "output")
    monkeypatch.setattr(cards, "fork_is_safe", lambda: False)
    shutil.rmtree(cache_dir(root / "data/omakase.sqlite", "cards"))
    assert build(settings_for(root), full=True).mode == "full"
    assert drawn_here == [os.getpid()]
    assert tree(root / "output") == forked


def test_the_cards_a_child_did_not_draw_are_drawn_by_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = sample_site(tmp_path / "site")
    _fork_allowed(monkeypatch)
    parent, real = os.getpid(), cards._draw_all

    def fails_in_the_child(*args: Any, **kwargs: Any) -> None:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        real(*args, **kwargs)

    monkeypatch.setattr(cards, "_draw_all", fails_in_the_child)
    assert build(settings_for(root)).mode == "full"
    linked = {p.name for p in (root / "output/cards").glob("*.jpg")}
    assert linked and linked == _cards_in(root)


def test_a_build_that_fails_stops_its_drawing_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = sample_site(tmp_path / "site")
    _fork_allowed(monkeypatch)
    monkeypatch.setattr(cards, "_draw_all", lambda *args, **kwargs: time.sleep(60))
    children: list[int] = []
    real_init = cards.Drawing.__init__

    def start(self: cards.Drawing, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        children.append(self.pid or 0)

    def fail(*args: Any) -> None:
        raise OSError(28, "No space left on device", "stand-in")

    monkeypatch.setattr(cards.Drawing, "__init__", start)
    monkeypatch.setattr("generator.engine.full.new_database", fail)
    with pytest.raises(BuildError, match="no space left"):
        build(settings_for(root))
    assert children and children[0] > 0
    with pytest.raises(ChildProcessError):  # stopped and reaped
        os.waitpid(children[0], os.WNOHANG)
