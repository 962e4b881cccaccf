"""Where-to-get-it offers read from stored upstream payloads (TMDB's watch providers)."""

from __future__ import annotations

from typing import Any

from generator.content.fields import URL_RE

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


def _regions(payload: Any) -> list[tuple[str, dict[str, Any]]]:
    """(region, offers) of the `watch/providers` part of a TMDB movie payload, by region."""
    data = payload if isinstance(payload, dict) else {}
    block = data.get("watch/providers")
    results = block.get("results") if isinstance(block, dict) else None
    if not isinstance(results, dict):
        return []
    return [(region, offers) for region, offers in sorted(results.items()) if isinstance(offers, dict)]


def watch_offers(payload: Any) -> list[tuple[str, str | None]]:
    """(region, link) of every region of a payload's watch providers, as written."""
    return [
        (region, offers["link"] if isinstance(offers.get("link"), str) else None)
        for region, offers in _regions(payload)
    ]


def watch_providers(payload: Any) -> list[dict[str, Any]]:
    """Availability offers from the `watch/providers` part of a TMDB movie payload:
    one dict per provider, region and format, with TMDB's per-region link as url.

    The loader refuses a payload whose link is not an http(s) URL; one that got here all
    the same (a database written by other means) loses the link rather than becomes one."""
    out: list[dict[str, Any]] = []
    for region, offers in _regions(payload):
        link = offers.get("link") if isinstance(offers.get("link"), str) else None
        url = link if link is not None and URL_RE.match(link) else None
        for kind, fmt in OFFER_FORMATS.items():
            for provider in names(offers.get(kind), key="provider_name"):
                out.append({"provider": provider, "region": region, "format": fmt, "url": url})
    unique = {(o["provider"], o["region"], o["format"]): o for o in out}
    return list(unique.values())
