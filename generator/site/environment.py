"""The Jinja environment pages render in: loaders, filters, globals and the build clock."""

from __future__ import annotations

import hashlib
import html
import os
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from generator.derive.languages import language_name
from generator.errors import BuildError
from generator.publish.safepaths import inside
from generator.settings import Config
from generator.site import charts, jsonld
from generator.site.filters import days_between, initials, long_date, summary
from generator.site.markup import render_inline, render_markdown
from generator.site.record import RecordingEnvironment, current_context
from generator.site.routes import url_helpers
from generator.site.safejson import script_json
from generator.site.sourcenames import source_label, source_link
from generator.support.caches import cache_dir


class SiteEnvironment(RecordingEnvironment):
    """The environment of one renderer; its clock is the build's, set at each build."""

    clock: datetime  # the build time, which days are counted to

    def set_clock(self, build_time: datetime) -> None:
        """The build time pages print and count days to (templates read it when they render)."""
        self.clock = build_time
        self.globals["build_time"] = ClockText(build_time.strftime("%Y-%m-%dT%H:%M:%SZ"))


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


def make_environment(settings: Config) -> SiteEnvironment:
    """Templates resolve from the override folder first, then the defaults: the site's own
    templates, then the theme's. An override can extend the default it replaces as
    `{% extends "default:menu.html" %}`, and a site template the theme's it replaces as
    `{% extends "theme:base.html" %}`."""
    env = SiteEnvironment(
        loader=template_loader(settings),
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
    env.filters["source_label"] = source_label
    env.filters["source_link"] = lambda s: source_link(s["source_name"], s["external_id"], s["canonical_url"])
    # HTML as escaped text, for Atom's type="html" content.
    env.filters["as_text"] = lambda value: jinja2.utils.markupsafe.Markup(html.escape(f"{value}"))

    def days_ago(stamp: str | None) -> int | None:
        context = current_context()
        if context is not None:  # the page changes with the build's day, not only its data
            context.record_dependency("clock:day")
        return days_between(stamp, env.clock)

    env.filters["days_ago"] = days_ago
    env.filters["language_name"] = language_name
    env.globals.update(
        site_title=settings.site_title,
        site_description=settings.description,
        site_language=settings.language,
        site_author=settings.author,
        base_url=settings.base_url,
        jsonld=jsonld,
        charts=charts,
        **url_helpers(),
    )
    env.set_clock(settings.build_time)
    return env


def template_loader(settings: Config) -> jinja2.BaseLoader:
    """overrides/ (when there is one), then the site's templates/ (when there is one, and it
    is not the theme itself, as in the project's own sample site), then the theme."""
    theme = ContainedLoader(str(settings.theme_dir))
    defaults: jinja2.BaseLoader = theme
    site = settings.templates_dir
    if site.is_dir() and site != settings.theme_dir:
        defaults = jinja2.ChoiceLoader([ContainedLoader(str(site)), theme])
    loaders: list[jinja2.BaseLoader] = []
    if settings.override_dir.is_dir():
        loaders.append(ContainedLoader(str(settings.override_dir)))
    prefixed = jinja2.PrefixLoader({"default": defaults, "theme": theme}, delimiter=":")
    return jinja2.ChoiceLoader([*loaders, prefixed, defaults])


class ClockText(str):
    """The build time as text; a page that prints it depends on the clock ('clock:time')."""

    __slots__ = ()

    def __html__(self) -> str:
        _depends_on_time()
        return html.escape(str.__str__(self))

    def __str__(self) -> str:
        _depends_on_time()
        return str.__str__(self)


def _depends_on_time() -> None:
    context = current_context()
    if context is not None:
        context.record_dependency("clock:time")
