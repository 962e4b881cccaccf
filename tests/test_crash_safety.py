"""Killing a build at any moment leaves output/ the old site or the new one, never a mix."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from generator.engine.lock import lock_if_free
from tests.sitekit import PROJECT, copy_sample

EPOCH = "1795651200"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file (and empty folder) under `folder`, by relative path, with its bytes."""
    out: dict[str, bytes] = {}
    if not folder.exists():
        return out
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = b"<symlink>"
        elif path.is_file():
            out[rel] = path.read_bytes()
        elif path.is_dir() and not any(path.iterdir()):
            out[rel + "/"] = b""
    return out


def change_content(root: Path) -> None:
    """Edits that change many pages, add some and remove others."""
    menus = sorted((root / "content/menus").glob("*.md"))
    for menu in menus:
        text = menu.read_text(encoding="utf-8")
        menu.write_text(text.replace("\ntitle: ", "\ntitle: Revised ", 1), encoding="utf-8")
    victim = next(
        m
        for m in menus
        if "forked_from" not in m.read_text()
        and not any(f"forked_from: {m.stem}" in o.read_text() for o in menus)
    )
    front = yaml.safe_load(victim.read_text(encoding="utf-8").split("---\n")[1])
    retired = {victim.stem, *(front.get("aliases") or [])}
    victim.unlink()
    record = root / "data/published-slugs.txt"  # retire its URLs on purpose
    if record.exists():
        lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
        record.write_text("".join(x for x in lines if x.strip() not in retired), encoding="utf-8")
    (root / "content/items/book/an-added-book.md").write_text(
        "---\ntitle: An Added Book\nrelease_date: 2001-01-01\nauthors: [Somebody New]\n---\n"
        "A book added by the new build.\n",
        encoding="utf-8",
    )


def prepare(site: Path, old_root: Path, *, cold: bool) -> None:
    """The old site as its own build left it (output, database, build state, spare trees),
    then the content changes, as on a curator's machine or in CI."""
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(old_root, site, symlinks=True)
    change_content(site)
    if cold:
        for state in (site / "data").glob("*.state"):
            state.unlink()


def omakase(root: Path) -> list[str]:
    return [sys.executable, "-m", "generator", "build", "--root", str(root)]


def env() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "CI": "true"}


def run_build(root: Path) -> None:
    done = subprocess.run(
        omakase(root), env=env(), cwd=PROJECT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def group_ends(pgid: int, timeout: float = 10.0) -> bool:
    """True once no process of the killed build's group is left (children die with it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def group_of(pgid: int) -> list[str]:
    """The processes still in a process group: their pids, states and commands."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat_file.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) == pgid:
            found.append(
                f"{stat_file.parent.name} {fields[0]} {text[text.index('(') : text.rindex(')') + 1]}"
            )
    return found


def leftovers(root: Path) -> list[str]:
    names = [p.name for p in root.iterdir() if p.name.startswith((".output-staging-", ".output-old-"))]
    names += [p.name for p in (root / "data").glob("*.tmp")]
    return names


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_old_or_new_site(tmp_path: Path) -> None:
    # The expected old and new sites, each from a build that was left alone.
    old_root = copy_sample(tmp_path / "old")
    run_build(old_root)
    old = tree(old_root / "output")
    new_root = copy_sample(tmp_path / "new")
    change_content(new_root)
    started = time.monotonic()
    run_build(new_root)
    duration = time.monotonic() - started
    new = tree(new_root / "output")
    assert old != new and len(old) > 30 and len(new) > 30
    assert set(old) - set(new) and set(new) - set(old)  # pages removed and added

    # An undisturbed incremental rebuild from the old site gives the same new site.
    site = tmp_path / "site"
    prepare(site, old_root, cold=False)
    started = time.monotonic()
    run_build(site)
    durations = {False: time.monotonic() - started, True: duration}
    assert tree(site / "output") == new

    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    outcomes: list[str] = []
    # At least 12 runs, and more while too few builds of either kind were killed: a loaded
    # machine finishes some builds before their kill, whatever the delay drawn.
    for run in range(40):
        killed = [o for o in outcomes if "(killed)" in o]
        cold_kills = sum("(cold)" in o for o in killed)
        if run >= 12 and len(killed) >= 4 and 0 < cold_kills < len(killed):
            break
        cold = run % 2 == 1  # half the builds start without build state: a full build
        prepare(site, old_root, cold=cold)
        delay = rng.uniform(0.0, durations[cold] * 1.1)
        process = subprocess.Popen(
            omakase(site),
            env=env(),
            cwd=PROJECT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        assert group_ends(process.pid), f"run {run}: the killed build left {group_of(process.pid)}"
        with lock_if_free(site / "data/omakase.sqlite") as free:  # the kernel dropped its lock
            assert free, f"run {run}: the killed build's lock is still held"
        now = tree(site / "output")
        state = "old" if now == old else "new" if now == new else "MIXED"
        outcomes.append(
            f"{state}@{delay:.2f}s{'(killed)' if process.returncode < 0 else ''}{'(cold)' if cold else ''}"
        )
        assert state != "MIXED", (
            f"seed {seed}, run {run}: output is neither site after a kill at {delay:.2f}s; {outcomes}"
        )
        db = site / "data/omakase.sqlite"
        if db.exists():  # the database is either absent, old or new, never torn
            conn = sqlite3.connect(db)
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            conn.close()
    # The runs must really have interrupted builds, not only watched finished ones.
    killed = [o for o in outcomes if "(killed)" in o]
    assert len(killed) >= 4 and any("(cold)" in o for o in killed), (seed, outcomes)
    assert any("(cold)" not in o for o in killed), (seed, outcomes)

    # The next build cleans whatever the killed ones left and publishes the new site.
    run_build(site)
    assert tree(site / "output") == new
    assert leftovers(site) == [], leftovers(site)


def test_leftovers_of_a_killed_build_are_cleaned_but_a_running_build_is_left_alone(tmp_path: Path) -> None:
    from generator.publish.staging import clean_stale_files, clean_stale_staging

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        target = tmp_path / "output"
        for name in (
            f".output-staging-{dead.pid}-abc",
            f".output-old-{dead.pid}",
            f".output-staging-{alive.pid}-def",
            ".output-staging-legacy",
        ):
            (tmp_path / name).mkdir()
            (tmp_path / name / "index.html").write_text("x")
        for name in (f"omakase.sqlite.{dead.pid}.tmp", f"omakase.sqlite.{alive.pid}.tmp"):
            (tmp_path / name).write_text("x")
        clean_stale_staging(target)
        clean_stale_files(tmp_path, "omakase.sqlite.", ".tmp")
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [f".output-staging-{alive.pid}-def", f"omakase.sqlite.{alive.pid}.tmp"]
        )
    finally:
        alive.kill()
        alive.wait()


def test_a_child_whose_parent_died_before_it_asked_to_die_with_it_ends_at_once() -> None:
    """The kernel's parent-death signal is asked for after the fork: a parent killed in
    between never sends it, so the child checks who its parent is (`die_with_parent`)."""
    import functools

    from generator.support.procs import die_with_parent, dying_with_this

    orphan = subprocess.Popen(["sleep", "30"], preexec_fn=functools.partial(die_with_parent, 1))
    assert orphan.wait(timeout=10) == 1
    child = subprocess.Popen(
        [sys.executable, "-c", "print('ran')"], stdout=subprocess.PIPE, preexec_fn=dying_with_this()
    )
    assert child.communicate(timeout=30)[0] == b"ran\n" and child.returncode == 0


@pytest.mark.parametrize("setpriv", [True, False], ids=["setpriv", "preexec_fn"])
def test_a_spawned_child_dies_with_the_process_that_started_it(
    setpriv: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`procs.spawn` asks for the parent-death signal through `setpriv` where it can (no
    Python code between fork and exec), else through a `preexec_fn`: either way a killed
    parent takes the child with it."""
    from generator.support import procs

    if setpriv and procs._setpriv() is None:
        pytest.skip("no setpriv that takes --pdeathsig here")
    script = (
        "import sys, time\n"
        "from generator.support import procs\n"
        f"procs._setpriv = (lambda found=procs._setpriv(): found) if {setpriv} else (lambda: None)\n"
        "child = procs.spawn(['sleep', '30'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(30)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=PROJECT, stdout=subprocess.PIPE, start_new_session=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    deadline = time.monotonic() + 10
    while not Path(f"/proc/{child}/cmdline").read_bytes().startswith(b"sleep\0"):
        assert time.monotonic() < deadline, "the child never became `sleep`"
        time.sleep(0.02)  # `setpriv`, then the shell that checks its parent, then `sleep`
    parent.kill()
    parent.wait(timeout=10)
    assert group_ends(parent.pid), group_of(parent.pid)


def test_a_spawned_child_whose_parent_is_not_the_one_it_names_ends_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The shell `spawn` runs between `setpriv` and the command checks that its parent is
    the process that asked (one killed before the signal was asked for is not)."""
    from generator.support import procs

    if procs._setpriv() is None:
        pytest.skip("no setpriv that takes --pdeathsig here")
    monkeypatch.setattr(procs.os, "getpid", lambda: 1)
    orphan = procs.spawn(["sleep", "30"])
    assert orphan.wait(timeout=10) == 1
    monkeypatch.undo()
    child = procs.spawn([sys.executable, "-c", "print('ran')"], stdout=subprocess.PIPE)
    assert child.communicate(timeout=30)[0] == b"ran\n" and child.returncode == 0
