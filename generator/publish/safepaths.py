"""Keep the build inside its folders: no write outside output/, no read through links out of the site."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from generator.errors import BuildError

# One segment of a URL path as the site writes it: slugs, tag slugs (percent-encoded),
# tokens and file names. Anything else (empty, '.', '..', '\\', NUL, ':') has no business here.
_SEGMENT = re.compile(r"^[A-Za-z0-9_.~%-]+$")


def safe_relative(url: str) -> str:
    """The file a site URL is written to, relative to the output folder; BuildError when the
    URL could name a file outside it."""
    path = url.lstrip("/")
    if not path or path.endswith("/"):
        path += "index.html"
    for segment in path.split("/"):
        if segment in (".", "..") or not _SEGMENT.match(segment):
            raise BuildError(f"refusing to write page {url!r}: unsafe path segment {segment!r}")
    return path


def inside(base: Path, target: Path) -> bool:
    """True when `target`, links resolved, is `base` or below it."""
    real_base = os.path.realpath(base)
    real = os.path.realpath(target)
    return real == real_base or real.startswith(real_base.rstrip(os.sep) + os.sep)


def output_file(out_dir: Path, url: str) -> Path:
    """The absolute file for a URL inside `out_dir`. The check is lexical (every segment is a
    plain name, see safe_relative): the build creates every folder of the tree itself and never
    a link, so no path can leave it, and no page pays for resolving links."""
    return out_dir / safe_relative(url)


def copy_tree_without_links(source: Path, dest: Path) -> None:
    """Copy a folder of static assets; a symbolic link anywhere in it is refused, since it
    could publish any file of the machine (a link to ~/.ssh/id_rsa in templates/static/)."""
    for dirpath, dirnames, filenames in os.walk(source, followlinks=False):
        here = Path(dirpath)
        for name in sorted(dirnames + filenames):
            entry = here / name
            if entry.is_symlink():
                raise BuildError(
                    f"{entry}: symbolic links are not copied into the site; "
                    "replace the link with the file itself"
                )
    shutil.copytree(source, dest, dirs_exist_ok=True, symlinks=True)
