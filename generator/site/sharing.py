"""Issuing, listing and revoking share links for draft menus (the `omakase share` side)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import yaml

from generator.content.authoring import menu_files
from generator.content.fields import suggest
from generator.content.shares import (
    DEFAULT_DAYS,
    HEADER,
    SHARES_FILE,
    ensure_secret,
    iso,
    load_shares,
    make_token,
    read_secret,
    share_clock,
    share_display,
)
from generator.errors import ContentError, ContentErrors, Problem
from generator.publish.atomic import write_atomic
from generator.settings import Config, Settings
from generator.site.urls import absolute, share_url


@dataclass
class ShareLink:
    menu: str
    id: str
    created: str
    expires: str
    revoked: bool
    token: str | None
    url: str | None
    published: bool = False  # the menu is published now: the link's page is no longer built

    @property
    def status(self) -> str:
        if self.revoked:
            return "revoked"
        if self.expires <= iso(share_clock()):
            return "expired"
        return "published" if self.published else "active"


def _records(settings: Config) -> list[dict[str, Any]]:
    problems: list[Problem] = []
    shares = load_shares(settings, share_display(settings), problems)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ContentErrors(errors)
    return [
        {"menu": s.menu, "id": s.id, "created": s.created, "expires": s.expires, "revoked": s.revoked}
        for s in shares
    ]


def _save(settings: Config, records: list[dict[str, Any]]) -> None:
    body = yaml.safe_dump({"shares": records}, sort_keys=False, allow_unicode=True, width=100)
    write_atomic(settings.data_dir / SHARES_FILE, (HEADER + body).encode("utf-8"))


def _link(
    settings: Config, record: dict[str, Any], secret: bytes | None, published: bool = False
) -> ShareLink:
    token = make_token(secret, record["menu"], record["id"]) if secret else None
    return ShareLink(
        record["menu"],
        record["id"],
        record["created"],
        record["expires"],
        record["revoked"],
        token,
        absolute(settings.base_url, share_url(token)) if token else None,
        published,
    )


def issue_share(settings: Settings | Config, slug: str, days: int = DEFAULT_DAYS) -> tuple[ShareLink, str]:
    """Record a new share link for the draft menu `slug`; returns it and where the secret is."""
    settings = settings.resolve()
    menus = menu_files(settings)
    menu = menus.get(slug)
    if menu is None:
        raise ContentError(
            "content/menus",
            None,
            f"no menu with slug {slug!r}",
            suggest(slug, list(menus)) or "share a draft menu by its slug",
        )
    if menu.data.get("status", "draft") != "draft":
        raise ContentError(
            str(menu.path.relative_to(settings.root))
            if menu.path.is_relative_to(settings.root)
            else str(menu.path),
            None,
            f"menu {slug!r} is published, not a draft",
            "a published menu is already public at its own URL",
        )
    if days < 1:
        raise ContentError(share_display(settings), None, "--days must be at least 1")
    secret, where = ensure_secret(settings)
    records = _records(settings)
    now = share_clock()
    record = {
        "menu": slug,
        "id": secrets.token_hex(16),
        "created": iso(now),
        "expires": iso(now + timedelta(days=days)),
        "revoked": False,
    }
    records.append(record)
    _save(settings, records)
    return _link(settings, record, secret), where


def list_shares(settings: Settings | Config) -> list[ShareLink]:
    """Every link on record; a link whose menu was published since says so (status
    'published'), since the build no longer makes its page."""
    settings = settings.resolve()
    secret = read_secret(settings)
    records = _records(settings)
    menus = menu_files(settings) if records else {}
    published = {slug for slug, menu in menus.items() if menu.data.get("status", "draft") != "draft"}
    return [_link(settings, r, secret, r["menu"] in published) for r in records]


def revoke_shares(settings: Settings | Config, what: str) -> list[ShareLink]:
    """Revoke by token, by record id, or every link of a menu slug; returns what was revoked."""
    settings = settings.resolve()
    secret = read_secret(settings)
    records = _records(settings)
    hits = []
    for record in records:
        link = _link(settings, record, secret)
        if what in (record["id"], record["menu"], link.token) and not record["revoked"]:
            record["revoked"] = True
            hits.append(_link(settings, record, secret))
    if not hits:
        raise ContentError(
            share_display(settings),
            None,
            f"no active share link matches {what!r}",
            "give a token, a share id or a menu slug from `omakase share --list`",
        )
    _save(settings, records)
    return hits
