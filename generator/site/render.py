"""Render pages with Jinja: a site's overrides first, then the default templates."""

from __future__ import annotations

import html
import os
import re
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from generator.errors import BuildError
from generator.markup import render_inline, render_markdown
from generator.safepaths import inside, output_file
from generator.settings import Settings
from generator.site import charts, jsonld, urls
from generator.site.routes import Page
from generator.site.safejson import script_json


class ContainedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses a template reached through a link out of its folder,
    so `{% include %}` of a linked file cannot read (and publish) a file outside the site."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        if not any(inside(Path(folder), Path(filename)) for folder in self.searchpath):
            raise BuildError(f"template {template!r} is a link to {os.path.realpath(filename)}, "
                             "outside the templates folder; replace the link with the file")
        return source, filename, uptodate


def make_environment(settings: Settings) -> jinja2.Environment:
    """Templates resolve from the override folder first, then the defaults; an override can
    extend the default it replaces as `{% extends "default:menu.html" %}`."""
    assert settings.templates_dir is not None
    defaults = ContainedLoader(str(settings.templates_dir))
    loaders: list[jinja2.BaseLoader] = []
    if settings.override_dir is not None and settings.override_dir.is_dir():
        loaders.append(ContainedLoader(str(settings.override_dir)))
    loaders += [jinja2.PrefixLoader({"default": defaults}, delimiter=":"), defaults]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = lambda text: jinja2.utils.markupsafe.Markup(render_markdown(text or ""))
    env.filters["inline_markdown"] = lambda text: jinja2.utils.markupsafe.Markup(
        render_inline(text or ""))
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
    build_time = settings.build_time
    assert build_time is not None
    env.filters["days_ago"] = lambda stamp: days_between(stamp, build_time)
    env.globals.update(
        site_title=settings.site_title,
        base_url=settings.base_url,
        menu_url=urls.menu_url,
        story_url=urls.story_url,
        lineage_url=urls.lineage_url,
        item_url=urls.item_url,
        curator_url=urls.curator_url,
        tag_url=urls.tag_url,
        feed_url=urls.FEED,
        curator_feed_url=urls.curator_feed_url,
        build_time=build_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        jsonld=jsonld,
        charts=charts,
    )
    return env


def summary(text: str | None, limit: int = 200) -> str:
    """Plain text of a Markdown text, cut at a word boundary: for descriptions and feeds."""
    plain = html.unescape(re.sub(r"<[^>]+>", " ", render_markdown(text or "")))
    plain = " ".join(plain.split())
    if len(plain) <= limit:
        return plain
    return plain[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def initials(title: str) -> str:
    """Up to two letters for a typographic cover: 'The Crying of Lot 49' -> 'CL'."""
    words = [w for w in re.findall(r"[^\W_]+", title) if w.lower() not in
             {"the", "a", "an", "of", "and", "in", "for", "on", "le", "la"}]
    words = words or re.findall(r"[^\W_]+", title) or [title or "?"]
    return "".join(w[0] for w in words[:2]).upper()


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


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

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.env = make_environment(settings)

    def render(self, page: Page) -> bytes:
        if page.body is not None:
            return page.body
        template = self.env.get_template(page.template)

        def link(target: str) -> str:
            return urls.relative(page.url, target)

        def absolute(target: str) -> str:
            return urls.absolute(self.settings.base_url, target)

        context: dict[str, Any] = {"page_url": page.url, "link": link, "absolute": absolute,
                                   "noindex": False, **page.context}
        return template.render(context).encode("utf-8")


def write_pages(renderer: Renderer, pages: Iterable[Page], out_dir: Path) -> int:
    """Render every page into `out_dir`; returns how many were written."""
    count = 0
    for page in pages:
        target = output_file(out_dir, page.url)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(renderer.render(page))
        count += 1
    return count
