"""`omakase replay`: re-map every stored payload with the current mappers, offline."""

from __future__ import annotations

from pathlib import Path

import click

from generator.commands.options import settings_from


@click.command("replay")
@click.option("--source", default=None, help="Only payloads of this source (e.g. wikidata).")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The site's root folder (default: the current folder).",
)
@click.option(
    "--content",
    "content_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Content folder (default: ROOT/content).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only items that changed and the summary.")
def command(source: str | None, root: Path | None, content_dir: Path | None, quiet: bool) -> None:
    """Run every payload in data/sources/ through the current mappers and fill what is
    missing in the item files. Needs no network; running it twice changes nothing."""
    from generator.sources.importer import replay

    report = replay(settings_from(root=root, content_dir=content_dir), source)
    lines = report.lines()
    if quiet:
        lines = [line for line in lines if not line.startswith("unchanged")]
    for line in lines:
        click.echo(line)
