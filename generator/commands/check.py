"""`omakase check`: validate content without writing the site; exit 1 on errors."""

from __future__ import annotations

import click

from generator.commands.options import content_options, settings_from


@click.command("check")
@content_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for pull-request annotations.",
)
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option(
    "--stale-days",
    "stale_after_days",
    type=click.IntRange(min=0),
    default=None,
    help="Warn about availability not checked for more than this many days "
    "(default: the stale_after_days setting, 180).",
)
def command(fmt: str, strict: bool, **options: object) -> None:
    """Check every content file the build reads, without writing anything.

    Exit status 1 when there are errors (or warnings with --strict), 0 otherwise.
    Warnings, such as availability not checked for a long time, never fail on their own."""
    from generator.content.check import check_site, format_result

    result = check_site(settings_from(**options), strict=strict)
    report = format_result(result, fmt)
    if report:
        click.echo(report)
    if result.failed:
        raise SystemExit(1)
