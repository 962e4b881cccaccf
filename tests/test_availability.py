"""Availability rows from item files and from TMDB watch providers; staleness warnings."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from generator.db.schema import connect
from generator.engine.build import build_database
from generator.sources.importer import import_upstream
from tests.conftest import settings_for
from tests.realdata import real
from tests.sitekit import write

PROVIDERS = {
    "results": {
        "GB": {
            "link": "https://www.themoviedb.org/movie/671/watch?locale=GB",
            "flatrate": [{"provider_name": "Netflix", "provider_id": 8, "display_priority": 1}],
            "buy": [{"provider_name": "Apple TV", "provider_id": 2, "display_priority": 4}],
        },
        "US": {
            "link": "https://www.themoviedb.org/movie/671/watch?locale=US",
            "rent": [{"provider_name": "Apple TV", "provider_id": 2, "display_priority": 4}],
            "ads": [{"provider_name": "Tubi", "provider_id": 73, "display_priority": 9}],
        },
    }
}


def _tmdb_payload(tmp_path: Path) -> Path:
    """The recorded TMDB movie payload with a watch/providers block in TMDB's documented shape,
    as `append_to_response=watch/providers` returns it."""
    payload = json.loads(real("tmdb/mediatracker_tmdb_movie_671_details.json").read_text())
    payload["watch/providers"] = PROVIDERS
    path = tmp_path / "671.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def _rows(settings) -> list[dict]:  # noqa: ANN001
    db_file, _, _, _ = build_database(settings)
    db = connect(str(db_file))
    try:
        return list(
            db.query(
                "SELECT i.slug, a.provider, a.region, a.format, a.status, a.url, a.last_checked "
                "FROM media_item_availability a JOIN media_items i ON i.id = a.media_item_id "
                "ORDER BY i.slug, a.region, a.format, a.provider"
            )
        )
    finally:
        db.close()
        db_file.unlink()


def test_tmdb_watch_providers_become_availability_rows(site_root: Path, tmp_path: Path) -> None:
    settings = settings_for(site_root)
    import_upstream(settings, "tmdb", "671", from_file=_tmdb_payload(tmp_path))
    rows = [r for r in _rows(settings) if r["slug"].startswith("harry")]
    assert [(r["provider"], r["region"], r["format"]) for r in rows] == [
        ("Apple TV", "GB", "buy"),
        ("Netflix", "GB", "stream"),
        ("Tubi", "US", "free"),
        ("Apple TV", "US", "rent"),
    ]
    assert {r["last_checked"] for r in rows} == {"2026-11-26T00:00:00Z"}
    assert rows[0]["url"] == "https://www.themoviedb.org/movie/671/watch?locale=GB"
    # Item-file availability is stored too, next to the derived rows.
    assert any(r["slug"] == "the-conversation" and r["provider"] == "Public library" for r in _rows(settings))


def test_region_setting_and_curator_entries_win(site_root: Path, tmp_path: Path) -> None:
    settings = settings_for(site_root, watch_regions="us")
    import_upstream(settings, "tmdb", "671", from_file=_tmdb_payload(tmp_path))
    path = site_root / "content/items/movie/harry-potter-and-the-philosopher-s-stone.md"
    text = path.read_text().replace(
        "sources:",
        """availability:
  - provider: Tubi
    region: US
    format: free
    status: leaving
    last_checked: 2026-11-20
sources:""",
    )
    path.write_text(text)
    rows = [r for r in _rows(settings) if r["slug"].startswith("harry")]
    assert [(r["provider"], r["region"], r["format"], r["status"]) for r in rows] == [
        ("Tubi", "US", "free", "leaving"),
        ("Apple TV", "US", "rent", "available"),
    ]


def test_check_warns_about_stale_availability_with_configurable_days(
    site_root: Path, tmp_path: Path, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")  # 2025-12-01: fetch long ago
    import_upstream(settings_for(site_root), "tmdb", "671", from_file=_tmdb_payload(tmp_path))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795651200")  # 2026-11-26
    write(
        site_root,
        {
            "content/items/movie/the-conversation.md": (
                site_root / "content/items/movie/the-conversation.md"
            ).read_text()
        },
    )
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--root", str(site_root)])
    assert result.exit_code == 0, result.output
    assert "watch providers from tmdb:671 fetched 360 days ago" in result.output
    assert "Public library" not in result.output  # checked 25 days ago
    result = runner.invoke(main, ["check", "--root", str(site_root), "--stale-days", "10"])
    assert "'Public library' last checked 25 days ago" in result.output
    result = runner.invoke(main, ["check", "--root", str(site_root), "--stale-days", "400"])
    assert "watch providers" not in result.output and "last checked" not in result.output
