"""A full disk is a plain message naming the file, exit 1, and the last good site kept."""

from __future__ import annotations

import errno
import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.engine.build import build
from generator.settings import Settings
from tests.sitekit import MENU, PROJECT, write
from tests.test_crash_safety import EPOCH, tree


def edited(site_root: Path) -> dict[str, bytes]:
    """Build the site, edit a menu, and return the site as built before the edit."""
    build(Settings(root=site_root))
    write(
        site_root,
        {"content/menus/new.md": MENU.format(title="New", curator="ada", status="published", extra="")},
    )
    return tree(site_root / "output")


def run_build(site_root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", "--root", str(site_root), *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("full", [True, False])
def test_a_page_write_on_a_full_disk(site_root: Path, monkeypatch: pytest.MonkeyPatch, full: bool) -> None:
    before = edited(site_root)
    real_open = open

    def full_disk(path, mode="r", *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if "b" in mode and ("w" in mode or "x" in mode) and str(path).endswith("index.html"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("generator.site.render.open", full_disk, raising=False)
    code, output = run_build(site_root, *(["--full"] if full else []))
    assert code == 1, output
    assert "no space left on device while writing output/" in output
    assert "index.html; the previous site is untouched" in output
    assert "Traceback" not in output and ".output-" not in output
    assert tree(site_root / "output") == before
    monkeypatch.undo()
    code, output = run_build(site_root)
    assert code == 0, output
    assert (site_root / "output/menus/new/index.html").is_file()


def test_a_database_write_on_a_full_disk(site_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = edited(site_root)

    def full_disk(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("generator.engine.full.new_database", full_disk)
    code, output = run_build(site_root, "--full")
    assert code == 1, output
    assert "no space left on device while writing data/ or output/; the previous site is untouched" in output
    assert "Traceback" not in output
    assert tree(site_root / "output") == before


# Run inside a user and mount namespace (`unshare -rm`) with a small tmpfs: a real full disk.
_REAL = textwrap.dedent(
    """
    import json, os, shutil, subprocess, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[4])
    from tests.test_crash_safety import tree
    disk, site, free = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(disk)], check=True)
    shutil.copytree(site, disk / "site")
    site = disk / "site"
    build = [sys.executable, "-m", "generator", "build", "--root", str(site)]
    subprocess.run(build, check=True, capture_output=True, cwd=sys.argv[4])
    before = tree(site / "output")
    (site / "content/menus/paranoid-seventies.md").write_text(
        (site / "content/menus/paranoid-seventies.md").read_text().replace("Aperitif", "Starter"))
    filler = disk / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"x" * 65536)
                handle.flush()
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - free))
    failed = subprocess.run(build + ["--full"], capture_output=True, text=True, cwd=sys.argv[4])
    kept = tree(site / "output") == before
    filler.unlink()
    again = subprocess.run(build, capture_output=True, text=True, cwd=sys.argv[4])
    page = (site / "output/menus/paranoid-seventies/index.html").read_text()
    print(json.dumps({"code": failed.returncode, "out": failed.stdout + failed.stderr, "kept": kept,
                      "again": again.returncode, "again_out": again.stdout + again.stderr,
                      "starter": "Starter" in page}))
    """
)


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    done = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return done.returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="needs user namespaces (unshare -rm) for a small tmpfs")
@pytest.mark.parametrize(
    "free",
    [0, pytest.param(200_000, marks=pytest.mark.slow), pytest.param(1_000_000, marks=pytest.mark.slow)],
)
def test_a_real_full_disk(site_root: Path, tmp_path: Path, free: int) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(
        ["unshare", "-rm", sys.executable, "-c", _REAL, str(disk), str(site_root), str(free), str(PROJECT)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "SOURCE_DATE_EPOCH": EPOCH, "CI": "true"},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    out = result["out"]
    assert "Traceback" not in out, out
    if result["code"] == 0:  # the build fitted in what was left: nothing to check
        assert free > 0
        return
    assert result["code"] == 1 and "no space left on device while writing " in out, out
    assert "the previous site is untouched" in out or "the new site was published" in out, out
    if "untouched" in out:
        assert result["kept"], out
    assert result["again"] == 0 and result["starter"], result["again_out"]
