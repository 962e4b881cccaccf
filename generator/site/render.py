"""Render pages with Jinja: a site's overrides first, then the default templates.

Pages render in worker processes (fork, one per core), each reading the database through
its own read-only connection; every page's reads and templates are recorded as its
dependencies, and a page whose bytes did not change is not written again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import multiprocessing
import os
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from generator.errors import BuildError
from generator.publish.safepaths import inside, output_file
from generator.settings import Config
from generator.site import api, charts, jsonld, search, urls
from generator.site.markup import render_inline, render_markdown
from generator.site.pages import Page, Route
from generator.site.record import (
    Read,
    ReadDatabase,
    RecordingEnvironment,
    connect_recording,
    reads_changed,
    tables_with_rows_changed,
)
from generator.site.routes import ROUTES, url_helpers
from generator.site.safejson import script_json
from generator.site.template_errors import template_error
from generator.support.caches import cache_dir
from generator.support.procs import die_with_parent
from generator.support.timings import timed


class ContainedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses a template reached through a link out of its folder,
    so `{% include %}` of a linked file cannot read (and publish) a file outside the site."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        if not any(inside(Path(folder), Path(filename)) for folder in self.searchpath):
            raise BuildError(
                f"template {template!r} is a link to {os.path.realpath(filename)}, "
                "outside the templates folder; replace the link with the file"
            )
        return source, filename, uptodate


def template_cache_dir(settings: Config) -> Path:
    """Where compiled templates are kept: beside the database, `.<db name>-templates/`."""
    return cache_dir(settings.db_path, "templates")


def _bytecode_cache(settings: Config) -> jinja2.BytecodeCache | None:
    """Compiled templates kept between builds, so a build does not compile every template
    again: each entry is checked against its template's source.

    The folder is named by what else shapes the compiled code (Jinja's version and the
    environment's options), which the source checksum does not cover."""
    if settings.db_path is None:
        return None
    shape = f"{jinja2.__version__}:autoescape,strict,trim,lstrip,keep-newline".encode()
    folder = template_cache_dir(settings) / hashlib.blake2b(shape, digest_size=6).hexdigest()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only place: templates are compiled each time, as without a cache
    return jinja2.FileSystemBytecodeCache(str(folder))


def make_environment(settings: Config) -> jinja2.Environment:
    """Templates resolve from the override folder first, then the defaults; an override can
    extend the default it replaces as `{% extends "default:menu.html" %}`."""
    defaults = ContainedLoader(str(settings.templates_dir))
    loaders: list[jinja2.BaseLoader] = []
    if settings.override_dir.is_dir():
        loaders.append(ContainedLoader(str(settings.override_dir)))
    loaders += [jinja2.PrefixLoader({"default": defaults}, delimiter=":"), defaults]
    env = RecordingEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one build, one version of each template
        bytecode_cache=_bytecode_cache(settings),
    )
    env.filters["markdown"] = lambda text: jinja2.utils.markupsafe.Markup(render_markdown(text or ""))
    env.filters["inline_markdown"] = lambda text: jinja2.utils.markupsafe.Markup(render_inline(text or ""))
    # JSON-LD and other JSON in pages: never a raw '<', '>' or '&' (see safejson.py).
    env.filters["tojson"] = script_json
    env.filters["jsonld"] = script_json
    env.filters["year"] = lambda date: (date or "")[:4]
    env.filters["day"] = lambda stamp: (stamp or "")[:10]
    env.filters["long_date"] = long_date
    env.filters["summary"] = summary
    env.filters["hue"] = lambda text: zlib.crc32(str(text).encode("utf-8")) % 360
    env.filters["initials"] = initials
    # HTML as escaped text, for Atom's type="html" content.
    env.filters["as_text"] = lambda value: jinja2.utils.markupsafe.Markup(html.escape(f"{value}"))

    def days_ago(stamp: str | None) -> int | None:
        env.note("clock:day")  # the page changes with the build's day, not only its data
        return days_between(stamp, env.clock)

    env.filters["days_ago"] = days_ago
    env.globals.update(
        site_title=settings.site_title,
        base_url=settings.base_url,
        jsonld=jsonld,
        charts=charts,
        **url_helpers(),
    )
    set_clock(env, settings.build_time)
    return env


def set_clock(env: RecordingEnvironment, build_time: datetime) -> None:
    """The build time pages print and count days to (templates read it when they render)."""
    env.clock = build_time
    env.globals["build_time"] = ClockText(build_time.strftime("%Y-%m-%dT%H:%M:%SZ"), env)


class ClockText(str):
    """The build time as text; a page that prints it depends on the clock ('clock:time')."""

    env: RecordingEnvironment

    def __new__(cls, text: str, env: RecordingEnvironment) -> ClockText:
        self = super().__new__(cls, text)
        self.env = env
        return self

    def __html__(self) -> str:
        self.env.note("clock:time")
        return html.escape(str.__str__(self))

    def __str__(self) -> str:
        self.env.note("clock:time")
        return str.__str__(self)


_BLOCK_TAG = re.compile(r"</?(?:p|li|ul|ol|h[1-6]|blockquote|pre|br|hr|tr|td|th|dd|dt)\b[^>]*>")


@lru_cache(maxsize=8192)
def summary(text: str | None, limit: int = 200) -> str:
    """Plain text of a Markdown text, cut at a word boundary: for descriptions and feeds.
    Cached: a page shows its description twice (description and og:description)."""
    # Block boundaries become spaces; inline tags vanish, so "*Title*," stays "Title,".
    spaced = _BLOCK_TAG.sub(" ", render_markdown(text or ""))
    plain = html.unescape(re.sub(r"<[^>]+>", "", spaced))
    plain = " ".join(plain.split())
    if len(plain) <= limit:
        return plain
    return plain[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


@lru_cache(maxsize=16384)
def initials(title: str) -> str:
    """Up to two letters for a typographic cover: 'The Crying of Lot 49' -> 'CL'."""
    words = [
        w
        for w in re.findall(r"[^\W_]+", title)
        if w.lower() not in {"the", "a", "an", "of", "and", "in", "for", "on", "le", "la"}
    ]
    words = words or re.findall(r"[^\W_]+", title) or [title or "?"]
    return "".join(w[0] for w in words[:2]).upper()


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(stamp: str | None) -> str:
    """'2026-10-02…' as '2 October 2026'; a year or year-month stays as precise as it is."""
    if not stamp:
        return ""
    parts = stamp[:10].split("-")
    try:
        if len(parts) == 3:
            return f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 2:
            return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        pass
    return parts[0]


def days_between(stamp: str | None, now: datetime) -> int | None:
    """Whole days from an ISO date/time to the build clock (never the wall clock)."""
    if not stamp:
        return None
    try:
        then = datetime.strptime(stamp[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return max((now - then).days, 0)


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

        def link(target: str) -> str:
            return urls.relative(page.url, target)

        def absolute(target: str) -> str:
            return urls.absolute(self.settings.base_url, target)

        context: dict[str, Any] = {
            "page_url": page.url,
            "link": link,
            "absolute": absolute,
            "noindex": False,
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
            set_clock(kept.env, settings.build_time)
        return kept


Key = tuple[str, tuple[Any, ...]]
"""A page's identity: its route's name and its key within the route."""


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
    searchable: bool = False  # belongs in the search index (see search.indexable)


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
        self.conn = connect_recording(str(db_path))
        self.db = ReadDatabase(self.conn)
        self.renderer = renderer if renderer is not None else Renderer(settings)
        if answers is not None:
            self.conn._answers, self.conn._bound = answers, KeptRenderer.ANSWERS
            self.conn._largest = KeptRenderer.LARGEST
        self.out_dir = out_dir
        self.routes: dict[str, Route] = {route.name: route for route in ROUTES}

    def close(self) -> None:
        self.conn.close()

    def render(self, route_name: str, key: tuple[Any, ...], old_digest: bytes | None = None) -> PageRecord:
        route = self.routes[route_name]
        self.conn.reads = reads = []
        env = self.renderer.env
        env.looked_up = looked = set()  # type: ignore[attr-defined]
        try:
            page = route.build(self.db, key)
            if page.template:
                looked.add(page.template)
            data = self.renderer.render(page)
        finally:
            self.conn.reads = None
            env.looked_up = None  # type: ignore[attr-defined]
        target = output_file(self.out_dir, page.url)
        path = target.relative_to(self.out_dir).as_posix()
        digest = digest_bytes(data)
        written = digest != old_digest
        if written:
            write_file(target, data)
        return PageRecord(
            route_name, tuple(key), path, digest, sorted(looked), reads, written, search.indexable(path, data)
        )


def write_file(target: Path, data: bytes) -> None:
    """A new file (a new inode, never an overwrite in place: another tree may share it).

    Pages are written into a tree no one is served from (a staging folder, or the shadow
    tree, marked in flux while a build writes it), so a file not there yet is created in
    place; one that is there is written beside it and renamed over it. A cold build so
    saves a rename per page."""
    try:
        handle = open(target, "xb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = open(target, "xb")  # noqa: SIM115
    except FileExistsError:
        tmp = target.with_name(f".{target.name}.tmp")
        with open(tmp, "wb") as replacement:
            replacement.write(data)
        os.replace(tmp, target)
        return
    with handle:
        handle.write(data)


# Set in the parent before forking; a worker process inherits it.
_worker: PageWriter | None = None
_job: tuple[Config, Path, Path, Renderer | None] | None = None


def _render_chunk(chunk: Sequence[tuple[str, tuple[Any, ...], bytes | None]]) -> list[PageRecord]:
    global _worker
    if _worker is None:
        assert _job is not None
        _worker = PageWriter(*_job)
    return [_worker.render(name, key, old) for name, key, old in chunk]


@timed("render")
def render_all(
    settings: Config,
    db_path: Path,
    out_dir: Path,
    jobs: Sequence[tuple[str, tuple[Any, ...], bytes | None]],
    on_record: Callable[[PageRecord], None],
    *,
    processes: int | None = None,
    kept: KeptRenderer | None = None,
) -> None:
    """Render `jobs` (route name, key, digest of the bytes already there or None) into
    `out_dir`, on every core when there are enough of them to pay for the workers; with
    `kept`, its loaded templates (and, in this process, the answers it kept)."""
    renderer = kept.renderer if kept is not None else None
    global _job, _worker
    processes = processes or min(os.cpu_count() or 1, 8)
    if processes < 2 or len(jobs) < 400 or "fork" not in multiprocessing.get_all_start_methods():
        writer = PageWriter(settings, db_path, out_dir, renderer, kept.answers if kept is not None else None)
        try:
            for name, key, old in jobs:
                on_record(writer.render(name, key, old))
        finally:
            writer.close()
        return
    size = max(50, min(500, len(jobs) // (processes * 8)))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    _job, _worker = (settings, db_path, out_dir, renderer), None
    context = multiprocessing.get_context("fork")
    try:
        with context.Pool(processes, initializer=die_with_parent) as pool:
            for records in pool.imap_unordered(_render_chunk, chunks):
                for record in records:
                    on_record(record)
    finally:
        _job = None
