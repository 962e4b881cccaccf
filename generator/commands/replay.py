"""`omakase replay`: re-map every stored payload with the current mappers, offline."""

from __future__ import annotations

from typing import Any

import click

from generator.commands.options import content_options, settings_from


@click.command("replay")
@click.option("--source", default=None, help="Only payloads of this source (e.g. wikidata).")
@content_options
@click.option("--quiet", "-q", is_flag=True, help="Print only items that changed and the summary.")
def command(source: str | None, quiet: bool, **options: Any) -> None:
    """Run every payload in data/sources/ through the current mappers and fill what is
    missing in the item files. Needs no network; running it twice changes nothing."""
    from generator.sources.importer import replay

    report = replay(settings_from(**options), source)
    lines = report.lines()
    if quiet:
        lines = [line for line in lines if not line.startswith("unchanged")]
    for line in lines:
        click.echo(line)
