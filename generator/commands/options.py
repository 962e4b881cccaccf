"""Option groups shared by several commands, and turning them into Settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator.settings import Config

if TYPE_CHECKING:
    from generator.content.siteconfig import LoadedSettings


def root_option(help_text: str) -> Callable[[Any], Any]:
    """--root, a folder, None when not given (the loader then takes the current folder)."""
    return click.option(
        "--root", type=click.Path(file_okay=False, path_type=Path), default=None, help=help_text
    )


def _root_and_content() -> list[Callable[[Any], Any]]:
    return [
        root_option("The site's root folder, whose omakase.yaml is read (default: the current folder)."),
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
    """--root/--content/--output/--db/--templates/--base-url/--title. Defaults are None, so
    a flag not given leaves the value to the environment, omakase.yaml or the default."""
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
            click.option("--title", "site_title", default=None, help="The site's name."),
        ],
    )


def settings_from(**kwargs: Any) -> Config:
    """The complete config from CLI values over the environment, omakase.yaml and defaults.

    Flags left unset (None) do not count; a command without its own --root takes the one
    given before the command (`omakase --root DIR build`)."""
    return loaded_settings(**kwargs).settings.resolve()


def loaded_settings(**kwargs: Any) -> LoadedSettings:
    """The settings of `settings_from`, with where each value came from."""
    from generator.content.siteconfig import load_settings  # YAML is loaded only when used

    if kwargs.get("root") is None:
        kwargs["root"] = group_root()
    return load_settings(kwargs)


def group_root() -> Path | None:
    """The --root given to `omakase` itself, before the command, if any."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    root: Path | None = ctx.find_root().params.get("root")
    return root


def content_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--root/--content only, for commands that read or write content but build nothing."""
    return _apply(func, _root_and_content())
