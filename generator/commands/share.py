"""`omakase share`: issue, list and revoke share links for draft menus."""

from __future__ import annotations

from typing import Any

import click

from generator.commands.options import content_options, settings_from


@click.command("share")
@click.argument("slug", required=False)
@click.option(
    "--days", default=14, show_default=True, type=click.IntRange(1, 3650), help="How long the link works."
)
@click.option(
    "--list",
    "list_",
    is_flag=True,
    help="List every share link and its status (active, expired, revoked, published).",
)
@click.option(
    "--revoke",
    metavar="TOKEN|ID|SLUG",
    default=None,
    help="Revoke a link by its token or id, or every link of a menu.",
)
@click.option("--base-url", default=None, help="Absolute URL the site is published at.")
@content_options
def command(slug: str | None, days: int, list_: bool, revoke: str | None, **options: Any) -> None:
    """Issue a share link for the draft menu SLUG: /share/TOKEN/, not listed anywhere,
    not indexed by search engines, gone after --days or when revoked.

    The record goes to data/shares.yaml (commit it); the token comes from a secret outside
    git: OMAKASE_SHARE_SECRET, else data/secret.key (created on first use). Builds without
    the secret skip share pages with a warning. Run `omakase build` to publish the page."""
    from generator.site.sharing import issue_share, list_shares, revoke_shares

    settings = settings_from(**options)
    if sum(bool(x) for x in (slug, list_, revoke)) != 1:
        raise click.UsageError("give a menu SLUG, or --list, or --revoke TOKEN|ID|SLUG")
    if list_:
        links = list_shares(settings)
        if not links:
            click.echo("No share links.")
        for link in links:
            where = link.url or "(token unknown here: no share secret)"
            click.echo(
                f"{link.status:9} {link.menu:30} until {link.expires}  id {link.id}\n          {where}"
            )
        return
    if revoke:
        for link in revoke_shares(settings, revoke):
            click.echo(f"Revoked {link.menu} link {link.id}; rebuild to take the page down.")
        return
    assert slug is not None
    link, where = issue_share(settings, slug, days)
    click.echo(f"Share link for {slug}, until {link.expires}:\n  {link.url}")
    click.echo(f"Recorded in data/shares.yaml (commit it); the token needs the secret in {where}.")
