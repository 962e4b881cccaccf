"""Importers name people, genres and languages: related payloads from files, the store or a fetch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.errors import ContentError
from generator.sources import SOURCES
from generator.sources.http import HttpClient
from generator.sources.importer import import_upstream, replay
from generator.sources.payloads import payload_path
from tests.conftest import settings_for
from tests.httpserver import Canned, serve
from tests.realdata import real

HERE = Path(__file__).parent / "data" / "sources"
SABRIEL = "openlibrary/bookwyrm_ol_work_OL15832982W.json"
POTTER = "openlibrary/mediatracker_ol_work_details_hp1.json"
POTTER_SEARCH = "openlibrary/mediatracker_ol_search_hp.json"
CITY_STREETS = "wikidata/weframework_Q2262932_city_streets_film_CONVERTED.json"
NIX = HERE / "openlibrary_author_OL382982A.json"
ROWLING = HERE / "openlibrary_author_OL23919A.json"
LABELS = HERE / "wikidata_labels_Q2262932.json"


def _load(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def _map(source: str, record: Path, external_id: str, related: dict[str, Path]):  # noqa: ANN202
    return SOURCES[source].map_payload(_load(record), external_id, {k: _load(v) for k, v in related.items()})


def _front(path: Path) -> dict:  # type: ignore[type-arg]
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output  # stdout and stderr, as a terminal shows them


def test_open_library_works_give_authors_date_and_cover() -> None:
    sabriel = _map("openlibrary", real(SABRIEL), "OL15832982W", {"OL382982A": NIX})
    assert sabriel.fields["authors"] == ["Garth Nix"]
    assert sabriel.release_date == "1995"
    assert sabriel.cover_image_url == "https://covers.openlibrary.org/b/id/6796986-L.jpg"
    # This work record has neither date nor cover: the search document of the work has both.
    related = {"OL23919A": ROWLING, "search/OL82563W": real(POTTER_SEARCH)}
    potter = _map("openlibrary", real(POTTER), "OL82563W", related)
    assert potter.fields["authors"] == ["J. K. Rowling"]
    assert (potter.release_date, potter.cover_image_url) == (
        "1997",
        "https://covers.openlibrary.org/b/id/10521270-L.jpg",
    )
    alone = _map("openlibrary", real(POTTER), "OL82563W", {"search/OL82563W": real(POTTER_SEARCH)})
    assert alone.fields["authors"] == ["J. K. Rowling"]  # the search document names them too
    bare = _map("openlibrary", real(SABRIEL), "OL15832982W", {})
    assert "authors" not in bare.fields  # an author is never shown as an id


def test_open_library_asks_for_what_a_work_lacks() -> None:
    module = SOURCES["openlibrary"]
    assert module.related(_load(real(SABRIEL)), "OL15832982W", "http://x") == {
        "OL382982A": "http://x/authors/OL382982A.json"
    }
    asked = module.related(_load(real(POTTER)), "OL82563W", "http://x")
    assert asked["search/OL82563W"].startswith("http://x/search.json?q=key:/works/OL82563W&fields=")
    hostile = {"authors": [{"author": {"key": "@evil.example/x"}}, {"key": "/authors/OL1A/../x"}]}
    assert module.related(hostile, "OL1M", "http://x") == {}


def test_cli_imports_a_work_with_its_author_and_replays_offline(site_root: Path) -> None:
    code, out = _run(
        "import", "openlibrary", "OL15832982W", "--root", str(site_root),
        "--from-file", str(real(SABRIEL)), "--from-file", str(NIX),
    )  # fmt: skip
    assert code == 0, out
    assert "stored payload openlibrary:OL382982A" in out
    item = site_root / "content/items/book/sabriel.md"
    front = _front(item)
    assert (front["authors"], front["release_date"]) == (["Garth Nix"], 1995)
    assert front["cover_image_url"] == "https://covers.openlibrary.org/b/id/6796986-L.jpg"
    # The author's record is kept, so replay names the author again without the network.
    text = item.read_text()
    item.write_text(text[: text.index("authors:")] + text[text.index("metadata:") :])
    assert "Garth Nix" not in item.read_text()
    code, out = _run("replay", "--root", str(site_root))
    assert code == 0 and "set authors" in out and "skipped" not in out.splitlines()[-2]
    assert _front(item)["authors"] == ["Garth Nix"]
    assert "0 skipped" in out


def test_from_file_takes_a_folder_and_refuses_a_stranger(site_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "payloads"
    folder.mkdir()
    for source in (real(POTTER), real(POTTER_SEARCH), ROWLING):
        shutil.copy(source, folder / source.name)
    code, out = _run(
        "import", "openlibrary", "OL82563W", "--root", str(site_root), "--from-file", str(folder)
    )
    assert code == 0, out
    front = _front(site_root / "content/items/book/harry-potter-and-the-philosopher-s-stone.md")
    assert (front["authors"], front["release_date"]) == (["J. K. Rowling"], 1997)
    assert front["cover_image_url"] == "https://covers.openlibrary.org/b/id/10521270-L.jpg"
    stored = payload_path(settings_for(site_root).data_dir, "openlibrary", "search/OL82563W")
    assert stored.read_bytes() == real(POTTER_SEARCH).read_bytes()
    code, out = _run(
        "import", "openlibrary", "OL15832982W", "--root", str(site_root),
        "--from-file", str(real(SABRIEL)), "--from-file", str(LABELS),
    )  # fmt: skip
    assert code == 1 and f"{LABELS}: error: this file is neither the openlibrary payload" in out
    assert "Traceback" not in out and not (site_root / "content/items/book/sabriel.md").exists()


def test_open_library_import_fetches_the_author_and_the_search_document(site_root: Path) -> None:
    canned = Canned(
        routes={
            "/works/OL82563W.json": [(200, {}, real(POTTER).read_bytes())],
            "/authors/OL23919A.json": [(200, {}, ROWLING.read_bytes())],
            "/search.json": [(200, {}, real(POTTER_SEARCH).read_bytes())],
        }
    )
    settings = settings_for(site_root)
    with serve(canned):
        report = import_upstream(
            settings, "openlibrary", "OL82563W", api_url=canned.base, client=HttpClient(), cover=False
        )
    assert [path.split("?")[0] for path, _ in canned.requests] == [
        "/works/OL82563W.json",
        "/authors/OL23919A.json",
        "/search.json",
    ]
    assert sorted(report.payloads_written) == [
        "openlibrary:OL23919A",
        "openlibrary:OL82563W",
        "openlibrary:search/OL82563W",
    ]
    assert report.changes[0].created and "authors" in report.changes[0].set
    assert not replay(settings).skipped  # the related payloads are not records of their own


def test_wikidata_names_people_genres_and_languages_from_one_labels_request(site_root: Path) -> None:
    film = _map("wikidata", real(CITY_STREETS), "Q2262932", {"labels/Q2262932": LABELS})
    assert film.fields["directors"] == ["Rouben Mamoulian"]
    assert film.fields["countries"] == ["United States of America"]
    assert film.metadata["genres"] == ["crime film", "drama film"]
    assert film.metadata["languages"] == ["en"]
    assert "cast" not in film.fields  # no labels for them: left out, never shown as Q-ids
    assert not any(key.endswith("_ids") for key in film.metadata)
    canned = Canned(
        routes={
            "/wiki/Special:EntityData/Q2262932.json": [(200, {}, real(CITY_STREETS).read_bytes())],
            "/w/api.php": [(200, {}, LABELS.read_bytes())],
        }
    )
    with serve(canned):
        import_upstream(
            settings_for(site_root),
            "wikidata",
            "Q2262932",
            api_url=canned.base,
            client=HttpClient(),
            cover=False,
        )
    asked = [urlsplit(path) for path, _ in canned.requests if path.startswith("/w/api.php")]
    assert len(asked) == 1  # one batched request for every entity named
    query = parse_qs(asked[0].query)
    assert query["action"] == ["wbgetentities"] and query["props"] == ["labels"]
    assert query["languages"] == ["en|mul"]
    ids = query["ids"][0].split("|")
    assert {"Q51472", "Q959790", "Q130232", "Q1860", "Q30", "Q93957"} <= set(ids)
    item = site_root / "content/items/movie/city-streets.md"
    front = _front(item)
    assert front["directors"] == ["Rouben Mamoulian"]
    assert front["metadata"]["genres"] == ["crime film", "drama film"]
    assert "Q51472" not in item.read_text()


def test_musicbrainz_genres_tags_and_languages_by_name() -> None:
    module = SOURCES["musicbrainz"]
    release = module.map_payload(
        _load(real("musicbrainz/picard_release_dark_side_of_the_moon.json")),
        "release/b84ee12a-09ef-421b-82de-0441a926375b",
    )
    assert release.metadata["genres"] == ["genre1", "genre2"]
    assert release.metadata["tags"] == ["tag1", "tag2"]
    assert release.metadata["languages"] == ["en"]  # MusicBrainz writes 'eng'
    careless = module.map_payload(
        _load(real("musicbrainz/picard_release_multidisc.json")),
        "release/6c4f766f-3351-4c10-a53d-b119452c27b2",
    )
    assert careless.metadata["languages"] == ["ja"]


@pytest.mark.parametrize(
    ("written", "code"),
    [("eng", "en"), ("/languages/fre", "fr"), ("en-US", "en"), ("English", "en"), ("ger", "de"),
     ("Standard Chinese", "zh"), ("gag", "gag"), ("zxx", None), ("und", None), ("xx-nonsense", None)],
)  # fmt: skip
def test_languages_are_iso_639_1_whatever_the_source(written: str, code: str | None) -> None:
    from generator.sources.mapped import language_code

    assert language_code(written) == code


def test_open_library_edition_language_is_iso_639_1() -> None:
    edition = _map("openlibrary", real("openlibrary/bookwyrm_ol_edition_sabriel.json"), "OL22951843M", {})
    assert edition.metadata["languages"] == ["en"]


def test_a_missing_related_payload_is_a_note_not_a_failure(site_root: Path) -> None:
    report = import_upstream(settings_for(site_root), "openlibrary", "OL15832982W", from_file=real(SABRIEL))
    assert report.changes[0].created
    assert any("openlibrary:OL382982A was not given" in w for w in report.warnings)
    with pytest.raises(ContentError, match="no .json payload"):
        import_upstream(
            settings_for(site_root), "openlibrary", "OL15832982W", from_file=[site_root / "content"]
        )
