"""Two cold builds of the same content are byte-identical, in output/ and in the database;
every date the build invents comes from SOURCE_DATE_EPOCH (or the last commit), not the clock."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from generator.cli import main
from tests.sitekit import PROJECT, make_site
from tests.test_crash_safety import tree

ATOM = "{http://www.w3.org/2005/Atom}"


def copy_sample(dest: Path) -> Path:
    """The sample site, copied without keeping modification times (as a fresh clone would)."""
    for name in ("content", "templates"):
        shutil.copytree(PROJECT / name, dest / name, copy_function=shutil.copy)
    shutil.copytree(
        PROJECT / "data",
        dest / "data",
        copy_function=shutil.copy,
        ignore=shutil.ignore_patterns("*.sqlite*", "secret.key", "*.tmp", ".*"),
    )
    return dest


def build_in_process(root: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def assert_same_build(a: Path, b: Path) -> None:
    first, second = tree(a / "output"), tree(b / "output")
    assert len(first) > 30
    differ = sorted(k for k in set(first) | set(second) if first.get(k) != second.get(k))
    assert differ == [], differ[:20]
    assert (a / "data/omakase.sqlite").read_bytes() == (b / "data/omakase.sqlite").read_bytes()


def test_two_builds_in_different_folders_are_identical(tmp_path: Path) -> None:
    a, b = copy_sample(tmp_path / "one"), copy_sample(tmp_path / "elsewhere" / "two")
    build_in_process(a)
    build_in_process(b)
    assert_same_build(a, b)
    # Nothing of the machine in the output: no absolute path of either build folder.
    for root in (a, b):
        for path in (root / "output").rglob("*"):
            if path.is_file():
                assert str(tmp_path).encode() not in path.read_bytes(), path


def feed_dates(output: Path) -> dict[str, list[str]]:
    out = {}
    for path in sorted(output.rglob("*.xml")):
        root = ElementTree.fromstring(path.read_bytes())
        if root.tag != f"{ATOM}feed":
            continue
        out[path.relative_to(output).as_posix()] = [
            e.text or "" for e in root.iter() if e.tag in (f"{ATOM}updated", f"{ATOM}published")
        ]
    return out


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_feed_dates_honour_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A curator without menus has a feed with no entries: its date can only be the build's.
    root = make_site(
        tmp_path / "site",
        {
            "content/curators/quiet.yaml": "handle: quiet\nname: Quiet Curator\n",
        },
    )
    runs = {}
    for epoch in (1700000000, 1800000000):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
        shutil.rmtree(root / "output", ignore_errors=True)
        shutil.rmtree(root / "data", ignore_errors=True)
        build_in_process(root)
        runs[epoch] = feed_dates(root / "output")
    first, second = runs[1700000000], runs[1800000000]
    assert first.keys() == second.keys() and "feed.xml" in first
    assert any("quiet" in name for name in first)
    moved = 0
    for name, dates in first.items():
        assert len(dates) == len(second[name])
        for d1, d2 in zip(dates, second[name], strict=True):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d1), (name, d1)
            if d1 != d2:  # a date the build made up: exactly the epoch, never the clock
                assert (d1, d2) == (iso(1700000000), iso(1800000000)), (name, d1, d2)
                moved += 1
    assert moved >= 1


def git(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=env)
    return done.stdout.strip()


@pytest.mark.slow
def test_cold_builds_of_two_clones_at_different_times_are_identical(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    origin = copy_sample(tmp_path / "origin")
    stamp = "2026-10-02T12:00:00+00:00"
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
        "GIT_AUTHOR_NAME": "Site",
        "GIT_AUTHOR_EMAIL": "site@example.org",
        "GIT_COMMITTER_NAME": "Site",
        "GIT_COMMITTER_EMAIL": "site@example.org",
    }
    git("init", "-q", cwd=origin)
    git("add", "-A", cwd=origin)
    git("commit", "-q", "-m", "site", cwd=origin, env=env)
    clones = []
    for name in ("a", "b"):
        git("clone", "-q", str(origin), str(tmp_path / name), cwd=tmp_path)
        clones.append(tmp_path / name)
    build_env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    for index, clone in enumerate(clones):
        if index:
            time.sleep(1.5)  # a later wall-clock second, so a clock leak would show
        done = subprocess.run(
            [sys.executable, "-m", "generator", "build", "--root", str(clone)],
            cwd=PROJECT,
            env={
                **build_env,
                "PYTHONHASHSEED": str(index + 1),
                "TZ": ("UTC", "Asia/Tokyo")[index],
                "CI": "true",
            },
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert_same_build(*clones)
    conn = sqlite3.connect(clones[0] / "data/omakase.sqlite")
    stamps = {r[0] for r in conn.execute("SELECT created_at FROM users")}
    conn.close()
    assert stamps == {"2026-10-02T12:00:00Z"}  # the commit's time, not the clock's
