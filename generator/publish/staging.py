"""The staging folder a full build writes into, and the leftovers of killed builds."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staging_dir(target: Path) -> Iterator[Path]:
    """A fresh folder beside `target` (same filesystem, so the swap is a rename).

    Removed on failure; the caller swaps it in on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # The pid in the name lets a later build tell a killed build's leftovers from the staging
    # folder of a build still running (the dev server and a manual build, say).
    path = Path(tempfile.mkdtemp(prefix=f".{target.name}-staging-{os.getpid()}-", dir=target.parent))
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
    for prefix in (f".{target.name}-staging-", f".{target.name}-old-", f".{target.name}-discarded-"):
        for leftover in target.parent.glob(prefix + "*"):
            if not _owner_alive(leftover.name[len(prefix) :]) and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)


def clean_stale_files(folder: Path, prefix: str, suffix: str, *, mine: bool = True) -> None:
    """Remove temporary files `<prefix><pid><suffix>` whose process is gone; this process's
    own too unless `mine` is False (a build's own are left over from an earlier one)."""
    if not folder.is_dir():
        return
    for leftover in folder.glob(f"{prefix}*{suffix}"):
        rest = leftover.name[len(prefix) :]
        if not mine and rest.startswith(f"{os.getpid()}."):
            continue
        if not _owner_alive(rest) and leftover.is_file():
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
