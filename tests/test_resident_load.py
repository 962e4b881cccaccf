"""The dev server's loads patch the last one: each equals a fresh load, problems included."""

from __future__ import annotations

import dataclasses
import random
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.content.itemside import item_tags
from generator.content.loader import LoadMemo, load_site
from generator.content.model import Site
from generator.engine.session import Session
from generator.engine.state import IndexEntry, StateParseCache, hash_all, scan_tree
from generator.errors import ContentErrors
from generator.settings import Settings
from tests import test_incremental as edits
from tests.conftest import seeds, settings_for
from tests.sitekit import PROJECT

Edit = Callable[[random.Random, Path], str]


def _menus(root: Path) -> list[Path]:
    return sorted((root / "content/menus").glob("*.md"))


def _items(root: Path) -> list[Path]:
    return sorted((root / "content/items").glob("*/*.md"))


def _rewrite(path: Path, pattern: str, replacement: str) -> None:
    path.write_text(re.sub(pattern, replacement, path.read_text(), count=1))


def _files(root: Path, which: str) -> list[Path]:
    return {
        "menus": _menus(root),
        "items": _items(root),
        "either": [*_items(root), *_menus(root)],
        "logs": sorted((root / "content/logs").glob("*.yaml")),
    }[which]


def rewriting(label: str, which: str, pattern: str, *replacements: str) -> Edit:
    """An edit of one file of `which` kind: the first match of `pattern`, replaced."""

    def edit(rng: random.Random, root: Path) -> str:
        files = _files(root, which)
        if not files:
            return f"{label}: no file left"
        path = rng.choice(files)
        _rewrite(path, pattern, rng.choice(replacements))
        return f"{label}: {path.name}"

    return edit


# Each makes a problem, or undoes one, or moves one to other lines.
REWRITES = [
    rewriting(
        "reference",
        "menus",
        r"item: [a-z]+/[a-z0-9-]+",
        "item: movie/no-such-film",
        "item: wikidata:Q184843",
        "item: book/solaris",
    ),
    rewriting("curator", "menus", r"(?m)^curator: .*$", "curator: nobody", "curator: bruno", "curator: ada"),
    rewriting("tag without letters", "either", r"(?m)^tags: \[", "tags: ['!!!', "),
    rewriting("tag in two cases", "either", r"(?m)^tags: \[", "tags: ['Noir', ", "tags: ['NOIR', "),
    rewriting("source taken", "items", r"(?m)^(\s+id:) .*$", r"\1 Q184843", r"\1 Q1", r"\1 Q7"),
    rewriting(
        "checked long ago",
        "items",
        r"last_checked: [0-9-]+",
        "last_checked: 2001-01-01",
        "last_checked: 2026-11-20",
    ),
    rewriting("malformed", "either", r"(?m)^title: ", "title: [unclosed "),
    # A cover named in the item file: found only in the book folder, else a problem.
    rewriting("cover named", "items", r"(?m)^title: ", "cover: frankenstein.jpg\ntitle: "),
    rewriting("log of an unknown item", "logs", r"item: [a-z]+/[a-z0-9-]+", "item: game/no-such-game"),
    # The same fields a line lower: every problem the file has moves with them.
    rewriting("shifted", "either", r"^---\n", "---\n# moved down a line\n"),
]


def claim_a_taken_slug(rng: random.Random, root: Path) -> str:
    menus = [menu for menu in _menus(root) if not menu.is_symlink()]
    if len(menus) < 2:
        return "too few menus to share a slug"
    path, other = rng.sample(menus, 2)
    slug = re.search(r"(?m)^slug: (.*)$", other.read_text())
    if slug:
        _rewrite(path, r"(?m)^slug: .*$", f"slug: {slug.group(1)}")
    return f"slug of {other.name} in {path.name}"


def link_a_menu(rng: random.Random, root: Path) -> str:
    """The same text through a link: only the listing refuses it."""
    menus = [menu for menu in _menus(root) if not menu.is_symlink()]
    if not menus:
        return "no menu left to link"
    path = rng.choice(menus)
    outside = root.parent / f"outside-{rng.randrange(10**6)}.md"  # never edited nor gone
    outside.write_text(path.read_text())
    path.unlink()
    path.symlink_to(outside)
    return f"link {path.name}"


def delete_curator(rng: random.Random, root: Path) -> str:
    curators = sorted((root / "content/curators").glob("*.yaml"))
    if not curators:
        return "no curator left"
    path = rng.choice(curators)
    path.unlink()
    return f"delete curator {path.name}"


def cover_comes_or_goes(rng: random.Random, root: Path) -> str:
    """A cover image beside an item: removed when there is one, else another's copied in."""
    covers = sorted((root / "content/items").glob("*/*.jpg"))
    items = _items(root)
    if not items:
        return "no item left"
    item = rng.choice(items)
    beside = item.with_suffix(".jpg")
    if beside.exists():
        beside.unlink()
        return f"cover of {item.name} gone"
    if not covers:
        return "no cover left to copy"
    shutil.copyfile(rng.choice(covers), beside)
    return f"cover for {item.name}"


def stray_file(rng: random.Random, root: Path) -> str:
    (root / "content/menus/notes.txt").write_text("to do\n")
    return "stray file"


EDITS = [
    edits.edit_menu,
    edits.edit_menu,
    edits.edit_item,
    edits.reslug_item,
    edits.rename_menu_file,
    edits.delete_menu,
    edits.copy_menu,
    edits.edit_curator_or_log,
    claim_a_taken_slug,
    link_a_menu,
    stray_file,
    cover_comes_or_goes,
    delete_curator,
    *REWRITES,
    REWRITES[-1],
]


def outcome(settings: Settings, **kwargs: object) -> object:
    try:
        return load_site(settings, **kwargs)  # type: ignore[arg-type]
    except ContentErrors as failure:
        return failure.problems


@pytest.mark.parametrize("seed", seeds(6))
def test_a_patched_load_equals_a_fresh_one_after_random_edits(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = edits.sample_site(tmp_path / "site")
    settings = dataclasses.replace(settings_for(root), build_time=datetime(2026, 12, 1, tzinfo=UTC))
    parses, memo = Session(), LoadMemo()
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
        files = hashed_scan(root / "content")
        parses.begin("code", files)
        memo.scanned(files, full_scans)
        if rng.random() < 0.2:  # another day: other availability is stale
            settings = dataclasses.replace(
                settings, build_time=datetime(2026 + rng.randrange(3), 12, 1, tzinfo=UTC)
            )
        kept = memo.assembly
        got = outcome(
            settings, cache=StateParseCache(None, Path("/"), files, set(), parses.parses), memo=memo
        )
        patched += memo.assembly is not kept and kept is not None and memo.assembly.plan is kept.plan
        assert got == outcome(settings), (round_, done)
        if isinstance(got, tuple):  # loaded: the tags the store starts from, kept with the items
            site: Site = got[0]
            assert site.item_tag_names == item_tags(site.items), (round_, done)
    assert patched >= 3  # the patch path ran, not only listing afresh


def hashed_scan(folder: Path) -> dict[str, IndexEntry]:
    """Every file under `folder` with its content hash, as a build's scan leaves them."""
    files = scan_tree(folder, absolute=True)
    hash_all(files)
    return files


def patched_and_fresh(root: Path, parses: Session, memo: LoadMemo) -> tuple[object, object]:
    settings = settings_for(root)
    files = hashed_scan(root / "content")
    parses.begin("code", files)
    memo.scanned(files, 1)
    return (
        outcome(settings, cache=StateParseCache(None, Path("/"), files, set(), parses.parses), memo=memo),
        outcome(settings),
    )


def two_items_with_one_source(root: Path) -> tuple[Path, Session, LoadMemo]:
    """Frankenstein given Blade Runner's Wikidata id, loaded once (the build fails): the
    item reported (Blade Runner, listed second), and the memos of that load."""
    first, second = (
        root / "content/items/movie/blade-runner.md",
        root / "content/items/book/frankenstein.md",
    )
    source = re.search(r"(?m)^\s+id: (.*)$", first.read_text())
    assert source
    _rewrite(second, r"(?m)^(\s+id:) .*$", rf"\1 {source.group(1)}")
    parses, memo = Session(), LoadMemo()
    patched, fresh = patched_and_fresh(root, parses, memo)
    assert patched == fresh and "is also on" in str(fresh)
    return first, parses, memo


def test_a_problem_between_two_items_follows_the_lines_of_the_one_edited(tmp_path: Path) -> None:
    """Two items claim one upstream record; one of them moves it a line down."""
    root = edits.sample_site(tmp_path / "site")
    first, parses, memo = two_items_with_one_source(root)
    _rewrite(first, r"^---\n", "---\n# moved down a line\n")  # the one reported
    patched, fresh = patched_and_fresh(root, parses, memo)
    assert patched == fresh


def test_the_tag_case_check_follows_the_menus_edited(tmp_path: Path) -> None:
    """The check keeps what it found over the menus while no menu's tags, file or line
    changed; each step below changes one of them, and the last one none."""
    root = edits.sample_site(tmp_path / "site")
    first, second = _menus(root)[0], _menus(root)[1]
    parses, memo = Session(), LoadMemo()

    def step(path: Path, pattern: str, replacement: str) -> list[tuple[str, int]]:
        """Where the tag-case problems are after the edit, on a patched and a fresh load."""
        _rewrite(path, pattern, replacement)
        patched, fresh = patched_and_fresh(root, parses, memo)
        assert patched == fresh
        found = fresh if isinstance(fresh, list) else []
        return [(Path(p.path).name, p.line) for p in found if "differs only in case" in p.message]

    assert patched_and_fresh(root, parses, memo)[1] is not None
    assert step(first, r"(?m)^tags: \[", "tags: [Noir, ") == []
    assert step(second, r"(?m)^tags: \[", "tags: [NOIR, ") == [(second.name, 7)]
    assert step(second, r"^---\n", "---\n# moved down a line\n") == [(second.name, 8)]
    assert step(second, r"(?m)^title: ", "title: Edited ") == [(second.name, 8)]
    assert step(first, r"(?m)^tags: \[Noir, ", "tags: [") == []


def memo_loader(root: Path) -> Callable[[], Site]:
    """Loads of `root` as the dev server makes them: parses kept in memory, the last load
    patched (the content hashed afresh each time)."""
    settings = settings_for(root)
    parses, memo = Session(), LoadMemo()

    def load() -> Site:
        files = hashed_scan(root / "content")
        parses.begin("code", files)
        memo.scanned(files, 1)
        cache = StateParseCache(None, Path("/"), files, set(), parses.parses)
        return load_site(settings, cache=cache, memo=memo)[0]

    return load


def test_a_patched_load_reads_only_the_changed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No listing, and one parse, when one menu's text changed."""
    import generator.content.assembly as assembly
    import generator.content.loader as loader

    root = edits.sample_site(tmp_path / "site")
    load = memo_loader(root)

    load()
    listed, parsed, covers = [], [], []
    monkeypatch.setattr(loader, "list_content", lambda *a: listed.append(a) or [])
    monkeypatch.setattr(loader, "find_covers", lambda *a: covers.append(a))
    real_parse = assembly.parse_task
    monkeypatch.setattr(
        assembly, "parse_task", lambda task, limit: parsed.append(task.path) or real_parse(task, limit)
    )
    menu = _menus(root)[0]
    menu.write_text(menu.read_text().replace("title: ", "title: Edited ", 1))
    load()
    assert listed == [] and parsed == [str(menu)] and covers == []


def test_the_memo_forgets_the_problems_of_items_that_went(tmp_path: Path) -> None:
    """Two items claim one upstream record, then every item goes (with the menus and logs
    that named them): nothing is left to report."""
    root = edits.sample_site(tmp_path / "site")
    _, parses, memo = two_items_with_one_source(root)
    for path in [*_items(root), *_menus(root), *sorted((root / "content/logs").glob("*.yaml"))]:
        path.unlink()
    patched, fresh = patched_and_fresh(root, parses, memo)
    assert patched == fresh and not isinstance(fresh, list)


def test_a_session_forgets_the_parses_of_removed_files() -> None:
    """An incremental build names the files removed since the state's index; other builds
    leave the session to find the parses whose files are gone."""
    from generator.content.model import Parsed

    session = Session()
    entry = (1, 1, b"h")

    def keep(*paths: str) -> None:
        session.parses.update((path, (b"h", Parsed(None, []))) for path in paths)

    session.begin("f", {})
    keep("/s/a", "/s/b", "/s/c")
    session.begin("f", {"/s/a": entry, "/s/b": entry, "/s/d": entry}, removed={"/s/c"})
    assert sorted(session.parses) == ["/s/a", "/s/b"]
    session.begin("f", {"/s/a": entry, "/s/d": entry})  # not told: every parse is looked at
    assert sorted(session.parses) == ["/s/a"]
    keep("/s/b", "/s/c")  # more parses than files: looked at, though `removed` names none
    session.begin("f", {"/s/a": entry, "/s/b": entry}, removed=set())
    assert sorted(session.parses) == ["/s/a", "/s/b"]
    session.begin("g", {"/s/a": entry})  # other code or settings: nothing is kept
    assert session.parses == {}


def test_the_parses_a_server_keeps_share_their_short_strings(tmp_path: Path) -> None:
    """Parses taken from the state (and those made while the server runs) share one object
    for each short string many items repeat; each unpickled parse would hold its own."""
    from generator.content.model import Item
    from generator.engine.build import build
    from generator.serve.server import ResidentBuild

    root = edits.sample_site(tmp_path / "site")
    build(settings_for(root))
    resident = ResidentBuild()
    assert resident.warm(settings_for(root)) > 0
    values = [p.value for _, p in resident.session.parses.values()]
    items = [v[0] for v in values if isinstance(v, tuple) and isinstance(v[0], Item)]
    movies = [item for item in items if item.type == "movie"]
    assert len(movies) > 1 and all(item.type is movies[0].type for item in movies)
    keys = {}
    for item in items:
        for key in item.fields:
            assert keys.setdefault(key, key) is key
    assert len(keys) > 3


def test_the_item_objects_keep_their_token_while_no_item_file_changes(tmp_path: Path) -> None:
    """`Site.items_made` stands for the very item objects: the checks and the card memo skip
    comparing every item while it is the same. A menu edit keeps it; an item edit, which
    makes a new item object, does not, and the checks then see the item's new tags."""
    root = edits.sample_site(tmp_path / "site")
    load = memo_loader(root)

    first = load()
    assert first.items_made is not None
    _rewrite(_menus(root)[0], r"(?m)^title: ", "title: Edited ")
    after_menu = load()
    assert after_menu.items_made is first.items_made
    assert [id(i) for i in after_menu.items.values()] == [id(i) for i in first.items.values()]
    item = _items(root)[0]
    _rewrite(item, r"(?m)^tags: \[", "tags: [Brand-new-tag, ")
    after_item = load()
    assert after_item.items_made is not first.items_made
    assert "Brand-new-tag" in (after_item.item_tag_names or [])
