"""A build state restored elsewhere (CI's cache, another clone of the site) is reused when it
can be trusted, and discarded with a notice when another version of Omakase made it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tarfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import __version__
from generator.cli import main
from generator.engine.build import build
from generator.engine.inputs import Inputs
from generator.publish import shadow
from tests.conftest import settings_for
from tests.sitekit import make_site
from tests.test_incremental import assert_same_as_full, built_with_a_shadow, sample_site
from tests.test_workflow import steps


def clone_elsewhere(root: Path, to: Path) -> Path:
    """The site with its database, state, caches and output in another folder, its input
    files with new times as a fresh checkout gives them."""
    shutil.copytree(root, to, symlinks=True)
    shutil.rmtree(root)
    later = time.time_ns() + 5 * 10**9
    for folder in ("content", "templates"):
        for path in (to / folder).rglob("*"):
            os.utime(path, ns=(later, later))
    return to


def test_a_site_moved_to_another_folder_with_its_state_builds_incrementally(tmp_path: Path) -> None:
    first = sample_site(tmp_path / "first-clone")
    full = build(settings_for(first))
    root = clone_elsewhere(first, tmp_path / "ci" / "second-clone")
    assert build(settings_for(root)).mode == "unchanged"
    menu = root / "content/menus/alone-in-orbit.md"
    menu.write_text(menu.read_text().replace("Leave the ground", "Leave the planet"))
    report = build(settings_for(root))
    assert report.mode == "incremental"
    assert 0 < report.rendered < full.pages // 5
    assert_same_as_full(root, tmp_path)


def test_a_site_in_a_folder_named_with_uri_characters_builds(tmp_path: Path) -> None:
    """SQLite opens read-only databases by URI, where '#', '?' and '%' have meanings."""
    root = make_site(tmp_path / "menus #2? 100%")
    assert build(settings_for(root)).mode == "full"
    menu = root / "content/menus/paranoid-seventies.md"
    menu.write_text(menu.read_text() + "\nOne more line.\n")
    report = build(settings_for(root))
    assert report.mode == "incremental"
    assert "One more line." in (root / "output/menus/paranoid-seventies/index.html").read_text()


def test_the_fingerprint_holds_paths_relative_to_the_site() -> None:
    one = Inputs(settings_for(Path("/a/site"))).fingerprint
    assert Inputs(settings_for(Path("/b/elsewhere"))).fingerprint == one
    assert Inputs(settings_for(Path("/a/site"), output_dir=Path("/a/site/public"))).fingerprint != one


def build_cli(root: Path) -> tuple[str, str]:
    result = CliRunner().invoke(main, ["build", "--root", str(root)])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def made_by(root: Path, value: str | None) -> None:
    conn = sqlite3.connect(root / "data/omakase.sqlite.state")
    with conn:
        if value is None:
            conn.execute("DELETE FROM meta WHERE key = 'made_by'")
        else:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'made_by'", (value,))
    conn.close()


def test_a_state_from_another_version_is_discarded_with_a_notice(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    build_cli(root)
    _, quiet = build_cli(root)
    assert "note:" not in quiet
    for other, said in [
        ('{"version": "0.0.1", "code": "00"}', "made by Omakase 0.0.1"),
        (None, "made by another version of Omakase"),  # a state from before it was noted
        (f'{{"version": "{__version__}", "code": "00"}}', "made by another version of Omakase"),
    ]:
        made_by(root, other)
        out, err = build_cli(root)
        notes = [line for line in err.splitlines() if line.startswith("note:")]
        assert notes == [f"note: omakase.sqlite.state: {said}, not trusted; building everything"]
        assert out.startswith("Built ")  # a full build, not an update
    assert build(settings_for(root)).mode == "unchanged"  # the full build's state is trusted


def test_an_unreadable_state_is_discarded_with_a_notice(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    build_cli(root)
    (root / "data/omakase.sqlite.state").write_bytes(b"not a database" * 100)
    out, err = build_cli(root)
    assert "note: omakase.sqlite.state: unreadable, not trusted; building everything" in err
    assert out.startswith("Built ")


def restore_as_ci_cache(root: Path, to: Path) -> Path:
    """The site checked out afresh in `to`, with the paths the workflow caches restored
    from a tar archive of them, as actions/cache makes one (hard links kept as links)."""
    (cache,) = [s for s in steps("build") if str(s.get("uses", "")).startswith("actions/cache@")]
    cached = cache["with"]["path"].split()
    archive = root.parent / "cache.tar"
    with tarfile.open(archive, "w") as tar:
        for rel in cached:
            if (root / rel).exists():
                tar.add(root / rel, arcname=rel)
    for rel in cached:
        path = root / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    clone_elsewhere(root, to)
    with tarfile.open(archive) as tar:
        tar.extractall(to, filter="tar")
    return to


def test_a_ci_cache_keeps_the_shadow_tree_so_an_edit_copies_no_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = sample_site(tmp_path / "first-clone")
    built_with_a_shadow(first)
    root = restore_as_ci_cache(first, tmp_path / "ci" / "second-clone")
    page = "menus/alone-in-orbit/index.html"
    assert os.path.samefile(root / "output/index.html", root / ".output-shadow/index.html")

    def no_clone(*args: object) -> None:
        raise AssertionError("the shadow tree was copied whole")

    monkeypatch.setattr(shadow, "Clone", no_clone)
    menu = root / "content/menus/alone-in-orbit.md"
    menu.write_text(menu.read_text().replace("Leave the planet", "Leave the system"))
    assert build(settings_for(root)).mode == "incremental"
    assert "Leave the system" in (root / "output" / page).read_text(encoding="utf-8")
    assert_same_as_full(root, tmp_path)


def test_the_code_digest_follows_every_python_source_and_nothing_else(tmp_path: Path) -> None:
    from generator.engine.inputs import sources_digest

    package = tmp_path / "package"
    (package / "sub/deeper").mkdir(parents=True)
    (package / "a.py").write_text("A = 1\n")
    (package / "sub/deeper/b.py").write_text("B = 2\n")
    (package / "sub/notes.txt").write_text("not code\n")
    digest = sources_digest(str(package))
    assert sources_digest(str(package)) == digest
    (package / "sub/notes.txt").write_text("other words\n")
    assert sources_digest(str(package)) == digest  # not a source
    (package / "sub/deeper/b.py").write_text("B = 3\n")
    edited = sources_digest(str(package))
    assert edited != digest
    (package / "sub/deeper/b.py").rename(package / "sub/b.py")  # the same bytes elsewhere
    assert sources_digest(str(package)) not in (digest, edited)
