"""`omakase new menu|item`: create a correctly formed content file with a stable slug."""

from __future__ import annotations

from typing import Any

import click

from generator.commands.options import content_options, settings_from


@click.group("new")
def command() -> None:
    """Create a new content file. Its slug comes from the title once and never changes."""


@command.command("menu")
@click.argument("title")
@click.option("--curator", required=True, help="The curator's handle (content/curators/HANDLE.yaml).")
@click.option("--slug", default=None, help="Use this slug instead of one made from the title.")
@click.option(
    "--item",
    "items",
    multiple=True,
    metavar="REF",
    help="An item for the first course, as TYPE/SLUG; repeat for more.",
)
@content_options
def menu(title: str, curator: str, slug: str | None, items: tuple[str, ...], **options: Any) -> None:
    """Create content/menus/SLUG.md, a draft menu by CURATOR titled TITLE."""
    from generator.content.authoring import new_menu

    settings = settings_from(**options)
    path = new_menu(settings, title, curator, slug=slug, items=items)
    click.echo(f"Created {path}")


@command.command("item")
@click.argument("media_type", metavar="TYPE", type=click.Choice(["book", "movie", "game", "music"]))
@click.argument("title")
@click.option("--slug", default=None, help="Use this slug instead of one made from the title.")
@content_options
def item(media_type: str, title: str, slug: str | None, **options: Any) -> None:
    """Create content/items/TYPE/SLUG.md for a book, movie, game or music item."""
    from generator.content.authoring import new_item

    path = new_item(settings_from(**options), media_type, title, slug=slug)
    click.echo(f"Created {path}")
