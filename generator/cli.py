"""The `omakase` command line: a thin click group over the library's plain functions."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from pathlib import Path
from typing import NoReturn

import click

from generator import __version__
from generator.commands import build, check, fork, import_, init, new, replay, schema, serve, share
from generator.commands.options import loaded_settings, root_option


def _print_settings(root: Path | None) -> None:
    """Each setting's value for the site at `root`, where it came from, and what it does."""
    for setting, value, source in loaded_settings(root=root).rows():
        where = ", ".join(
            part
            for part in (
                f"omakase.yaml: {setting.yaml_key}" if setting.yaml_key else "",
                f"env: {setting.env_var}" if setting.env_var else "",
            )
            if part
        )
        click.echo(f"{setting.label:17} {value or '-'}  ({source})")
        click.echo(f"    {setting.help}" + (f" [{where}]" if where else ""))


# Run without a command only for --help-settings; a bare `omakase` prints the help.
@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
    no_args_is_help=True,
)
@click.version_option(__version__, prog_name="omakase")
@root_option("The site's root folder, for --help-settings and any command (default: the current folder).")
@click.option(
    "--help-settings",
    is_flag=True,
    help="Show every setting's value for the site, where it came from, and exit.",
)
@click.pass_context
def main(ctx: click.Context, root: Path | None, help_settings: bool) -> None:
    """Omakase: build a static site of curated menus of books, movies, games and music.

    Content lives in content/ as YAML and Markdown files; `omakase build` loads it into
    SQLite (data/omakase.sqlite) and renders the site into output/. The site's settings
    come from omakase.yaml in its root folder, OMAKASE_* environment variables and flags."""
    if help_settings:
        _print_settings(root)
        ctx.exit()
    if ctx.invoked_subcommand is None:
        ctx.fail("Missing command.")


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


def run() -> NoReturn:
    """The `omakase` console script: `main`, then the end of the process without the
    interpreter's teardown, which frees a build's objects one by one (tens of milliseconds
    for a small site, more for a large one) only for the kernel to drop them all at once.

    Exit handlers still run and the standard streams are flushed. With a thread still
    running (one the dev server left), the process ends the ordinary way, which waits for it."""
    try:
        main()
        status: object = 0
    except SystemExit as stop:
        status = stop.code
    if threading.active_count() > 1:
        raise SystemExit(status)
    if status is None:
        status = 0
    elif not isinstance(status, int):
        print(status, file=sys.stderr)  # what `sys.exit` does with a message
        status = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
