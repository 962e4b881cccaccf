"""Option groups shared by several commands, and turning them into Settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from generator.settings import Config, Settings


def _root_and_content() -> list[Callable[[Any], Any]]:
    return [
        click.option(
            "--root",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="The site's root folder (default: the current folder).",
        ),
        click.option(
            "--content",
            "content_dir",
            default=None,
            type=click.Path(file_okay=False, path_type=Path),
            help="Content folder (default: ROOT/content).",
        ),
    ]


def _apply(func: Callable[..., Any], options: list[Callable[[Any], Any]]) -> Callable[..., Any]:
    for option in reversed(options):
        func = option(func)
    return func


def site_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--root/--content/--output/--db/--base-url. Defaults are None so they never override
    the settings' own defaults by accident."""
    return _apply(
        func,
        [
            *_root_and_content(),
            click.option(
                "--output",
                "output_dir",
                default=None,
                type=click.Path(file_okay=False, path_type=Path),
                help="Where the site is written (default: ROOT/output).",
            ),
            click.option(
                "--db",
                "db_path",
                default=None,
                type=click.Path(dir_okay=False, path_type=Path),
                help="The database file (default: ROOT/data/omakase.sqlite).",
            ),
            click.option(
                "--templates",
                "templates_dir",
                default=None,
                type=click.Path(file_okay=False, path_type=Path),
                help="Templates folder (default: ROOT/templates).",
            ),
            click.option(
                "--base-url", default=None, help="Absolute URL the site is published at (feeds, sitemap)."
            ),
        ],
    )


def settings_from(**kwargs: Any) -> Config:
    """The complete config from CLI values, ignoring the ones left unset."""
    known = {k: v for k, v in kwargs.items() if v is not None}
    return Settings(**known).resolve()


def content_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--root/--content only, for commands that read or write content but build nothing."""
    return _apply(func, _root_and_content())
