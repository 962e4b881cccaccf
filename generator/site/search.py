"""Search: index the rendered site with Pagefind, offline, in bundles rebuilt only when their pages changed.

Only pages that mark their content with `data-pagefind-body` are indexed, and never a page
under /share/ (draft previews) or one that asks robots not to index it, so drafts and
redirects stay out of the index whatever their templates do.

Pagefind has no incremental mode: it indexes a folder from scratch, and its time and memory
grow with the whole folder. So a large site's pages are split by a stable hash of their path
into bundles (`pagefind/`, `pagefind-1/`, …); a build re-indexes only the bundles holding a
page whose search document changed, and the search box merges them in the browser
(Pagefind's `mergeIndex`, which ranks all results by score). A small site has one bundle,
`pagefind/`.

Menus, which curators edit most, are split apart from the other pages into bundles of
about `PAGES_PER_MENU_BUNDLE`, so that a menu edit re-indexes a small bundle; the others go
in bundles of about `PAGES_PER_BUNDLE`. A page's search document leaves out what Pagefind
ignores whole (`data-pagefind-ignore="all"`): an item page's list of the notes menus give it
changes with every note, and its index does not."""

from __future__ import annotations

import contextlib
import fcntl
import filecmp
import hashlib
import json
import os
import re
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.site import pagefind
from generator.site.keptbundles import forget, kept_output, prepare, settle
from generator.site.searchdoc import FORMAT, body_start, document_digest, search_document
from generator.support.caches import cache_dir

BUNDLE = "pagefind"
BUNDLES_FILE = "bundles.json"  # in the first bundle: where the others are, for search.js
STAMP = ".omakase-input"  # hash of what a bundle indexed, kept in it to skip re-indexing
TMP_PREFIX = ".omakase-search-"
PAGES_PER_BUNDLE = 1000
PAGES_PER_MENU_BUNDLE = 250
MENU_PREFIX = "menus/"
EXCLUDED_PREFIXES = ("share/", f"{BUNDLE}/")
# Pagefind names these files by a hash of their bytes: the same name means the same file.
_HASH_NAMED = (".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter")
_NOINDEX = re.compile(rb"<meta[^>]+name=[\"']robots[\"'][^>]+noindex", re.IGNORECASE)
_REFRESH = re.compile(rb"<meta[^>]+http-equiv=[\"']refresh[\"']", re.IGNORECASE)


def indexable(relpath: str, html: bytes) -> bool:
    """Whether a rendered page belongs in the search index."""
    if not relpath.endswith(".html") or relpath.startswith(EXCLUDED_PREFIXES):
        return False
    if b"data-pagefind-body" not in html:  # the common answer, without a regular expression
        return False
    if _NOINDEX.search(html) or _REFRESH.search(html):
        return False
    return body_start(html) is not None


def pages_on_disk(site: Path) -> dict[str, bytes]:
    """Path (relative to the site) -> digest of the search document of every indexable page
    found in `site`."""
    found = {}
    for path in sorted(site.rglob("*.html")):
        relpath = path.relative_to(site).as_posix()
        html = path.read_bytes()
        if indexable(relpath, html):
            found[relpath] = document_digest(html)
    return found


def bundle_count(pages: int, size: int) -> int:
    """How many bundles of about `size` pages `pages` indexable pages are split into: a
    power of two, so that a growing site rarely moves a page to another bundle."""
    count = 1
    while count * size < pages:
        count *= 2
    return count


def bundle_name(number: int) -> str:
    return BUNDLE if number == 0 else f"{BUNDLE}-{number}"


def split(pages: Mapping[str, bytes]) -> list[dict[str, bytes]]:
    """The indexable pages of each bundle, by a hash of their path (stable across builds):
    first the bundles of the pages that are not menus, then the menus' smaller ones."""
    menus = sorted(p for p in pages if p.startswith(MENU_PREFIX))
    others = sorted(p for p in pages if not p.startswith(MENU_PREFIX))
    bundles: list[dict[str, bytes]] = []
    for group, size in ((others, PAGES_PER_BUNDLE), (menus, PAGES_PER_MENU_BUNDLE)):
        if not group and bundles:
            continue
        count = bundle_count(len(group), size)
        first = len(bundles)
        bundles += [{} for _ in range(count)]
        for relpath in group:
            bundles[first + zlib.crc32(relpath.encode()) % count][relpath] = pages[relpath]
    return bundles


def _stamp_of(pages: Mapping[str, bytes], split_by: str) -> str:
    """What a bundle depends on: its pages' paths and bytes, the split and Pagefind's version."""
    digest = hashlib.sha256(f"{pagefind.version()}\0{split_by}\0".encode())
    for relpath in sorted(pages):
        digest.update(relpath.encode() + b"\0" + pages[relpath])
    return digest.hexdigest()


def documents_dir(db_path: Path) -> Path:
    """Where the documents Pagefind reads are kept between builds: beside the database."""
    return cache_dir(db_path, "search")


def index_site(
    site: Path,
    previous: Path | None = None,
    pages: Mapping[str, bytes] | None = None,
    meanwhile: Callable[[], None] | None = None,
    documents: Path | None = None,
) -> list[str]:
    """Bring the search bundles of `site` up to date; return the paths (relative to `site`)
    written or removed. `meanwhile` runs once while Pagefind does (other work of the build
    that then shares the cores with it), or before returning when nothing is indexed.

    `pages` maps each indexable page to the digest of its search document (read from disk
    when not given). A bundle made from exactly its pages is left alone; one the last published site
    (`previous`) has is copied; Pagefind indexes the others, two at a time on two cores.
    With `documents`, the pages Pagefind reads are kept there between builds, and only
    those that changed are written again."""
    if pages is None:
        pages = pages_on_disk(site)
    bundles = split(pages)
    more = [f"{bundle_name(n)}/" for n in range(1, len(bundles)) if bundles[n]]
    _clean_stale_folders(site.parent)
    todo = _outdated(site, bundles, more)
    touched: list[str] = []
    if todo:
        touched += _make_bundles(_Bundles(site, bundles, more, previous, documents), todo, meanwhile)
        meanwhile = None
    for extra in _bundles_beyond(site, bundles):
        touched += _replace_bundle(None, extra)
        if documents is not None:
            forget(documents, extra.name)
    if meanwhile is not None:
        meanwhile()
    return touched


@dataclass(frozen=True)
class _Bundles:
    """A site's bundles as `index_site` makes them: each one's pages and where they go."""

    site: Path
    members: list[dict[str, bytes]]  # each bundle's pages (relpath -> digest)
    more: list[str]  # the folders of the bundles after the first, which it lists
    previous: Path | None  # the last published site, whose current bundles are copied
    documents: Path | None  # where the documents Pagefind reads are kept between builds


def _outdated(site: Path, bundles: list[dict[str, bytes]], more: list[str]) -> list[tuple[int, str]]:
    """(number, stamp) of each bundle whose stamp in `site` is not that of its pages now."""
    todo: list[tuple[int, str]] = []
    for number, members in enumerate(bundles):
        if number and not members:
            continue  # an empty bundle is not made (the first always is: it holds the UI)
        # The first bundle lists the others (search.js reads it), so it depends on them too.
        stamp = _stamp_of(members, json.dumps([len(bundles), more if number == 0 else []]))
        if _stamp(site / bundle_name(number)) != stamp:
            todo.append((number, stamp))
    return todo


def _make_bundles(
    plan: _Bundles, todo: list[tuple[int, str]], meanwhile: Callable[[], None] | None
) -> list[str]:
    """Copy from the last published site, or index anew, each bundle in `todo`, and put
    it in place; returns the paths written or removed."""
    site = plan.site
    touched: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=site.parent) as tmp,
        contextlib.ExitStack() as lock,
    ):
        work = Path(tmp)
        runs: list[pagefind.Run] = []
        locked = False
        outputs: dict[int, Path] = {}  # where each bundle is written: in `work`, or kept
        earlier: dict[int, bool] = {}  # the kept ones: whether they hold an earlier run's files
        for number, stamp in todo:
            fresh = outputs[number] = work / bundle_name(number)
            old = plan.previous / bundle_name(number) if plan.previous is not None else None
            if old is not None and _stamp(old) == stamp:
                _copy_bundle(old, fresh)
                continue
            if plan.documents is not None:
                folder = plan.documents / bundle_name(number)
                if not locked:  # another build's documents may share the folder
                    lock.enter_context(_locked(plan.documents))
                    locked = True
            else:
                folder = work / f"pages-{number}"
            if not plan.members[number]:
                # Nothing to index (a site with no item or published menu yet): Pagefind refuses
                # an empty folder, so the bundle is left without an index; search.js then keeps
                # the plain form, which opens the search page.
                fresh.mkdir()
                continue
            if plan.documents is not None and (site / bundle_name(number)).is_dir():
                # Only the changed files of a bundle the site has move in: Pagefind writes
                # into the folder it wrote last time, adding its new files (keptbundles.py).
                fresh = outputs[number] = kept_output(plan.documents, bundle_name(number))
                earlier[number] = prepare(fresh, pagefind.version())
            runs.append(pagefind.Run(folder, fresh, stamp, number, plan.members[number]))
        pagefind.run_all(runs, meanwhile, lambda run: _sync_documents(site, run.pages, run.members))
        for number, stamp in todo:
            fresh = outputs[number]
            if number in earlier:
                settle(fresh, pagefind.version(), earlier[number])
            if number == 0:
                # `indexed` tells search.js whether there is a Pagefind UI to load at all.
                listing = {"indexed": bool(plan.members[0]), "more": plan.more}
                (fresh / BUNDLES_FILE).write_text(json.dumps(listing) + "\n", encoding="utf-8")
            (fresh / STAMP).write_text(stamp + "\n", encoding="utf-8")
            touched += _replace_bundle(fresh, site / bundle_name(number))
    return touched


def _copy_bundle(old: Path, fresh: Path) -> None:
    """Copy a bundle file by file. Unlike `shutil.copytree`, which gathers every failure in
    one error without an errno, a full disk raises its own OSError (engine/diskfull.py)."""
    for folder, _, names in os.walk(old):
        target = fresh / Path(folder).relative_to(old)
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copyfile(os.path.join(folder, name), target / name)


MANIFEST = ".omakase-documents.json"  # relpath -> digest of the page each document was cut from


@contextlib.contextmanager
def _locked(documents: Path) -> Iterator[None]:
    """One build at a time in the documents folder (the dev server and a manual build)."""
    documents.mkdir(parents=True, exist_ok=True)
    with open(documents / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sync_documents(site: Path, folder: Path, members: Mapping[str, bytes]) -> None:
    """Make `folder` hold the search document of exactly `members` (relpath -> digest).

    A manifest says which page bytes each document was cut from; it is removed while the
    folder changes, so a build killed half-way leaves a folder the next one rebuilds."""
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        have: dict[str, str] = manifest["documents"] if manifest["format"] == FORMAT else {}
    except (OSError, ValueError, KeyError, TypeError):
        have = {}
    if not have and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path.unlink(missing_ok=True)
    for relpath in sorted(set(have) - set(members)):
        (folder / relpath).unlink(missing_ok=True)
        parent = (folder / relpath).parent
        while parent != folder and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    wanted = {relpath: digest.hex() for relpath, digest in members.items()}
    for relpath, digest in wanted.items():
        if have.get(relpath) != digest:
            target = folder / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(search_document((site / relpath).read_bytes()))
    tmp = folder / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps({"format": FORMAT, "documents": wanted}), encoding="utf-8")
    os.replace(tmp, manifest_path)


def _bundles_beyond(site: Path, bundles: list[dict[str, bytes]]) -> Iterator[Path]:
    """Bundles of an earlier, larger split, or now empty."""
    for folder in sorted(site.glob(f"{BUNDLE}-*")):
        suffix = folder.name[len(BUNDLE) + 1 :]
        if suffix.isdigit() and folder.is_dir() and (int(suffix) >= len(bundles) or not bundles[int(suffix)]):
            yield folder


def _clean_stale_folders(parent: Path) -> None:
    """Remove work folders left by a killed build (their pid no longer runs)."""
    for leftover in parent.glob(f"{TMP_PREFIX}*"):
        pid = leftover.name[len(TMP_PREFIX) :].split("-")[0]
        if not pid.isdigit() or leftover.is_symlink() or not leftover.is_dir():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass


def _replace_bundle(fresh: Path | None, bundle: Path) -> list[str]:
    """Move the new bundle's files into place one by one (new inodes), then delete the old
    bundle's files that the new one does not have (all of them when `fresh` is None).
    Returns the paths touched."""
    site = bundle.parent
    new = (
        {p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file()}
        if fresh is not None
        else set()
    )
    if fresh is not None and not os.path.lexists(bundle):
        # A bundle the site does not have yet (every bundle of a cold build): the new
        # folder moves in whole, not its thousand files one by one.
        os.rename(fresh, bundle)
        return [f"{bundle.name}/{rel}" for rel in sorted(new)]
    old = (
        {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
        if bundle.is_dir()
        else set()
    )
    touched = []
    for rel in sorted(new):
        assert fresh is not None
        source, target = fresh / rel, bundle / rel
        if rel in old and (rel.endswith(_HASH_NAMED) or filecmp.cmp(source, target, shallow=False)):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        touched.append(target.relative_to(site).as_posix())
    for rel in sorted(old - new):
        (bundle / rel).unlink()
        touched.append((bundle / rel).relative_to(site).as_posix())
    if bundle.is_dir():
        for folder in sorted((p for p in bundle.rglob("*") if p.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()
        if not any(bundle.iterdir()):
            bundle.rmdir()
    return touched


def _stamp(bundle: Path) -> str | None:
    try:
        return (bundle / STAMP).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def index_folders(pairs: list[tuple[Path, Path]]) -> None:
    """Index each (folder of documents, bundle folder to write) pair as a build runs
    Pagefind: as many at once as there are cores. The benchmark times this alone."""
    pagefind.run_all(
        [pagefind.Run(documents, bundle, "", number, {}) for number, (documents, bundle) in enumerate(pairs)]
    )
