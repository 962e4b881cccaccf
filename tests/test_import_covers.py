"""Covers fetched by imports: checked, decoded, saved beside the item, credited, never a
curator's own replaced. Images come from a loopback server or local files, never the network."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from generator.cli import main
from generator.content.catalog import ItemFile
from generator.content.writeback import read_front_matter
from generator.errors import ContentError
from generator.sources import covers
from generator.sources.covers import CoverFetcher, fetch_cover
from generator.sources.http import HttpClient
from generator.sources.mapped import Mapped
from tests.httpserver import Canned, serve
from tests.realdata import real

SABRIEL = "openlibrary/bookwyrm_ol_work_OL15832982W.json"
SABRIEL_COVER = "/b/id/6796986-L.jpg"
TMDB_671 = "tmdb/mediatracker_tmdb_movie_671_details.json"
TMDB_POSTER = "/t/p/w780/wuMc08IPKEatf9rnMNXvIDxqP4W.jpg"


def image_bytes(kind: str = "JPEG", size: tuple[int, int] = (40, 60), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "white" if mode == "1" else (180, 40, 40)).save(buffer, kind)
    return buffer.getvalue()


def jpeg_route(
    data: bytes | None = None, kind: str = "image/jpeg"
) -> list[tuple[int, dict[str, str], bytes]]:
    return [(200, {"Content-Type": kind}, image_bytes() if data is None else data)]


def run(site_root: Path, *args: str) -> Result:
    result = CliRunner().invoke(main, ["import", *args, "--root", str(site_root)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def import_sabriel(site_root: Path, base: str, *extra: str) -> Result:
    payload = str(real(SABRIEL))
    return run(site_root, "openlibrary", "OL15832982W", "--from-file", payload, "--cover-url", base, *extra)


def front(path: Path) -> dict[str, object]:
    return read_front_matter(path, str(path))[0]


def test_openlibrary_cover_is_saved_credited_and_not_fetched_again(site_root: Path) -> None:
    canned = Canned(routes={SABRIEL_COVER: jpeg_route()})
    with serve(canned):
        result = import_sabriel(site_root, canned.base, "--cover")
        cover = site_root / "content/items/book/sabriel.jpg"
        assert Image.open(cover).size == (40, 60)
        assert "saved cover sabriel.jpg from https://covers.openlibrary.org" in result.output
        item = front(site_root / "content/items/book/sabriel.md")
        assert item["cover_credit"] == f"[Cover: Open Library](https://covers.openlibrary.org{SABRIEL_COVER})"
        assert [path for path, _ in canned.requests] == [SABRIEL_COVER]
        assert "image/jpeg" in canned.requests[0][1]["Accept"]
        # Again: the cover is the one this import wrote, so nothing is fetched or rewritten.
        before = cover.stat().st_mtime_ns
        again = import_sabriel(site_root, canned.base, "--cover")
    assert "already imported" in again.output
    assert len(canned.requests) == 1 and cover.stat().st_mtime_ns == before


def test_a_saved_payload_stays_offline_and_no_cover_fetches_nothing(site_root: Path) -> None:
    canned = Canned(routes={SABRIEL_COVER: jpeg_route()})
    with serve(canned):
        import_sabriel(site_root, canned.base)  # --from-file without --cover
        import_sabriel(site_root, canned.base, "--no-cover")
    assert canned.requests == []
    assert not list((site_root / "content/items/book").glob("sabriel.*g"))
    assert "cover_credit" not in front(site_root / "content/items/book/sabriel.md")


def test_tmdb_poster_online_takes_its_extension_from_the_decoded_image(
    site_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMDB_API_KEY", "test-key")
    payload = real(TMDB_671).read_bytes()
    canned = Canned(
        routes={
            "/3/movie/671": [(200, {}, payload)],
            TMDB_POSTER: jpeg_route(image_bytes("PNG"), "image/png"),  # a .jpg URL serving a PNG
        }
    )
    with serve(canned):
        run(site_root, "tmdb", "671", "--api-url", canned.base, "--cover-url", canned.base)
    folder = site_root / "content/items/movie"
    [item_file] = [p for p in folder.glob("*.md") if "tmdb" in p.read_text() and "671" in p.read_text()]
    cover = item_file.with_suffix(".png")
    assert Image.open(cover).format == "PNG" and not item_file.with_suffix(".jpg").exists()
    assert front(item_file)["cover_credit"] == f"[TMDB](https://image.tmdb.org{TMDB_POSTER})"


def test_no_cover_online_makes_no_image_request(site_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMDB_API_KEY", "test-key")
    canned = Canned(routes={"/3/movie/671": [(200, {}, real(TMDB_671).read_bytes())]})
    with serve(canned):
        run(site_root, "tmdb", "671", "--api-url", canned.base, "--cover-url", canned.base, "--no-cover")
    assert [path.split("?")[0] for path, _ in canned.requests] == ["/3/movie/671"]
    assert not [p for p in (site_root / "content/items/movie").iterdir() if p.suffix in (".jpg", ".png")]


def import_sabriel_offline(site_root: Path, cover: Path) -> Result:
    """The recorded Open Library work of Sabriel, imported with a local cover, no request made."""
    payload = str(real(SABRIEL))
    return run(
        site_root, "openlibrary", "OL15832982W", "--from-file", payload, "--cover-from-file", str(cover)
    )


def test_cover_from_file_saves_a_local_image_offline(site_root: Path, tmp_path: Path) -> None:
    local = tmp_path / "scan.webp"
    local.write_bytes(image_bytes("WEBP"))
    result = import_sabriel_offline(site_root, local)
    assert "saved cover sabriel.webp" in result.output
    assert Image.open(site_root / "content/items/book/sabriel.webp").format == "WEBP"
    assert "cover_credit" not in front(site_root / "content/items/book/sabriel.md")


def test_a_curators_own_cover_is_kept_and_not_downloaded(site_root: Path, tmp_path: Path) -> None:
    own = tmp_path / "own.png"
    own.write_bytes(image_bytes("PNG", (10, 10)))
    run(
        site_root,
        "openlibrary",
        "OL15832982W",
        "--from-file",
        str(real(SABRIEL)),
        "--cover-from-file",
        str(own),
    )
    cover = site_root / "content/items/book/sabriel.png"
    canned = Canned(routes={SABRIEL_COVER: jpeg_route()})
    with serve(canned):
        result = import_sabriel(site_root, canned.base, "--cover")
    assert "kept the curator's cover sabriel.png" in result.output
    assert canned.requests == [] and cover.read_bytes() == own.read_bytes()
    assert not (site_root / "content/items/book/sabriel.jpg").exists()


def bomb() -> bytes:
    """A small PNG declaring more pixels than a cover may have."""
    return image_bytes("PNG", (8000, 6000), "1")


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (jpeg_route(b"\0" * 2_000_000), "more than the 1000000 bytes allowed"),
        (jpeg_route(kind="text/html"), "served as 'text/html', not an image"),
        (jpeg_route(b"\xff\xd8\xff\xe0 not really a jpeg"), "not a readable image"),
        (jpeg_route(bomb(), "image/png"), "(a decompression bomb?)"),
        (jpeg_route(image_bytes("GIF"), "image/jpeg"), "a GIF image; covers are JPEG, PNG, WebP or AVIF"),
        ([(404, {}, b"gone")], "HTTP 404"),
    ],
    ids=["too-large", "content-type", "undecodable", "bomb", "gif", "missing"],
)
def test_a_bad_cover_is_a_warning_and_the_item_is_imported(
    site_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    route: list[tuple[int, dict[str, str], bytes]],
    message: str,
) -> None:
    monkeypatch.setattr(covers, "MAX_BYTES", 1_000_000)
    canned = Canned(routes={SABRIEL_COVER: route})
    with serve(canned):
        result = import_sabriel(site_root, canned.base, "--cover")
        assert f"{canned.base}{SABRIEL_COVER}: warning: " in result.output
    assert message in result.output and "hint: " in result.output
    assert "the cover of book/sabriel was skipped" in result.output
    assert "created book/sabriel" in result.output
    assert not [
        p for p in (site_root / "content/items/book").iterdir() if p.stem == "sabriel" and p.suffix != ".md"
    ]


def test_a_bad_local_cover_names_the_file(site_root: Path, tmp_path: Path) -> None:
    local = tmp_path / "notes.txt"
    local.write_text("not an image")
    result = import_sabriel_offline(site_root, local)
    assert f"{local}: warning: not a readable image" in result.output
    missing = tmp_path / "missing.jpg"
    with pytest.raises(ContentError, match="cannot read the cover"):
        covers.cover_from_file(ItemFile("book", "x", tmp_path / "x.md", {}, ""), missing)


def test_wikimedia_commons_cover_gets_author_and_licence(tmp_path: Path) -> None:
    extmetadata = {
        "LicenseShortName": {"value": "CC BY-SA 4.0"},
        "Artist": {"value": '<a href="//commons.wikimedia.org/wiki/User:Jane">Jane &amp; Doe</a>'},
    }
    api = {
        "query": {
            "pages": {"7": {"title": "File:City Streets.jpg", "imageinfo": [{"extmetadata": extmetadata}]}}
        }
    }
    canned = Canned(
        routes={
            "/w/api.php": [(200, {}, json.dumps(api).encode())],
            "/wiki/Special:FilePath/City_Streets.jpg": jpeg_route(),
        }
    )
    item = ItemFile(
        "movie", "city-streets", tmp_path / "city-streets.md", {"title": "City Streets", "tags": []}, ""
    )
    mapped = Mapped(
        "wikidata",
        "Q2262932",
        "movie",
        cover_image_url="https://commons.wikimedia.org/wiki/Special:FilePath/City_Streets.jpg",
    )
    with serve(canned):
        line = fetch_cover(item, mapped, CoverFetcher(HttpClient(sleep=lambda s: None), canned.base))
    assert line.startswith("saved cover city-streets.jpg")
    assert "titles=File%3ACity_Streets.jpg" in canned.requests[0][0]
    assert list(item.front) == ["title", "cover_credit", "cover_license", "tags"]
    assert item.front["cover_credit"] == (
        "[Jane & Doe, CC BY-SA 4.0, via Wikimedia Commons]"
        "(https://commons.wikimedia.org/wiki/File:City_Streets.jpg)"
    )
    assert item.front["cover_license"] == "CC BY-SA 4.0"


def test_musicbrainz_front_cover_from_the_cover_art_archive(site_root: Path) -> None:
    mbid = "b84ee12a-09ef-421b-82de-0441a926375b"
    payload = str(real("musicbrainz/picard_release_dark_side_of_the_moon.json"))
    canned = Canned(routes={f"/release/{mbid}/front": jpeg_route()})  # no extension in the URL
    with serve(canned):
        result = run(
            site_root,
            "musicbrainz",
            f"release/{mbid}",
            "--from-file",
            payload,
            "--cover",
            "--cover-url",
            canned.base,
        )
    [cover] = [p for p in (site_root / "content/items/music").iterdir() if p.suffix == ".jpg"]
    assert f"saved cover {cover.name}" in result.output
    credit = front(cover.with_suffix(".md"))["cover_credit"]
    assert credit == f"[Cover Art Archive](https://coverartarchive.org/release/{mbid}/front)"
