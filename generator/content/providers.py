"""Where-to-get-it offers read from stored upstream payloads (TMDB's watch providers)."""

from __future__ import annotations

from typing import Any

# TMDB's watch-provider offer kinds → availability formats of the content format.
OFFER_FORMATS = {"flatrate": "stream", "free": "free", "ads": "free", "rent": "rent", "buy": "buy"}


def names(values: object, key: str = "name") -> list[str]:
    """The `name` of each dict in a list, skipping blanks and repeats."""
    out: list[str] = []
    if isinstance(values, list):
        for value in values:
            name = value.get(key) if isinstance(value, dict) else None
            if isinstance(name, str) and name.strip() and name.strip() not in out:
                out.append(name.strip())
    return out


def watch_providers(payload: Any) -> list[dict[str, str]]:
    """Availability offers from the `watch/providers` part of a TMDB movie payload:
    one dict per provider, region and format, with TMDB's per-region link as url."""
    data = payload if isinstance(payload, dict) else {}
    block = data.get("watch/providers")
    results = block.get("results") if isinstance(block, dict) else None
    out = []
    for region, offers in sorted(results.items()) if isinstance(results, dict) else []:
        if not isinstance(offers, dict):
            continue
        link = offers.get("link") if isinstance(offers.get("link"), str) else None
        for kind, fmt in OFFER_FORMATS.items():
            for provider in names(offers.get(kind), key="provider_name"):
                out.append({"provider": provider, "region": region, "format": fmt, "url": link})
    unique = {(o["provider"], o["region"], o["format"]): o for o in out}
    return list(unique.values())
