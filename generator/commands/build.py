"""`omakase build`: the whole pipeline, content to published site."""

from __future__ import annotations

from typing import Any

import click

from generator.commands.options import settings_from, site_options


@click.command("build")
@site_options
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def command(strict: bool, **options: Any) -> None:
    """Load content into the database and render the site into the output folder.

    Every content problem is reported together as PATH:LINE: message; on any error the
    previous output folder is left exactly as it was."""
    from generator.build import build

    settings = settings_from(**options)
    report = build(settings, strict=strict)
    for warning in report.warnings:
        click.echo(warning.format(), err=True)
    click.echo(
        f"Built {report.pages} pages from {report.menus} menus and {report.items} items "
        f"into {settings.output_dir} in {report.seconds:.2f}s."
    )
