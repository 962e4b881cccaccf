"""Search: index the rendered site with Pagefind into its own /pagefind/ folder, offline.

Only pages that mark their content with `data-pagefind-body` are indexed, and never a page
under /share/ (draft previews) or one that asks robots not to index it, so drafts and
redirects stay out of the index whatever their templates do."""

from __future__ import annotations

import filecmp
import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from generator.errors import BuildError
from generator.procs import die_with_parent

BUNDLE = "pagefind"
STAMP = ".omakase-input"  # hash of what was indexed, kept beside the bundle to skip re-indexing
TMP_PREFIX = ".omakase-search-"
EXCLUDED_PREFIXES = ("share/", f"{BUNDLE}/")
_BODY = re.compile(rb"<[^>]*\sdata-pagefind-body[\s>=]")
_NOINDEX = re.compile(rb"<meta[^>]+name=[\"']robots[\"'][^>]+noindex", re.IGNORECASE)
_REFRESH = re.compile(rb"<meta[^>]+http-equiv=[\"']refresh[\"']", re.IGNORECASE)


def indexable(relpath: str, html: bytes) -> bool:
    """Whether a rendered page belongs in the search index."""
    if relpath.startswith(EXCLUDED_PREFIXES):
        return False
    if _NOINDEX.search(html) or _REFRESH.search(html):
        return False
    return bool(_BODY.search(html))


def pages_to_index(site: Path) -> Iterator[tuple[str, bytes]]:
    """(path relative to the site, HTML) of every indexable page, in a stable order."""
    for path in sorted(site.rglob("*.html")):
        relpath = path.relative_to(site).as_posix()
        html = path.read_bytes()
        if indexable(relpath, html):
            yield relpath, html


def input_hash(pages: list[tuple[str, bytes]]) -> str:
    """What the bundle depends on: the indexed pages and the Pagefind version."""
    digest = hashlib.sha256(_pagefind_version().encode() + b"\0")
    for relpath, html in pages:
        digest.update(relpath.encode() + b"\0" + hashlib.sha256(html).digest())
    return digest.hexdigest()


def index_site(site: Path, previous: Path | None = None) -> list[str]:
    """Bring `site`/pagefind/ up to date with the pages of `site`; return the paths (relative
    to `site`) written or removed. Nothing is done when the bundle there was made from exactly
    these pages; when `previous` (the last published site) has such a bundle, it is copied.
    Pagefind runs only otherwise."""
    pages = list(pages_to_index(site))
    stamp = input_hash(pages)
    bundle = site / BUNDLE
    if _stamp(bundle) == stamp:
        return []
    _clean_stale_folders(site.parent)
    prefix = f"{TMP_PREFIX}{os.getpid()}-"
    with tempfile.TemporaryDirectory(prefix=prefix, dir=site.parent) as tmp:
        fresh = Path(tmp) / BUNDLE
        old_bundle = previous / BUNDLE if previous is not None else None
        if old_bundle is not None and _stamp(old_bundle) == stamp:
            shutil.copytree(old_bundle, fresh, symlinks=False)
        else:
            _write_index(Path(tmp) / "pages", pages, fresh)
            (fresh / STAMP).write_text(stamp + "\n", encoding="utf-8")
        return _replace_bundle(fresh, bundle)


def _clean_stale_folders(parent: Path) -> None:
    """Remove work folders left by a killed build (their pid no longer runs)."""
    for leftover in parent.glob(f"{TMP_PREFIX}*"):
        pid = leftover.name[len(TMP_PREFIX):].split("-")[0]
        if not pid.isdigit() or leftover.is_symlink() or not leftover.is_dir():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass


def _replace_bundle(fresh: Path, bundle: Path) -> list[str]:
    """Move the new bundle's files into place one by one (new inodes), then delete the old
    bundle's files that the new one does not have. Returns the paths touched."""
    site = bundle.parent
    new = {p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file()}
    old = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()} \
        if bundle.is_dir() else set()
    touched = []
    for rel in sorted(new):
        source, target = fresh / rel, bundle / rel
        if rel in old and filecmp.cmp(source, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        touched.append(target.relative_to(site).as_posix())
    for rel in sorted(old - new):
        (bundle / rel).unlink()
        touched.append((bundle / rel).relative_to(site).as_posix())
    for folder in sorted((p for p in bundle.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return touched


def _pagefind_version() -> str:
    try:
        return importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def _stamp(bundle: Path) -> str | None:
    try:
        return (bundle / STAMP).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _write_index(folder: Path, pages: list[tuple[str, bytes]], bundle: Path) -> None:
    """Run the Pagefind binary over a copy of just the indexable pages.

    The CLI is used rather than Pagefind's Python service, which answers one request per
    0.1 s poll and so would cost a tenth of a second per page."""
    for relpath, html in pages:
        target = folder / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(html)
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pagefind", "--site", str(folder), "--output-path",
               str(bundle), "--keep-index-url", "--quiet"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False,
                                preexec_fn=die_with_parent)
    except OSError as error:
        raise BuildError(f"search indexing could not start Pagefind: {error}") from error
    if result.returncode != 0 or not (bundle / "pagefind.js").is_file():
        detail = (result.stderr or result.stdout).strip() or f"exit code {result.returncode}"
        raise BuildError(f"search indexing with Pagefind failed: {detail}")
