"""Geometry of the inline SVG charts drawn at build time (the templates draw the markup)."""

from __future__ import annotations

from typing import Any

BAR_W, GAP, CHART_H, AXIS, TOP = 28, 8, 120, 22, 18


def rating_chart(ratings: Any) -> dict[str, Any] | None:
    """Bars for the 0–10 rating distribution; None when nothing was rated.

    Tolerates a profile written by another version: anything but a list of 11 counts is
    treated as no data rather than breaking the page."""
    if not isinstance(ratings, list) or len(ratings) != 11:
        return None
    counts = [c if isinstance(c, int) and c >= 0 else 0 for c in ratings]
    peak = max(counts)
    if peak == 0:
        return None
    return _chart(counts, peak, [{"rating": rating} for rating in range(11)])


def _chart(counts: list[int], peak: int, labels: list[dict[str, Any]]) -> dict[str, Any]:
    """One bar per count, scaled to `peak`, each with its `labels` and geometry."""
    bars = []
    for index, (count, label) in enumerate(zip(counts, labels, strict=True)):
        height = round(CHART_H * count / peak, 1)
        x = GAP + index * (BAR_W + GAP)
        bars.append(
            {
                **label,
                "count": count,
                "x": x,
                "w": BAR_W,
                "y": TOP + CHART_H - height,
                "h": height,
                "cx": x + BAR_W / 2,
                "label_y": TOP + CHART_H + AXIS - 6,
                "count_y": TOP + CHART_H - height - 4,
            }
        )
    return {
        "bars": bars,
        "width": GAP + len(counts) * (BAR_W + GAP),
        "height": TOP + CHART_H + AXIS,
        "baseline": TOP + CHART_H,
        "total": sum(counts),
    }


def share_bars(entries: Any) -> list[dict[str, Any]]:
    """[{name, count, percent}] from a profile list of {name, count}, defensively."""
    if not isinstance(entries, list):
        return []
    clean = [
        e for e in entries if isinstance(e, dict) and "name" in e and isinstance(e.get("count"), int | float)
    ]
    peak = max((e["count"] for e in clean), default=0) or 1
    return [
        {"name": str(e["name"]), "count": e["count"], "percent": round(100 * e["count"] / peak)}
        for e in clean
    ]


MONTH_LABELS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_chart(counts: list[int]) -> dict[str, Any] | None:
    """Bars for twelve monthly counts, January first; None when every month is empty."""
    peak = max(counts, default=0)
    if len(counts) != 12 or peak <= 0:
        return None
    return _chart(counts, peak, [{"month": m + 1, "label": MONTH_LABELS[m]} for m in range(12)])
