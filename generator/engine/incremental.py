"""An incremental build: the changed inputs reloaded, their rows replaced, the pages that read
them rendered into the output's shadow tree, which is then swapped in."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from typing import Any

from generator.content.itemside import ItemSide
from generator.content.loader import load_site
from generator.content.parallel import settle
from generator.content.published import published_urls
from generator.db.update import refs_signature
from generator.engine.cards import CardMemo, card_memo, keep_card_memo, process_cards
from generator.engine.covers import process_covers
from generator.engine.database import Edit, replace_database, start_sync, update_database
from generator.engine.inputs import SCAN_DIGEST, Inputs
from generator.engine.itemstate import keep_inputs, side_inputs
from generator.engine.job import BuildJob, next_expiry
from generator.engine.menustate import kept_sides, save_menu_side
from generator.engine.pages import (
    PageKey,
    changed_template_names,
    list_route_keys,
    listed_paths,
    save_pages,
    searchable_pages,
    stale_pages,
    static_records,
    transaction,
)
from generator.engine.report import BuildOptions, BuildReport
from generator.engine.resident import kept_renderer, load_memo
from generator.engine.spare import take_spare
from generator.engine.state import (
    IndexEntry,
    SqlIds,
    StateMeta,
    StateParseCache,
    get_meta,
    reads_changed,
    save_files,
    set_meta,
    state_path,
)
from generator.publish.atomic import writing
from generator.publish.mark import MARK, moved_digest, tree_digest, write_mark
from generator.publish.shadow import Shadow
from generator.settings import Config
from generator.site.finish import PublicCopy, finish_site
from generator.site.keyed import RowChanges
from generator.site.openwork import OpenWork
from generator.site.render import (
    KeptRenderer,
    PageRecord,
    forks_workers,
    render_all,
)
from generator.site.search import documents_dir
from generator.site.sqlfunctions import with_functions
from generator.support.background import Background
from generator.support.caches import cache_dir
from generator.support.readonly import connect_readonly
from generator.support.timings import PAGES_WRITTEN, mark

# What the cover variants and cards among the static files are listed from (BuildJob.static_files).
STATIC_READS = ("media_items.cover_image", "menu_cards.card")


class IncrementalBuild(BuildJob):
    """Steps: plan (what the changed inputs are) → load → store (update a copy of the
    database) → list the pages and find the affected ones → render (into the shadow tree)
    → prune → finish (search, open data) → swap → save the state."""

    mode = "incremental"

    def __init__(
        self,
        settings: Config,
        inputs: Inputs,
        options: BuildOptions,
        state: sqlite3.Connection,
        changes: tuple[dict[str, IndexEntry], set[str], set[str], dict[str, IndexEntry]],
    ) -> None:
        super().__init__(settings, inputs, options)
        self.state = state
        self.files, self.changed, self.removed, self.index = changes  # the index: as the last build saved it
        self.db_file = settings.db_path
        self.synced: Background[None] | None = None  # the updated copy's flush (store)
        self.changed_columns: set[str] = set()
        self.changed_rows = RowChanges({}, {})
        self.site_refs: Any = None
        self.resident: KeptRenderer | None = None
        self.new_side: ItemSide | None = None  # the item side this build made
        self.item_inputs: str | None = None  # the item side's inputs, when this build worked them out
        self.cards: CardMemo | None = None  # the card step's memo

    def run(self) -> BuildReport:
        self.plan()
        try:
            if self.content:
                self.load()
                self.store()
            try:
                self.publish()
                self.save_state()
            finally:
                if self.db_file != self.settings.db_path:
                    self.db_file.unlink(missing_ok=True)
        except BaseException:
            self.shadow.cancel()
            if self.session is not None:
                self.session.renderer = None  # it may hold answers of a database never published
            raise
        return self.report

    def plan(self) -> None:
        """Sort the changed inputs into content and templates; start the shadow tree's
        clone, when it needs a whole one, so the file system copies while Python loads."""
        self.kinds = {p: self.inputs.kind(p) for p in self.changed | self.removed}
        self.content = {p for p, k in self.kinds.items() if k not in ("template", "override")}
        self.templates = {p for p, k in self.kinds.items() if k in ("template", "override")}
        if self.session is not None:
            self.session.begin(self.inputs.fingerprint, self.files, self.removed)  # (follows the state)
        self.cache = StateParseCache(
            self.state,
            self.settings.root,
            self.files,
            self.changed,
            self.session.parses if self.session else None,
        )
        self.shadow = Shadow(self.settings.output_dir, StateMeta(self.state))
        self.shadow.start()

    def load(self) -> None:
        """Load the content, with the dev server's memo or the state's kept sides (menustate.py)."""
        loader_memo = load_memo(self.session, self.files) if self.session is not None else None
        if loader_memo is None:
            self.item_inputs = side_inputs(self.settings, self.files, self.state, self.changed | self.removed)
        self.sides = kept = kept_sides(self.state, self.settings, self.files, self.item_inputs)
        self.site, self.report.warnings = load_site(
            self.settings, strict=self.strict, cache=self.cache, memo=loader_memo, kept=kept
        )
        if self.item_inputs is not None and self.site.item_side not in (None, kept.items):
            self.new_side = self.site.item_side
        settle()
        process_covers(self.site, self.settings.db_path)
        moved = self.changed | self.removed
        self.cards = card_memo(self.session, self.state, self.settings, self.files, self.item_inputs, moved)
        process_cards(self.site, self.settings, self.cards)
        keep_card_memo(self.session, self.cards, self.site)
        self.report.items, self.report.menus = len(self.site.items), len(self.site.menus)

    def store(self) -> None:
        """Update a copy of the database beside it; the copy replaces it when the pages are out."""
        db_path = self.settings.db_path
        self.db_file = db_path.with_name(db_path.name + f".{os.getpid()}.tmp")
        spare = self.session.take_spare() if self.session is not None else None
        with writing(db_path):
            if not take_spare(spare, db_path, self.db_file):
                shutil.copyfile(db_path, self.db_file)
        # Only item files say what references resolve to: unchanged, the signature is too.
        stored_refs = get_meta(self.state, "refs")
        items_changed = any(self.kinds[p] == "item" for p in self.content)
        self.site_refs = refs_signature(self.site) if items_changed or stored_refs is None else stored_refs
        changed, all_menus_and_logs = self.content & set(self.files), self.site_refs != stored_refs
        cards = self.session.take_cards(self.site.cards) if self.session is not None else None
        edit = Edit(self.site, changed, self.content - changed, all_menus_and_logs, cards)
        try:
            with writing(db_path):
                self.changed_columns, self.changed_rows = update_database(
                    self.settings, self.inputs, self.state, self.db_file, edit
                )
            self.synced = start_sync(self.db_file)
        except BaseException:
            self.db_file.unlink(missing_ok=True)
            raise

    def publish(self) -> None:
        """Re-render the affected pages into the shadow tree and swap it in."""
        if self.session is not None:
            self.resident = kept_renderer(self.session)
            self.resident.get(self.settings, bool(self.templates))
        self.db = with_functions(connect_readonly(self.db_file))
        try:
            self.list_pages()
            self.find_affected()
            # A database change can reach the open-data copy without touching any page.
            if not self.affected and not self.gone and not self.changed_columns:
                self.keep_pages()
                return
            set_meta(self.state, "pending", 1)
            self.shadow.prepare()
            last = get_meta(self.state, "opendata")
            self.opendata = OpenWork(cache_dir(self.settings.db_path, "opendata"), last, self.changed_rows)
            early = self.session is None and not forks_workers(len(self.affected))
            copy = PublicCopy(self.db_file, self.shadow.path, self.opendata, early=early)
            try:
                self.render()
                self.prune()
                self.finish(copy.result)
            finally:
                copy.wait()
            self.swap()
        finally:
            self.db.close()

    def list_pages(self) -> None:
        """Routes that kept their keys keep every page; the others list theirs again, as
        (route, key as JSON) -> key, with the static files. Until the pages are written, only
        the pages that may change are read from the state (an edit touches a few of many)."""
        route_keys, self.key_reads = list_route_keys(
            self.db_file,
            lambda read: not reads_changed(read, self.changed_columns),
            get_meta(self.state, "key_reads"),
        )
        self.kept = {name for name, keys in route_keys.items() if keys is None}
        self.listed: dict[PageKey, tuple[Any, ...]] = {}
        for name, keys in route_keys.items():
            for key in keys or ():
                self.listed[(name, json.dumps(list(key)))] = key
        # The static files are the theme's and the site's (templates) and the cover variants
        # and cards the database names: while none of these changed, they keep their pages.
        if self.templates or reads_changed(STATIC_READS, self.changed_columns):
            self.statics = self.static_files(self.db_file)
            for rel in self.statics:
                self.listed[("static", json.dumps([rel]))] = (rel,)
        else:
            self.statics = {}
            self.kept.add("static")
        self.routes = {*route_keys, "static"}
        relisted = sorted(self.routes - self.kept)
        marks = ",".join("?" * len(relisted))
        self.before = {
            (route, key): (page_id, path, digest)
            for page_id, route, key, path, digest in self.state.execute(
                f"SELECT id, route, key, path, digest FROM pages WHERE route IN ({marks})", relisted
            )
        }

    def wanted(self, k: PageKey) -> bool:
        return k[0] in self.kept or k in self.listed

    def find_affected(self) -> None:
        """New pages, pages whose recorded queries now answer differently, pages that used
        a changed template (or printed a clock that moved), and pages no longer listed."""
        state = self.state
        self.clock = self.settings.build_time.strftime("%Y-%m-%dT%H:%M:%SZ")
        affected = {k for k in self.listed if k not in self.before}
        old: dict[PageKey, tuple[int, str, bytes]] = {}  # affected pages' records
        stale_ids = stale_pages(
            state, self.db, self.settings.db_path, self.changed_columns, self.changed_rows
        )
        for page_id, route, key, path, digest in state.execute(
            "SELECT id, route, key, path, digest FROM pages WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(stale_ids)),),
        ):
            old[(route, key)] = (page_id, path, digest)
        # The templates a page used are parsed only when their text names one that changed
        # (the clock moves with almost every build, and few pages print it).
        last_clock = get_meta(state, "clock") or ""
        names = (self.inputs.template_names(path) for path in self.templates)
        for name in changed_template_names(names, self.clock, last_clock):
            for page_id, route, key, path, digest, used in state.execute(
                "SELECT id, route, key, path, digest, templates FROM pages WHERE instr(templates, ?) > 0",
                (json.dumps(name),),
            ):
                if name in json.loads(used):
                    old[(route, key)] = (page_id, path, digest)
        affected |= {k for k in old if self.wanted(k)}
        old.update(self.before)
        self.affected, self.old = affected, old
        self.gone = [k for k in self.before if k not in self.listed]
        kept_routes = sorted(self.kept)
        self.report.pages = len(self.listed) + sum(
            state.execute(
                f"SELECT count(*) FROM pages WHERE route IN ({','.join('?' * len(kept_routes))})", kept_routes
            ).fetchone()
        )

    def keep_pages(self) -> None:
        """No page changes: the database moves into place, the site stays as it is."""
        if self.shadow.cloning():  # begun for nothing: still a copy of the live tree
            self.shadow.prepare()
            self.shadow.unchanged()
        replace_database(self.settings, self.db_file, self.synced)
        set_meta(self.state, "clock", self.clock)
        set_meta(self.state, "key_reads", self.key_reads)

    def render(self) -> None:
        """The affected pages into the shadow tree, then the changed static files."""
        self.records: list[PageRecord] = []
        old = self.old
        jobs = [
            (k[0], self.listed.get(k) or tuple(json.loads(k[1])), old[k][2] if k in old else None)
            for k in sorted(self.affected)
            if k[0] != "static"
        ]
        if self.resident is not None:
            sql_ids = SqlIds(self.state)
            self.resident.keep_answers(
                self.changed_columns, lambda sql: sql_ids.columns.get(sql_ids.ids.get(sql, -1))
            )
        render_all(
            self.settings, self.db_file, self.shadow.path, jobs, self.records.append, kept=self.resident
        )
        mark(PAGES_WRITTEN)
        statics = [k for k in sorted(self.affected) if k[0] == "static"]
        self.records += static_records(
            self.state, self.statics, statics, old, self.shadow.path, self.written_whole()
        )
        if self.on_pages is not None:
            self.on_pages(self.shadow.path, [r.path for r in self.records if r.written])

    def prune(self) -> None:
        """Delete the files of pages no longer listed; note the unchanged searchable pages
        (the search index lists them all)."""
        redone = [self.old[k][0] for k in (*self.affected, *self.gone) if k in self.old]
        self.searchable = searchable_pages(self.state, self.routes, redone)
        gone = {self.old[k][1] for k in self.gone} - {r.path for r in self.records}
        self.pruned = sorted(gone - listed_paths(self.state, gone, self.wanted))
        for rel in self.pruned:
            self.shadow.remove(rel)

    def finish(self, copy: Callable[[], list[str]]) -> None:
        """The search index brought up to date in the shadow tree, and the open-data copy's
        changes taken from `copy`: a copy started before the pages, or one made while
        Pagefind indexes (its work files brought up to date from the rows the edit changed)."""
        self.changes = [r.path for r in self.records if r.written] + self.pruned
        self.searchable.update((r.path, r.searchable) for r in self.records if r.searchable is not None)
        with writing(self.settings.output_dir):  # the search bundles name no file when they fail
            documents = documents_dir(self.settings.db_path)
            self.changes += finish_site(self.shadow.path, None, self.searchable, copy, documents)
        self.report.rendered = len(self.records)
        set_meta(self.state, "key_reads", self.key_reads)
        self.report.written = sum(r.written for r in self.records)
        self.report.removed = len(self.pruned)

    def swap(self) -> None:
        """The pages' records, the database, then the shadow tree swapped in."""
        with transaction(self.state):
            removed = []
            for k in self.gone:
                page_id, path, page_digest = self.old[k]
                self.state.execute("DELETE FROM reads WHERE page_id = ?", (page_id,))
                self.state.execute("DELETE FROM pages WHERE id = ?", (page_id,))
                removed.append((path, page_digest))
            removed += save_pages(self.state, self.db, self.records)
        replace_database(self.settings, self.db_file, self.synced)
        set_meta(self.state, "opendata", self.opendata.made)  # they mirror the database now
        if self.changes:
            added = [(r.path, r.digest) for r in self.records]
            last = get_meta(self.state, "tree_mark")
            digest = (
                moved_digest(last, removed, added)
                if last
                else tree_digest(self.state.execute("SELECT path, digest FROM pages"))
            )
            write_mark(self.shadow.path, digest)  # last: a tree without it is not a whole site
            self.shadow.publish([*self.changes, MARK])
            self.swapped.site = True
            set_meta(self.state, "tree_mark", digest)
        else:
            self.shadow.unchanged()
        set_meta(self.state, "clock", self.clock)

    def save_state(self) -> None:
        """The published-URL record, then the file hashes and parses of this build."""
        if self.content:
            db = connect_readonly(self.settings.db_path)
            try:
                self.record_published(published_urls(db))
            finally:
                db.close()
        with writing(state_path(self.settings.db_path)), transaction(self.state):
            # Cleared with the files' hashes, not at the swap: a build stopped in between has
            # published pages its state does not describe, and the next one builds it all.
            set_meta(self.state, "pending", 0)
            save_files(self.state, self.settings.root, self.files, self.removed, self.cache.new, self.index)
            set_meta(self.state, SCAN_DIGEST, self.inputs.scan_key(self.files))
            moved = self.changed | self.removed
            keep_inputs(self.state, self.settings, self.item_inputs, moved, self.new_side)
            menus = (self.sides.menus, self.site.menu_side) if self.content else (None, None)
            save_menu_side(self.state, self.settings, self.files, self.item_inputs, menus)
            if self.content:
                set_meta(self.state, "unrecorded", self.unrecorded)
            if self.cards is not None:
                self.cards.save(self.state)
            if self.site_refs is not None:
                set_meta(self.state, "refs", self.site_refs)
                set_meta(self.state, "next_expiry", next_expiry(self.site))
            self.new_generation(self.state, self.files, self.site.cards if self.content else None)
