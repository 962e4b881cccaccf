"""The steps of a build, full and incremental: load, store or update the database, render,
publish, and record the state the next incremental build starts from."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import sqlite_utils

from generator.content.loader import LoadMemo, load_site
from generator.content.model import Site
from generator.content.parallel import settle
from generator.content.published import RECORD_FILE, published_urls, update_record
from generator.db.schema import as_work_file, connect, create_schema, sync_file
from generator.db.store import iso, store_site
from generator.db.update import ChangeTracker, refs_signature, update_site
from generator.derive.availability import derive_availability
from generator.derive.lineage import ForkScope, compute_fork_diffs, edit_scope
from generator.derive.taste import compute_taste_profiles
from generator.engine.inputs import Inputs
from generator.engine.report import BuildReport, PagesReady
from generator.engine.state import (
    FileTable,
    ParseMemo,
    Scanned,
    SqlIds,
    StateMeta,
    StateParseCache,
    file_hash,
    get_meta,
    open_state,
    read_indexes,
    reads_changed,
    reset_state,
    save_files,
    scan_tree,
    set_meta,
    state_path,
)
from generator.errors import BuildError, ContentErrors, Problem
from generator.publish.atomic import swap_into_place
from generator.publish.safepaths import copy_tree_without_links
from generator.publish.shadow import Shadow, discard_shadow
from generator.publish.staging import staging_dir
from generator.settings import Config
from generator.site.finish import finish_site
from generator.site.keyed import KEYED, LISTED, RowChanges, affected_keys, reached_ids
from generator.site.record import (
    columns_read,
    columns_seen,
    digest_rows,
    params_json,
    params_value,
)
from generator.site.render import (
    KeptRenderer,
    PageRecord,
    digest_bytes,
    render_all,
    write_file,
)
from generator.site.routes import ROUTES, KeyReads, list_keys
from generator.site.search import documents_dir
from generator.support.progress import Progress
from generator.support.timings import PAGES_WRITTEN, mark, timed


def derive_steps(
    settings: Config, fork_scope: Callable[[], ForkScope | None] | None = None
) -> list[tuple[str, Callable[[sqlite_utils.Database], None]]]:
    """Every derived table's step, in order: each recomputes its tables from stored ones
    (fork diffs, only those `fork_scope` says an edit reached, when it says)."""
    clock = settings.build_time
    return [
        ("availability", lambda db: derive_availability(db, settings.watch_regions.split(","))),
        ("taste", lambda db: compute_taste_profiles(db, clock)),
        ("fork-diffs", lambda db: compute_fork_diffs(db, fork_scope() if fork_scope else None)),
    ]


def derive(
    db: sqlite_utils.Database,
    settings: Config,
    needed: Callable[[str, list[str]], bool] | None = None,
    fork_scope: Callable[[], ForkScope | None] | None = None,
) -> dict[str, list[str]]:
    """Run the derive steps (those `needed` says, given what each read last time), noting
    the `table.column`s each one reads so the next incremental build can skip it."""
    reads: dict[str, list[str]] = {}
    for name, step in derive_steps(settings, fork_scope):
        if needed is not None and not needed(name, []):
            continue
        with columns_seen(db.conn) as seen:
            step(db)
        reads[name] = sorted(seen)
    return reads


def build_database(settings: Config, *, strict: bool = False) -> tuple[Path, list[Problem], int, int]:
    """Load content into a new database file beside the target; return its path and warnings.

    The caller moves it into place; a failure leaves the previous database untouched."""
    site, warnings = load_site(settings, strict=strict)
    return _new_database(settings, site)[0], warnings, len(site.items), len(site.menus)


@timed("database")
def _new_database(settings: Config, site: Site) -> tuple[Path, dict[str, list[str]]]:
    """A fresh database of `site` beside the target, and what each derive step read."""
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = settings.db_path.with_name(settings.db_path.name + f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = connect(str(tmp))
    as_work_file(db.conn)
    try:
        create_schema(db)
        store_site(db, site, settings.build_time)
        reads = derive(db, settings)
        db.close()
        sync_file(tmp)
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
    return tmp, reads


def _record_published(
    settings: Config, inputs: Inputs, files: dict[str, Scanned], published: set[str]
) -> None:
    """Add this build's menu URLs to data/published-slugs.txt (the build's own write is not
    an edit: the state notes the file as it is afterwards)."""
    record = settings.data_dir / RECORD_FILE
    if update_record(record, published):
        inputs.rescan(files, record)
        files[str(record)].hash = hashlib.blake2b(record.read_bytes(), digest_size=16).digest()


def _next_expiry(site: Site) -> str | None:
    """When the first live share link expires: a build after that moment must drop it."""
    return min((share.expires for share in site.shares if share.token), default=None)


def _static_files(settings: Config) -> dict[str, Path]:
    """Static assets copied as they are: output path -> source file. A symbolic link is
    refused: it could publish any file of the machine."""
    root = settings.templates_dir / "static"
    if root.is_symlink():
        raise BuildError(f"{root}: symbolic links are not copied into the site")
    files = {rel: root / rel for rel in scan_tree(root)}
    for path in files.values():
        if path.is_symlink():
            raise BuildError(
                f"{path}: symbolic links are not copied into the site; replace the link with the file itself"
            )
    return files


def full_build(settings: Config, inputs: Inputs, strict: bool, memo: ParseMemo | None = None) -> BuildReport:
    discarding = discard_shadow(settings.output_dir)
    try:
        return _full_build(settings, inputs, strict, memo)
    finally:
        if discarding is not None:
            discarding.join()


def _full_build(settings: Config, inputs: Inputs, strict: bool, memo: ParseMemo | None) -> BuildReport:
    files = inputs.scan(memo)
    for path, scanned in files.items():
        scanned.hash = file_hash(Path(path))
    if memo is not None:
        memo.begin(inputs.fingerprint, files)
        memo.renderer = None  # its answers are of another database
    cache = StateParseCache(None, Path("/"), files, set(), memo)
    site, warnings = load_site(settings, strict=strict, cache=cache)
    settle()
    db_file, derive_reads = _new_database(settings, site)
    spath = state_path(settings.db_path)
    records: list[PageRecord] = []
    try:
        db = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        route_keys, key_reads = _list_keys(db_file)
        jobs = render_order(route_keys)
        with (
            staging_dir(settings.output_dir) as stage,
            Progress("Rendering pages", total=len(jobs)) as progress,
        ):

            def done(record: PageRecord) -> None:
                records.append(record)
                progress.advance()

            render_all(settings, db_file, stage, jobs, done)
            mark(PAGES_WRITTEN)
            statics = _static_files(settings)
            for rel, source in statics.items():
                data = source.read_bytes()
                write_file(stage / rel, data)
                records.append(
                    PageRecord("static", (rel,), rel, digest_bytes(data), [f"static/{rel}"], [], True)
                )
            finish_site(
                db,
                stage,
                previous=settings.output_dir,
                searchable={r.path: r.digest for r in records if r.searchable},
                documents=documents_dir(settings.db_path),
            )
            state = reset_state(spath)  # no state while the published site changes
            state.close()
            published = published_urls(sqlite_utils.Database(db))
            os.replace(db_file, settings.db_path)
            swap_into_place(stage, settings.output_dir)
        _record_published(settings, inputs, files, published)
        state = open_state(spath)
        with _transaction(state):
            set_meta(state, "next_expiry", _next_expiry(site))
            set_meta(state, "derive_reads", derive_reads)
            set_meta(state, "key_reads", key_reads)
            index = save_files(state, files, (), cache.new)
            _save_pages(state, db, records, replace_all=True)
            set_meta(state, "refs", refs_signature(site))
            set_meta(state, "live_gen", 1)
            set_meta(state, "shadow_gen", None)
            set_meta(state, "last_changes", None)
            set_meta(state, "fingerprint", inputs.fingerprint)
            _new_generation(state, memo, index)
            set_meta(state, "clock", settings.build_time.strftime("%Y-%m-%dT%H:%M:%SZ"))
        state.close()
        db.close()
    finally:
        db_file.unlink(missing_ok=True)
    return BuildReport(
        pages=len(records),
        items=len(site.items),
        menus=len(site.menus),
        warnings=warnings,
        mode="full",
        rendered=len(records),
        written=len(records),
    )


def render_order(
    route_keys: Mapping[str, Iterable[tuple[Any, ...]] | None],
) -> list[tuple[str, tuple[Any, ...], None]]:
    """Every page to render, those of one key side by side: an item's page and its API
    document (a menu's, a curator's) ask the same queries, and a worker answers the second
    from its memory of the first when they come in the same chunk."""
    by_key: dict[tuple[Any, ...], list[tuple[str, tuple[Any, ...], None]]] = {}
    for route in ROUTES:
        for key in route_keys[route.name] or ():
            by_key.setdefault(tuple(key), []).append((route.name, key, None))
    return [job for jobs in by_key.values() for job in jobs]


class _transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN")

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


@timed("state")
def _save_pages(
    state: sqlite3.Connection, db: sqlite3.Connection, records: list[PageRecord], *, replace_all: bool = False
) -> None:
    """Record what each rendered page read and wrote, replacing its previous record."""
    sql_ids = SqlIds(state)
    if replace_all:
        state.execute("DELETE FROM pages")
        state.execute("DELETE FROM reads")
        read_indexes(state, made=False)  # made again once every read is in
    columns: dict[str, list[str]] = {}
    reads = []
    for record in records:
        key = json.dumps(list(record.key))
        if not replace_all:
            old = state.execute(
                "SELECT id FROM pages WHERE route = ? AND key = ?", (record.route, key)
            ).fetchone()
            if old:
                state.execute("DELETE FROM reads WHERE page_id = ?", old)
                state.execute("DELETE FROM pages WHERE id = ?", old)
        cur = state.execute(
            "INSERT INTO pages (route, key, path, digest, templates, searchable) VALUES (?, ?, ?, ?, ?, ?)",
            (
                record.route,
                key,
                record.path,
                record.digest,
                json.dumps(record.templates),
                int(record.searchable),
            ),
        )
        page_id = cur.lastrowid
        for sql, params, digest in record.reads:
            if sql not in columns:
                columns[sql] = columns_read(db, sql)
            reads.append((page_id, sql_ids.id_for(sql, columns[sql]), params, digest))
    state.executemany("INSERT INTO reads VALUES (?, ?, ?, ?)", reads)
    if replace_all:
        read_indexes(state, made=True)


def incremental_build(
    settings: Config,
    inputs: Inputs,
    state: sqlite3.Connection,
    strict: bool,
    files: dict[str, Scanned],
    changed: set[str],
    removed: set[str],
    memo: ParseMemo | None = None,
    on_pages: PagesReady | None = None,
) -> BuildReport:
    """Bring the database and the output up to date with `changed` and `removed` inputs."""
    kinds = {p: inputs.kind(p) for p in changed | removed}
    content = {p for p, k in kinds.items() if k not in ("template", "override")}
    templates = {p for p, k in kinds.items() if k in ("template", "override")}
    report = BuildReport(mode="incremental")
    if memo is not None:
        memo.begin(inputs.fingerprint, files)  # (_update made it follow the state)
    cache = StateParseCache(state, Path("/"), files, changed, memo)
    db_file = settings.db_path
    changed_columns: set[str] = set()
    changed_rows = RowChanges({}, {})
    site_refs = None
    shadow = Shadow(settings.output_dir, StateMeta(state))
    shadow.start()  # the second tree, if it must be cloned whole, is copied while this loads
    try:
        if content:
            site, report.warnings = load_site(
                settings,
                strict=strict,
                cache=cache,
                memo=_load_memo(memo, files) if memo is not None else None,
            )
            settle()
            report.items, report.menus = len(site.items), len(site.menus)
            db_file = settings.db_path.with_name(settings.db_path.name + f".{os.getpid()}.tmp")
            shutil.copyfile(settings.db_path, db_file)
            # Only item files say what references resolve to: unchanged, the signature is too.
            stored_refs = get_meta(state, "refs")
            items_changed = any(kinds[p] == "item" for p in content)
            site_refs = refs_signature(site) if items_changed or stored_refs is None else stored_refs
            try:
                changed_columns, changed_rows = _update_database(
                    settings,
                    inputs,
                    state,
                    db_file,
                    site,
                    content & set(files),
                    content - set(files),
                    all_menus_and_logs=site_refs != stored_refs,
                )
            except BaseException:
                db_file.unlink(missing_ok=True)
                raise
        try:
            resident = None
            if memo is not None:
                resident = _kept_renderer(memo)
                resident.get(settings, bool(templates))
            _publish_incremental(
                settings,
                inputs,
                state,
                db_file,
                changed_columns,
                changed_rows,
                templates,
                report,
                shadow,
                on_pages,
                resident,
            )
            if content:
                db = sqlite3.connect(f"file:{settings.db_path}?mode=ro", uri=True)
                try:
                    _record_published(settings, inputs, files, published_urls(sqlite_utils.Database(db)))
                finally:
                    db.close()
            with _transaction(state):
                index = save_files(state, files, removed, cache.new)
                if site_refs is not None:
                    set_meta(state, "refs", site_refs)
                    set_meta(state, "next_expiry", _next_expiry(site))
                _new_generation(state, memo, index)
        finally:
            if db_file != settings.db_path:
                db_file.unlink(missing_ok=True)
    except BaseException:
        shadow.cancel()
        if memo is not None:
            memo.renderer = None  # it may hold answers of a database never published
        raise
    return report


def warm_resident(settings: Config, inputs: Inputs, state: sqlite3.Connection, memo: ParseMemo) -> None:
    """What a process that builds again and again does before its first edit: assemble and
    check the site (loader.LoadMemo), and load every template (render.KeptRenderer), as
    the next build would. A server started on a built site has done neither (its first
    build found nothing to do), and its first edit would do both (0.3 s on 10,000 items)."""
    files = inputs.scan(memo)
    changed, _ = FileTable(state).changes(files, Path("/"))
    memo.begin(inputs.fingerprint, files)
    with contextlib.suppress(ContentErrors):  # the next build reports them
        load_site(
            settings,
            cache=StateParseCache(state, Path("/"), files, changed, memo),
            memo=_load_memo(memo, files),
        )
    memo.follow(get_meta(state, "generation"))
    if memo.renderer is None:
        _kept_renderer(memo).get(settings, True).preload()


def _load_memo(memo: ParseMemo, files: dict[str, Scanned]) -> LoadMemo:
    """The loader's memo of the process, told this build's scan."""
    if memo.load is None:
        memo.load = LoadMemo()
    memo.load.scanned(files, memo.full_scans)
    return memo.load


def _kept_renderer(memo: ParseMemo) -> KeptRenderer:
    if memo.renderer is None:
        memo.renderer = KeptRenderer()
    return memo.renderer


def _new_generation(
    state: sqlite3.Connection, memo: ParseMemo | None, index: dict[str, tuple[int, int, bytes | None]]
) -> None:
    """Mark the state as this build's: a process keeping a renderer between builds
    (render.KeptRenderer) and the file index it saved finds out at its next build whether
    another process built since."""
    generation = secrets.token_hex(8)
    set_meta(state, "generation", generation)
    if memo is not None:
        memo.generation, memo.file_index = generation, index


@timed("database")
def _update_database(
    settings: Config,
    inputs: Inputs,
    state: sqlite3.Connection,
    db_file: Path,
    site: Site,
    changed: set[str],
    removed: set[str],
    *,
    all_menus_and_logs: bool,
) -> tuple[set[str], RowChanges]:
    conn = as_work_file(sqlite3.connect(db_file))
    try:
        tracker = ChangeTracker(conn)
        db = sqlite_utils.Database(conn)
        update_site(
            conn,
            site,
            iso(settings.build_time),
            changed={inputs.display(p) for p in changed},
            removed={inputs.display(p) for p in removed},
            all_menus_and_logs=all_menus_and_logs,
            kind_of=lambda display: _kind_of_display(inputs, display),
            stem_of=lambda display: Path(display).stem,
        )
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
            return edit_scope(db, tracker.touched, tracker.changed_rows.get("menu_lineage", {}))

        reads = derive(db, settings, needed, fork_scope)
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
        path = inputs.settings.root / path  # type: ignore[operator]
    return inputs.kind(str(path))


def _publish_incremental(
    settings: Config,
    inputs: Inputs,
    state: sqlite3.Connection,
    db_file: Path,
    changed_columns: set[str],
    changed_rows: RowChanges,
    templates: set[str],
    report: BuildReport,
    shadow: Shadow,
    on_pages: PagesReady | None = None,
    resident: KeptRenderer | None = None,
) -> None:
    """Re-render affected pages into the shadow tree and swap it in."""
    db = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        route_keys, key_reads = _list_keys(
            db_file, lambda read: not reads_changed(read, changed_columns), get_meta(state, "key_reads")
        )
        # Routes that kept their keys keep every page; the others listed theirs again, as
        # (route, key as JSON) -> key, with the static files. Until the pages are written,
        # only the pages that may change are read from the state (an edit touches a few of
        # 23,000), and the rest after.
        kept = {name for name, keys in route_keys.items() if keys is None}
        listed: dict[tuple[str, str], tuple[Any, ...]] = {}
        for name, keys in route_keys.items():
            for key in keys or ():
                listed[(name, json.dumps(list(key)))] = key
        statics = _static_files(settings)
        for rel in statics:
            listed[("static", json.dumps([rel]))] = (rel,)

        def wanted(k: tuple[str, str]) -> bool:
            return k[0] in kept or k in listed

        relisted = sorted({name for name in route_keys if name not in kept} | {"static"})
        marks = ",".join("?" * len(relisted))
        before = {
            (route, key): (page_id, path, digest)
            for page_id, route, key, path, digest in state.execute(
                f"SELECT id, route, key, path, digest FROM pages WHERE route IN ({marks})", relisted
            )
        }
        names: set[str] = set()
        for path in templates:
            names |= inputs.template_names(path)
        clock = settings.build_time.strftime("%Y-%m-%dT%H:%M:%SZ")
        last_clock = get_meta(state, "clock") or ""
        if clock != last_clock:
            names.add("clock:time")
            if clock[:10] != last_clock[:10]:
                names.add("clock:day")
        affected = {k for k in listed if k not in before}
        old: dict[tuple[str, str], tuple[int, str, bytes]] = {}  # affected pages' records
        stale_ids = _stale_pages(state, db, settings.db_path, changed_columns, changed_rows)
        for page_id, route, key, path, digest in state.execute(
            "SELECT id, route, key, path, digest FROM pages WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(stale_ids)),),
        ):
            old[(route, key)] = (page_id, path, digest)
        # The templates a page used are parsed only when their text names one that changed
        # (the clock moves with almost every build, and few pages print it).
        for name in names:
            for page_id, route, key, path, digest, used in state.execute(
                "SELECT id, route, key, path, digest, templates FROM pages WHERE instr(templates, ?) > 0",
                (json.dumps(name),),
            ):
                if name in json.loads(used):
                    old[(route, key)] = (page_id, path, digest)
        affected |= {k for k in old if wanted(k)}
        old.update(before)
        gone = [k for k in before if k not in listed]
        report.pages = len(listed) + sum(
            state.execute(
                f"SELECT count(*) FROM pages WHERE route IN ({','.join('?' * len(kept))})", sorted(kept)
            ).fetchone()
        )
        # A database change can reach the open-data copy without touching any page.
        if not affected and not gone and not changed_columns:
            if shadow.cloning():  # begun for nothing: still a copy of the live tree
                shadow.prepare()
                shadow.unchanged()
            _replace_database(settings, db_file)
            set_meta(state, "clock", clock)
            set_meta(state, "key_reads", key_reads)
            return
        set_meta(state, "pending", 1)
        shadow.prepare()
        records: list[PageRecord] = []
        jobs = [
            (k[0], listed.get(k) or tuple(json.loads(k[1])), old[k][2] if k in old else None)
            for k in sorted(affected)
            if k[0] != "static"
        ]
        if resident is not None:
            sql_ids = SqlIds(state)
            resident.keep_answers(changed_columns, lambda sql: sql_ids.columns.get(sql_ids.ids.get(sql, -1)))
        render_all(settings, db_file, shadow.path, jobs, records.append, kept=resident)
        mark(PAGES_WRITTEN)
        for k in sorted(affected):
            if k[0] == "static":
                rel = json.loads(k[1])[0]
                data = statics[rel].read_bytes()
                digest = digest_bytes(data)
                written = digest != (old[k][2] if k in old else _digest_at(state, rel))
                if written:
                    write_file(shadow.path / rel, data)
                records.append(PageRecord("static", (rel,), rel, digest, [f"static/{rel}"], [], written))
        if on_pages is not None:
            on_pages(shadow.path, [r.path for r in records if r.written])
        # The rest of the pages: the search index lists them all.
        searchable: dict[str, bytes] = {}
        produced = {r.path for r in records}
        for route, key, path, digest, indexed in state.execute(
            "SELECT route, key, path, digest, searchable FROM pages"
        ):
            if wanted((route, key)):
                produced.add(path)
                if indexed and (route, key) not in affected:
                    searchable[path] = digest
        prune = sorted({old[k][1] for k in gone} - produced)
        for rel in prune:
            shadow.remove(rel)
        changes = [r.path for r in records if r.written] + prune
        searchable.update((r.path, r.digest) for r in records if r.searchable)
        changes += finish_site(
            db, shadow.path, previous=None, searchable=searchable, documents=documents_dir(settings.db_path)
        )
        report.rendered = len(records)
        set_meta(state, "key_reads", key_reads)
        report.written = sum(r.written for r in records)
        report.removed = len(prune)
        with _transaction(state):
            for k in gone:
                state.execute("DELETE FROM reads WHERE page_id = ?", (old[k][0],))
                state.execute("DELETE FROM pages WHERE id = ?", (old[k][0],))
            _save_pages(state, db, records)
        _replace_database(settings, db_file)
        if changes:
            shadow.publish(changes)
        else:
            shadow.unchanged()
        set_meta(state, "clock", clock)
        set_meta(state, "pending", 0)
    finally:
        db.close()


def _digest_at(state: sqlite3.Connection, path: str) -> bytes | None:
    """The digest of the file the last build wrote at `path`, if any."""
    row = state.execute("SELECT digest FROM pages WHERE path = ?", (path,)).fetchone()
    return row[0] if row else None


def _replace_database(settings: Config, db_file: Path) -> None:
    """Move the updated copy into place, synced first (not before: the pages wait for no
    disk flush)."""
    if db_file != settings.db_path:
        sync_file(db_file)
        os.replace(db_file, settings.db_path)


@timed("routes")
def _list_keys(
    db_file: Path, keep: Callable[[list[str]], bool] | None = None, last: KeyReads | None = None
) -> tuple[dict[str, list[tuple[Any, ...]] | None], KeyReads]:
    return list_keys(db_file, keep, last)


@timed("stale pages")
def _stale_pages(
    state: sqlite3.Connection,
    db: sqlite3.Connection,
    old_db: Path,
    changed_columns: set[str],
    changed_rows: RowChanges,
) -> set[int]:
    """Pages with a recorded query that reads a changed column and now answers differently.

    A keyed query (keyed.py) is asked again only for the keys its changed rows reach, before
    or after the edit, and a listed one only for the lists holding an id they reach; other
    queries, for every page that asked them."""
    if not changed_columns:
        return set()
    sql_ids = SqlIds(state)
    candidates = sql_ids.reading(changed_columns)
    if not candidates:
        return set()
    sql_text = {i: sql for sql, i in sql_ids.ids.items()}
    reads: list[tuple[int, int, str, bytes]] = []
    old: sqlite3.Connection | None = None
    try:
        for sql_id in candidates:
            query = KEYED.get(sql_text[sql_id])
            listed = LISTED.get(sql_text[sql_id])
            if (query or listed) and old is None:
                old = sqlite3.connect(f"file:{old_db}?mode=ro", uri=True)
            columns = set(sql_ids.columns[sql_id])
            if listed is not None:
                assert old is not None
                ids = reached_ids(db, listed, changed_rows, columns) | reached_ids(
                    old, listed, changed_rows, columns
                )
                if ids and listed.one:
                    reads += state.execute(
                        "SELECT page_id, sql_id, params, digest FROM reads WHERE sql_id = ? "
                        "AND json_extract(params, ?) IN (SELECT value FROM json_each(?))",
                        (sql_id, f"$.{listed.param}", json.dumps(list(ids))),
                    ).fetchall()
                elif ids:
                    reads += state.execute(
                        "SELECT page_id, sql_id, params, digest FROM reads WHERE sql_id = ? "
                        "AND EXISTS (SELECT 1 FROM json_each(json_extract(params, ?)) "
                        "WHERE value IN (SELECT value FROM json_each(?)))",
                        (sql_id, f"$.{listed.param}", json.dumps(list(ids))),
                    ).fetchall()
                continue
            keys = None
            if query is not None:
                assert old is not None
                now, before = (affected_keys(conn, query, changed_rows, columns) for conn in (db, old))
                if now is not None and before is not None:
                    keys = [params_json(dict(zip(query.params, key, strict=True))) for key in now | before]
            if keys is None:
                reads += state.execute(
                    "SELECT page_id, sql_id, params, digest FROM reads WHERE sql_id = ?", (sql_id,)
                ).fetchall()
            elif keys:
                reads += state.execute(
                    "SELECT page_id, sql_id, params, digest FROM reads WHERE sql_id = ? "
                    "AND params IN (SELECT value FROM json_each(?))",
                    (sql_id, json.dumps(keys)),
                ).fetchall()
    finally:
        if old is not None:
            old.close()
    answers: dict[tuple[int, str], bytes] = {}
    stale: set[int] = set()
    for page_id, sql_id, params, digest in reads:
        if page_id in stale:
            continue
        now_digest = answers.get((sql_id, params))
        if now_digest is None:
            rows = db.execute(sql_text[sql_id], params_value(params)).fetchall()
            now_digest = answers[(sql_id, params)] = digest_rows(rows)
        if now_digest != digest:
            stale.add(page_id)
    return stale


def copy_static(source: Path, out_dir: Path) -> None:
    """Static assets (CSS, icons, optional JS) are copied as they are."""
    if source.is_symlink():
        raise BuildError(f"{source}: symbolic links are not copied into the site")
    if source.is_dir():
        copy_tree_without_links(source, out_dir)
