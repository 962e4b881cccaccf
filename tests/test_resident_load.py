"""The dev server's loads patch the last one: each equals a fresh load, problems included."""

from __future__ import annotations

import dataclasses
import random
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.content.loader import LoadMemo, load_site
from generator.errors import ContentErrors
from generator.settings import Settings
from generator.state import ParseMemo, StateParseCache, file_hash, scan_tree
from tests import test_incremental as edits
from tests.conftest import settings_for
from tests.sitekit import PROJECT


def _menus(root: Path) -> list[Path]:
    return sorted((root / "content/menus").glob("*.md"))


def _items(root: Path) -> list[Path]:
    return sorted((root / "content/items").glob("*/*.md"))


def _rewrite(path: Path, pattern: str, replacement: str) -> None:
    path.write_text(re.sub(pattern, replacement, path.read_text(), count=1))


def break_reference(rng: random.Random, root: Path) -> str:
    path = rng.choice(_menus(root))
    target = rng.choice(["movie/no-such-film", "wikidata:Q184843", "book/solaris"])
    _rewrite(path, r"item: [a-z]+/[a-z0-9-]+", f"item: {target}")
    return f"reference {target} in {path.name}"


def change_curator(rng: random.Random, root: Path) -> str:
    path = rng.choice(_menus(root))
    _rewrite(path, r"(?m)^curator: .*$", f"curator: {rng.choice(['nobody', 'bruno', 'ada'])}")
    return f"curator of {path.name}"


def claim_a_taken_slug(rng: random.Random, root: Path) -> str:
    path, other = rng.sample(_menus(root), 2)
    slug = re.search(r"(?m)^slug: (.*)$", other.read_text())
    if slug:
        _rewrite(path, r"(?m)^slug: .*$", f"slug: {slug.group(1)}")
    return f"slug of {other.name} in {path.name}"


def tag_without_letters(rng: random.Random, root: Path) -> str:
    path = rng.choice([*_items(root), *_menus(root)])
    _rewrite(path, r"(?m)^tags: \[", "tags: ['!!!', ")
    return f"bad tag in {path.name}"


def take_a_source(rng: random.Random, root: Path) -> str:
    path = rng.choice(_items(root))
    _rewrite(path, r"(?m)^(\s+id:) .*$", rf"\1 {rng.choice(['Q184843', 'Q1', 'Q7'])}")
    return f"source id of {path.name}"


def check_long_ago(rng: random.Random, root: Path) -> str:
    path = rng.choice(_items(root))
    _rewrite(path, r"last_checked: [0-9-]+", f"last_checked: {rng.choice(['2001-01-01', '2026-11-20'])}")
    return f"availability of {path.name}"


def break_yaml(rng: random.Random, root: Path) -> str:
    path = rng.choice([*_items(root), *_menus(root)])
    _rewrite(path, r"(?m)^title: ", "title: [unclosed ")
    return f"malformed {path.name}"


def log_unknown_item(rng: random.Random, root: Path) -> str:
    path = rng.choice(sorted((root / "content/logs").glob("*.yaml")))
    _rewrite(path, r"item: [a-z]+/[a-z0-9-]+", "item: game/no-such-game")
    return f"log {path.name}"


def link_a_menu(rng: random.Random, root: Path) -> str:
    """The same text through a link: only the listing refuses it."""
    path = rng.choice([menu for menu in _menus(root) if not menu.is_symlink()])
    outside = root.parent / f"outside-{rng.randrange(10**6)}.md"  # never edited nor gone
    outside.write_text(path.read_text())
    path.unlink()
    path.symlink_to(outside)
    return f"link {path.name}"


def shift_lines(rng: random.Random, root: Path) -> str:
    """The same fields a line lower: every problem the file has moves with them."""
    path = rng.choice([*_items(root), *_items(root), *_menus(root)])
    _rewrite(path, r"^---\n", "---\n# moved down a line\n")
    return f"shift {path.name}"


def delete_curator(rng: random.Random, root: Path) -> str:
    path = rng.choice(sorted((root / "content/curators").glob("*.yaml")))
    path.unlink()
    return f"delete curator {path.name}"


def stray_file(rng: random.Random, root: Path) -> str:
    (root / "content/menus/notes.txt").write_text("to do\n")
    return "stray file"


EDITS = [edits.edit_menu, edits.edit_menu, edits.edit_item, edits.reslug_item,
         edits.rename_menu_file, edits.delete_menu, edits.copy_menu, edits.edit_curator_or_log,
         break_reference, change_curator, claim_a_taken_slug, tag_without_letters,
         take_a_source, check_long_ago, break_yaml, log_unknown_item, link_a_menu, stray_file,
         delete_curator, shift_lines, shift_lines]


def outcome(settings: Settings, **kwargs: object) -> object:
    try:
        return load_site(settings, **kwargs)  # type: ignore[arg-type]
    except ContentErrors as failure:
        return failure.problems


@pytest.mark.parametrize("seed", range(6))
def test_a_patched_load_equals_a_fresh_one_after_random_edits(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = edits.sample_site(tmp_path / "site")
    settings = dataclasses.replace(settings_for(root), build_time=datetime(2026, 12, 1, tzinfo=UTC))
    parses, memo = ParseMemo(), LoadMemo()
    full_scans, patched = 1, 0
    for round_ in range(40):
        done = [rng.choice(EDITS)(rng, root) for _ in range(rng.randint(1, 2))] if round_ else []
        if rng.random() < 0.2:  # back to a site without problems, its files rewritten
            shutil.rmtree(root / "content")
            shutil.copytree(PROJECT / "content", root / "content")
            full_scans += 1  # folders went and came
            done.append("restored")
        if rng.random() < 0.1:  # a folder appeared: the server scans everything
            (root / "content/menus" / f"folder-{round_}").mkdir()
            full_scans += 1
            done.append("folder")
        files = scan_tree(root / "content", absolute=True)
        for path, scanned in files.items():
            scanned.hash = file_hash(Path(path))
        parses.begin("code", files)
        memo.scanned(files, full_scans)
        if rng.random() < 0.2:  # another day: other availability is stale
            settings = dataclasses.replace(settings, build_time=datetime(
                2026 + rng.randrange(3), 12, 1, tzinfo=UTC))
        kept = memo.assembly
        got = outcome(settings, cache=StateParseCache(None, Path("/"), files, set(), parses),
                      memo=memo)
        patched += memo.assembly is not kept and kept is not None and memo.assembly.plan is kept.plan
        assert got == outcome(settings), (round_, done)
    assert patched >= 3  # the patch path ran, not only listing afresh


def patched_and_fresh(root: Path, parses: ParseMemo, memo: LoadMemo) -> tuple[object, object]:
    settings = settings_for(root)
    files = scan_tree(root / "content", absolute=True)
    for path, scanned in files.items():
        scanned.hash = file_hash(Path(path))
    parses.begin("code", files)
    memo.scanned(files, 1)
    return (outcome(settings, cache=StateParseCache(None, Path("/"), files, set(), parses),
                    memo=memo), outcome(settings))


def test_a_problem_between_two_items_follows_the_lines_of_the_one_edited(tmp_path: Path) -> None:
    """Two items claim one upstream record; one of them moves it a line down."""
    root = edits.sample_site(tmp_path / "site")
    first, second = (root / "content/items/movie/blade-runner.md",
                     root / "content/items/book/frankenstein.md")
    source = re.search(r"(?m)^\s+id: (.*)$", first.read_text())
    assert source
    _rewrite(second, r"(?m)^(\s+id:) .*$", rf"\1 {source.group(1)}")
    parses, memo = ParseMemo(), LoadMemo()
    patched, fresh = patched_and_fresh(root, parses, memo)
    assert patched == fresh and "is also on" in str(fresh)
    _rewrite(first, r"^---\n", "---\n# moved down a line\n")  # the one reported
    patched, fresh = patched_and_fresh(root, parses, memo)
    assert patched == fresh


def test_a_patched_load_reads_only_the_changed_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """No listing, and one parse, when one menu's text changed."""
    import generator.content.loader as loader

    root = edits.sample_site(tmp_path / "site")
    settings = settings_for(root)
    parses, memo = ParseMemo(), LoadMemo()

    def load() -> None:
        files = scan_tree(root / "content", absolute=True)
        for path, scanned in files.items():
            scanned.hash = file_hash(Path(path))
        parses.begin("code", files)
        memo.scanned(files, 1)
        load_site(settings, cache=StateParseCache(None, Path("/"), files, set(), parses), memo=memo)

    load()
    listed, parsed = [], []
    monkeypatch.setattr(loader, "_listing", lambda *a: listed.append(a) or [])
    real_parse = loader._parse_task
    monkeypatch.setattr(loader, "_parse_task", lambda task, limit: parsed.append(task.path)
                        or real_parse(task, limit))
    menu = _menus(root)[0]
    menu.write_text(menu.read_text().replace("title: ", "title: Edited ", 1))
    load()
    assert listed == [] and parsed == [str(menu)]
