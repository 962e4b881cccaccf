"""An edit renders its menu pages first and indexes their bundles while the other pages render."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest

import generator.engine.earlysearch as earlysearch
import generator.site.pagefind as pagefind
from generator.engine.build import build
from generator.site.render import PageWriter
from generator.site.search import MENU_PREFIX, split
from generator.support.procs import starts_without_python
from tests.conftest import settings_for
from tests.test_incremental import assert_same_as_full, sample_site

pytestmark = pytest.mark.skipif(not starts_without_python(), reason="needs setpriv (util-linux)")


def _published_menu(root: Path) -> Path:
    menus = sorted((root / "content/menus").glob("*.md"))
    return next(path for path in menus if "status: published" in path.read_text())


def test_a_menu_edit_indexes_its_bundle_before_the_other_pages_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = sample_site(tmp_path / "site")
    settings = settings_for(root)
    build(settings, full=True)
    menu = _published_menu(root)
    menu.write_text(menu.read_text().replace("title: ", "title: Warmed ", 1))
    build(settings)  # the first edit makes the shadow tree

    rendered: list[str] = []
    real_render = PageWriter.render

    def render(self: PageWriter, name: str, key: tuple[Any, ...], old: bytes | None) -> Any:
        record = real_render(self, name, key, old)
        rendered.append(record.path)
        return record

    early: list[dict[str, bytes]] = []
    real_index = earlysearch.index_menu_bundles

    def index(site: Path, pages: dict[str, bytes], documents: Path) -> list[str]:
        early.append(dict(pages))
        return real_index(site, pages, documents)

    runs: list[tuple[str, list[int]]] = []
    real_run_all = pagefind.run_all

    def run_all(todo: list[pagefind.Run], *args: Any, **kwargs: Any) -> None:
        runs.append((threading.current_thread().name, [run.number for run in todo]))
        real_run_all(todo, *args, **kwargs)

    monkeypatch.setattr(PageWriter, "render", render)
    monkeypatch.setattr(earlysearch, "index_menu_bundles", index)
    monkeypatch.setattr(pagefind, "run_all", run_all)
    text = re.sub(r"(?m)^title: .*$", "title: Edited for the early index", menu.read_text(), count=1)
    menu.write_text(text)
    build(settings)

    # The menu's pages render first, then the others (its curator's page, tags, lists).
    menus = [i for i, path in enumerate(rendered) if path.startswith(MENU_PREFIX)]
    assert menus and menus == list(range(len(menus))) and len(rendered) > len(menus)
    # Pagefind indexed the menu's bundle on the early thread, from the new page, and the
    # build's own indexing did not do it again.
    assert len(early) == 1
    bundles = split(early[0])
    edited = next(n for n, members in enumerate(bundles) if f"menus/{menu.stem}/index.html" in members)
    assert runs[0] == ("early-search", [edited])
    assert all(edited not in numbers for thread, numbers in runs[1:])
    assert "Edited for the early index" in (root / "output" / f"menus/{menu.stem}/index.html").read_text()
    assert_same_as_full(root, tmp_path)


def test_menus_first_only_when_other_pages_render_after_them() -> None:
    """Nothing to render after the menu pages, nothing to gain; a page new to the state,
    nothing to foresee."""
    keys = [("menu", '["a"]'), ("story", '["a"]')]
    old = {k: (n, f"menus/a/{n}.html", b"") for n, k in enumerate(keys)}
    assert earlysearch.menus_first(keys, old) is None
    other = ("curator", '["c"]')
    old[other] = (9, "curators/c/index.html", b"")
    assert earlysearch.menus_first([other, *keys], old) == ([*keys, other], 2)
    assert earlysearch.menus_first([other, ("tag", '["new"]'), *keys], old) is None
