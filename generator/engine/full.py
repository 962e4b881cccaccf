"""A full build: every input loaded, a new database, every page rendered into a staging folder
that is swapped in whole."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from generator.content.loader import load_site
from generator.content.model import Site
from generator.content.parallel import settle
from generator.content.published import published_urls
from generator.db.update import refs_signature
from generator.engine.cards import StoredCards, process_cards
from generator.engine.covers import process_covers
from generator.engine.database import new_database
from generator.engine.inputs import SCAN_DIGEST, made_by_this
from generator.engine.itemstate import keep_inputs, side_inputs
from generator.engine.job import BuildJob, next_expiry
from generator.engine.menustate import save_menu_side
from generator.engine.pages import list_route_keys, render_order, save_pages, transaction
from generator.engine.report import BuildReport
from generator.engine.state import (
    StateParseCache,
    hash_all,
    open_state,
    reset_state,
    save_files,
    set_meta,
    state_path,
)
from generator.publish.atomic import swap_into_place, writing
from generator.publish.mark import tree_digest, write_mark
from generator.publish.shadow import discard_shadow
from generator.publish.staging import staging_dir
from generator.site.finish import finish_site
from generator.site.opendata import write_public_copy
from generator.site.openwork import OpenWork
from generator.site.render import PageRecord, digest_bytes, place_file, render_all
from generator.site.search import documents_dir
from generator.site.sqlfunctions import with_functions
from generator.support.caches import cache_dir
from generator.support.progress import Progress
from generator.support.readonly import connect_readonly
from generator.support.timings import PAGES_WRITTEN, mark


class FullBuild(BuildJob):
    """Steps: plan (scan and hash every input) → load → store (a new database beside the
    old) → render (into a staging folder) → finish (search, open data) → swap → save the
    state the next incremental build starts from."""

    mode = "full"

    def run(self) -> BuildReport:
        # The shadow tree is of no use to a full build (the next edit clones it afresh);
        # it is moved aside now and deleted on a thread while this build works.
        discarding = discard_shadow(self.settings.output_dir)
        try:
            self.plan()
            self.load()
            self.store()
            try:
                self.publish()
                self.save_state()
            finally:
                self.db_file.unlink(missing_ok=True)
        finally:
            if discarding is not None:
                discarding.join()
        return self.report

    def plan(self) -> None:
        """Every input is new to a full build: scanned and hashed."""
        self.files = self.inputs.scan(self.session)
        hash_all(self.files)
        if self.session is not None:
            self.session.begin(self.inputs.fingerprint, self.files)
            self.session.renderer = None  # its answers are of another database

    def load(self) -> None:
        self.cache = StateParseCache(
            None, self.settings.root, self.files, set(), self.session.parses if self.session else None
        )
        self.site: Site
        self.site, self.report.warnings = load_site(self.settings, strict=self.strict, cache=self.cache)
        settle()
        process_covers(self.site, self.settings.db_path)
        # The cards go into the new state, so that the first edit does not work them out again.
        self.item_inputs = side_inputs(self.settings, self.files)
        self.cards = StoredCards(None, self.settings, self.files, self.item_inputs)
        process_cards(self.site, self.settings, self.cards)
        self.report.items, self.report.menus = len(self.site.items), len(self.site.menus)

    def store(self) -> None:
        self.db_file, self.derive_reads = new_database(self.settings, self.site)

    def publish(self) -> None:
        """Render, finish and swap in the staging folder."""
        self.db = with_functions(connect_readonly(self.db_file))
        route_keys, self.key_reads = list_route_keys(self.db_file)
        jobs = render_order(route_keys)
        self.records: list[PageRecord] = []
        with (
            staging_dir(self.settings.output_dir) as stage,
            Progress("Rendering pages", total=len(jobs)) as progress,
        ):
            self.render(stage, jobs, progress)
            self.finish(stage)
            self.mark = tree_digest((r.path, r.digest) for r in self.records)
            write_mark(stage, self.mark)  # last: a tree without it is not a whole site
            self.swap(stage)

    def render(self, stage: Path, jobs: list[tuple[str, tuple[Any, ...], None]], progress: Progress) -> None:
        """Every page, then the static files."""

        def done(record: PageRecord) -> None:
            self.records.append(record)
            progress.advance()

        render_all(self.settings, self.db_file, stage, jobs, done)
        mark(PAGES_WRITTEN)
        made = self.written_whole()
        for rel, source in self.static_files(self.db_file).items():
            data = Path(source).read_bytes()
            place_file(stage / rel, source, data, link=source.startswith(made))
            self.records.append(
                PageRecord("static", (rel,), rel, digest_bytes(data), [f"static/{rel}"], [], True)
            )
        count = len(self.records)
        self.report.pages = self.report.rendered = self.report.written = count

    def finish(self, stage: Path) -> None:
        """What is made from the pages: the search index, the open-data copy (its work
        files made afresh)."""
        self.opendata = OpenWork(cache_dir(self.settings.db_path, "opendata"))
        with writing(self.settings.output_dir):  # the search bundles name no file when they fail
            finish_site(
                stage,
                previous=self.settings.output_dir,
                searchable={r.path: r.searchable for r in self.records if r.searchable is not None},
                copy=functools.partial(write_public_copy, self.db, stage, self.opendata),
                documents=documents_dir(self.settings.db_path),
            )

    def swap(self, stage: Path) -> None:
        """The database and the site move into place; no state while the published site changes."""
        reset_state(state_path(self.settings.db_path)).close()
        self.published = published_urls(self.db)
        os.replace(self.db_file, self.settings.db_path)
        swap_into_place(stage, self.settings.output_dir)
        self.swapped.site = True

    def save_state(self) -> None:
        """What the next incremental build starts from: file hashes and parses, what each
        page read, the generations of the output's trees."""
        self.record_published(self.published)
        path = state_path(self.settings.db_path)
        state = open_state(path)
        with writing(path), transaction(state):
            set_meta(state, "next_expiry", next_expiry(self.site))
            set_meta(state, "unrecorded", self.unrecorded)
            set_meta(state, "derive_reads", self.derive_reads)
            set_meta(state, "key_reads", self.key_reads)
            save_files(state, self.settings.root, self.files, (), self.cache.new)
            set_meta(state, SCAN_DIGEST, self.inputs.scan_key(self.files))
            keep_inputs(state, self.settings, self.item_inputs, (), self.site.item_side)
            save_menu_side(state, self.settings, self.files, self.item_inputs, (None, self.site.menu_side))
            self.cards.save(state)
            save_pages(state, self.db, self.records, replace_all=True)
            set_meta(state, "refs", refs_signature(self.site))
            set_meta(state, "live_gen", 1)
            set_meta(state, "tree_mark", self.mark)
            set_meta(state, "shadow_gen", None)
            set_meta(state, "last_changes", None)
            set_meta(state, "fingerprint", self.inputs.fingerprint)
            set_meta(state, "made_by", made_by_this())
            set_meta(state, "opendata", self.opendata.made)  # the work files mirror the database
            self.new_generation(state, self.files, self.site.cards)
            set_meta(state, "clock", self.settings.build_time.strftime("%Y-%m-%dT%H:%M:%SZ"))
        state.close()
        self.db.close()
