"""Publish a finished site: build in a staging folder, then swap it into place atomically."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generator.timings import timed

_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step with Linux renameat2(RENAME_EXCHANGE); False if unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


@timed("publish")
def swap_into_place(staging: Path, target: Path) -> None:
    """Make `staging` the new `target`. Readers see the old site or the new one, never a mix."""
    if target.is_symlink():
        raise OSError(f"{target} is a symbolic link; refusing to replace it")
    if target.exists():
        if not _exchange(staging, target):
            # Without an atomic exchange there is a moment with no site, but never a mixed one.
            old = target.with_name(f".{target.name}-old-{os.getpid()}")
            os.replace(target, old)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
            return
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the old site
    else:
        os.replace(staging, target)
    _fsync_dir(target.parent)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def staging_dir(target: Path) -> Iterator[Path]:
    """A fresh folder beside `target` (same filesystem, so the swap is a rename).

    Removed on failure; the caller swaps it in on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # The pid in the name lets a later build tell a killed build's leftovers from the staging
    # folder of a build still running (the dev server and a manual build, say).
    path = Path(tempfile.mkdtemp(prefix=f".{target.name}-staging-{os.getpid()}-",
                                 dir=target.parent))
    os.chmod(path, 0o755)  # mkdtemp makes 0700; a published site is world-readable
    try:
        yield path
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


def clean_stale_staging(target: Path) -> None:
    """Remove staging folders and swapped-out old sites left by a build that was killed."""
    if not target.parent.is_dir():
        return
    for prefix in (f".{target.name}-staging-", f".{target.name}-old-",
                   f".{target.name}-discarded-"):
        for leftover in target.parent.glob(prefix + "*"):
            if not _owner_alive(leftover.name[len(prefix):]) and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)


def clean_stale_files(folder: Path, prefix: str, suffix: str) -> None:
    """Remove temporary files `<prefix><pid><suffix>` whose build is gone."""
    if not folder.is_dir():
        return
    for leftover in folder.glob(f"{prefix}*{suffix}"):
        if not _owner_alive(leftover.name[len(prefix):]) and leftover.is_file():
            leftover.unlink(missing_ok=True)


def _owner_alive(rest: str) -> bool:
    """True when the build whose pid starts `rest` (e.g. '4242-x1y2' or '4242.tmp') still runs."""
    digits = ""
    for char in rest:
        if not char.isdigit():
            break
        digits += char
    if not digits or int(digits) in (0, os.getpid()):
        return False
    try:
        os.kill(int(digits), 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True
    return True


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file via a temporary sibling and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def discard_shadow(target: Path) -> threading.Thread | None:
    """Move the shadow tree of `target` out of the way now and delete it on a thread; return
    the thread to join (None when there was no shadow).

    A full build has no use for the shadow (the next edit clones it afresh), and deleting
    its 30,000 files took it 3 s at 10,000 items; now that happens while it loads and
    renders. A build killed meanwhile leaves a `.<name>-discarded-<pid>-…` folder, which
    the next build removes (clean_stale_staging)."""
    shadow = Shadow(target, None).path
    if shadow.is_symlink() or not shadow.is_dir():
        return None
    trash = target.with_name(f".{target.name}-discarded-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        os.rename(shadow, trash)
    except OSError:
        return None  # left where it is: the next edit that needs the shadow clones it anew
    thread = threading.Thread(target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True},
                              name="discard-shadow", daemon=True)
    thread.start()
    return thread


class Shadow:
    """The second tree of a double-buffered output folder, kept beside it as `.<name>-shadow`.

    After each swap the shadow holds the previous site; before the next incremental build
    writes into it, it catches up with the live tree by hard-linking the few files the last
    build changed (or is re-cloned with hard links when its generation is unknown). Files
    are only ever replaced by new inodes, never rewritten in place, so the two trees can
    share every unchanged file. Its generation is kept in the build state."""

    def __init__(self, target: Path, state: Any) -> None:
        self.target = target
        self.path = target.with_name(f".{target.name}-shadow")
        self.state = state
        self._clone: Clone | None = None

    def _meta(self, key: str) -> Any:
        from generator.state import get_meta

        return get_meta(self.state, key)

    def _set(self, **values: Any) -> None:
        from generator.state import set_meta

        for key, value in values.items():
            set_meta(self.state, key, value)

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
        if self.path.is_dir() and shadow_gen is not None and shadow_gen == live - 1 \
                and last is not None:
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
            tmp = dest.with_name(f".{dest.name}.link")
            tmp.unlink(missing_ok=True)
            os.link(source, tmp)
            os.replace(tmp, dest)
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
        if _exchange(self.path, self.target):
            _fsync_dir(self.target.parent)
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
        import subprocess

        try:
            self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                ["cp", "-al", str(source), str(self.tmp)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
