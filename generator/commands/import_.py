"""`omakase import`: an upstream record by id, or a Letterboxd / Goodreads export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from generator.commands.options import content_options, settings_from

EXPORTS = ("letterboxd", "goodreads")


@click.command("import")
@click.argument("source")
@click.argument("target")
@click.option(
    "--from-file",
    type=click.Path(path_type=Path),
    multiple=True,
    help="Use saved upstream payloads (JSON) instead of fetching: the record's, then those it "
    "refers to (authors, labels); repeat it, or name a folder of them.",
)
@click.option("--curator", default=None, help="Exports only: the curator handle whose log to fill.")
@click.option(
    "--private",
    is_flag=True,
    help="Exports only: every state and log entry imported is private; items nothing public "
    "refers to get no public page.",
)
@click.option(
    "--type",
    "media_type",
    type=click.Choice(["book", "movie", "game", "music"]),
    default=None,
    help="The item type, when the payload does not say.",
)
@click.option("--api-url", default=None, help="Fetch from this base URL instead (a mirror).")
@click.option(
    "--cover/--no-cover",
    default=None,
    help="Fetch the record's cover image and save it beside the item (default: on, except "
    "with --from-file, where imports stay offline unless --cover is given).",
)
@click.option(
    "--cover-from-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Save this local image as the item's cover instead of fetching one (offline).",
)
@click.option(
    "--cover-url", default=None, help="Fetch covers (and Commons credits) from this base URL (a mirror)."
)
@content_options
def command(
    source: str,
    target: str,
    from_file: tuple[Path, ...],
    curator: str | None,
    media_type: str | None,
    api_url: str | None,
    **options: Any,
) -> None:
    """Import SOURCE TARGET into the content files.

    \b
    Upstream catalogues (TARGET is the record's id):
      omakase import openlibrary OL15832982W
      omakase import musicbrainz release-group/f5093c06-23e3-404f-aeaa-40f72885ee3a
      omakase import wikidata Q184843
      omakase import tmdb 671          (needs TMDB_API_KEY or TMDB_ACCESS_TOKEN)
      omakase import igdb 19560        (needs IGDB_CLIENT_ID and IGDB_CLIENT_SECRET)
    The payload is kept verbatim in data/sources/SOURCE/ID.json, with those it refers to
    (Open Library authors, Wikidata labels), and the item file is created or has its missing
    fields filled; values already in the item file are never overwritten. A record the build
    would refuse, or of a kind that is not a book, movie, game or album, writes nothing.
    The cover is saved beside the item file (content/items/TYPE/SLUG.jpg, .png, …) with its
    credit; a cover the curator put there is kept. With --from-file nothing is fetched unless
    --cover is given; --cover-from-file IMAGE saves a local image instead.

    \b
    User exports (TARGET is the export file or folder):
      omakase import letterboxd letterboxd-export.zip --curator ada
      omakase import goodreads goodreads_library_export.csv --curator ada --private
    With --private every imported state and entry is private: the films and books appear
    on no public page until a published menu or a public log entry names them.
    """
    covers = {k: options.pop(k) for k in ("cover", "cover_from_file", "cover_url")}
    private = bool(options.pop("private"))
    settings = settings_from(**options)
    if source in EXPORTS:
        if not curator:
            raise click.UsageError(f"importing a {source} export needs --curator HANDLE")
        if source == "letterboxd":
            from generator.imports.letterboxd import import_letterboxd as run
        else:
            from generator.imports.goodreads import import_goodreads as run
        summary = run(settings, Path(target), curator, private=private)
        for line in summary.lines():
            click.echo(line)
        return
    from generator.sources.importer import import_upstream

    report = import_upstream(
        settings,
        source,
        target,
        from_file=from_file or None,
        media_type=media_type,
        api_url=api_url,
        cover=covers["cover"],
        cover_from_file=covers["cover_from_file"],
        cover_url=covers["cover_url"],
    )
    for line in report.lines():
        click.echo(line)
    for warning in report.warnings:
        click.echo(warning, err=True)
