"""`omakase serve`: the development server with rebuild on change and live reload."""

from __future__ import annotations

from typing import Any

import click

from generator.commands.options import settings_from, site_options


@click.command("serve")
@site_options
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; only change it on a network you trust.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0 picks a free one).",
)
@click.option(
    "--timings", is_flag=True, help="After each build, print where its time went (as build --timings does)."
)
def command(host: str, port: int, timings: bool, **options: Any) -> None:
    """Build the site, serve the output folder, and rebuild when content/, templates/ or
    data/ change; open browser tabs reload by themselves.

    A build error is printed here and shown over the page in the browser, while the last
    good site keeps being served. Ctrl-C stops."""
    from generator.serve.server import DevServer

    server = DevServer(settings_from(**options), host=host, port=port, timings=timings)
    try:
        server.serve_forever()
    except OSError as exc:
        raise click.ClickException(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
