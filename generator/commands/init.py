"""`omakase init`: start a site of one's own, ready to build."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--bare", is_flag=True, help="Leave out the example curator, items and menu.")
@click.option("--curator", "handle", default=None, help="Your curator handle (default: your login name).")
@click.option("--name", default=None, help="Your name as readers see it (default: the handle).")
def command(directory: Path, bare: bool, handle: str | None, name: str | None) -> None:
    """Create a new site in DIRECTORY: omakase.yaml, content/ with a worked example, .gitignore
    and a GitHub Actions workflow. The theme comes with Omakase; a templates/ folder of your
    own overrides it file by file."""
    from generator.content.starter import default_handle, init_site

    handle = handle or default_handle()
    written = init_site(directory, handle=handle, name=name or handle, bare=bare)
    click.echo(f"Created {len(written)} files in {directory}")
    click.echo(f"Next: cd {directory} && omakase serve")
