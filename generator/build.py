"""The build: load and validate content, store it in SQLite, derive, render, publish.

A full build does every step from nothing. When the state of a previous build is at hand
(`<db>.state`), the build is incremental: content hashes say which files changed, only their
rows are replaced, the database says which pages read changed rows or changed templates,
only those pages render, and only files whose bytes changed are written. Both kinds publish
the same way: a complete new tree swapped in at once, so readers and a killed build only
ever see the old site or the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from generator.content.loader import load_site
from generator.content.model import Site
from generator.db.schema import connect, create_schema
from generator.db.store import iso, store_site
from generator.db.update import ChangeTracker, refs_signature, update_site
from generator.derive.availability import derive_availability
from generator.derive.lineage import compute_fork_diffs
from generator.derive.taste import compute_taste_profiles
from generator.errors import BuildError, Problem
from generator.progress import Progress
from generator.publish import (
    Shadow,
    clean_stale_files,
    clean_stale_staging,
    staging_dir,
    swap_into_place,
)
from generator.published import RECORD_FILE, published_urls, update_record
from generator.safepaths import copy_tree_without_links
from generator.settings import Settings
from generator.site.record import columns_read, digest_rows, params_value
from generator.site.render import PageRecord, digest_bytes, render_all, write_file
from generator.site.routes import ROUTES
from generator.state import (
    FileTable,
    Scanned,
    SqlIds,
    StateParseCache,
    file_hash,
    get_meta,
    open_state,
    reset_state,
    save_files,
    scan_tree,
    set_meta,
    state_path,
)


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


def derive(db: sqlite_utils.Database, settings: Settings) -> None:
    """Every derived table, computed from the stored tables (full and incremental builds)."""
    assert settings.build_time is not None
    derive_availability(db, settings.watch_regions.split(","))
    compute_taste_profiles(db, settings.build_time)
    compute_fork_diffs(db)


def build_database(settings: Settings, *, strict: bool = False) -> tuple[Path, list[Problem], int, int]:
    """Load content into a new database file beside the target; return its path and warnings.

    The caller moves it into place; a failure leaves the previous database untouched."""
    site, warnings = load_site(settings, strict=strict)
    return _new_database(settings, site), warnings, len(site.items), len(site.menus)


def _new_database(settings: Settings, site: Site) -> Path:
    assert settings.db_path is not None and settings.build_time is not None
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = settings.db_path.with_name(settings.db_path.name + f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = connect(str(tmp))
    try:
        create_schema(db)
        store_site(db, site, settings.build_time)
        derive(db, settings)
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
    db.close()
    return tmp


def build(settings: Settings, *, strict: bool = False, full: bool = False) -> BuildReport:
    """Build the site: incremental when a previous build's state is usable, else full.

    Raises ContentErrors (all problems) before touching output/; any failure leaves the
    last good output and database as they were."""
    started = time.perf_counter()
    settings = settings.resolve()
    assert settings.output_dir is not None and settings.db_path is not None
    assert settings.templates_dir is not None
    if not settings.templates_dir.is_dir():
        raise BuildError(f"templates folder not found: {settings.templates_dir}")
    clean_stale_staging(settings.output_dir)
    clean_stale_files(settings.db_path.parent, settings.db_path.name + ".", ".tmp")
    print_ = _Inputs(settings)
    state = None if full else _usable_state(settings, print_.fingerprint)
    if state is None:
        report = _full_build(settings, print_, strict)
    else:
        try:
            report = _incremental_build(settings, print_, state, strict)
        finally:
            state.close()
    report.seconds = time.perf_counter() - started
    return report


class _Inputs:
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
        from generator.shares import SECRET_FILE, SHARES_FILE

        assert self.settings.data_dir is not None
        return [self.settings.data_dir / name for name in (SHARES_FILE, SECRET_FILE, RECORD_FILE)]

    def scan(self) -> dict[str, Scanned]:
        files: dict[str, Scanned] = {}
        for root in self.roots.values():
            for rel, scanned in scan_tree(root).items():
                files[str(root / rel)] = scanned
        for path in self.data_files():
            self.rescan(files, path)
        return files

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
    import jinja2
    import markdown
    import nh3

    h = hashlib.blake2b(digest_size=16)
    values = {k: str(v) for k, v in vars(settings).items() if k != "build_time"}
    h.update(json.dumps(values, sort_keys=True).encode())
    h.update(f"{jinja2.__version__} {markdown.__version__} {getattr(nh3, '__version__', '')}".encode())
    from generator.shares import SECRET_ENV

    h.update(hashlib.sha256(os.environ.get(SECRET_ENV, "").strip().encode()).digest())
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        h.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    return h.hexdigest()


def _record_published(settings: Settings, inputs: _Inputs, files: dict[str, Scanned],
                      published: set[str]) -> None:
    """Add this build's menu URLs to data/published-slugs.txt (the build's own write is not
    an edit: the state notes the file as it is afterwards)."""
    assert settings.data_dir is not None
    record = settings.data_dir / RECORD_FILE
    if update_record(record, published):
        inputs.rescan(files, record)
        files[str(record)].hash = hashlib.blake2b(record.read_bytes(), digest_size=16).digest()


def _next_expiry(site: Site) -> str | None:
    """When the first live share link expires: a build after that moment must drop it."""
    return min((share.expires for share in site.shares if share.token), default=None)


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


def _static_files(settings: Settings) -> dict[str, Path]:
    """Static assets copied as they are: output path -> source file. A symbolic link is
    refused: it could publish any file of the machine."""
    assert settings.templates_dir is not None
    root = settings.templates_dir / "static"
    if root.is_symlink():
        raise BuildError(f"{root}: symbolic links are not copied into the site")
    files = {rel: root / rel for rel in scan_tree(root)}
    for path in files.values():
        if path.is_symlink():
            raise BuildError(f"{path}: symbolic links are not copied into the site; "
                             "replace the link with the file itself")
    return files


def _full_build(settings: Settings, inputs: _Inputs, strict: bool) -> BuildReport:
    assert settings.db_path is not None and settings.output_dir is not None
    files = inputs.scan()
    for path, scanned in files.items():
        scanned.hash = file_hash(Path(path))
    cache = StateParseCache(None, Path("/"), files, set())
    site, warnings = load_site(settings, strict=strict, cache=cache)
    db_file = _new_database(settings, site)
    spath = state_path(settings.db_path)
    records: list[PageRecord] = []
    try:
        db = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        jobs = [(route.name, tuple(key), None) for route in ROUTES for key in route.keys(
            sqlite_utils.Database(db))]
        with staging_dir(settings.output_dir) as stage, \
                Progress("Rendering pages", total=len(jobs)) as progress:
            def done(record: PageRecord) -> None:
                records.append(record)
                progress.advance()
            render_all(settings, db_file, stage, jobs, done)
            statics = _static_files(settings)
            for rel, source in statics.items():
                data = source.read_bytes()
                write_file(stage / rel, data)
                records.append(PageRecord("static", (rel,), rel, digest_bytes(data),
                                          [f"static/{rel}"], [], True))
            state = reset_state(spath)  # no state while the published site changes
            state.close()
            published = published_urls(sqlite_utils.Database(db))
            os.replace(db_file, settings.db_path)
            swap_into_place(stage, settings.output_dir)
        _record_published(settings, inputs, files, published)
        state = open_state(spath)
        with _transaction(state):
            set_meta(state, "next_expiry", _next_expiry(site))
            save_files(state, files, (), cache.new)
            _save_pages(state, db, records, replace_all=True)
            set_meta(state, "refs", refs_signature(site))
            set_meta(state, "live_gen", 1)
            set_meta(state, "shadow_gen", None)
            set_meta(state, "last_changes", None)
            set_meta(state, "fingerprint", inputs.fingerprint)
            assert settings.build_time is not None
            set_meta(state, "clock", settings.build_time.strftime("%Y-%m-%dT%H:%M:%SZ"))
        state.close()
        db.close()
    finally:
        db_file.unlink(missing_ok=True)
    return BuildReport(pages=len(records), items=len(site.items), menus=len(site.menus),
                       warnings=warnings, mode="full", rendered=len(records),
                       written=len(records))


class _transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN")

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


def _save_pages(state: sqlite3.Connection, db: sqlite3.Connection, records: list[PageRecord],
                *, replace_all: bool = False) -> None:
    """Record what each rendered page read and wrote, replacing its previous record."""
    sql_ids = SqlIds(state)
    if replace_all:
        state.execute("DELETE FROM pages")
        state.execute("DELETE FROM reads")
    columns: dict[str, list[str]] = {}
    reads = []
    for record in records:
        key = json.dumps(list(record.key))
        if not replace_all:
            old = state.execute("SELECT id FROM pages WHERE route = ? AND key = ?",
                                (record.route, key)).fetchone()
            if old:
                state.execute("DELETE FROM reads WHERE page_id = ?", old)
                state.execute("DELETE FROM pages WHERE id = ?", old)
        cur = state.execute(
            "INSERT INTO pages (route, key, path, digest, templates) VALUES (?, ?, ?, ?, ?)",
            (record.route, key, record.path, record.digest, json.dumps(record.templates)))
        page_id = cur.lastrowid
        for sql, params, digest in record.reads:
            if sql not in columns:
                columns[sql] = columns_read(db, sql)
            reads.append((page_id, sql_ids.id_for(sql, columns[sql]), params, digest))
    state.executemany("INSERT INTO reads VALUES (?, ?, ?, ?)", reads)


def _incremental_build(settings: Settings, inputs: _Inputs, state: sqlite3.Connection,
                       strict: bool) -> BuildReport:
    assert settings.db_path is not None and settings.output_dir is not None
    files = inputs.scan()
    table = FileTable(state)
    changed, removed = table.changes(files, Path("/"))
    expiry = get_meta(state, "next_expiry")
    if expiry is not None:
        from generator.shares import iso as share_iso
        from generator.shares import share_clock

        if share_iso(share_clock()) >= expiry:  # a share link expired: reload to drop it
            changed.add(str(inputs.data_files()[0]))
    if not changed and not removed and not _clock_moved(settings, state):
        return BuildReport(mode="unchanged")
    kinds = {p: inputs.kind(p) for p in changed | removed}
    content = {p for p, k in kinds.items() if k not in ("template", "override")}
    templates = {p for p, k in kinds.items() if k in ("template", "override")}
    report = BuildReport(mode="incremental")
    cache = StateParseCache(state, Path("/"), files, changed)
    db_file = settings.db_path
    changed_columns: set[str] = set()
    site_refs = None
    if content:
        site, report.warnings = load_site(settings, strict=strict, cache=cache)
        report.items, report.menus = len(site.items), len(site.menus)
        db_file = settings.db_path.with_name(settings.db_path.name + f".{os.getpid()}.tmp")
        shutil.copyfile(settings.db_path, db_file)
        site_refs = refs_signature(site)
        try:
            changed_columns = _update_database(
                settings, inputs, db_file, site, content & set(files), content - set(files),
                all_menus_and_logs=site_refs != get_meta(state, "refs"))
        except BaseException:
            db_file.unlink(missing_ok=True)
            raise
    try:
        _publish_incremental(settings, inputs, state, db_file, changed_columns, templates,
                             report)
        if content:
            db = sqlite3.connect(f"file:{settings.db_path}?mode=ro", uri=True)
            try:
                _record_published(settings, inputs, files, published_urls(sqlite_utils.Database(db)))
            finally:
                db.close()
        with _transaction(state):
            save_files(state, files, removed, cache.new)
            if site_refs is not None:
                set_meta(state, "refs", site_refs)
                set_meta(state, "next_expiry", _next_expiry(site))
    finally:
        if db_file != settings.db_path:
            db_file.unlink(missing_ok=True)
    return report


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


def _update_database(settings: Settings, inputs: _Inputs, db_file: Path, site: Site,
                     changed: set[str], removed: set[str], *, all_menus_and_logs: bool) -> set[str]:
    assert settings.build_time is not None and settings.db_path is not None
    conn = sqlite3.connect(db_file)
    try:
        tracker = ChangeTracker(conn)
        db = sqlite_utils.Database(conn)
        update_site(
            conn, site, iso(settings.build_time),
            changed={inputs.display(p) for p in changed},
            removed={inputs.display(p) for p in removed},
            all_menus_and_logs=all_menus_and_logs,
            derive=lambda: derive(db, settings),
            kind_of=lambda display: _kind_of_display(inputs, display),
            stem_of=lambda display: Path(display).stem,
        )
        columns = tracker.changed_columns(settings.db_path)
        tracker.close()
        conn.commit()
    finally:
        conn.close()
    return columns


def _kind_of_display(inputs: _Inputs, display: str) -> str | None:
    path = Path(display)
    if not path.is_absolute():
        path = inputs.settings.root / path  # type: ignore[operator]
    return inputs.kind(str(path))


def _publish_incremental(settings: Settings, inputs: _Inputs, state: sqlite3.Connection,
                         db_file: Path, changed_columns: set[str], templates: set[str],
                         report: BuildReport) -> None:
    """Re-render affected pages into the shadow tree and swap it in."""
    assert settings.output_dir is not None and settings.db_path is not None
    db = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        pages = {(route, key): (page_id, path, digest, json.loads(used))
                 for page_id, route, key, path, digest, used in state.execute(
                     "SELECT id, route, key, path, digest, templates FROM pages")}
        wanted: dict[tuple[str, str], tuple[Any, ...]] = {}
        for route in ROUTES:
            for key in route.keys(sqlite_utils.Database(db)):
                wanted[(route.name, json.dumps(list(key)))] = tuple(key)
        statics = _static_files(settings)
        for rel in statics:
            wanted[("static", json.dumps([rel]))] = (rel,)
        names: set[str] = set()
        for path in templates:
            names |= inputs.template_names(path)
        assert settings.build_time is not None
        clock = settings.build_time.strftime("%Y-%m-%dT%H:%M:%SZ")
        last_clock = get_meta(state, "clock") or ""
        if clock != last_clock:
            names.add("clock:time")
            if clock[:10] != last_clock[:10]:
                names.add("clock:day")
        affected = {k for k in wanted if k not in pages}
        stale_ids = _stale_pages(state, db, changed_columns)
        for k, (page_id, _path, _digest, used) in pages.items():
            if k in wanted and (page_id in stale_ids or names.intersection(used)):
                affected.add(k)
        gone = [k for k in pages if k not in wanted]
        report.pages = len(wanted)
        if not affected and not gone:
            _replace_database(settings, db_file)
            set_meta(state, "clock", clock)
            return
        old_by_path = {path: digest for (_id, path, digest, _u) in pages.values()}
        shadow = Shadow(settings.output_dir, state)
        set_meta(state, "pending", 1)
        shadow.prepare()
        records: list[PageRecord] = []
        jobs = [(k[0], wanted[k], old_by_path.get(_path_of(pages, k))) for k in sorted(affected)
                if k[0] != "static"]
        render_all(settings, db_file, shadow.path, jobs, records.append)
        for k in sorted(affected):
            if k[0] == "static":
                rel = wanted[k][0]
                data = statics[rel].read_bytes()
                digest = digest_bytes(data)
                written = digest != old_by_path.get(rel)
                if written:
                    write_file(shadow.path / rel, data)
                records.append(PageRecord("static", (rel,), rel, digest, [f"static/{rel}"], [],
                                          written))
        produced = {r.path for r in records} | {pages[k][1] for k in pages if k in wanted}
        prune = sorted({pages[k][1] for k in gone} - produced)
        for rel in prune:
            shadow.remove(rel)
        changes = [r.path for r in records if r.written] + prune
        report.rendered = len(records)
        report.written = sum(r.written for r in records)
        report.removed = len(prune)
        with _transaction(state):
            for k in gone:
                state.execute("DELETE FROM reads WHERE page_id = ?", (pages[k][0],))
                state.execute("DELETE FROM pages WHERE id = ?", (pages[k][0],))
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


def _path_of(pages: dict[tuple[str, str], tuple[Any, ...]], key: tuple[str, str]) -> str | None:
    found = pages.get(key)
    return found[1] if found else None


def _replace_database(settings: Settings, db_file: Path) -> None:
    assert settings.db_path is not None
    if db_file != settings.db_path:
        os.replace(db_file, settings.db_path)


def _stale_pages(state: sqlite3.Connection, db: sqlite3.Connection,
                 changed_columns: set[str]) -> set[int]:
    """Pages with a recorded query that reads a changed column and now answers differently."""
    if not changed_columns:
        return set()
    sql_ids = SqlIds(state)
    candidates = sql_ids.reading(changed_columns)
    if not candidates:
        return set()
    sql_text = {i: sql for sql, i in sql_ids.ids.items()}
    answers: dict[tuple[int, str], bytes] = {}
    stale: set[int] = set()
    marks = ",".join("?" * len(candidates))
    for page_id, sql_id, params, digest in state.execute(
            f"SELECT page_id, sql_id, params, digest FROM reads WHERE sql_id IN ({marks})",
            candidates).fetchall():
        if page_id in stale:
            continue
        now = answers.get((sql_id, params))
        if now is None:
            rows = db.execute(sql_text[sql_id], params_value(params)).fetchall()
            now = answers[(sql_id, params)] = digest_rows(rows)
        if now != digest:
            stale.add(page_id)
    return stale


def copy_static(source: Path, out_dir: Path) -> None:
    """Static assets (CSS, icons, optional JS) are copied as they are."""
    if source.is_symlink():
        raise BuildError(f"{source}: symbolic links are not copied into the site")
    if source.is_dir():
        copy_tree_without_links(source, out_dir)

