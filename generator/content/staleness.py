"""Warnings for an item's availability and watch providers checked too long ago."""

from __future__ import annotations

import json
from datetime import date

from generator.content.model import Item, Site
from generator.content.providers import watch_providers
from generator.errors import Problem
from generator.settings import Config


def item_staleness(item: Item, site: Site, settings: Config) -> list[Problem]:
    problems: list[Problem] = []
    if settings.build_time is None:
        return problems
    today, limit = settings.build_time.date(), settings.stale_after_days
    for entry in item.availability:
        if (age := _age_past(entry.last_checked, today, limit)) is not None:
            problems.append(
                Problem(
                    item.path,
                    entry.line,
                    f"availability at {entry.provider!r} last checked {age} days ago",
                    "check it again and update last_checked",
                    severity="warning",
                )
            )
    for source in item.sources:
        # Watch providers in a TMDB payload become availability rows at build time.
        if (
            source.source == "tmdb"
            and (age := _age_past(source.fetched_at, today, limit)) is not None
            and _has_watch_providers(site.payloads.get((source.source, source.id)))
        ):
            problems.append(
                Problem(
                    item.path,
                    source.line,
                    f"watch providers from tmdb:{source.id} fetched {age} days ago",
                    f"run 'omakase import tmdb {source.id}' to refresh them",
                    severity="warning",
                )
            )
    return problems


def _age_past(stamp: str | None, today: date, limit: int) -> int | None:
    """The age in days of an ISO date older than `limit` days; None for a younger one (or
    one less precise than a day)."""
    if not stamp or len(stamp) != 10:
        return None
    age = (today - date.fromisoformat(stamp)).days
    return age if age > limit else None


def _has_watch_providers(payload: str | None) -> bool:
    if not payload or '"watch/providers"' not in payload:
        return False
    try:
        return bool(watch_providers(json.loads(payload)))
    except ValueError:
        return False
