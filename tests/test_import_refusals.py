"""Imports refuse, located and before writing anything, what is not a medium here or would not build."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.errors import ContentError
from generator.sources.importer import import_upstream
from tests.conftest import settings_for
from tests.realdata import real
from tests.sitekit import write

LOST = "tmdb/mediatracker_tmdb_tv_details_lost.json"
CITY_STREETS = "wikidata/weframework_Q2262932_city_streets_film_CONVERTED.json"


def _nothing_written(root: Path) -> None:
    assert not (root / "data/sources").exists()
    items = root / "content/items"
    assert not [p for p in items.rglob("*") if p.is_file() and "city-streets" in p.name]


def _edited(tmp_path: Path, relative: str, edit) -> Path:  # noqa: ANN001
    payload = json.loads(real(relative).read_text(encoding="utf-8"))
    edit(payload)
    path = tmp_path / Path(relative).name
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return path


def test_a_tmdb_tv_show_is_refused_at_the_line_that_says_so(site_root: Path) -> None:
    result = CliRunner().invoke(
        main, ["import", "tmdb", "4607", "--root", str(site_root), "--from-file", str(real(LOST))]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{real(LOST)}:31: error: this is the TMDB TV show 'Lost': TV shows are not a medium here" in (
        result.output
    )
    assert "Omakase holds books, movies, games and music" in result.output
    assert not (site_root / "data/sources").exists()
    assert not (site_root / "content/items/movie/lost.md").exists()


def test_a_search_response_is_not_a_record(site_root: Path) -> None:
    search = real("tmdb/mediatracker_tmdb_search_tv.json")
    with pytest.raises(ContentError, match="TMDB search response") as info:
        import_upstream(settings_for(site_root), "tmdb", "4607", from_file=search)
    assert info.value.path == str(search) and info.value.line
    with pytest.raises(ContentError, match="Open Library search response"):
        import_upstream(
            settings_for(site_root),
            "openlibrary",
            "OL82563W",
            from_file=real("openlibrary/mediatracker_ol_search_hp.json"),
        )


def test_wikidata_people_and_podcasts_are_not_media(site_root: Path, tmp_path: Path) -> None:
    person = real("wikidata/wikibasesdk_Q328212_veronica_roth_author.json")
    with pytest.raises(ContentError, match="Wikidata Q328212 is a person, which is not a medium here"):
        import_upstream(settings_for(site_root), "wikidata", "Q328212", from_file=person)

    def podcast(payload: dict) -> None:  # type: ignore[type-arg]
        claim = payload["entities"]["Q2262932"]["claims"]["P31"][0]["mainsnak"]["datavalue"]
        claim["value"] = {"entity-type": "item", "numeric-id": 24634210, "id": "Q24634210"}

    with pytest.raises(ContentError, match="is a podcast, which is not a medium here") as info:
        import_upstream(
            settings_for(site_root),
            "wikidata",
            "Q2262932",
            from_file=_edited(tmp_path, CITY_STREETS, podcast),
        )
    assert info.value.line  # the line of "P31" in the payload
    _nothing_written(site_root)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda p: p["entities"]["Q2262932"]["labels"]["en"].update(value="City\x07Streets"),
            "control character U+0007 in a value",
        ),
        (
            lambda p: p["entities"]["Q2262932"]["sitelinks"]["enwiki"].update(url="javascript:alert(1)"),
            "'canonical_url' must be an http(s) URL, got 'javascript:alert(1)'",
        ),
        (
            lambda p: p["entities"]["Q2262932"]["descriptions"]["en"].update(value="a film\x00"),
            "NUL byte in file",
        ),
    ],
)
def test_values_the_build_refuses_are_refused_with_its_message(
    site_root: Path,
    tmp_path: Path,
    edit,
    message: str,  # noqa: ANN001
) -> None:
    payload = _edited(tmp_path, CITY_STREETS, edit)
    with pytest.raises(ContentError) as info:
        import_upstream(settings_for(site_root), "wikidata", "Q2262932", from_file=payload, cover=True)
    assert info.value.problem.message == message
    assert info.value.path.startswith("content/items/movie/") and info.value.line
    assert str(payload) in (info.value.problem.hint or "")
    _nothing_written(site_root)


def test_a_curators_own_problem_is_not_blamed_on_the_payload(site_root: Path) -> None:
    write(
        site_root,
        {
            "content/items/movie/city-streets.md": """\
        ---
        title: City Streets
        canonical_url: see the library
        sources:
          - source: wikidata
            id: Q2262932
        ---
        """
        },
    )
    report = import_upstream(settings_for(site_root), "wikidata", "Q2262932", from_file=real(CITY_STREETS))
    assert "runtime_minutes" in report.changes[0].set


def test_replay_leaves_an_item_alone_when_a_stored_payload_would_break_it(site_root: Path) -> None:
    from generator.sources.importer import replay
    from generator.sources.payloads import payload_path

    settings = settings_for(site_root)
    import_upstream(settings, "wikidata", "Q2262932", from_file=real(CITY_STREETS))
    item = site_root / "content/items/movie/city-streets.md"
    item.write_text(re.sub(r"(?m)^canonical_url: .*\n", "", item.read_text()))
    before = item.read_bytes()
    stored = payload_path(settings.data_dir, "wikidata", "Q2262932")
    payload = json.loads(stored.read_text())
    payload["entities"]["Q2262932"]["sitelinks"]["enwiki"]["url"] = "file:///etc/passwd"
    stored.write_text(json.dumps(payload))
    report = replay(settings)
    assert not report.changes and "must be an http(s) URL" in report.skipped[0]
    assert item.read_bytes() == before


def test_a_musicbrainz_broadcast_is_a_podcast_not_an_album(site_root: Path, tmp_path: Path) -> None:
    group = "musicbrainz/picard_release_group_dark_side.json"
    payload = _edited(tmp_path, group, lambda p: p.update({"primary-type": "Broadcast"}))
    with pytest.raises(ContentError, match="is a broadcast \\(a podcast, radio or TV show\\)") as info:
        import_upstream(
            settings_for(site_root),
            "musicbrainz",
            "release-group/f5093c06-23e3-404f-aeaa-40f72885ee3a",
            from_file=payload,
        )
    assert info.value.path == str(payload) and info.value.line
    assert not (site_root / "data/sources").exists()


def test_a_related_payload_alone_is_not_the_record(site_root: Path) -> None:
    from tests.test_source_names import LABELS, ROWLING

    with pytest.raises(ContentError, match="does not hold Q2262932"):
        import_upstream(settings_for(site_root), "wikidata", "Q2262932", from_file=LABELS)
    with pytest.raises(ContentError, match="of type 'author', not a work or an edition"):
        import_upstream(settings_for(site_root), "openlibrary", "OL82563W", from_file=ROWLING)
    assert not (site_root / "data/sources").exists()


def test_a_tv_show_fetched_from_tmdb_is_refused_without_showing_the_key(
    site_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.sources.http import HttpClient
    from tests.httpserver import Canned, serve

    monkeypatch.setenv("TMDB_API_KEY", "k3y-not-for-eyes")
    monkeypatch.delenv("TMDB_ACCESS_TOKEN", raising=False)
    canned = Canned(routes={"/3/movie/4607": [(200, {}, real(LOST).read_bytes())]})
    with serve(canned), pytest.raises(ContentError) as info:
        import_upstream(settings_for(site_root), "tmdb", "4607", api_url=canned.base, client=HttpClient())
    assert info.value.path == canned.base + "/3/movie/4607" and info.value.line == 31
    assert "k3y" not in str(info.value.format_message())
    assert not (site_root / "data/sources").exists()
