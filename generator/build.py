"""The build: load and validate content, store it in SQLite, derive, render, publish.

A full build does every step from nothing. When the state of a previous build is at hand
(`<db>.state`), the build is incremental: content hashes say which files changed, only their
rows are replaced, the database says which pages read changed rows or changed templates,
only those pages render, and only files whose bytes changed are written. Both kinds publish
the same way: a complete new tree swapped in at once, so readers and a killed build only
ever see the old site or the new one.
"""


from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import BuildError, Problem
from generator.settings import Settings
from generator.state import (
    FileTable,
    ParseMemo,
    Scanned,
    get_meta,
    open_state,
    scan_tree,
    state_path,
)
from generator.timings import recording, timed


@dataclass
class BuildReport:
    pages: int = 0
    items: int = 0
    menus: int = 0
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    mode: str = "full"  # full | incremental | unchanged
    rendered: int = 0
    written: int = 0
    removed: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds (timings.py)
    marks: dict[str, float] = field(default_factory=dict)  # moment -> seconds since the start


PagesReady = Callable[[Path, list[str]], None]
"""Told, during an incremental build, where the new tree is and which of its files (relative
paths) the build rewrote, once the pages are there and before the search bundles and the
open-data copy are brought up to date and the tree is published."""


def build(settings: Settings, *, strict: bool = False, full: bool = False,
          memo: ParseMemo | None = None, on_pages: PagesReady | None = None) -> BuildReport:
    """Build the site: incremental when a previous build's state is usable, else full.

    Raises ContentErrors (all problems) before touching output/; any failure leaves the
    last good output and database as they were. A process that builds again and again (the
    dev server) passes the same `memo` each time, to keep parses in memory between builds,
    and may pass `on_pages` to show the changed pages before the build ends."""
    started = time.perf_counter()
    settings = settings.resolve()
    assert settings.output_dir is not None and settings.db_path is not None
    assert settings.templates_dir is not None
    if not settings.templates_dir.is_dir():
        raise BuildError(f"templates folder not found: {settings.templates_dir}")
    from generator.publish import clean_stale_files, clean_stale_staging

    clean_stale_staging(settings.output_dir)
    clean_stale_files(settings.db_path.parent, settings.db_path.name + ".", ".tmp")
    from generator.content.parallel import collector_scope

    with recording() as recorded, collector_scope():
        print_ = Inputs(settings)
        state = None if full else _usable_state(settings, print_.fingerprint)
        if state is None:
            from generator.steps import full_build

            report = full_build(settings, print_, strict, memo)
        else:
            try:
                report = _update(settings, print_, state, strict, memo, on_pages)
            finally:
                state.close()
    report.timings, report.marks = recorded.phases, recorded.marks
    report.seconds = time.perf_counter() - started
    return report

def _update(settings: Settings, inputs: Inputs, state: sqlite3.Connection,
            strict: bool, memo: ParseMemo | None = None,
            on_pages: PagesReady | None = None) -> BuildReport:
    """Which inputs changed since the last build; nothing more is loaded when none did."""
    files = inputs.scan(memo)
    if memo is not None:
        memo.follow(get_meta(state, "generation"))
    # The index this process's last build saved, when it is the state's: not read back.
    kept = memo.file_index if memo is not None else None
    changed, removed = FileTable(state, kept).changes(files, Path("/"))
    expiry = get_meta(state, "next_expiry")
    if expiry is not None:
        from generator.shares import iso as share_iso
        from generator.shares import share_clock

        if share_iso(share_clock()) >= expiry:  # a share link expired: reload to drop it
            changed.add(str(inputs.data_files()[0]))
    if not changed and not removed and not _clock_moved(settings, state):
        return BuildReport(mode="unchanged")
    from generator.steps import incremental_build

    return incremental_build(settings, inputs, state, strict, files, changed, removed, memo,
                             on_pages)


def _clock_moved(settings: Settings, state: sqlite3.Connection) -> bool:
    """True when a page printed the build time (or counted days to it) and it moved."""
    assert settings.build_time is not None
    clock = settings.build_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    last = get_meta(state, "clock") or ""
    if clock == last:
        return False
    marker = '%"clock:time"%' if clock[:10] == last[:10] else '%"clock:%'
    return state.execute("SELECT 1 FROM pages WHERE templates LIKE ? LIMIT 1",
                         (marker,)).fetchone() is not None



# shares.SHARES_FILE, shares.SECRET_FILE, published.RECORD_FILE (named here so that a build
# with nothing to do does not import those modules; a test keeps the names in step).
DATA_FILES = ("shares.yaml", "secret.key", "published-slugs.txt")


class Inputs:
    """The build's input files and what else decides the output (settings, code)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        assert settings.content_dir and settings.templates_dir and settings.data_dir
        self.roots = {"content": settings.content_dir, "templates": settings.templates_dir,
                      "sources": settings.data_dir / "sources"}
        if settings.override_dir is not None:
            self.roots["overrides"] = settings.override_dir
        self.fingerprint = _fingerprint(settings)

    def data_files(self) -> list[Path]:
        """Inputs kept in data/ beside the sources: share records, secret, published URLs."""
        assert self.settings.data_dir is not None
        return [self.settings.data_dir / name for name in DATA_FILES]

    @timed("scan")
    def scan(self, memo: ParseMemo | None = None) -> dict[str, Scanned]:
        """Every input file with its stat. A process that builds again and again (the dev
        server) keeps the last scan in `memo`; when a file watcher told it which paths may
        have changed since (`memo.hints`), only those are looked at again."""
        folders = tuple(map(str, self.roots.values()))
        if memo is not None and memo.files is not None and memo.hints is not None \
                and memo.folders == folders:
            files = dict(memo.files)
            for path in memo.hints:
                self._restat(files, path)
        else:
            files = {}
            for root in self.roots.values():
                files.update(scan_tree(root, absolute=True))
            if memo is not None:
                memo.full_scans += 1
        for path in self.data_files():
            self.rescan(files, path)
        if memo is not None:
            memo.files, memo.folders, memo.hints = files, folders, None
        return files

    def _restat(self, files: dict[str, Scanned], path: str) -> None:
        """Note one path as a full scan would: a file under an input folder, none of its
        names hidden. A folder is not looked into: the watcher asks for a full scan when
        one is created, moved or deleted."""
        for root in self.roots.values():
            prefix = str(root) + os.sep
            if path.startswith(prefix):
                if any(name.startswith(".") for name in path[len(prefix):].split(os.sep)):
                    return
                try:
                    st = os.lstat(path)
                except OSError:
                    files.pop(path, None)
                    return
                if not stat.S_ISDIR(st.st_mode):
                    files[path] = Scanned(st.st_mtime_ns, st.st_size)
                return

    @staticmethod
    def rescan(files: dict[str, Scanned], path: Path) -> None:
        """Note one file as it is now (used after the build itself rewrote it)."""
        try:
            st = path.stat()
        except OSError:
            files.pop(str(path), None)
            return
        files[str(path)] = Scanned(st.st_mtime_ns, st.st_size)

    def kind(self, path: str) -> str | None:
        """What an input path is: item, menu, curator, log, payload, template, override."""
        if path in {str(p) for p in self.data_files()}:
            return "data"
        for name, root in self.roots.items():
            prefix = str(root) + os.sep
            if path.startswith(prefix):
                rel = path[len(prefix):].split(os.sep)
                if name == "content":
                    return {"items": "item", "menus": "menu", "curators": "curator",
                            "logs": "log"}.get(rel[0], "content")
                return {"sources": "payload", "templates": "template",
                        "overrides": "override"}[name]
        return None

    def template_names(self, path: str) -> set[str]:
        """The names a template file answers to when looked up."""
        kind = self.kind(path)
        root = self.roots["templates" if kind == "template" else "overrides"]
        rel = Path(path).relative_to(root).as_posix()
        return {rel, f"default:{rel}"} if kind == "template" else {rel}

    def display(self, path: str) -> str:
        try:
            return str(Path(path).relative_to(self.settings.root))  # type: ignore[arg-type]
        except ValueError:
            return path


def _fingerprint(settings: Settings) -> str:
    """Everything besides input files that shapes the output: settings, code, libraries."""
    import importlib.util

    h = hashlib.blake2b(digest_size=16)
    values = {k: str(v) for k, v in vars(settings).items() if k != "build_time"}
    h.update(json.dumps(values, sort_keys=True).encode())
    # Library versions, without importing them: where each is installed and its stat.
    for name in ("jinja2", "markdown", "nh3", "yaml", "sqlite_utils", "markupsafe"):
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec and spec.origin else ""
        stat = os.stat(origin) if origin and os.path.exists(origin) else None
        h.update(f"{name}:{origin}:{stat.st_size if stat else 0}:{stat.st_mtime_ns if stat else 0}"
                 .encode())
    h.update(hashlib.sha256(os.environ.get("OMAKASE_SHARE_SECRET", "").strip().encode()).digest())
    h.update(_code_digest())
    return h.hexdigest()


@functools.cache
def _code_digest() -> bytes:
    """The digest of the generator's sources, read once per process: the code a process
    runs is the code it imported, so a dev server that keeps running after its sources were
    edited must not record builds as made by the new code."""
    h = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        h.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    return h.digest()

def _usable_state(settings: Settings, fingerprint: str) -> sqlite3.Connection | None:
    assert settings.db_path is not None and settings.output_dir is not None
    path = state_path(settings.db_path)
    if not (path.is_file() and settings.db_path.is_file() and settings.output_dir.is_dir()):
        return None
    try:
        conn = open_state(path)
        ok = (get_meta(conn, "fingerprint") == fingerprint and not get_meta(conn, "pending")
              and get_meta(conn, "live_gen") is not None)
    except sqlite3.DatabaseError:
        return None
    if not ok:
        conn.close()
        return None
    return conn


def prepare_for_edits(settings: Settings) -> bool:
    """Bring the output's second tree (publish.Shadow) up to date with the live one now, so
    the next incremental build starts rendering at once; True when there was work to do.
    The dev server calls this while it waits for the first edit: after a full build, that
    edit would otherwise first clone the whole site (1.6 s on 23,000 pages)."""
    from generator.publish import Shadow

    settings = settings.resolve()
    assert settings.output_dir is not None
    state = _usable_state(settings, Inputs(settings).fingerprint)
    if state is None:  # the next build is a full one, which needs no second tree
        return False
    try:
        shadow = Shadow(settings.output_dir, state)
        if shadow.ready():
            return False
        shadow.prepare()
        shadow.unchanged()
        return True
    finally:
        state.close()


def warm_parses(settings: Settings, memo: ParseMemo) -> int:
    """Take into `memo` the parses the last build's state keeps (ParseMemo.warm), when that
    state would serve the next build, then assemble and check the site and load the
    templates as that build would (steps.warm_resident); returns how many were taken."""
    settings = settings.resolve()
    inputs = Inputs(settings)
    state = _usable_state(settings, inputs.fingerprint)
    if state is None:
        return 0
    try:
        taken = memo.warm(state, inputs.fingerprint)
        from generator.steps import warm_resident

        warm_resident(settings, inputs, state, memo)
        return taken
    finally:
        state.close()


def build_database(settings: Settings, *, strict: bool = False) -> tuple[Path, list[Problem], int, int]:
    """Load content into a new database file beside the target; return its path and warnings.

    The caller moves it into place; a failure leaves the previous database untouched."""
    from generator.steps import build_database as steps_build_database

    return steps_build_database(settings, strict=strict)
