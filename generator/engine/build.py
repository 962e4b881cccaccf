"""The build: load and validate content, store it in SQLite, derive, render, publish.

A full build does every step from nothing. When the state of a previous build is at hand
(`<db>.state`), the build is incremental: content hashes say which files changed, only their
rows are replaced, the database says which pages read changed rows or changed templates,
only those pages render, and only files whose bytes changed are written. Both kinds publish
the same way: a complete new tree swapped in at once, so readers and a killed build only
ever see the old site or the new one.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Any

from generator.engine.inputs import SCAN_DIGEST, Inputs, made_by_this
from generator.engine.report import BuildOptions, BuildReport, PagesReady
from generator.engine.session import Session
from generator.engine.state import (
    FileTable,
    StateMeta,
    clock_pages_query,
    get_meta,
    open_state,
    set_meta,
    state_path,
)
from generator.errors import BuildError, Problem
from generator.publish.mark import read_mark
from generator.settings import Config, Settings
from generator.support.timings import recording


def build(
    settings: Settings | Config,
    *,
    strict: bool = False,
    full: bool = False,
    session: Session | None = None,
    on_pages: PagesReady | None = None,
    publish_record: bool = True,
) -> BuildReport:
    """Build the site: incremental when a previous build's state is usable, else full.

    Raises ContentErrors (all problems) before touching output/; any failure leaves the
    last good output and database as they were. A process that builds again and again (the
    dev server) passes the same `session` each time, to keep parses in memory between builds,
    and may pass `on_pages` to show the changed pages before the build ends; it passes
    `publish_record=False` too, since a preview publishes nothing (report.BuildOptions)."""
    started = time.perf_counter()
    settings = settings.resolve()
    if not settings.theme_dir.is_dir():
        raise BuildError(f"theme folder not found: {settings.theme_dir}")
    from generator.content.parallel import collector_scope
    from generator.engine.diskfull import disk_errors
    from generator.engine.lock import build_lock
    from generator.engine.spare import SUFFIX as SPARE
    from generator.publish.staging import clean_stale_files, clean_stale_staging

    notices: list[str] = []
    with build_lock(settings.db_path), disk_errors(settings) as published:
        options = BuildOptions(strict, session, on_pages, publish_record, published)
        clean_stale_staging(settings.output_dir)
        clean_stale_files(settings.db_path.parent, settings.db_path.name + ".", ".tmp")
        clean_stale_files(settings.db_path.parent, settings.db_path.name + ".", SPARE, mine=False)
        with recording() as recorded, collector_scope():
            inputs = Inputs(settings)
            state = None if full else _usable_state(settings, inputs.fingerprint, notices)
            if state is None:
                from generator.engine.full import FullBuild

                report = FullBuild(settings, inputs, options).run()
            else:
                try:
                    report = _update(settings, inputs, state, options)
                finally:
                    state.close()
    report.notices = notices
    report.timings, report.marks = recorded.phases, recorded.marks
    report.seconds = time.perf_counter() - started
    return report


def _update(
    settings: Config, inputs: Inputs, state: sqlite3.Connection, options: BuildOptions
) -> BuildReport:
    """Which inputs changed since the last build; nothing more is loaded when none did."""
    session = options.session
    if session is not None:
        session.follow(get_meta(state, "generation"))
    # The index this process's last build saved, when it is the state's: not read back.
    kept = session.file_index if session is not None else None
    table: FileTable | None = None  # None: the index is left unread
    key = None
    if session is None:
        # The command line: a scan equal to the last one found to match the index changed
        # nothing, and the index (a large site's largest read) is left unread.
        files = inputs.scan()
        key = inputs.scan_key(files)
    if key is not None and key == get_meta(state, SCAN_DIGEST):
        changed, removed = set[str](), set[str]()
    else:
        table = FileTable(state, settings.root, kept)
        if session is not None:
            files = inputs.scan(session, known=table.old)
        changed, removed = table.changes(files, Path("/"))
    expiry = get_meta(state, "next_expiry")
    if expiry is not None:
        from generator.content.shares import iso as share_iso
        from generator.content.shares import share_clock

        if share_iso(share_clock()) >= expiry:  # a share link expired: reload to drop it
            changed.add(str(inputs.data_files()[0]))
    if options.publish_record and get_meta(state, "unrecorded"):
        # A preview built menus the record lacks: reload so that this build records them.
        changed.add(str(inputs.record_file()))
    if not changed and not removed and not _clock_moved(settings, state):
        if session is not None and table is not None:  # the state's index, now known here
            session.file_index = table.old
        elif table is not None:  # no file changed, only stats: this scan matches the index
            _learn_scan(state, key)
        return BuildReport(mode="unchanged")
    if table is None:  # the scan matched, but a share expired or the record lacks menus
        table = FileTable(state, settings.root, kept)
        table.changes(files, Path("/"))  # fills in the hashes the state keeps
    from generator.engine.incremental import IncrementalBuild

    return IncrementalBuild(settings, inputs, options, state, (files, changed, removed, table.old)).run()


def _learn_scan(state: sqlite3.Connection, key: list[Any] | None) -> None:
    """Note `key` (Inputs.scan_key) as that of a scan matching the file index, so that the
    next build with the same scan need not read the index. Only a shortcut: a state that
    cannot be written now (a full disk) keeps its older key, which this scan does not match."""
    with contextlib.suppress(sqlite3.Error):
        set_meta(state, SCAN_DIGEST, key)


def _clock_moved(settings: Config, state: sqlite3.Connection) -> bool:
    """True when a page printed the build time (or counted days to it) and it moved."""
    clock = settings.build_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    last = get_meta(state, "clock") or ""
    if clock == last:
        return False
    return state.execute(clock_pages_query(time_only=clock[:10] == last[:10])).fetchone() is not None


def _usable_state(
    settings: Config, fingerprint: str, notices: list[str] | None = None
) -> sqlite3.Connection | None:
    """The last build's state when this build can trust it, else None (a full build). A
    state must describe the inputs' fingerprint and the tree in output/ (publish/mark.py: a
    missing, emptied or foreign output/ means a full build). A state made by another version
    of Omakase (one restored from a CI cache after an upgrade), or one that cannot be read,
    is never trusted, and `notices` says so."""
    path = state_path(settings.db_path)
    if not (path.is_file() and settings.db_path.is_file() and settings.output_dir.is_dir()):
        return None
    try:
        conn = open_state(path)
    except sqlite3.DatabaseError:
        _notice(notices, f"{path.name}: unreadable, not trusted; building everything")
        return None
    try:
        made_by = get_meta(conn, "made_by")
        ok = (
            made_by == made_by_this()
            and get_meta(conn, "fingerprint") == fingerprint
            and not get_meta(conn, "pending")
            and get_meta(conn, "live_gen") is not None
            and get_meta(conn, "tree_mark") == read_mark(settings.output_dir)
        )
    except (sqlite3.DatabaseError, ValueError):
        made_by, ok = None, False
    if ok:
        return conn
    conn.close()
    if made_by != made_by_this():
        version = made_by.get("version") if isinstance(made_by, dict) else None
        which = f"Omakase {version}" if version and version != made_by_this()["version"] else None
        _notice(
            notices,
            f"{path.name}: made by {which or 'another version of Omakase'}, not trusted; building everything",
        )
    return None


def _notice(notices: list[str] | None, text: str) -> None:
    if notices is not None:
        notices.append(text)


def prepare_for_edits(settings: Settings | Config) -> bool:
    """Bring the output's shadow tree (publish.shadow.Shadow) up to date with the live one now, so
    the next incremental build starts rendering at once; True when there was work to do.
    The dev server calls this while it waits for the first edit: after a full build, that
    edit would otherwise first clone the whole site."""
    from generator.engine.lock import lock_if_free

    settings = settings.resolve()
    with lock_if_free(settings.db_path) as free:
        # A build running now (`omakase build` beside the server) leaves its own trees.
        return free and _prepare_shadow(settings)


def _prepare_shadow(settings: Config) -> bool:
    from generator.publish.shadow import Shadow

    state = _usable_state(settings, Inputs(settings).fingerprint)
    if state is None:  # the next build is a full one, which needs no shadow tree
        return False
    try:
        shadow = Shadow(settings.output_dir, StateMeta(state))
        if shadow.ready():
            return False
        shadow.prepare()
        shadow.unchanged()
        return True
    finally:
        state.close()


def warm_parses(settings: Settings | Config, session: Session) -> int:
    """Take into `session` the parses the last build's state keeps (Session.warm), when that
    state would serve the next build, then assemble and check the site and load the
    templates as that build would (resident.warm_resident); returns how many were taken."""
    from generator.engine.lock import lock_if_free

    settings = settings.resolve()
    with lock_if_free(settings.db_path) as free:
        return _warm(settings, session) if free else 0


def _warm(settings: Config, session: Session) -> int:
    inputs = Inputs(settings)
    state = _usable_state(settings, inputs.fingerprint)
    if state is None:
        return 0
    try:
        taken = session.warm(state, inputs.fingerprint, settings.root)
        from generator.engine.resident import warm_resident

        warm_resident(settings, inputs, state, session)
        return taken
    finally:
        state.close()


def build_database(settings: Config, *, strict: bool = False) -> tuple[Path, list[Problem], int, int]:
    """Load content into a new database file beside the target; return its path and warnings.

    The caller moves it into place; a failure leaves the previous database untouched."""
    from generator.engine.database import build_database as database_build

    return database_build(settings, strict=strict)
