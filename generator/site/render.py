"""Render pages with Jinja: a site's overrides first, then the default templates."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from generator.markup import render_inline, render_markdown
from generator.settings import Settings
from generator.site import urls
from generator.site.routes import Page


def make_environment(settings: Settings) -> jinja2.Environment:
    """Templates resolve from the override folder first, then the defaults; an override can
    extend the default it replaces as `{% extends "default:menu.html" %}`."""
    assert settings.templates_dir is not None
    defaults = jinja2.FileSystemLoader(str(settings.templates_dir))
    loaders: list[jinja2.BaseLoader] = []
    if settings.override_dir is not None and settings.override_dir.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(settings.override_dir)))
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
    env.filters["year"] = lambda date: (date or "")[:4]
    env.filters["day"] = lambda stamp: (stamp or "")[:10]
    env.globals.update(
        site_title=settings.site_title,
        base_url=settings.base_url,
        menu_url=urls.menu_url,
        story_url=urls.story_url,
        lineage_url=urls.lineage_url,
        item_url=urls.item_url,
        curator_url=urls.curator_url,
        tag_url=urls.tag_url,
    )
    return env


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
                                   **page.context}
        return template.render(context).encode("utf-8")


def write_pages(renderer: Renderer, pages: Iterable[Page], out_dir: Path) -> int:
    """Render every page into `out_dir`; returns how many were written."""
    count = 0
    for page in pages:
        target = out_dir / urls.output_path(page.url)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(renderer.render(page))
        count += 1
    return count
