"""Builds of one site exclude each other, and a build state never calls a tree up to date
that is not the one it published."""

from __future__ import annotations

import functools
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.engine.build import build
from generator.engine.lock import build_lock, lock_path
from generator.engine.state import state_path
from generator.serve.server import DevServer
from generator.settings import Settings
from tests.sitekit import MENU, PROJECT, copy_sample, make_site, write
from tests.test_crash_safety import change_content, env, leftovers, omakase, run_build, tree
from tests.test_serve import BUILT, READY, wait_for


def menu(title: str) -> str:
    return MENU.format(title=title, curator="ada", status="published", extra="")


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


@pytest.mark.parametrize("how", ["emptied", "half-copied", "replaced"])
def test_a_state_never_calls_an_output_it_did_not_publish_up_to_date(site_root: Path, how: str) -> None:
    settings = Settings(root=site_root)
    build(settings)
    output = site_root / "output"
    built = tree(output)
    if how == "emptied":  # what two racing builds could leave
        for child in output.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    elif how == "half-copied":  # a copy that stopped before the mark, written last
        shutil.copytree(
            output, site_root / "copy", ignore=shutil.ignore_patterns(".omakase-build", "index.html")
        )
        shutil.rmtree(output)
        (site_root / "copy").rename(output)
    else:  # another site's tree, marks and all
        other = site_root.parent / "other"
        shutil.copytree(site_root, other, ignore=shutil.ignore_patterns("output", "data"))
        write(other, {"content/menus/x.md": menu("Other")})
        build(Settings(root=other))
        shutil.rmtree(output)
        shutil.copytree(other / "output", output)
    report = build(settings)
    assert report.mode == "full"
    assert tree(output) == built


def test_a_faithful_copy_of_the_output_is_trusted(site_root: Path) -> None:
    """A CI cache restores output/ as files of its own: the same pages, so the same site."""
    build(Settings(root=site_root))
    output = site_root / "output"
    shutil.copytree(output, site_root / "copy")
    shutil.rmtree(output)
    (site_root / "copy").rename(output)
    assert build(Settings(root=site_root)).mode == "unchanged"


def test_a_build_waits_for_a_running_one_then_refuses_with_its_pid(
    site_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(Settings(root=site_root))
    before = tree(site_root / "output")
    write(site_root, {"content/menus/new.md": menu("New")})
    monkeypatch.setattr("generator.engine.lock.LOCK_WAIT", 0.3)
    with build_lock(site_root / "data/omakase.sqlite"):
        code, output = cli("build", "--root", str(site_root))
    assert code == 1, output
    assert f"another build is running (pid {os.getpid()})" in output
    assert "waiting for it to finish" in output
    assert "Traceback" not in output
    assert tree(site_root / "output") == before
    # Once it is free, the next build does the work the refused one did not.
    code, output = cli("build", "--root", str(site_root))
    assert code == 0 and "Updated" in output, output


def test_a_waiting_build_goes_on_when_the_other_ends(site_root: Path) -> None:
    build(Settings(root=site_root))
    write(site_root, {"content/menus/new.md": menu("New")})
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with build_lock(site_root / "data/omakase.sqlite"):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(10)
    threading.Timer(0.3, release.set).start()
    report = build(Settings(root=site_root))
    thread.join()
    assert report.mode == "incremental"
    assert (site_root / "output/menus/new/index.html").is_file()


def test_a_killed_build_leaves_no_lock(site_root: Path) -> None:
    """The kernel drops a dead process's lock: no stale lock file to delete by hand."""
    lock = lock_path(site_root / "data/omakase.sqlite")
    lock.parent.mkdir(parents=True, exist_ok=True)
    code = (
        "import sys, time; from pathlib import Path; from generator.engine.lock import build_lock\n"
        "with build_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(site_root / "data/omakase.sqlite")],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert lock.read_text().strip() == str(holder.pid)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    started = time.monotonic()
    assert build(Settings(root=site_root)).mode == "full"
    assert time.monotonic() - started < 60


def test_the_lock_file_is_never_followed_through_a_link(site_root: Path) -> None:
    victim = site_root / "victim.txt"
    victim.write_text("keep me\n")
    lock = lock_path(site_root / "data/omakase.sqlite")
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.symlink_to(victim)
    code, output = cli("build", "--root", str(site_root))
    assert code == 1 and "cannot open the build lock" in output and "Traceback" not in output
    assert victim.read_text() == "keep me\n"


def _race(site: Path, rng: random.Random, count: int = 3) -> list[subprocess.CompletedProcess[str]]:
    """`count` builds of `site`, each started a random moment after the one before; while
    they run, the home page must always be in output/ (never an empty or missing site)."""
    procs = []
    for _ in range(count):
        procs.append(
            subprocess.Popen(
                omakase(site),
                env=env(),
                cwd=PROJECT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
        time.sleep(rng.uniform(0, 0.2))
    missing = 0
    while any(p.poll() is None for p in procs):
        if not (site / "output/index.html").is_file():
            missing += 1
        time.sleep(0.005)
    done = [subprocess.CompletedProcess(p.args, p.wait(), *p.communicate()) for p in procs]
    assert missing == 0, "output/ lacked its home page while builds ran"
    return done


def _builds_at_once(tmp_path: Path, runs: int, seed: int) -> None:
    """The site as its own build left it, content edited, then builds started together:
    every one succeeds, and the output is the new site (what a lone build makes)."""
    new_root = copy_sample(tmp_path / "new")
    change_content(new_root)
    run_build(new_root)
    new = tree(new_root / "output")
    rng = random.Random(seed)
    site = tmp_path / "site"
    for run in range(runs):
        cold = run % 2 == 1  # half without build state: full builds
        shutil.rmtree(site, ignore_errors=True)
        copy_sample(site)
        run_build(site)
        change_content(site)
        if cold:
            state_path(site / "data/omakase.sqlite").unlink()
        for done in _race(site, rng):
            assert done.returncode == 0, f"seed {seed}, run {run}: {done.stdout}{done.stderr}"
            assert "Traceback" not in done.stderr, done.stderr
        assert tree(site / "output") == new, f"seed {seed}, run {run} (cold={cold}): not the new site"
        again = subprocess.run(
            omakase(site), env=env(), cwd=PROJECT, capture_output=True, text=True, check=True
        )
        assert "Nothing changed" in again.stdout and tree(site / "output") == new
        assert leftovers(site) == [], leftovers(site)


def test_builds_of_a_small_site_at_once_leave_the_new_site(tmp_path: Path) -> None:
    new_root = make_site(tmp_path / "new", {"content/menus/new.md": menu("New")})
    run_build(new_root)
    new = tree(new_root / "output")
    site = make_site(tmp_path / "site")
    run_build(site)
    write(site, {"content/menus/new.md": menu("New")})
    for done in _race(site, random.Random(0)):
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
    assert tree(site / "output") == new
    assert leftovers(site) == [], leftovers(site)


@pytest.mark.slow
def test_builds_at_once_leave_the_new_site_many_times(tmp_path: Path) -> None:
    _builds_at_once(tmp_path, runs=12, seed=int.from_bytes(os.urandom(4), "big"))


def _idle(dev: DevServer, messages: list[str]) -> bool:
    """The server built since it started and says it waits for the next edit."""
    said = [m for m in messages if m.startswith((*BUILT, READY))]
    return len(said) > 1 and said[-1].startswith(READY) and not dev._dirty.is_set()


def _beside_serve(tmp_path: Path, runs: int, seed: int) -> None:
    """`omakase build` while the dev server rebuilds the same edit: both succeed, and once
    the server is idle the output is the new site."""
    new_root = copy_sample(tmp_path / "new")
    change_content(new_root)
    run_build(new_root)
    new = tree(new_root / "output")
    rng = random.Random(seed)
    for run in range(runs):
        site = tmp_path / f"site{run}"
        copy_sample(site)
        run_build(site)
        messages: list[str] = []
        dev = DevServer(Settings(root=site), port=0, debounce=0.02, echo=messages.append, timings=True)
        dev.start()
        try:
            change_content(site)  # the server sees the edit and rebuilds…
            time.sleep(rng.uniform(0, 0.2))
            cli = subprocess.run(  # …while this build runs
                omakase(site), env=env(), cwd=PROJECT, capture_output=True, text=True, timeout=120
            )
            assert cli.returncode == 0 and "Traceback" not in cli.stderr, cli.stdout + cli.stderr

            assert wait_for(functools.partial(_idle, dev, messages), 30), messages
        finally:
            dev.stop()
        assert not [m for m in messages if "Build failed" in m or "Traceback" in m], messages
        assert tree(site / "output") == new, f"seed {seed}, run {run}: not the new site"


@pytest.mark.slow
def test_a_build_beside_the_dev_server_many_times(tmp_path: Path) -> None:
    _beside_serve(tmp_path, runs=8, seed=int.from_bytes(os.urandom(4), "big"))
