"""Incremental builds give exactly what a full build gives, after any sequence of edits."""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from generator.engine.build import build
from generator.engine.session import Session
from generator.errors import ContentErrors
from tests.conftest import settings_for
from tests.sitekit import PROJECT, search_index

if TYPE_CHECKING:
    from generator.serve.server import ResidentBuild


def sample_site(root: Path) -> Path:
    shutil.copytree(PROJECT / "content", root / "content")
    shutil.copytree(PROJECT / "templates", root / "templates")
    return root


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def search_records(site: Path) -> dict[str, object]:
    """What the search index holds: every page record, and the stamp of what was indexed."""
    records: dict[str, object] = dict(search_index(site))
    for stamp in sorted(site.glob("pagefind*/.omakase-input")):
        records[f"stamp {stamp.parent.name}"] = stamp.read_text()
    return records


def table_rows(db_path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(db_path)
    try:
        names = [
            n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        return {n: sorted(map(repr, conn.execute(f"SELECT * FROM {n}"))) for n in names}
    finally:
        conn.close()


def assert_same_as_full(
    root: Path, tmp: Path, *, database: bool = True, warnings: Any = None, **settings: Any
) -> None:
    """The output (and database) of `root` are a full build's (with `settings`); so are the
    `warnings` given."""
    cold_out, cold_db = tmp / "cold-out", tmp / "cold.sqlite"
    shutil.rmtree(cold_out, ignore_errors=True)
    for leftover in tmp.glob("cold.sqlite*"):
        leftover.unlink()
    cold = build(settings_for(root, output_dir=cold_out, db_path=cold_db, **settings), full=True)
    if warnings is not None:
        assert [w.format() for w in warnings] == [w.format() for w in cold.warnings]
    incremental, full = tree(root / "output"), tree(cold_out)
    assert search_records(root / "output") == search_records(cold_out)
    if not database:
        # The open-data copy holds the rows stamped with the build clock (see the caller).
        incremental.pop("data/omakase.sqlite")
        full.pop("data/omakase.sqlite")
    assert sorted(incremental) == sorted(full)
    for name in full:
        assert incremental[name] == full[name], name
    if database:
        assert table_rows(root / "data/omakase.sqlite") == table_rows(cold_db)


def _files(root: Path, pattern: str) -> list[Path]:
    return sorted(root.glob(pattern))


def _replace_ref(root: Path, old: str, new: str) -> None:
    pattern = re.compile(re.escape(old) + r"(?![a-z0-9-])")
    for path in [*_files(root, "content/menus/*.md"), *_files(root, "content/logs/*.yaml")]:
        text = path.read_text()
        if pattern.search(text):
            path.write_text(pattern.sub(new, text))


def edit_menu(rng: random.Random, root: Path) -> str:
    path = rng.choice(_files(root, "content/menus/*.md"))
    text = path.read_text()
    choice = rng.randrange(5)
    if choice == 0:
        text = text.rstrip("\n") + f"\n\nOne more thought, number {rng.randrange(1000)}.\n"
    elif choice == 1:
        text = re.sub(r"(?m)^title: .*$", f"title: Retitled {rng.randrange(1000)}", text, count=1)
    elif choice == 2:
        text = re.sub(r'note: "', f'note: "Edited {rng.randrange(1000)}. ', text, count=1)
    elif choice == 3:
        status = "draft" if "status: published" in text else "published"
        text = re.sub(r"(?m)^status: .*$", f"status: {status}", text, count=1)
        if status == "published" and not re.search(r"(?m)^published: ", text):
            text = text.replace(
                f"status: {status}\n", f"status: {status}\npublished: 2026-11-0{rng.randrange(1, 10)}\n", 1
            )
    else:
        text = re.sub(r"(?m)^tags: \[", f"tags: [extra-{rng.randrange(5)}, ", text, count=1)
    path.write_text(text)
    return f"edit menu {path.name} ({choice})"


def edit_item(rng: random.Random, root: Path) -> str:
    path = rng.choice(_files(root, "content/items/*/*.md"))
    text = path.read_text()
    choice = rng.randrange(3)
    if choice == 0:
        text = re.sub(r"(?m)^title: .*$", f"title: Item {rng.randrange(1000)}", text, count=1)
    elif choice == 1:
        text = text.rstrip("\n") + f"\n\nA *new* paragraph {rng.randrange(1000)}.\n"
    else:
        text = re.sub(r"(?m)^tags: \[", f"tags: [shared-{rng.randrange(4)}, ", text, count=1)
    path.write_text(text)
    return f"edit item {path.name} ({choice})"


def reslug_item(rng: random.Random, root: Path) -> str:
    """A new slug and file name; every reference follows."""
    path = rng.choice(_files(root, "content/items/*/*.md"))
    media_type, old = path.parent.name, path.stem
    new = f"{old[:20].rstrip('-')}-v{rng.randrange(100)}"
    if (path.parent / f"{new}.md").exists():
        return "reslug skipped"
    text = re.sub(r"(?m)^slug: .*$", f"slug: {new}", path.read_text(), count=1)
    path.unlink()
    (path.parent / f"{new}.md").write_text(text)
    _replace_ref(root, f"{media_type}/{old}", f"{media_type}/{new}")
    return f"reslug {media_type}/{old} -> {new}"


def rename_menu_file(rng: random.Random, root: Path) -> str:
    """A new slug and file name (a menu's slug is its file name); forks follow."""
    path = rng.choice(_files(root, "content/menus/*.md"))
    old = path.stem
    new = f"{old[:20].rstrip('-')}-r{rng.randrange(1000)}"
    target = path.with_name(f"{new}.md")
    if target.exists():
        return "rename skipped"
    text = re.sub(r"(?m)^slug: .*$", f"slug: {new}", path.read_text(), count=1)
    path.unlink()
    target.write_text(text)
    for other in _files(root, "content/menus/*.md"):
        text = other.read_text()
        if f"forked_from: {old}\n" in text:
            other.write_text(text.replace(f"forked_from: {old}\n", f"forked_from: {new}\n"))
    return f"rename {path.name} -> {new}"


def delete_menu(rng: random.Random, root: Path) -> str:
    menus = _files(root, "content/menus/*.md")
    if len(menus) < 3:
        return "delete skipped"
    path = rng.choice(menus)
    slug = re.search(r"(?m)^slug: (.*)$", path.read_text())
    path.unlink()
    if slug:
        for other in _files(root, "content/menus/*.md"):
            text = other.read_text()
            if f"forked_from: {slug.group(1)}\n" in text:
                other.write_text(text.replace(f"forked_from: {slug.group(1)}\n", ""))
    return f"delete menu {path.name}"


def copy_menu(rng: random.Random, root: Path) -> str:
    path = rng.choice(_files(root, "content/menus/*.md"))
    n = rng.randrange(1000)
    target = path.with_name(f"copy-{n}.md")
    if target.exists():
        return "copy skipped"
    text = re.sub(r"(?m)^slug: .*$", f"slug: copy-{n}", path.read_text(), count=1)
    text = re.sub(r"(?m)^aliases: .*\n", "", text)
    target.write_text(text)
    return f"copy menu {path.name}"


def edit_curator_or_log(rng: random.Random, root: Path) -> str:
    if rng.random() < 0.5:
        path = rng.choice(_files(root, "content/curators/*.yaml"))
        text = re.sub(r"(?m)^name: .*$", f"name: Renamed {rng.randrange(1000)}", path.read_text())
    else:
        path = rng.choice(_files(root, "content/logs/*.yaml"))
        text = re.sub(r"rating: \d+", f"rating: {rng.randrange(11)}", path.read_text(), count=1)
    path.write_text(text)
    return f"edit {path.name}"


def edit_template(rng: random.Random, root: Path) -> str:
    choice = rng.randrange(3)
    if choice == 0:
        path = rng.choice(_files(root, "templates/*.html"))
        path.write_text(path.read_text() + f"<!-- {rng.randrange(1000)} -->\n")
        return f"edit template {path.name}"
    override = root / "overrides/menu.html"
    if choice == 1 and not override.exists():
        override.parent.mkdir(exist_ok=True)
        override.write_text(
            '{% extends "default:menu.html" %}\n{% block title %}Overridden {{ menu.title }}{% endblock %}\n'
        )
        return "add override"
    if override.exists():
        override.unlink()
        return "remove override"
    return "template skipped"


OPERATIONS = [
    edit_menu,
    edit_menu,
    edit_item,
    edit_item,
    reslug_item,
    rename_menu_file,
    delete_menu,
    copy_menu,
    edit_curator_or_log,
    edit_template,
]


def retire_published_urls(root: Path) -> None:
    """Deleted and unpublished menus are fine here: retire every recorded URL on purpose."""
    record = root / "data/published-slugs.txt"
    if record.is_file():
        record.write_text("# retired by the test\n")


class Watcher:
    """The dev server's file watcher and resident build, driven by the test: each build
    looks only at the paths the watcher reported since the last one."""

    def __init__(self, root: Path) -> None:
        from watchdog.events import FileSystemEvent
        from watchdog.observers import Observer

        from generator.serve.server import DevServer, ResidentBuild, _Changes

        (root / "overrides").mkdir(exist_ok=True)  # watched from the start, as the server does
        settings = settings_for(root)
        self.resident = ResidentBuild()
        self.paths: set[str] | None = set()
        self.observer = Observer()
        watched = DevServer(settings).watched()
        self.folders = [folder for folder, _ in watched]
        self.markers: set[str] = set()  # marker files the watcher has reported
        self.marked = threading.Condition()
        self.round = 0
        watcher = self

        class Changes(_Changes):
            def on_any_event(self, event: FileSystemEvent) -> None:
                path = os.fsdecode(event.src_path)
                if Path(path).name.startswith(".sync-"):
                    with watcher.marked:
                        watcher.markers.add(path)
                        watcher.marked.notify_all()
                super().on_any_event(event)

        handler = Changes(settings, self._changed)
        for folder, recursive in watched:
            self.observer.schedule(handler, str(folder), recursive=recursive)
        self.observer.start()

    def _changed(self, paths: list[str], full: bool, whole: bool = False) -> None:
        if full or self.paths is None:
            self.paths = None
        else:
            self.paths.update(paths)

    def sync(self) -> None:
        """Return once the watcher has reported every edit made so far. A marker file is
        written last into each watched folder; a folder's events arrive in order, so its
        marker comes after the events of the edits in it. (The handler ignores dot files.)"""
        self.round += 1
        markers = [folder / f".sync-{self.round}" for folder in self.folders]
        for marker in markers:
            marker.write_bytes(b"")
        with self.marked:
            assert self.marked.wait_for(lambda: {str(m) for m in markers} <= self.markers, timeout=30)
        for marker in markers:
            marker.unlink()

    def build(self, root: Path) -> Any:
        """The resident build, told the paths reported since the last one (call sync()
        first, so that every edit has been reported)."""
        hints, self.paths = self.paths, set()
        return self.resident(settings_for(root), hints)

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=5)


def run_random_edits(
    tmp_path: Path, seed: int, rounds: int, memo: Session | None = None, *, watch: bool = False
) -> None:
    """Random edits, each round built incrementally (keeping parses in `memo` between
    builds, as the dev server does, when given; as the dev server's resident build, told
    the changed paths by a file watcher, with `watch`) and compared with a full build."""
    root = sample_site(tmp_path / "site")
    settings = settings_for(root)
    watcher = Watcher(root) if watch else None
    try:

        def build_now() -> Any:
            if watcher is not None:
                return watcher.build(root)
            return build(settings_for(root), session=memo)

        if watcher is None:
            build(settings, session=memo)
        else:
            watcher.resident(settings, None)  # the server's first build scans everything
        rng = random.Random(seed)
        history = []
        hinted = 0
        for _ in range(rounds):
            for _ in range(rng.randint(1, 3)):
                history.append(rng.choice(OPERATIONS)(rng, root))
            retire_published_urls(root)
            if watcher is not None:
                watcher.sync()
                hinted += watcher.paths is not None
            report = build_now()
            assert report.mode in ("incremental", "unchanged"), history
            loaded = report.mode == "incremental" and report.items  # content was loaded
            try:
                assert_same_as_full(root, tmp_path, warnings=report.warnings if loaded else None)
            except AssertionError as exc:
                raise AssertionError(f"after {history}: {exc}") from exc
        assert watcher is None or hinted > rounds // 2  # most builds looked only at hints
    finally:
        if watcher is not None:
            watcher.stop()


# The fast set runs one random-edit seed: the watcher's (the dev server's resident build,
# keeping parses in memory and told the changed paths). The other seeds and modes, the
# fork chain's included, are marked slow and run in CI.
@pytest.mark.slow
def test_incremental_equals_full_after_random_edits(tmp_path: Path) -> None:
    run_random_edits(tmp_path, seed=1, rounds=6)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(2, 8))
def test_incremental_equals_full_after_many_random_edits(tmp_path: Path, seed: int) -> None:
    run_random_edits(tmp_path, seed=seed, rounds=15)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 9, 10])
def test_builds_keeping_parses_in_memory_equal_full_after_random_edits(tmp_path: Path, seed: int) -> None:
    run_random_edits(tmp_path, seed=seed, rounds=6 if seed == 1 else 15, memo=Session())


@pytest.mark.parametrize("seed", [1, pytest.param(11, marks=pytest.mark.slow)])
def test_builds_told_the_changed_paths_by_a_watcher_equal_full_after_random_edits(
    tmp_path: Path, seed: int
) -> None:
    run_random_edits(tmp_path, seed=seed, rounds=6 if seed == 1 else 15, watch=True)


def test_a_scan_told_which_paths_changed_finds_what_a_full_scan_finds(tmp_path: Path) -> None:
    from generator.engine.inputs import Inputs

    root = sample_site(tmp_path / "site")
    inputs = Inputs(settings_for(root))
    memo = Session()
    inputs.scan(memo)
    menus = sorted((root / "content/menus").glob("*.md"))
    menus[0].write_text(menus[0].read_text() + "\nMore.\n")
    menus[1].unlink()
    (root / "content/menus/new.md").write_text("new")
    (root / "content/menus/.hidden.md").write_text("hidden")
    (root / "content/.git").mkdir()
    (root / "content/.git/HEAD").write_text("ref")
    (root / "templates/partials/extra.html").write_text("x")
    memo.hints = {
        str(p)
        for p in (
            menus[0],
            menus[1],
            root / "content/menus/new.md",
            root / "content/menus/.hidden.md",
            root / "content/.git/HEAD",
            root / "templates/partials/extra.html",
            root / "content",
            tmp_path / "elsewhere.md",
        )
    }

    def stats(files: dict) -> dict:
        return {path: s[:2] for path, s in files.items()}

    hinted = inputs.scan(memo)
    assert memo.files is hinted and memo.hints is None
    assert stats(hinted) == stats(inputs.scan())
    assert str(root / "content/menus/new.md") in hinted and str(menus[1]) not in hinted


def test_parses_kept_in_memory_resolve_references_again_from_what_was_written(tmp_path: Path) -> None:
    """A menu names an item by its source id; once the item drops that source, the kept
    parse of the unchanged menu must fail the build as a fresh parse does."""
    root = sample_site(tmp_path / "site")
    memo = Session()
    menu = root / "content/menus/made-things.md"
    menu.write_text(menu.read_text().replace("item: movie/blade-runner", "item: wikidata:Q184843"))
    build(settings_for(root), session=memo)
    item = root / "content/items/movie/blade-runner.md"
    item.write_text(item.read_text().replace("id: Q184843", "id: Q999999999"))
    for kept in (memo, None):
        with pytest.raises(ContentErrors) as failure:
            build(settings_for(root), session=kept)
        assert "unknown item 'wikidata:Q184843'" in str(failure.value)
        assert "made-things.md" in str(failure.value)


def test_noop_rebuild_touches_nothing(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    before = {p: p.stat().st_mtime_ns for p in (root / "output").rglob("*")}
    db_before = (root / "data/omakase.sqlite").read_bytes()
    (root / "content/menus").joinpath("alone-in-orbit.md").touch()  # same bytes, new mtime
    assert build(settings_for(root)).mode == "unchanged"
    assert {p: p.stat().st_mtime_ns for p in (root / "output").rglob("*")} == before
    assert (root / "data/omakase.sqlite").read_bytes() == db_before


def test_the_first_edit_after_a_full_build_clones_the_shadow_tree_while_it_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.engine import incremental as steps
    from generator.engine.state import get_meta, open_state
    from generator.publish import shadow as publish

    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    events: list[str] = []
    real_clone, real_load = publish.Clone, steps.load_site

    def clone(source: Path, dest: Path) -> publish.Clone:
        events.append("clone")
        return real_clone(source, dest)

    def load(*args: Any, **kwargs: Any) -> Any:
        events.append("load")
        return real_load(*args, **kwargs)

    monkeypatch.setattr(publish, "Clone", clone)
    monkeypatch.setattr(steps, "load_site", load)
    menu = root / "content/menus/alone-in-orbit.md"
    text = menu.read_text()
    # A broken edit: the clone begun is stopped and removed, the site stays as it was.
    menu.write_text(text.replace("title:", "title: [", 1))
    with pytest.raises(ContentErrors):
        build(settings_for(root))
    assert events == ["clone", "load"]
    assert not (root / ".output-shadow").exists()
    assert not list(root.glob(".output-shadow.partial"))
    # A build with no page to change still leaves a finished copy of the live tree.
    menu.write_text(text + "\n")
    assert build(settings_for(root)).written == 0
    state = open_state(root / "data/omakase.sqlite.state")
    assert get_meta(state, "shadow_gen") == get_meta(state, "live_gen")
    state.close()
    assert tree(root / ".output-shadow") == tree(root / "output")
    # Then edits that change pages: the next needs no clone.
    events.clear()
    menu.write_text(text.replace("Leave the ground", "Leave the planet"))
    build(settings_for(root))
    assert events == ["load"]
    assert_same_as_full(root, tmp_path)


CHAIN = ("paranoid-listening", "overheard", "overheard-after-dark")


def edit_fork_chain(rng: random.Random, root: Path) -> str:
    """An edit of a menu in the sample's fork chain: items trade places (across courses or
    within one), a note changes, a menu is forked from another, or a new fork appears."""
    menus = root / "content/menus"
    slug = rng.choice(CHAIN)
    path = menus / f"{slug}.md"
    text = path.read_text()
    choice = rng.randrange(4)
    if choice == 0:
        refs = re.findall(r"(?m)^      - item: (.*)$", text)
        a, b = rng.sample(refs, 2)
        text = (
            text.replace(f"- item: {a}\n", "- item: @swap@\n")
            .replace(f"- item: {b}\n", f"- item: {a}\n")
            .replace("- item: @swap@\n", f"- item: {b}\n")
        )
    elif choice == 1:
        notes = re.findall(r'(?m)^        note: "(.*)"$', text)
        if not notes:
            return "note skipped"
        note = rng.choice(notes)
        text = text.replace(f'note: "{note}"', f'note: "{note[:20]} {rng.randrange(100)}"')
    elif choice == 2:
        if slug == CHAIN[0]:
            return "reparent skipped"
        text = re.sub(r"(?m)^forked_from: .*\n", "", text)
        parent = rng.choice([None, *[c for c in CHAIN if c != slug]])
        if parent is not None and f"forked_from: {slug}" not in (menus / f"{parent}.md").read_text():
            text = text.replace("courses:\n", f"forked_from: {parent}\ncourses:\n", 1)
    else:
        n = rng.randrange(100)
        fork = re.sub(r"(?m)^slug: .*$", f"slug: fork-{n}", text, count=1)
        fork = re.sub(r"(?m)^forked_from: .*\n", "", fork)
        fork = fork.replace("courses:\n", f"forked_from: {slug}\ncourses:\n", 1)
        (menus / f"fork-{n}.md").write_text(fork)
        return f"fork {slug} as fork-{n}"
    path.write_text(text)
    return f"edit {slug} ({choice})"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fork_diffs_follow_random_edits_of_a_fork_chain(tmp_path: Path, seed: int) -> None:
    """Fork diffs are computed again only for the lineage an edit reached: the database
    (every diff row) still equals a full build's after each round."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    rng = random.Random(seed)
    history = []
    for _ in range(8):
        for _ in range(rng.randint(1, 2)):
            history.append(edit_fork_chain(rng, root))
        retire_published_urls(root)
        try:
            build(settings_for(root))
            assert_same_as_full(root, tmp_path)
        except (AssertionError, ContentErrors) as exc:
            raise AssertionError(f"after {history}: {exc}") from exc


def test_a_fork_gains_and_loses_an_ancestor_when_its_parent_is_reparented(tmp_path: Path) -> None:
    """overheard-after-dark descends from paranoid-listening through overheard: when only
    overheard changes its parent, the diffs of overheard-after-dark against
    paranoid-listening go and come back, though neither menu was edited."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    middle = root / "content/menus/overheard.md"
    text = middle.read_text()
    middle.write_text(text.replace("forked_from: paranoid-listening\n", ""))
    build(settings_for(root))
    assert_same_as_full(root, tmp_path)
    middle.write_text(text)
    build(settings_for(root))
    assert_same_as_full(root, tmp_path)
    conn = sqlite3.connect(root / "data/omakase.sqlite")
    assert conn.execute(
        "SELECT count(*) FROM menu_fork_diffs d JOIN menus m ON m.id = d.menu_id "
        "JOIN menus a ON a.id = d.ancestor_menu_id "
        "WHERE m.slug = 'overheard-after-dark' AND a.slug = 'paranoid-listening'"
    ).fetchone()[0]


def test_one_menu_edit_rewrites_only_its_pages(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    path = root / "content/menus/alone-in-orbit.md"
    path.write_text(path.read_text().replace("Leave the ground", "Leave the planet"))
    pages = ("*.html", "api/**/*.json", "menu.json", "*.csv")
    before = {p: p.stat().st_ino for g in pages for p in (root / "output").glob(f"**/{g}")}
    report = build(settings_for(root))
    after = {p: p.stat().st_ino for g in pages for p in (root / "output").glob(f"**/{g}")}
    changed = sorted(p.relative_to(root / "output").as_posix() for p in after if after[p] != before.get(p))
    assert report.mode == "incremental" and report.written == len(changed)
    assert changed == [
        "api/menus/alone-in-orbit.json",
        "menus/alone-in-orbit/card/index.html",  # the card shows each course's intent
        "menus/alone-in-orbit/index.html",
        "menus/alone-in-orbit/menu.json",  # and so does its JSON download
    ]
    assert_same_as_full(root, tmp_path)


def test_a_changed_static_file_is_published_again_and_a_removed_one_goes(tmp_path: Path) -> None:
    """Static files keep their pages while no template or static file changed and the
    database names the same covers and cards; an edit of the site's static files lists
    them again."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    style = root / "templates/static/style.css"
    style.write_text(style.read_text() + "\n/* edited */\n")
    (root / "templates/static/extra.txt").write_text("extra\n")
    report = build(settings_for(root))
    assert report.mode == "incremental"
    assert (root / "output/style.css").read_bytes() == style.read_bytes()
    assert (root / "output/extra.txt").read_text() == "extra\n"
    assert_same_as_full(root, tmp_path)
    (root / "templates/static/extra.txt").unlink()
    build(settings_for(root))
    assert not (root / "output/extra.txt").exists()
    assert_same_as_full(root, tmp_path)


def test_pages_that_stop_being_searchable_leave_the_search_index(tmp_path: Path) -> None:
    """An edit of the item template that takes the item pages out of the search index: the
    next build re-renders them, and its index holds no item page, as a full build's."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    assert any("/items/" in url for url in search_index(root / "output"))
    template = root / "templates/item.html"
    template.write_text(template.read_text().replace(" data-pagefind-body>", ">"))
    assert build(settings_for(root)).mode == "incremental"
    assert not any("/items/" in url for url in search_index(root / "output"))
    assert_same_as_full(root, tmp_path)


def rendered_by(
    build_once: Callable[[], object], monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, tuple[Any, ...]]]:
    """The (route, key) of every page the build `build_once` runs re-renders."""
    from generator.engine import incremental as steps

    rendered: list[tuple[str, tuple[Any, ...]]] = []
    render_all = steps.render_all

    def spy(settings: Any, db_file: Path, out: Path, jobs: list[Any], done: Any, **options: Any) -> None:
        rendered.extend((route, key) for route, key, _old in jobs)
        render_all(settings, db_file, out, jobs, done, **options)

    with monkeypatch.context() as patched:
        patched.setattr(steps, "render_all", spy)
        build_once()
    return sorted(rendered)


def test_an_edit_re_renders_only_the_pages_that_show_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Derived rows stamped with the build clock change with every build; a page that read
    the stamp without showing it would re-render after any edit (every curator page did)."""
    from datetime import UTC, datetime, timedelta

    root = sample_site(tmp_path / "site")
    clock = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    build(settings_for(root, build_time=clock))
    path = root / "content/menus/alone-in-orbit.md"
    path.write_text(path.read_text().replace("Trust him.", "Trust him completely."))
    later = settings_for(root, build_time=clock + timedelta(minutes=1))
    assert rendered_by(lambda: build(later), monkeypatch) == [
        ("api-item", ("movie", "solaris-1972")),
        ("api-menu", ("alone-in-orbit",)),
        ("item", ("movie", "solaris-1972")),
        ("menu", ("alone-in-orbit",)),
        # The menu's card and downloads carry its notes.
        ("menu-card", ("alone-in-orbit",)),
        ("menu-csv", ("alone-in-orbit",)),
        ("menu-goodreads", ("alone-in-orbit",)),
        ("menu-json", ("alone-in-orbit",)),
        ("menu-letterboxd", ("alone-in-orbit",)),
        ("story", ("alone-in-orbit",)),
    ]


def test_an_edit_past_the_cut_of_a_menu_card_re_renders_no_page_of_cards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Menu cards show the introduction's first 160 characters: the pages listing them
    depend on those, not on the whole text."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    path = root / "content/menus/alone-in-orbit.md"
    text = path.read_text()
    path.write_text(text.replace("counts as a palate cleanser.", "counts as a palate cleanser, as does tea."))
    routes = {route for route, _ in rendered_by(lambda: build(settings_for(root)), monkeypatch)}
    assert "menu" in routes
    assert not routes & {"curator", "tag-page", "menus", "index"}
    assert_same_as_full(root, tmp_path)
    path.write_text(text.replace("I used to run", "For years I ran"))
    routes = {route for route, _ in rendered_by(lambda: build(settings_for(root)), monkeypatch)}
    assert {"curator", "menus", "index"} <= routes
    assert "For years I ran" in (root / "output/curators/bruno/index.html").read_text()
    assert_same_as_full(root, tmp_path)


def test_a_site_template_reading_a_cards_whole_introduction_follows_every_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site's own card template may show the whole introduction: it gets it, and its
    pages re-render when any of the text changes."""
    root = sample_site(tmp_path / "site")
    card = root / "templates/partials/menu-card.html"
    card.write_text(
        card.read_text().replace(
            "{% if card.intro_summary is not none %}<p>{{ card.intro_summary }}</p>{% endif %}",
            '{% if card.introduction %}<div class="whole">{{ card.introduction }}</div>{% endif %}',
        )
    )
    build(settings_for(root))
    curator = root / "output/curators/bruno/index.html"
    assert "a palate cleanser.</div>" in curator.read_text()
    path = root / "content/menus/alone-in-orbit.md"
    path.write_text(path.read_text().replace("a palate cleanser.", "a palate cleanser, as does tea."))
    routes = {route for route, _ in rendered_by(lambda: build(settings_for(root)), monkeypatch)}
    assert "curator" in routes
    assert "a palate cleanser, as does tea.</div>" in curator.read_text()
    assert_same_as_full(root, tmp_path)


def test_key_queries_are_asked_again_only_when_a_column_they_read_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text edit keeps every route's page list; a status change lists the menus (and the
    items) again."""
    import dataclasses

    from generator.engine.state import get_meta, open_state
    from generator.site import routes

    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    state = open_state(root / "data/omakase.sqlite.state")
    reads = get_meta(state, "key_reads")
    state.close()
    assert "menus.status" in reads["menu"] and reads["index"] == []
    assert "api-menu" not in reads  # it shares the key query of the menu route
    asked: list[str] = []

    def spy(route: Any) -> Any:
        keys = route.keys
        if not callable(keys):
            return route

        def asking(db: Any) -> Any:
            asked.append(route.name)
            return keys(db)

        return dataclasses.replace(route, keys=asking)

    monkeypatch.setattr(routes, "ROUTES", [spy(route) for route in routes.ROUTES])
    path = root / "content/menus/alone-in-orbit.md"
    path.write_text(path.read_text().replace("Leave the ground", "Leave the planet"))
    assert build(settings_for(root)).mode == "incremental"
    assert asked == []
    path.write_text(path.read_text().replace("status: published", "status: draft"))
    retire_published_urls(root)
    assert build(settings_for(root)).mode == "incremental"
    # Items are listed again too: an item only a published menu served has no page once
    # the menu is a draft (generator/site/visibility.py).
    assert asked.count("menu") == 1 and asked.count("item") == 1
    assert not (root / "output/menus/alone-in-orbit/index.html").exists()
    assert_same_as_full(root, tmp_path)


def test_failed_incremental_build_leaves_output_alone(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    before = tree(root / "output")
    path = root / "content/menus/alone-in-orbit.md"
    good = path.read_text()
    path.write_text(good.replace("curator: bruno", "curator: nobody"))
    with pytest.raises(ContentErrors):
        build(settings_for(root))
    assert tree(root / "output") == before
    path.write_text(good.replace("Leave the ground", "Leave the planet"))
    assert build(settings_for(root)).mode == "incremental"
    assert_same_as_full(root, tmp_path)


def test_full_flag_and_lost_state_rebuild_everything(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    assert build(settings_for(root), full=True).mode == "full"
    (root / "data/omakase.sqlite.state").unlink()
    assert build(settings_for(root)).mode == "full"
    assert_same_as_full(root, tmp_path)


@pytest.mark.parametrize("kept", [False, True])
def test_pages_counting_days_follow_the_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: bool
) -> None:
    """Nothing in the files changed, but 'checked N days ago' did: those pages re-render,
    also in a process that keeps its renderer (and its templates) between builds."""
    root = sample_site(tmp_path / "site")
    memo = Session() if kept else None
    build(settings_for(root), session=memo)
    if kept:  # an edit: a page renders, and the renderer is kept
        path = root / "content/menus/alone-in-orbit.md"
        path.write_text(path.read_text().replace("Trust him.", "Trust him completely."))
        assert build(settings_for(root), session=memo).written > 0
        assert memo is not None and memo.renderer.renderer is not None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(1795651200 + 3 * 86400))
    report = build(settings_for(root), session=memo)
    assert report.mode == "incremental" and report.written > 0
    # Rows stamped with the build clock (created_at) keep their first stamp; pages match.
    assert_same_as_full(root, tmp_path, database=False)
    assert build(settings_for(root), session=memo).mode == "unchanged"


def test_a_build_asks_the_index_of_clock_pages_whether_the_clock_matters(tmp_path: Path) -> None:
    """A build that found no file changed asks whether a page read the clock: from an index
    of those pages, not by reading every page's templates."""
    from generator.engine.state import clock_pages_query, open_state, state_path

    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    state = open_state(state_path(root / "data/omakase.sqlite"))
    for time_only in (False, True):
        plan = state.execute("EXPLAIN QUERY PLAN " + clock_pages_query(time_only=time_only)).fetchall()
        assert "USING INDEX pages_with_clock" in str(plan), plan
    # The sample's item pages count the days since their availability was checked.
    assert state.execute(clock_pages_query(time_only=False)).fetchone() is not None
    marked = state.execute("SELECT count(*) FROM pages WHERE templates LIKE '%clock:day%'").fetchone()[0]
    assert marked and state.execute(clock_pages_query(time_only=True)).fetchone() is None
    state.close()


def test_build_watches_the_data_files_the_loader_reads() -> None:
    from generator.content.published import RECORD_FILE
    from generator.content.shares import SECRET_ENV, SECRET_FILE, SHARES_FILE
    from generator.engine.inputs import DATA_FILES

    assert DATA_FILES == (SHARES_FILE, SECRET_FILE, RECORD_FILE)
    assert SECRET_ENV == "OMAKASE_SHARE_SECRET"


def test_timings_name_the_phases_of_each_kind_of_build(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.cli import main

    root = sample_site(tmp_path / "site")

    def phases(*extra: str) -> dict[str, float]:
        result = CliRunner().invoke(main, ["build", "--root", str(root), "--timings", *extra])
        assert result.exit_code == 0, result.output
        lines = result.output.split("Timings:\n", 1)[1].splitlines()
        found = {
            name.strip(): float(value.rstrip("s"))
            for name, value in (line.rsplit(None, 1) for line in lines if not line.startswith("At "))
        }
        marks = [line for line in lines if line.startswith("At ")]
        if "render" in found:  # the moment the new pages are all written is marked
            assert len(marks) == 1 and marks[0].endswith("s: pages written.")
            assert 0 < float(marks[0].split()[1].rstrip("s:")) <= sum(found.values()) + 0.01
        return found

    cold = phases()
    assert {"scan", "load", "database", "render", "search, open data", "publish", "other"} <= set(cold)
    assert all(seconds >= 0 for seconds in cold.values())
    path = root / "content/menus/alone-in-orbit.md"
    path.write_text(path.read_text().replace("Leave the ground", "Leave the planet"))
    edit = phases()
    assert {"load", "database", "stale pages", "render", "publish"} <= set(edit)
    assert set(phases()) == {"scan", "other"}  # nothing changed: nothing loaded or rendered


def test_compiled_templates_are_kept_and_a_changed_template_is_compiled_again(tmp_path: Path) -> None:
    from generator.site.environment import template_cache_dir

    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    cache = list(template_cache_dir(settings_for(root).resolve()).rglob("*.cache"))
    assert len(cache) >= 5 and not (root / "output").joinpath(".omakase-templates").exists()
    base = root / "templates/base.html"
    base.write_text(base.read_text().replace("Skip to content", "Skip ahead"))
    assert build(settings_for(root)).mode == "incremental"
    assert "Skip ahead" in (root / "output/index.html").read_text()
    assert_same_as_full(root, tmp_path)


def test_a_build_leaves_no_objects_hidden_from_the_collector(tmp_path: Path) -> None:
    """The dev server builds many times in one process: each build's site must be freeable."""
    import gc

    root = sample_site(tmp_path / "site")
    for edit in ("", "Leave the planet"):
        if edit:
            path = root / "content/menus/alone-in-orbit.md"
            path.write_text(path.read_text().replace("Leave the ground", edit))
        build(settings_for(root))
        assert gc.get_freeze_count() == 0


def test_a_fresh_install_of_the_same_libraries_keeps_the_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI installs the same library versions anew on every run: new file times must not make
    the restored state untrusted, while another version of a library must."""
    import jinja2

    from generator.engine import inputs

    settings = settings_for(sample_site(tmp_path / "site"))
    first = inputs.fingerprint(settings)
    origin = Path(jinja2.__file__)
    st = origin.stat()
    os.utime(origin, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    try:
        assert inputs.fingerprint(settings) == first
    finally:
        os.utime(origin, ns=(st.st_atime_ns, st.st_mtime_ns))
    listdir = os.listdir
    monkeypatch.setattr(inputs.os, "listdir", lambda folder: [*listdir(folder), "Jinja2-99.0.dist-info"])
    assert inputs.fingerprint(settings) != first


def test_a_process_fingerprints_the_code_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dev server keeps running the code it imported: sources edited meanwhile must not
    make it record its builds as made by the new code (a later `omakase build` would trust
    pages the old code rendered)."""
    from generator.engine import inputs as build_module

    settings = settings_for(sample_site(tmp_path / "site"))
    first = build_module.fingerprint(settings)
    read_bytes = Path.read_bytes

    def edited(path: Path) -> bytes:
        data = read_bytes(path)
        return data + b"\n# edited\n" if path.suffix == ".py" else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert build_module.fingerprint(settings) == first


def test_a_process_keeping_its_renderer_sees_what_another_build_changed(tmp_path: Path) -> None:
    """The dev server keeps its templates and query answers between its builds; a build by
    another process in between (`omakase build` in a terminal) changes templates and data
    that its next build finds unchanged, so what it kept must go."""
    root = sample_site(tmp_path / "site")
    memo = Session()
    menu = root / "content/menus/alone-in-orbit.md"
    build(settings_for(root), session=memo)
    menu.write_text(menu.read_text().replace("Trust him.", "Trust him completely."))
    build(settings_for(root), session=memo)
    template = root / "templates/menu.html"
    template.write_text(
        template.read_text().replace("{% block main %}", "{% block main %}<p>Seen by the server</p>")
    )
    item = root / "content/items/movie/moon.md"
    item.write_text(re.sub(r"(?m)^title: .*$", "title: Moon (2009)", item.read_text(), count=1))
    build(settings_for(root))  # another process
    menu.write_text(menu.read_text().replace("Trust him completely.", "Trust him."))
    build(settings_for(root), session=memo)
    assert_same_as_full(root, tmp_path)
    # Its file index too: a file the other build saw changed, changed back since, is a
    # change to this one, not the file it last built.
    text = menu.read_text()
    menu.write_text(text.replace("Trust him.", "Trust him, for once."))
    build(settings_for(root))
    menu.write_text(text)
    build(settings_for(root), session=memo)
    assert_same_as_full(root, tmp_path)


def test_a_tag_keeps_the_stamp_of_the_build_that_first_saw_it(tmp_path: Path) -> None:
    """Tags (and lineage) are made from the whole site: an edit writes only the rows that
    differ, so the other tags keep their stamp, and the edit changes no column of theirs."""
    from datetime import UTC, datetime, timedelta

    root = sample_site(tmp_path / "site")
    first = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    build(settings_for(root, build_time=first))
    path = root / "content/menus/alone-in-orbit.md"
    path.write_text(path.read_text().replace("tags: [space,", "tags: [brand-new, space,"))
    later = first + timedelta(days=2)
    build(settings_for(root, build_time=later))

    def stamps() -> dict[str, str]:
        db = sqlite3.connect(root / "data/omakase.sqlite")
        try:
            return dict(db.execute("SELECT name, created_at FROM tags"))
        finally:
            db.close()

    tags = stamps()
    assert tags.pop("brand-new").startswith("2026-05-03")
    assert tags and all(stamp.startswith("2026-05-01") for stamp in tags.values())
    path.write_text(path.read_text().replace("tags: [brand-new, space,", "tags: [space,"))
    build(settings_for(root, build_time=later + timedelta(days=1)))
    assert stamps() == tags


def test_answers_kept_between_builds_leave_out_the_largest(tmp_path: Path) -> None:
    """The dev server's renderer keeps query answers from build to build, but not one of
    more values than its bound (the sitemap's, at 100,000 items, would be megabytes)."""
    from generator.site.record import PageContext, connect_recording

    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    answers: dict[Any, Any] = {}
    conn = connect_recording(str(root / "data/omakase.sqlite"), answers, bound=100, largest=10)
    try:
        with PageContext() as context:
            assert len(conn.execute("SELECT id, slug FROM media_items").fetchall()) > 5
            assert len(conn.execute("SELECT id, slug FROM media_items LIMIT 5").fetchall()) == 5
        assert [sql for sql, _ in answers] == ["SELECT id, slug FROM media_items LIMIT 5"]
        assert len(context.reads) == 2  # both recorded as read all the same
    finally:
        conn.close()


def test_a_full_build_leaves_the_reads_indexed(tmp_path: Path) -> None:
    """A full build writes every page's reads before it indexes them; the stale-page check
    then finds a keyed query's reads by their parameters."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    state = sqlite3.connect(root / "data/omakase.sqlite.state")
    try:
        names = {
            name
            for (name,) in state.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reads'"
            )
        }
        plan = state.execute(
            "EXPLAIN QUERY PLAN SELECT page_id FROM reads WHERE sql_id = 1 "
            "AND params IN (SELECT value FROM json_each('[]'))"
        ).fetchall()
    finally:
        state.close()
    assert names == {"reads_by_query", "reads_by_page"}
    assert "reads_by_query (sql_id=? AND params=?)" in str(plan)


def test_warming_after_another_process_built_forgets_the_file_index_it_kept(tmp_path: Path) -> None:
    """The dev server warms its memory once idle; if another process built since its own
    last build, the file index it kept is of before that build, and must not be used."""
    from generator.serve.server import ResidentBuild

    root = sample_site(tmp_path / "site")
    resident = ResidentBuild()
    menu = root / "content/menus/alone-in-orbit.md"
    text = menu.read_text()
    build(settings_for(root))
    menu.write_text(text.replace("Trust him.", "Trust him, the server says."))
    resident(settings_for(root))  # its own build: it keeps the file index it saved
    menu.write_text(text.replace("Trust him.", "Trust him, another process says."))
    build(settings_for(root))
    resident.warm(settings_for(root))
    menu.write_text(text.replace("Trust him.", "Trust him, the server says."))
    resident(settings_for(root))
    assert_same_as_full(root, tmp_path)


def server_on_a_built_site(root: Path) -> ResidentBuild:
    """The dev server's builds (serve.server.ResidentBuild) on `root` once built by another
    process: its first build finds nothing changed."""
    from generator.serve.server import ResidentBuild

    build(settings_for(root))
    resident = ResidentBuild()
    assert resident(settings_for(root)).mode == "unchanged"
    return resident


def test_a_server_started_on_a_built_site_keeps_the_file_index_its_first_build_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dev server's first build finds nothing changed; the index it read is the state's,
    so its first edit compares the scan with it in memory instead of reading it again."""
    from generator.engine import state as states

    root = sample_site(tmp_path / "site")
    resident = server_on_a_built_site(root)
    reads: list[Path] = []
    real_read = states.read_index
    monkeypatch.setattr(states, "read_index", lambda conn, at: reads.append(at) or real_read(conn, at))
    menu = root / "content/menus/alone-in-orbit.md"
    menu.write_text(menu.read_text().replace("Trust him.", "Trust him, the server says."))
    assert resident(settings_for(root)).mode == "incremental"
    assert reads == []
    assert_same_as_full(root, tmp_path)


def built_with_a_shadow(root: Path) -> Path:
    """The site built, then one menu edited and built again, so the output has its shadow
    tree (the first edit clones it). Returns the edited menu's file."""
    build(settings_for(root))
    menu = root / "content/menus/alone-in-orbit.md"
    menu.write_text(menu.read_text().replace("Leave the ground", "Leave the planet"))
    assert build(settings_for(root)).mode == "incremental"
    return menu


def test_a_full_build_deletes_the_shadow_tree_while_it_loads_and_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.engine import full as steps

    root = sample_site(tmp_path / "site")
    menu = built_with_a_shadow(root)
    assert (root / ".output-shadow").is_dir()
    seen: list[list[str]] = []
    real_load = steps.load_site

    def load(*args: Any, **kwargs: Any) -> Any:
        seen.append(sorted(p.name for p in root.iterdir() if p.name.startswith(".output-")))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(steps, "load_site", load)
    dead = 2**22 + 12345  # above the kernel's largest pid: no process has it
    (root / f".output-discarded-{dead}-x1/menus").mkdir(parents=True)  # a killed build's
    assert build(settings_for(root), full=True).mode == "full"
    # Moved out of the way before the content loads, gone when the build returns.
    assert len(seen) == 1 and len(seen[0]) == 1 and seen[0][0].startswith(".output-discarded-")
    assert not [p for p in root.iterdir() if p.name.startswith(".output-")]
    # The next edit clones the shadow tree afresh and builds what a full build would.
    menu.write_text(menu.read_text().replace("Leave the planet", "Leave the moon"))
    assert build(settings_for(root)).mode == "incremental"
    assert tree(root / ".output-shadow") != tree(root / "output")
    assert_same_as_full(root, tmp_path / "full")


def test_a_shadow_tree_that_cannot_be_moved_aside_does_not_fail_the_full_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    root = sample_site(tmp_path / "site")
    menu = built_with_a_shadow(root)
    real_rename = os.rename

    def rename(source: Any, dest: Any, *args: Any, **kwargs: Any) -> None:
        if str(source).endswith(".output-shadow"):
            raise PermissionError(13, "Permission denied", str(source))
        real_rename(source, dest, *args, **kwargs)

    monkeypatch.setattr(os, "rename", rename)
    assert build(settings_for(root), full=True).mode == "full"
    monkeypatch.setattr(os, "rename", real_rename)
    # The tree left in place is never trusted: the next edit clones it anew.
    menu.write_text(menu.read_text().replace("Leave the planet", "Leave the moon"))
    assert build(settings_for(root)).mode == "incremental"
    assert tree(root / ".output-shadow") != tree(root / "output")
    assert_same_as_full(root, tmp_path / "full")


def test_a_preview_leaves_the_record_and_the_next_build_records_what_it_serves(tmp_path: Path) -> None:
    """The dev server builds with publish_record=False: a menu published there for a moment
    and taken back to draft is no error for `omakase build`; one left published is recorded
    by the next `omakase build`, even when no input changed since the preview."""
    from tests.sitekit import MENU, make_site, write

    root = make_site(tmp_path / "site")
    settings = settings_for(root)
    build(settings)
    record = root / "data/published-slugs.txt"
    recorded = record.read_text()
    preview = "content/menus/preview-menu.md"

    def menu(status: str) -> dict[str, str]:
        return {preview: MENU.format(title="Preview Menu", curator="ada", status=status, extra="")}

    write(root, menu("published"))
    assert build(settings, publish_record=False).mode == "incremental"
    assert (root / "output/menus/preview-menu/index.html").is_file()
    assert record.read_text() == recorded
    write(root, menu("draft"))
    assert build(settings, publish_record=False).mode == "incremental"
    assert build(settings).mode == "unchanged"  # nothing to record: the preview left none
    assert record.read_text() == recorded and not (root / "output/menus/preview-menu").exists()

    write(root, menu("published"))
    build(settings, publish_record=False)
    assert record.read_text() == recorded
    report = build(settings)  # the inputs are as the preview built them
    assert report.mode == "incremental"
    assert "preview-menu" in record.read_text().split()
    assert build(settings).mode == "unchanged"  # its own write of the record is no edit
    write(root, menu("draft"))
    with pytest.raises(ContentErrors, match="was published and content/menus/preview-menu.md is now a draft"):
        build(settings, publish_record=False)  # the record holds what `omakase build` published


def test_tree_mark_moved_by_changed_pages_equals_the_mark_of_all_pages() -> None:
    from generator.publish.mark import moved_digest, tree_digest

    rng = random.Random(7)
    pages = {f"p/{n}.html": rng.randbytes(16) for n in range(50)}
    before = tree_digest(pages.items())
    gone = ["p/3.html", "p/9.html"]
    edited = {"p/4.html": rng.randbytes(16), "p/new.html": rng.randbytes(16)}
    removed = [(p, pages[p]) for p in gone] + [(p, pages[p]) for p in edited if p in pages]
    after = {p: d for p, d in pages.items() if p not in gone} | edited
    assert moved_digest(before, removed, edited.items()) == tree_digest(after.items())
    assert tree_digest(after.items()) != before
    assert tree_digest(reversed(list(after.items()))) == tree_digest(after.items())


def test_a_build_stopped_after_publishing_leaves_the_next_one_to_build_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages and database are out but the state still holds the last build's file
    hashes: an edit undone then would find nothing changed and leave the new pages up."""
    from generator.engine.incremental import IncrementalBuild

    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    menu = root / "content/menus/alone-in-orbit.md"
    before = menu.read_text()
    menu.write_text(before.replace("title: ", "title: Lost ", 1))

    def fail(self: IncrementalBuild) -> None:
        raise OSError("the disk went away")

    real = IncrementalBuild.save_state
    monkeypatch.setattr(IncrementalBuild, "save_state", fail)
    with pytest.raises(OSError):
        build(settings_for(root))
    assert "Lost " in (root / "output/menus/alone-in-orbit/index.html").read_text()
    monkeypatch.setattr(IncrementalBuild, "save_state", real)
    menu.write_text(before)  # the edit undone
    assert build(settings_for(root)).mode == "full"
    assert "Lost " not in (root / "output/menus/alone-in-orbit/index.html").read_text()
    assert_same_as_full(root, tmp_path)
