"""`omakase build`: the whole pipeline, content to published site."""

from __future__ import annotations

from typing import Any

import click

from generator.commands.options import settings_from, site_options


@click.command("build")
@site_options
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--full", is_flag=True, help="Rebuild everything from scratch instead of only what changed.")
@click.option("--timings", is_flag=True, help="Print where the build's time went, phase by phase.")
def command(strict: bool, full: bool, timings: bool, **options: Any) -> None:
    """Load content into the database and render the site into the output folder.

    Incremental when a previous build's state is at hand: only changed files reload and
    only pages that read changed rows or templates re-render (--full rebuilds everything).
    Every content problem is reported together as PATH:LINE: message; on any error the
    previous output folder is left exactly as it was."""
    from generator.engine.build import build
    from generator.support.timings import format_timings

    settings = settings_from(**options)
    report = build(settings, strict=strict, full=full)
    for notice in report.notices:
        click.echo(f"note: {notice}", err=True)
    for warning in report.warnings:
        click.echo(warning.format(), err=True)
    if report.mode == "unchanged":
        click.echo(f"Nothing changed; {settings.output_dir} is up to date ({report.seconds:.2f}s).")
    elif report.mode == "incremental":
        click.echo(
            f"Updated {settings.output_dir}: {report.rendered} of {report.pages} pages re-rendered, "
            f"{report.written} files written, {report.removed} removed in {report.seconds:.2f}s."
        )
    else:
        click.echo(
            f"Built {_count(report.pages, 'page')} from {_count(report.menus, 'menu')} and "
            f"{_count(report.items, 'item')} into {settings.output_dir} in {report.seconds:.2f}s."
        )
    if timings:
        click.echo(format_timings(report.timings, report.seconds, report.marks))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
