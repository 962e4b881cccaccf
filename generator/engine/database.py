"""The build's database: a new file from a loaded site, or an updated copy, with the derived tables."""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.content.loader import load_site
from generator.content.model import Site
from generator.db.schema import as_work_file, connect, create_schema, sync_file, wrap
from generator.db.store import iso, store_site
from generator.db.update import ChangeTracker, FileChanges, update_site
from generator.derive.availability import derive_availability
from generator.derive.languages import derive_language_names
from generator.derive.lineage import ForkScope, compute_fork_diffs, edit_scope
from generator.derive.taste import compute_taste_profiles
from generator.engine.inputs import Inputs
from generator.engine.state import get_meta, reads_changed, set_meta
from generator.errors import Problem
from generator.publish.atomic import writing
from generator.settings import Config
from generator.site.keyed import RowChanges
from generator.site.record import columns_seen
from generator.support.background import Background
from generator.support.timings import timed


def derive_steps(
    settings: Config, fork_scope: Callable[[], ForkScope | None] | None = None
) -> list[tuple[str, Callable[[sqlite3.Connection], object]]]:
    """Every derived table's step, in order: each recomputes its tables from stored ones
    (fork diffs, only those `fork_scope` says an edit reached, when it says). Fork diffs,
    the step a menu edit reruns, and language names use the connection as it is; the
    others wrap it in sqlite_utils, which is then imported."""
    clock = settings.build_time
    return [
        ("availability", lambda conn: derive_availability(wrap(conn), settings.watch_regions.split(","))),
        ("taste", lambda conn: compute_taste_profiles(wrap(conn), clock)),
        ("fork-diffs", lambda conn: compute_fork_diffs(conn, fork_scope() if fork_scope else None)),
        ("language-names", derive_language_names),
    ]


def derive(
    conn: sqlite3.Connection,
    settings: Config,
    needed: Callable[[str, list[str]], bool] | None = None,
    fork_scope: Callable[[], ForkScope | None] | None = None,
) -> dict[str, list[str]]:
    """Run the derive steps on `conn` (those `needed` says, given what each read last
    time), noting the `table.column`s each one reads so the next incremental build can
    skip it."""
    reads: dict[str, list[str]] = {}
    for name, step in derive_steps(settings, fork_scope):
        if needed is not None and not needed(name, []):
            continue
        with columns_seen(conn) as seen:
            step(conn)
        reads[name] = sorted(seen)
    return reads


def build_database(settings: Config, *, strict: bool = False) -> tuple[Path, list[Problem], int, int]:
    """Load content into a new database file beside the target; return its path and warnings.

    The caller moves it into place; a failure leaves the previous database untouched."""
    site, warnings = load_site(settings, strict=strict)
    return new_database(settings, site)[0], warnings, len(site.items), len(site.menus)


@timed("database")
def new_database(settings: Config, site: Site) -> tuple[Path, dict[str, list[str]]]:
    """A fresh database of `site` beside the target, and what each derive step read."""
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = settings.db_path.with_name(settings.db_path.name + f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = connect(str(tmp))
    as_work_file(db.conn)
    try:
        with writing(settings.db_path):
            create_schema(db)
            store_site(db, site, settings.build_time)
            reads = derive(db.conn, settings)
            db.close()
            sync_file(tmp)
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
    return tmp, reads


@dataclass
class Edit:
    """What an incremental build loaded: the site, the content files changed and removed
    (absolute paths), and whether every menu and log must be stored again (what references
    resolve to changed)."""

    site: Site
    changed: set[str]
    removed: set[str]
    all_menus_and_logs: bool
    cards: set[str] | None = None  # the menus whose card row may have changed (None: any)


@timed("database")
def update_database(
    settings: Config, inputs: Inputs, state: sqlite3.Connection, db_file: Path, edit: Edit
) -> tuple[set[str], RowChanges]:
    """Bring the copy `db_file` up to date with `edit`, rerunning the derive steps whose
    reads changed; returns the changed `table.column`s and rows."""
    site, changed, removed, all_menus_and_logs = (
        edit.site,
        edit.changed,
        edit.removed,
        edit.all_menus_and_logs,
    )
    conn = as_work_file(sqlite3.connect(db_file))
    try:
        tracker = ChangeTracker(conn)
        files = FileChanges(
            changed={inputs.display(p) for p in changed},
            removed={inputs.display(p) for p in removed},
            kind_of=lambda display: _kind_of_display(inputs, display),
            all_menus_and_logs=all_menus_and_logs,
            cards=edit.cards,
        )
        update_site(conn, site, iso(settings.build_time), files)
        # A derive step reruns only when a column it read last time changed; what earlier
        # steps changed counts too. The clock alone does not rerun one: a taste profile's
        # computed_at says when it was last computed, and an unchanged one was not.
        last_reads = get_meta(state, "derive_reads") or {}
        known: set[str] | None = None  # the changes so far, until a step runs
        compared = False  # the tracker's changed rows are those up to the step about to run

        def needed(name: str, _: list[str]) -> bool:
            nonlocal known, compared
            compared = False
            if name in last_reads:
                if known is None:
                    known = tracker.changed_columns(settings.db_path)
                if not reads_changed(last_reads[name], known):
                    return False
                compared = True
            known = None
            return True

        def fork_scope() -> ForkScope | None:
            if not compared or all_menus_and_logs:  # every diff is computed again
                return None
            return edit_scope(conn, tracker.touched, tracker.changed_rows.get("menu_lineage", {}))

        reads = derive(conn, settings, needed, fork_scope)
        conn.commit()
        set_meta(state, "derive_reads", {**last_reads, **reads})
        columns = known if known is not None else tracker.changed_columns(settings.db_path)
        rows = RowChanges(tracker.changed_rows, tracker.keys)
        tracker.close()
        conn.commit()
    finally:
        conn.close()
    return columns, rows


def _kind_of_display(inputs: Inputs, display: str) -> str | None:
    path = Path(display)
    if not path.is_absolute():
        path = inputs.settings.root / path
    return inputs.kind(str(path))


def start_sync(db_file: Path) -> Background[None]:
    """Flush the updated copy to disk on a thread, from now: the copy wrote the whole file,
    and the flush then waits on the disk while the pages render and the search indexes,
    not after them."""
    return Background(functools.partial(sync_file, db_file), "database sync")


def replace_database(settings: Config, db_file: Path, synced: Background[None] | None) -> None:
    """Move the updated copy into place once `synced`, its flush (`start_sync`), is done."""
    if db_file != settings.db_path:
        (synced or start_sync(db_file)).result()
        os.replace(db_file, settings.db_path)
