"""Upstream importers: mappers on real payloads, the HTTP client, import, replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.content.loader import load_site
from generator.content.providers import watch_providers
from generator.errors import BuildError, ContentError
from generator.sources import SOURCES
from generator.sources.http import HttpClient, retry_after
from generator.sources.importer import import_upstream, replay
from generator.sources.payloads import payload_path
from tests.conftest import settings_for
from tests.httpserver import Canned, serve
from tests.realdata import real
from tests.sitekit import write

CITY_STREETS = "wikidata/weframework_Q2262932_city_streets_film_CONVERTED.json"
DARK_SIDE = "musicbrainz/picard_release_dark_side_of_the_moon.json"


def _map(source: str, relative: str, raw_id: str):  # noqa: ANN202
    payload = json.loads(real(relative).read_text(encoding="utf-8"))
    module = SOURCES[source]
    return module.map_payload(payload, module.normalize_id(raw_id, payload))


def test_openlibrary_work_and_edition_map_to_book_fields() -> None:
    work = _map("openlibrary", "openlibrary/bookwyrm_ol_work_OL15832982W.json", "/works/OL15832982W")
    assert (work.media_type, work.title, work.release_date) == ("book", "Sabriel", "1995")
    assert work.cover_image_url == "https://covers.openlibrary.org/b/id/6796986-L.jpg"
    assert "Fantasy" in work.metadata["subjects"]
    edition = _map("openlibrary", "openlibrary/bookwyrm_ol_edition_sabriel.json", "OL22951843M")
    assert edition.fields["pages"] == 491
    assert edition.fields["isbn"] == "9780060273224"  # converted from the first ISBN-10
    assert edition.fields["publisher"] == "Harper Trophy"


def test_musicbrainz_release_maps_tracks_artists_and_label() -> None:
    mapped = _map("musicbrainz", DARK_SIDE, "b84ee12a-09ef-421b-82de-0441a926375b")
    assert mapped.external_id == "release/b84ee12a-09ef-421b-82de-0441a926375b"
    assert mapped.fields["artists"] == ["Pink Floyd"]
    assert mapped.fields["label"] == "Harvest"
    assert [t["title"] for t in mapped.fields["tracks"]][:2] == ["Speak to Me", "Breathe"]
    assert mapped.fields["duration_minutes"] == round(
        sum(t["duration_seconds"] for t in mapped.fields["tracks"]) / 60
    )
    recording = _map(
        "musicbrainz",
        "musicbrainz/picard_recording_thinking_out_loud.json",
        "https://musicbrainz.org/recording/cb2cc207-8125-445c-9ef9-6ea44eee959a",
    )
    assert recording.fields["kind"] == "recording" and recording.fields["artists"] == ["Ed Sheeran"]


def test_wikidata_film_and_novel() -> None:
    film = _map("wikidata", CITY_STREETS, "Q2262932")
    assert (film.media_type, film.title, film.release_date) == ("movie", "City Streets", "1931")
    assert film.fields["runtime_minutes"] == 82
    assert film.canonical_url.startswith("https://en.wikipedia.org/wiki/City_Streets")
    assert "languages" not in film.metadata  # named by Q-id: needs the labels (test_source_names)
    novel = _map("wikidata", "wikidata/wikibasesdk_Q4132785_bring_the_jubilee_novel.json", "Q4132785")
    assert novel.media_type == "book" and novel.fields["isbn"] == "9780345405029"


def test_tmdb_movie_and_watch_providers() -> None:
    payload = json.loads(real("tmdb/mediatracker_tmdb_movie_671_details.json").read_text())
    mapped = SOURCES["tmdb"].map_payload(payload, "671")
    assert mapped.fields["runtime_minutes"] == 152
    assert mapped.metadata["genres"] == ["Adventure", "Fantasy"]
    assert mapped.metadata["languages"] == ["en"]
    assert watch_providers(payload) == []
    # The recorded payload predates append_to_response; add a block in TMDB's documented shape.
    payload["watch/providers"] = {
        "results": {
            "GB": {
                "link": "https://www.themoviedb.org/movie/671/watch?locale=GB",
                "flatrate": [{"provider_name": "Netflix", "provider_id": 8}],
                "rent": [{"provider_name": "Apple TV", "provider_id": 2}],
            }
        }
    }
    offers = watch_providers(payload)
    assert {(o["provider"], o["region"], o["format"]) for o in offers} == {
        ("Netflix", "GB", "stream"),
        ("Apple TV", "GB", "rent"),
    }


def test_retry_after_header_forms() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 26, tzinfo=UTC)
    assert retry_after("7", now) == 7.0
    assert retry_after("Thu, 26 Nov 2026 00:00:30 GMT", now) == 30.0
    assert retry_after("soon", now) is None


def test_client_retries_with_retry_after_then_backoff_and_sends_user_agent() -> None:
    waits: list[float] = []
    canned = Canned(
        routes={"/x": [(503, {"Retry-After": "3"}, b"busy"), (500, {}, b"oops"), (200, {}, b'{"ok": true}')]}
    )
    with serve(canned):
        client = HttpClient(sleep=waits.append, backoff=0.5)
        body = client.get(canned.base + "/x", source="test")
    assert json.loads(body) == {"ok": True}
    assert waits == [3.0, 1.0]  # Retry-After honoured, then 0.5 * 2**1
    agent = canned.requests[0][1]["User-Agent"]
    assert agent.startswith("Omakase/") and "+http" in agent


def test_client_gives_up_with_the_url_in_the_error() -> None:
    canned = Canned(routes={"/gone": [(404, {}, b"{}")]})
    with serve(canned), pytest.raises(BuildError, match="/gone: HTTP 404"):
        HttpClient(sleep=lambda s: None).get(canned.base + "/gone", source="test")
    assert len(canned.requests) == 1  # a 404 is not retried


def test_rate_limit_spaces_requests_of_one_source() -> None:
    waits: list[float] = []
    now = [100.0]
    client = HttpClient(sleep=waits.append, clock=lambda: now[0])
    client._respect_rate_limit("musicbrainz", 1.0)
    now[0] += 0.25
    client._respect_rate_limit("musicbrainz", 1.0)
    client._respect_rate_limit("wikidata", 1.0)  # another source has its own budget
    assert waits == [0.75]


def test_import_fetches_over_http_stores_payload_verbatim_and_creates_item(site_root: Path) -> None:
    raw = real(CITY_STREETS).read_bytes()
    canned = Canned(routes={"/wiki/Special:EntityData/Q2262932.json": [(200, {}, raw)]})
    settings = settings_for(site_root)
    with serve(canned):
        report = import_upstream(
            settings,
            "wikidata",
            "Q2262932",
            api_url=canned.base,
            client=HttpClient(sleep=lambda s: None),
            cover=False,  # covers: tests/test_import_covers.py
        )
    assert payload_path(settings.data_dir, "wikidata", "Q2262932").read_bytes() == raw
    assert report.changes[0].created and report.changes[0].ref == "movie/city-streets"
    item = (site_root / "content/items/movie/city-streets.md").read_text()
    assert "runtime_minutes: 82" in item and "fetched: 2026-11-26" in item
    site, _ = load_site(settings)
    assert site.items["movie/city-streets"].sources[0].id == "Q2262932"
    assert json.loads(site.payloads[("wikidata", "Q2262932")])["entities"]
    # The same import again: nothing left to change.
    again = import_upstream(settings, "wikidata", "Q2262932", from_file=real(CITY_STREETS))
    assert not again.changes[0].changed and not again.payloads_written


def test_curator_values_win_and_the_import_says_so(site_root: Path) -> None:
    write(
        site_root,
        {
            "content/items/movie/city-streets.md": """\
        ---
        title: City Streets (director's cut)
        runtime_minutes: 90
        sources:
          - source: wikidata
            id: Q2262932
        ---
        My own description.
        """
        },
    )
    report = import_upstream(settings_for(site_root), "wikidata", "Q2262932", from_file=real(CITY_STREETS))
    change = report.changes[0]
    assert "title" in change.kept and "runtime_minutes" in change.kept
    assert "release_date" in change.set and "cover_image_url" in change.set
    text = (site_root / "content/items/movie/city-streets.md").read_text()
    assert "title: City Streets (director's cut)" in text and "runtime_minutes: 90" in text
    assert text.rstrip().endswith("My own description.")
    assert "kept the curator's" in report.lines()[-2]


def test_ids_with_slashes_are_percent_encoded_and_load_back(site_root: Path) -> None:
    settings = settings_for(site_root)
    import_upstream(
        settings, "musicbrainz", "b84ee12a-09ef-421b-82de-0441a926375b", from_file=real(DARK_SIDE)
    )
    stored = settings.data_dir / "sources/musicbrainz/release%2Fb84ee12a-09ef-421b-82de-0441a926375b.json"
    assert stored.is_file()
    site, _ = load_site(settings)
    assert ("musicbrainz", "release/b84ee12a-09ef-421b-82de-0441a926375b") in site.payloads
    assert site.items["music/the-dark-side-of-the-moon"].fields["label"] == "Harvest"


def test_replay_promotes_fields_offline_and_is_idempotent(site_root: Path) -> None:
    settings = settings_for(site_root)
    import_upstream(settings, "wikidata", "Q2262932", from_file=real(CITY_STREETS))
    path = site_root / "content/items/movie/city-streets.md"
    # A field the mapper knows but the file lacks (as if the mapper had just learnt it).
    path.write_text(path.read_text().replace("runtime_minutes: 82\n", ""))
    first = replay(settings)
    assert [c.set for c in first.changes] == [["runtime_minutes"]]
    assert "runtime_minutes: 82" in path.read_text()
    before = path.read_bytes()
    second = replay(settings, "wikidata")
    assert not any(c.changed for c in second.changes) and path.read_bytes() == before


def test_replay_skips_payloads_no_item_lists(site_root: Path) -> None:
    settings = settings_for(site_root)
    target = payload_path(settings.data_dir, "wikidata", "Q1")
    target.parent.mkdir(parents=True)
    target.write_text('{"entities": {}}')
    report = replay(settings)
    assert report.skipped and "no item lists this source" in report.skipped[0]


def test_bad_payload_file_is_a_located_error(site_root: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "title": "x",\n  oops\n}')
    with pytest.raises(ContentError) as info:
        import_upstream(settings_for(site_root), "openlibrary", "OL1W", from_file=bad)
    assert info.value.line == 3 and "invalid JSON" in info.value.message


def test_cli_import_and_replay(site_root: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "import",
            "openlibrary",
            "OL15832982W",
            "--root",
            str(site_root),
            "--from-file",
            str(real("openlibrary/bookwyrm_ol_work_OL15832982W.json")),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "created book/sabriel" in result.output
    result = runner.invoke(main, ["replay", "--root", str(site_root)])
    assert result.exit_code == 0 and "0 changed" in result.output
    result = runner.invoke(main, ["import", "nosuch", "1", "--root", str(site_root)])
    assert result.exit_code == 1 and "unknown source" in result.output
    assert "Traceback" not in result.output


def test_cli_fetches_from_api_url_and_dates_the_fetch_today(site_root: Path, monkeypatch) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    raw = real("openlibrary/bookwyrm_ol_edition_sabriel.json").read_bytes()
    canned = Canned(routes={"/books/OL22951843M.json": [(200, {}, raw)]})
    before = datetime.now(tz=UTC).date().isoformat()
    with serve(canned):
        result = CliRunner().invoke(
            main,
            ["import", "openlibrary", "OL22951843M", "--root", str(site_root), "--api-url", canned.base]
            + ["--no-cover"],
        )
    after = datetime.now(tz=UTC).date().isoformat()
    assert result.exit_code == 0, result.output
    assert canned.requests[0][0] == "/books/OL22951843M.json"
    text = (site_root / "content/items/book/sabriel.md").read_text()
    assert f"fetched: {before}" in text or f"fetched: {after}" in text
    assert "pages: 491" in text and "isbn: '9780060273224'" in text


@pytest.mark.parametrize(
    ("source", "relative", "wrong"),
    [
        ("wikidata", CITY_STREETS, "Q184843"),
        ("tmdb", "tmdb/mediatracker_tmdb_movie_671_details.json", "672"),
        ("openlibrary", "openlibrary/bookwyrm_ol_work_OL15832982W.json", "OL1W"),
        ("musicbrainz", DARK_SIDE, "release/00000000-0000-0000-0000-000000000000"),
    ],
)
def test_a_payload_saved_for_another_record_is_refused(
    site_root: Path, source: str, relative: str, wrong: str
) -> None:
    settings = settings_for(site_root)
    with pytest.raises(ContentError, match="this payload describes"):
        import_upstream(settings, source, wrong, from_file=real(relative))
    assert not (settings.data_dir / "sources").exists()


def test_fetch_errors_mask_keys_in_the_url() -> None:
    canned = Canned(routes={"/3/movie/1": [(401, {}, b"{}")]})
    with serve(canned), pytest.raises(BuildError) as info:
        HttpClient(sleep=lambda s: None).get(canned.base + "/3/movie/1?api_key=s3cret&x=1", source="test")
    assert "s3cret" not in str(info.value) and "api_key=…&x=1" in str(info.value)
