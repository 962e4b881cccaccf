"""Render pages with Jinja: a site's overrides first, then the default templates.

Pages render in worker processes (fork, one per core), each reading the database through
its own read-only connection; every page's reads and templates are recorded as its
dependencies, and a page whose bytes did not change is not written again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from generator.errors import BuildError
from generator.publish.safepaths import output_file
from generator.settings import Config
from generator.site import api, menu_exports, search, searchdoc, urls
from generator.site.environment import make_environment
from generator.site.pages import Page, Route
from generator.site.record import (
    PageContext,
    Read,
    ReadDatabase,
    connect_recording,
    reads_changed,
    tables_with_rows_changed,
)
from generator.site.routes import ROUTES
from generator.site.template_errors import template_error
from generator.support.procs import dying_with_this
from generator.support.timings import timed


class Renderer:
    """Turns pages into bytes; links are made relative to each page's own URL."""

    def __init__(self, settings: Config) -> None:
        self.settings = settings
        self.env = make_environment(settings)

    def preload(self) -> None:
        """Load every page template and partial now (one that fails to compile is left to
        the build that uses it, which reports it); static files are not templates."""
        for name in self.env.list_templates(extensions=("html", "xml", "txt")):
            try:
                self.env.get_template(name)
            except jinja2.TemplateError:
                continue

    def render(self, page: Page) -> bytes:
        if page.format == "json":
            return api.to_json(page.context, self.settings.base_url)
        if page.format == "csv":
            return menu_exports.to_csv(page.context["rows"], self.settings.base_url)

        def link(target: str) -> str:
            return urls.relative(page.url, target)

        def absolute(target: str) -> str:
            return urls.absolute(self.settings.base_url, target)

        context: dict[str, Any] = {
            "page_url": page.url,
            "link": link,
            "absolute": absolute,
            "noindex": False,
            "shared": None,  # on a share page: its link (expiry), for the draft banner
            **page.context,
        }
        try:
            return self.env.get_template(page.template).render(context).encode("utf-8")
        except BuildError:
            raise
        except Exception as exc:
            reported = template_error(exc, self.settings, page.url)
            if reported is None:
                raise
            raise reported from None


class KeptRenderer:
    """The renderer of a process that renders again and again (the dev server): its Jinja
    environment keeps every template it loaded, compiled, from one build to the next. A
    build whose templates changed, or whose settings differ in more than the clock, gets
    a new one."""

    ANSWERS = 16384  # queries whose answers are kept
    LARGEST = 60_000  # values (rows × columns) of the largest answer kept: a big genre's
    # ordered item ids, not the sitemap's pages

    def __init__(self) -> None:
        self.renderer: Renderer | None = None
        # (sql, parameters) -> answer, of the last database: those that read no column an
        # edit changed are the new database's too (the stale-page check trusts the same).
        self.answers: dict[tuple[str, str], Any] = {}

    def keep_answers(self, changed: set[str], columns_of: Callable[[str], list[str] | None]) -> None:
        """Forget the answers to queries that read a `changed` column (or whose columns are
        not known) before pages render from the new database."""
        if not changed:
            return
        tables = tables_with_rows_changed(changed)
        holds: dict[str, bool] = {}
        for key in list(self.answers):
            sql = key[0]
            if sql not in holds:
                columns = columns_of(sql)
                holds[sql] = columns is not None and not reads_changed(columns, changed, tables)
            if not holds[sql]:
                del self.answers[key]

    def get(self, settings: Config, templates_changed: bool) -> Renderer:
        kept = self.renderer
        if (
            kept is None
            or templates_changed
            or dataclasses.replace(kept.settings, build_time=settings.build_time) != settings
        ):
            kept = self.renderer = Renderer(settings)
        else:
            kept.settings = settings
            kept.env.set_clock(settings.build_time)
        return kept


@dataclass
class PageRecord:
    """What rendering one page produced and read."""

    route: str
    key: tuple[Any, ...]
    path: str  # the output file, relative to the output folder
    digest: bytes
    templates: list[str]
    reads: list[Read]
    written: bool
    # The digest of the page's search document when it belongs in the search index (see
    # search.indexable): the search bundles depend on it, not on the page's bytes.
    searchable: bytes | None = None


def digest_bytes(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class PageWriter:
    """Renders pages by key with dependency recording; one per process."""

    def __init__(
        self,
        settings: Config,
        db_path: Path,
        out_dir: Path,
        renderer: Renderer | None = None,
        answers: dict[tuple[str, str], Any] | None = None,
    ) -> None:
        if answers is None:
            self.conn = connect_recording(str(db_path))
        else:
            self.conn = connect_recording(str(db_path), answers, KeptRenderer.ANSWERS, KeptRenderer.LARGEST)
        self.db = ReadDatabase(self.conn)
        self.renderer = renderer if renderer is not None else Renderer(settings)
        self.out_dir = out_dir
        self.routes: dict[str, Route] = {route.name: route for route in ROUTES}

    def close(self) -> None:
        self.conn.close()

    def render(self, route_name: str, key: tuple[Any, ...], old_digest: bytes | None = None) -> PageRecord:
        route = self.routes[route_name]
        with PageContext() as context:
            page = route.build(self.db, key)
            if page.template:
                context.record_dependency(page.template)
            data = self.renderer.render(page)
        target = output_file(self.out_dir, page.url)
        path = target.relative_to(self.out_dir).as_posix()
        digest = digest_bytes(data)
        written = digest != old_digest
        if written:
            write_file(target, data)
        return PageRecord(
            route_name,
            tuple(key),
            path,
            digest,
            sorted(context.dependencies),
            context.reads,
            written,
            searchdoc.document_digest(data) if search.indexable(path, data) else None,
        )


def write_file(target: Path, data: bytes) -> None:
    """A new file (a new inode, never an overwrite in place: another tree may share it).

    Pages are written into a tree no one is served from (a staging folder, or the shadow
    tree, marked in flux while a build writes it), so a file not there yet is created in
    place; one that is there is written beside it and renamed over it. A cold build so
    saves a rename per page."""
    try:
        _write_new(target, data)
    except OSError as exc:
        if exc.filename is None:  # a failed write (a full disk) names no file by itself
            exc.filename = str(target)
        raise


def place_file(target: Path, source: str, data: bytes, *, link: bool) -> None:
    """Put `data`, the bytes of the file `source`, at `target` as a new file: a hard link to
    `source` when `link` says it is a file the build wrote whole and never rewrites (a cached
    card or cover variant), else written as `write_file` does. A link saves writing the bytes
    again; where one cannot be made (another file system), the bytes are written."""
    if link:
        try:
            _link_new(source, target)
            return
        except OSError:
            pass
    write_file(target, data)


def _link_new(source: str, target: Path) -> None:
    _create_new(target, lambda path: os.link(source, path))


def _write_new(target: Path, data: bytes) -> None:
    def create(path: Path) -> None:
        with open(path, "xb") as handle:
            handle.write(data)

    _create_new(target, create)


def _create_new(target: Path, create: Callable[[Path], None]) -> None:
    """Make `target` a new file with `create`, which fails where a file is there already.
    A missing folder is made first; a file that is there (a shadow tree's) is replaced by
    a new one made beside it and renamed over it."""
    try:
        create(target)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        create(target)
    except FileExistsError:
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.unlink(missing_ok=True)
        create(tmp)
        os.replace(tmp, target)


# Set in the parent before forking; a worker process inherits it.
_worker: PageWriter | None = None
_job: tuple[Config, Path, Path, Renderer | None] | None = None


def _render_chunk(chunk: Sequence[tuple[str, tuple[Any, ...], bytes | None]]) -> list[PageRecord]:
    global _worker
    if _worker is None:
        assert _job is not None
        _worker = PageWriter(*_job)
    return [_worker.render(name, key, old) for name, key, old in chunk]


def forks_workers(pages: int) -> bool:
    """Whether `render_all` renders that many pages in forked workers (when there are
    enough of them to pay for the workers) rather than in this process."""
    if (os.cpu_count() or 1) < 2 or pages < 400:
        return False
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


@timed("render")
def render_all(
    settings: Config,
    db_path: Path,
    out_dir: Path,
    jobs: Sequence[tuple[str, tuple[Any, ...], bytes | None]],
    on_record: Callable[[PageRecord], None],
    *,
    kept: KeptRenderer | None = None,
) -> None:
    """Render `jobs` (route name, key, digest of the bytes already there or None) into
    `out_dir`, on every core when there are enough of them to pay for the workers; with
    `kept`, its loaded templates (and, in this process, the answers it kept)."""
    renderer = kept.renderer if kept is not None else None
    global _job, _worker
    processes = min(os.cpu_count() or 1, 8)
    if not forks_workers(len(jobs)):
        writer = PageWriter(settings, db_path, out_dir, renderer, kept.answers if kept is not None else None)
        try:
            for name, key, old in jobs:
                on_record(writer.render(name, key, old))
        finally:
            writer.close()
        return
    import multiprocessing  # here: an edit renders a few pages and starts no workers

    size = max(50, min(500, len(jobs) // (processes * 8)))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    _job, _worker = (settings, db_path, out_dir, renderer), None
    context = multiprocessing.get_context("fork")
    try:
        with context.Pool(processes, initializer=dying_with_this()) as pool:
            for records in pool.imap_unordered(_render_chunk, chunks):
                for record in records:
                    on_record(record)
    finally:
        _job = None
