"""`omakase fork`: start a new menu from an existing one, keeping the lineage."""

from __future__ import annotations

from typing import Any

import click

from generator.commands.options import content_options, settings_from


@click.command("fork")
@click.argument("slug")
@click.option("--curator", required=True, help="Who is forking: a curator handle.")
@click.option("--title", default=None, help="The fork's title (default: the parent's).")
@click.option("--slug", "new_slug", default=None, help="The fork's slug (default: from the title).")
@content_options
def command(slug: str, curator: str, title: str | None, new_slug: str | None, **options: Any) -> None:
    """Copy the menu SLUG into a new draft by CURATOR with `forked_from: SLUG`.

    Courses, items, notes, pairings and tags are copied; the build records the lineage and
    both menus show it once the fork is published."""
    from generator.content.authoring import fork_menu

    path = fork_menu(settings_from(**options), slug, curator, title=title, slug=new_slug)
    click.echo(f"Created {path} (forked from {slug})")
