"""`omakase schema`: write and print the JSON Schema of every content file kind."""

from __future__ import annotations

import json
from pathlib import Path

import click

from generator.commands.options import group_root, root_option

KINDS = ("curator", "item-book", "item-game", "item-movie", "item-music", "log", "menu")


@click.command("schema")
@root_option("The site's root folder; schemas are written to ROOT/schemas/.")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default=None,
    help="Print only this kind's schema (still writes them all).",
)
@click.option("--quiet", "-q", is_flag=True, help="Write the files, print only their paths.")
def command(root: Path | None, kind: str | None, quiet: bool) -> None:
    """Write schemas/<kind>.schema.json for curators, items (one per type), menus and logs,
    and print them as JSON, so editors can autocomplete and validate content files.

    Without --kind, prints one JSON object mapping each file name to its schema."""
    from generator.content.schemas import content_schemas, schema_text, write_schemas

    root = root or group_root() or Path(".")
    paths = write_schemas(root / "schemas")
    if quiet:
        for path in paths:
            click.echo(str(path))
        return
    schemas = content_schemas()
    if kind:
        click.echo(schema_text(schemas[f"{kind}.schema.json"]), nl=False)
    else:
        click.echo(json.dumps(schemas, indent=2, ensure_ascii=False))
