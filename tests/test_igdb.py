"""IGDB games: the real payload mapped, the Twitch token then the Apicalypse query, replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from generator.cli import main
from generator.content.writeback import markdown_text, read_front_matter
from generator.errors import BuildError, ContentError
from generator.sources import SOURCES
from generator.sources.http import HttpClient
from generator.sources.importer import import_upstream, replay
from generator.sources.payloads import payload_path
from tests.conftest import settings_for
from tests.httpserver import Canned, serve
from tests.realdata import real

GOD_OF_WAR = "igdb/mediatracker_igdb_game_19560_details.json"


def _read(path: Path) -> tuple[dict, str]:  # type: ignore[type-arg]
    return read_front_matter(path, path.name)


def _png() -> bytes:
    import io

    out = io.BytesIO()
    Image.new("RGB", (264, 352), (90, 30, 20)).save(out, "PNG")
    return out.getvalue()


def test_real_payload_maps_to_a_game() -> None:
    mapped = SOURCES["igdb"].map_payload(json.loads(real(GOD_OF_WAR).read_text()), "19560")
    assert (mapped.media_type, mapped.title, mapped.release_date) == ("game", "God of War", "2018-04-20")
    assert mapped.fields["platforms"] == ["PC (Microsoft Windows)", "PlayStation 4"]
    assert mapped.fields["developers"] == ["SIE Santa Monica Studio"]
    assert "publishers" not in mapped.fields  # this recorded query did not ask for the role
    assert mapped.metadata["genres"] == ["Hack and slash/Beat 'em up", "Adventure"]
    assert mapped.cover_image_url == "https://images.igdb.com/igdb/image/upload/t_cover_big/co1tmu.jpg"
    assert mapped.canonical_url == "https://en.wikipedia.org/wiki/God_of_War_(2018_video_game)"
    assert mapped.description.startswith("God of War is the sequel")


def test_publishers_are_the_companies_igdb_flags_so() -> None:
    payload = json.loads(real(GOD_OF_WAR).read_text())
    payload[0]["involved_companies"][0]["publisher"] = True  # as the query asks for the role
    mapped = SOURCES["igdb"].map_payload(payload, "19560")
    assert mapped.fields["publishers"] == ["Sony Interactive Entertainment"]


def test_import_gets_a_token_then_posts_the_query_and_fetches_the_cover(
    site_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    canned = Canned(
        routes={
            "/oauth2/token": [
                (200, {}, b'{"access_token": "tok123", "expires_in": 5000, "token_type": "bearer"}')
            ],
            "/v4/games": [(200, {}, real(GOD_OF_WAR).read_bytes())],
            "/igdb/image/upload/t_cover_big/co1tmu.jpg": [(200, {"Content-Type": "image/png"}, _png())],
        }
    )
    monkeypatch.setenv("IGDB_CLIENT_ID", "client-abc")
    monkeypatch.setenv("IGDB_CLIENT_SECRET", "s3cret")
    with serve(canned):
        monkeypatch.setenv("IGDB_TOKEN_URL", canned.base + "/oauth2/token")
        result = CliRunner().invoke(
            main,
            ["import", "igdb", "19560", "--root", str(site_root), "--api-url", canned.base]
            + ["--cover-url", canned.base],
        )
    assert result.exit_code == 0, result.output
    (token_path, _), (games_path, games_headers), (cover_path, _) = canned.requests
    assert (token_path, games_path) == ("/oauth2/token", "/v4/games")
    assert b"client_secret=s3cret" in canned.bodies[0] and "s3cret" not in token_path
    assert b"grant_type=client_credentials" in canned.bodies[0]
    sent = {k.lower(): v for k, v in games_headers.items()}  # header names are case-blind
    assert (sent["client-id"], sent["authorization"]) == ("client-abc", "Bearer tok123")
    assert canned.bodies[1] == b"fields " + SOURCES["igdb"].FIELDS.encode() + b"; where id = 19560;"
    assert cover_path.endswith("/co1tmu.jpg")
    settings = settings_for(site_root)
    stored = payload_path(settings.data_dir, "igdb", "19560")
    assert stored.read_bytes() == real(GOD_OF_WAR).read_bytes()
    item = site_root / "content/items/game/god-of-war.md"
    front, body = _read(item)
    assert front["developers"] == ["SIE Santa Monica Studio"]
    assert front["platforms"] == ["PC (Microsoft Windows)", "PlayStation 4"]
    assert str(front["release_date"]) == "2018-04-20"
    assert front["cover_credit"].startswith("[IGDB](https://images.igdb.com/")
    assert (site_root / "content/items/game/god-of-war.png").is_file()
    # Replayable offline, like every other source.
    del front["platforms"]
    item.write_text(markdown_text(front, body))
    report = replay(settings, "igdb")
    assert report.changes[0].set == ["platforms"]
    assert _read(item)[0]["platforms"] == ["PC (Microsoft Windows)", "PlayStation 4"]


def test_from_file_is_offline_and_credentials_are_asked_for_only_online(
    site_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("IGDB_CLIENT_ID", "IGDB_CLIENT_SECRET", "IGDB_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = settings_for(site_root)
    report = import_upstream(settings, "igdb", "19560", from_file=real(GOD_OF_WAR))
    assert report.changes[0].created and report.changes[0].ref == "game/god-of-war"
    with pytest.raises(BuildError, match="IGDB_CLIENT_ID and IGDB_CLIENT_SECRET"):
        import_upstream(settings, "igdb", "19560", client=HttpClient(retries=0))
    with pytest.raises(ContentError, match="describes igdb:19560, not igdb:7"):
        import_upstream(settings, "igdb", "7", from_file=real(GOD_OF_WAR))


def test_an_empty_answer_says_no_such_game(site_root: Path, tmp_path: Path) -> None:
    empty = tmp_path / "none.json"
    empty.write_text("[]")
    with pytest.raises(ContentError) as info:
        import_upstream(settings_for(site_root), "igdb", "424242", from_file=empty)
    assert info.value.path == str(empty) and "no game for id 424242" in info.value.problem.message


def test_a_search_answer_gives_the_game_asked_for_or_says_it_is_not_there(site_root: Path) -> None:
    search = real("igdb/mediatracker_igdb_games_search.json")
    report = import_upstream(settings_for(site_root), "igdb", "1291", from_file=search)
    assert report.changes[0].ref == "game/god-of-war-ascension"
    with pytest.raises(ContentError, match="no game for id 1"):
        import_upstream(settings_for(site_root), "igdb", "1", from_file=search)
