"""The output's shadow tree: a hard-linked copy of output/ that incremental builds write, then swap in."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any, Protocol

from generator.publish.atomic import exchange, fsync_dir, swap_into_place
from generator.support.procs import spawn
from generator.support.timings import timed


class Meta(Protocol):
    """Where the shadow keeps its generations: the build state's key-value table."""

    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


def discard_shadow(target: Path) -> threading.Thread | None:
    """Move the shadow tree of `target` out of the way now and delete it on a thread; return
    the thread to join (None when there was no shadow).

    A full build has no use for the shadow (the next edit clones it afresh); deleting a
    tree of every page is slow, so it happens while the build loads and renders. A build
    killed meanwhile leaves a `.<name>-discarded-<pid>-…` folder, which the next build
    removes (clean_stale_staging)."""
    shadow = Shadow(target, None).path
    if shadow.is_symlink() or not shadow.is_dir():
        return None
    trash = target.with_name(f".{target.name}-discarded-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        os.rename(shadow, trash)
    except OSError:
        return None  # left where it is: the next edit that needs the shadow clones it anew
    thread = threading.Thread(
        target=shutil.rmtree,
        args=(trash,),
        kwargs={"ignore_errors": True},
        name="discard-shadow",
        daemon=True,
    )
    thread.start()
    return thread


class Shadow:
    """The shadow tree of a double-buffered output folder, kept beside it as `.<name>-shadow`.

    After each swap the shadow holds the previous site; before the next incremental build
    writes into it, it catches up with the live tree by hard-linking the few files the last
    build changed (or is re-cloned with hard links when its generation is unknown). Files
    are only ever replaced by new inodes, never rewritten in place, so the two trees can
    share every unchanged file. Its generation is kept in the build state."""

    def __init__(self, target: Path, state: Meta | None) -> None:
        self.target = target
        self.path = target.with_name(f".{target.name}-shadow")
        self.state = state
        self._clone: Clone | None = None

    def _meta(self, key: str) -> Any:
        assert self.state is not None
        return self.state.get(key)

    def _set(self, **values: Any) -> None:
        assert self.state is not None
        for key, value in values.items():
            self.state.set(key, value)

    def ready(self) -> bool:
        """Whether the shadow already equals the live tree."""
        return self.path.is_dir() and self._meta("shadow_gen") == self._meta("live_gen")

    def _catch_up(self) -> list[str] | None:
        """The files to bring over from the live tree ([] when none), or None when the
        shadow must be cloned whole."""
        live, shadow_gen = self._meta("live_gen"), self._meta("shadow_gen")
        last = self._meta("last_changes")
        if self.path.is_dir() and shadow_gen == live:
            return []
        if self.path.is_dir() and shadow_gen is not None and shadow_gen == live - 1 and last is not None:
            return list(last)
        return None

    def start(self) -> None:
        """Begin now the whole clone `prepare` would make, when it needs one: a build
        starts it before loading content, and the file system copies while Python loads
        (the first edit after a full build clones every page)."""
        if self._clone is None and self._catch_up() is None:
            self._set(shadow_gen=None)
            if self.path.exists():
                shutil.rmtree(self.path)
            self._clone = Clone(self.target, self.path)

    def cloning(self) -> bool:
        """Whether `start` began a clone that `prepare` has not finished."""
        return self._clone is not None

    def cancel(self) -> None:
        """Stop a clone `start` began (the build failed): the shadow is simply absent."""
        if self._clone is not None:
            self._clone.cancel()
            self._clone = None

    @timed("publish")
    def prepare(self) -> None:
        """Make the shadow an exact copy of the live tree (sharing its files)."""
        catch_up = None if self._clone is not None else self._catch_up()
        if catch_up is not None:
            self._set(shadow_gen=None)  # from here on its contents are in flux
            for rel in catch_up:
                self.sync(rel)
            return
        self.start()  # if not started yet
        assert self._clone is not None
        clone, self._clone = self._clone, None
        clone.finish()

    def sync(self, rel: str) -> None:
        source, dest = self.target / rel, self.path / rel
        if source.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            # Unlinked, then linked anew: ext4 flushes a file renamed over another one
            # (auto_da_alloc), and the live file may not be written out yet. The shadow is
            # in flux until it is swapped in: no reader sees the moment without it.
            dest.unlink(missing_ok=True)
            os.link(source, dest)
        else:
            self.remove(rel)

    def remove(self, rel: str) -> None:
        """Delete one file and the folders it leaves empty."""
        path = self.path / rel
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != self.path:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    @timed("publish")
    def publish(self, changes: list[str]) -> None:
        """Swap the shadow in; the old live tree becomes the shadow, one generation behind."""
        live = self._meta("live_gen")
        if exchange(self.path, self.target):
            fsync_dir(self.target.parent)
            self._set(live_gen=live + 1, shadow_gen=live, last_changes=changes)
        else:
            swap_into_place(self.path, self.target)
            self._set(live_gen=live + 1, shadow_gen=None, last_changes=None)

    def unchanged(self) -> None:
        """Nothing to swap: the shadow now equals the live tree."""
        self._set(shadow_gen=self._meta("live_gen"), last_changes=[])


class Clone:
    """A hard-link copy of a tree, made by `cp -al` in the background (it waits on the
    file system, not the CPU) and moved into place by `finish`."""

    def __init__(self, source: Path, dest: Path) -> None:
        self.source, self.dest = source, dest
        self.tmp = dest.with_name(dest.name + ".partial")
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        try:
            # A child that dies with the build: the next build removes what a killed one left.
            self.proc: subprocess.Popen[bytes] | None = spawn(
                ["cp", "-al", str(source), str(self.tmp)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self.proc = None

    def finish(self) -> None:
        if self.proc is None or self.proc.wait() != 0:  # no `cp -al` here: links one by one
            shutil.rmtree(self.tmp, ignore_errors=True)
            shutil.copytree(self.source, self.tmp, copy_function=os.link)
        os.replace(self.tmp, self.dest)

    def cancel(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)
