"""The `omakase` command line: a thin click group over the library's plain functions."""

from __future__ import annotations

import click

from generator import __version__
from generator.commands import build, check, fork, import_, init, new, replay, schema, serve, share
from generator.settings import Settings


def _print_settings(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    for name, default, help_text in Settings.describe():
        click.echo(f"{name:18} {default or '-':28} {help_text}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="omakase")
@click.option(
    "--help-settings",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_settings,
    help="Show every setting with its default and exit.",
)
def main() -> None:
    """Omakase: build a static site of curated menus of books, movies, games and music.

    Content lives in content/ as YAML and Markdown files; `omakase build` loads it into
    SQLite (data/omakase.sqlite) and renders the site into output/."""


main.add_command(init.command)
main.add_command(build.command)
main.add_command(check.command)
main.add_command(schema.command)
main.add_command(new.command)
main.add_command(fork.command)
main.add_command(import_.command)
main.add_command(replay.command)
main.add_command(serve.command)
main.add_command(share.command)
