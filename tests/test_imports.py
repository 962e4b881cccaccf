"""User-export imports: Letterboxd and Goodreads into items, logs and draft menus."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.content.loader import load_site
from generator.errors import ContentError
from generator.imports.goodreads import import_goodreads, unwrap
from generator.imports.letterboxd import import_letterboxd
from tests.conftest import settings_for
from tests.realdata import real
from tests.sitekit import write

LETTERBOXD = {
    "watched.csv": """\
        Date,Name,Year,Letterboxd URI
        2024-01-02,The Conversation,1974,https://boxd.it/29ZA
        2024-01-03,Stalker,1979,https://boxd.it/28PO
        """,
    "ratings.csv": """\
        Date,Name,Year,Letterboxd URI,Rating
        2024-01-04,Stalker,1979,https://boxd.it/28PO,4.5
        2024-01-04,Broken,1999,https://boxd.it/xxxx,7
        """,
    "diary.csv": """\
        Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date
        2024-01-03,Stalker,1979,https://boxd.it/AAAA,4,,,2024-01-01
        2024-02-03,Stalker,1979,https://boxd.it/BBBB,,Yes,,2024-02-01
        2024-02-03,,1979,https://boxd.it/CCCC,,,,2024-02-01
        2024-02-04,Odd Year,19x9,https://boxd.it/DDDD,,,,2024-02-01
        """,
    "reviews.csv": """\
        Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date
        2024-01-03,Stalker,1979,https://boxd.it/AAAA,4,,"The room, the room.",,2024-01-01
        """,
    "watchlist.csv": """\
        Date,Name,Year,Letterboxd URI
        2024-03-01,Mirror,1975,https://boxd.it/1Z5e
        """,
    "likes/films.csv": """\
        Date,Name,Year,Letterboxd URI
        2024-01-05,Stalker,1979,https://boxd.it/28PO
        """,
    "lists/slow-zones.csv": """\
        Letterboxd list export v7
        Date,Name,Tags,URL,Description
        2024-03-02,Slow Zones,"slow, tarkovsky",https://boxd.it/LIST,Films that take their time.

        Position,Name,Year,URL,Description
        1,Stalker,1979,https://boxd.it/28PO,The original zone.
        2,Mirror,1975,https://boxd.it/1Z5e,
        """,
}


def _export(folder: Path) -> Path:
    write(folder, LETTERBOXD)
    return folder


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "content").rglob("*"))
        if p.is_file()
    }


def test_letterboxd_export_fills_log_items_and_a_draft_menu(site_root: Path, tmp_path: Path) -> None:
    settings = settings_for(site_root)
    summary = import_letterboxd(settings, _export(tmp_path / "lb"), "ada")
    assert summary.matched == {"movie/the-conversation"}  # by title + year
    assert summary.created == {"movie/stalker", "movie/mirror"}
    reasons = {reason for _, reason in summary.skipped}
    assert reasons == {"rating '7' is not 0.5–5 in half stars", "no film name", "year '19x9' is not a year"}
    site, _ = load_site(settings)
    states = {s.ref: s for s in site.logs["ada"].states}
    assert states["movie/stalker"].rating == 9 and states["movie/stalker"].favorite
    assert states["movie/stalker"].status == "finished"
    assert states["movie/mirror"].status == "want"
    # The curator's own state is kept as written (rating 9 in the sample log).
    assert states["movie/the-conversation"].rating == 9
    stalker = [(e.kind, e.date, e.note) for e in site.logs["ada"].entries if e.ref == "movie/stalker"]
    assert stalker == [
        ("finished", "2024-01-01", ""),
        ("note", "2024-01-01", "The room, the room."),
        ("finished", "2024-02-01", "Rewatch."),
    ]
    menu = site.menus["slow-zones"]
    assert menu.status == "draft" and menu.curator == "ada" and menu.tags == ["slow", "tarkovsky"]
    assert [i.ref for i in menu.courses[0].items] == ["movie/stalker", "movie/mirror"]
    assert site.items["movie/stalker"].sources[0].id == "28PO"
    assert "letterboxd" in {s.source for s in site.items["movie/the-conversation"].sources}


def test_letterboxd_zip_twice_changes_nothing(site_root: Path, tmp_path: Path) -> None:
    folder = _export(tmp_path / "lb")
    archive = tmp_path / "letterboxd-ada.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in folder.rglob("*.csv"):
            zf.write(path, "letterboxd-ada-2024/" + path.relative_to(folder).as_posix())
    settings = settings_for(site_root)
    first = import_letterboxd(settings, archive, "ada")
    assert first.files_written and first.menus_created == ["slow-zones"]
    before = _digest(site_root)
    second = import_letterboxd(settings, archive, "ada")
    assert _digest(site_root) == before
    assert second.files_written == 0 and second.created == set()
    assert second.lines()[-1] == "nothing changed: every row was already imported"


def test_unreadable_exports_are_located_errors(site_root: Path, tmp_path: Path) -> None:
    settings = settings_for(site_root)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ContentError, match="not a readable zip"):
        import_letterboxd(settings, broken, "ada")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ContentError, match="no Letterboxd files"):
        import_letterboxd(settings, empty, "ada")
    with pytest.raises(ContentError, match="no curator 'zed'"):
        import_letterboxd(settings, _export(tmp_path / "lb"), "zed")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Book Id,Title\n1,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(ContentError) as info:
        import_goodreads(settings, latin, "ada")
    assert info.value.path == str(latin) and info.value.line == 2


def test_cli_reports_a_summary_and_needs_a_curator(site_root: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    folder = _export(tmp_path / "lb")
    result = runner.invoke(main, ["import", "letterboxd", str(folder), "--root", str(site_root)])
    assert result.exit_code == 2 and "--curator" in result.output
    result = runner.invoke(
        main, ["import", "letterboxd", str(folder), "--curator", "ada", "--root", str(site_root)]
    )
    assert result.exit_code == 0, result.output
    assert "2 items created" in result.output and "rows skipped" in result.output
    assert "skipped 1: no film name" in result.output


def test_goodreads_unwraps_isbns() -> None:
    assert unwrap('="9781250313195"') == "9781250313195"
    assert unwrap('=""') == ""
    assert unwrap("0-06-027322-4") == "0060273224"


@pytest.mark.parametrize("name", ["bookwyrm", "actualgenius"])
def test_goodreads_real_exports_both_layouts(site_root: Path, name: str) -> None:
    export = real(f"exports/goodreads/{name}_goodreads_library_export.csv")
    settings = settings_for(site_root)
    summary = import_goodreads(settings, export, "bruno")
    assert summary.imported == summary.rows and not summary.skipped
    site, _ = load_site(settings)
    log = site.logs["bruno"]
    assert len(log.states) == summary.rows
    assert all(s.rating is None or s.rating % 2 == 0 for s in log.states)
    before = _digest(site_root)
    again = import_goodreads(settings, export, "bruno")
    assert _digest(site_root) == before and again.files_written == 0
    if name == "bookwyrm":
        gideon = site.items["book/gideon-the-ninth"]
        assert gideon.fields["isbn"] == "9781250313195" and gideon.fields["pages"] == 448
        assert gideon.metadata["series"] == "The Locked Tomb #1"
        assert site.items["book/patisserie-at-home"].fields["authors"] == ["Mélanie Dupuis", "Anne Cazor"]
        states = {s.ref: s for s in log.states}
        assert states["book/gideon-the-ninth"].rating == 6
        kinds = {(e.kind, e.date) for e in log.entries if e.ref == "book/gideon-the-ninth"}
        assert kinds == {("finished", "2020-10-25")}  # shelving it as read is no event
    # A book on the to-read shelf is wanted: a state, never a note in the timeline.
    wanted = {s.ref for s in log.states if s.status == "want"}
    assert not [e for e in log.entries if e.ref in wanted and e.kind == "note" and "Shelved" in e.note]
    assert not [e for e in log.entries if "Shelved as to-read" in e.note]


def test_goodreads_malformed_rows_are_skipped_with_reasons(site_root: Path, tmp_path: Path) -> None:
    export = tmp_path / "gr.csv"
    export.write_text(
        "Book Id,Title,Author,Additional Authors,ISBN,ISBN13,My Rating,Number of Pages,"
        "Original Publication Year,Date Read,Date Added,Bookshelves,Exclusive Shelf\n"
        '1,The Crying of Lot 49,Thomas Pynchon,,"=""""","=""9780060913076""",5,152,1966,'
        "2024/02/30,2024/01/01,,read\n"
        "2,Solaris,Stanisław Lem,,,,9,204,1961,,2024/01/01,,to-read\n"
        '3,The Crying of Lot 49,Thomas Pynchon,,,"=""9780060913076""",4,,1966,2024/03/01,'
        '2024/01/01,"favourites, postal",read\n',
        encoding="utf-8",
    )
    summary = import_goodreads(settings_for(site_root), export, "ada")
    assert {reason for _, reason in summary.skipped} == {
        "Date Read '2024/02/30' is not a date",
        "rating '9' is not 0–5",
    }
    assert summary.matched == {"book/the-crying-of-lot-49"} and not summary.created
    site, _ = load_site(settings_for(site_root))
    lot49 = site.items["book/the-crying-of-lot-49"]
    assert {"favourites", "postal", "paranoia"} <= set(lot49.tags)
    assert ("goodreads", "3") in {(s.source, s.id) for s in lot49.sources}


@pytest.mark.slow
def test_real_letterboxd_export_imports_completely_and_twice_changes_nothing(site_root: Path) -> None:
    export = real("exports/letterboxd/patrickmjones")
    settings = settings_for(site_root)
    summary = import_letterboxd(settings, export, "ada")
    assert summary.rows > 6000 and summary.imported + len(summary.skipped) == summary.rows
    assert len(summary.menus_created) == 3
    site, _ = load_site(settings)
    entries = [e for e in site.logs["ada"].entries if e.kind == "finished"]
    assert len(entries) >= 2100  # one per diary row with a watched date, rewatches included
    before = _digest(site_root)
    stamps = {p: p.stat().st_mtime_ns for p in site_root.rglob("*") if p.is_file()}
    again = import_letterboxd(settings, export, "ada")
    assert _digest(site_root) == before and again.files_written == 0
    assert {p: p.stat().st_mtime_ns for p in site_root.rglob("*") if p.is_file()} == stamps


def test_real_letterboxd_ratings_and_lists(site_root: Path, tmp_path: Path) -> None:
    import shutil

    source = real("exports/letterboxd/patrickmjones")
    export = tmp_path / "export"
    (export / "lists").mkdir(parents=True)
    shutil.copy(source / "ratings.csv", export)
    shutil.copy(source / "lists/palme-dor-winners-project.csv", export / "lists")
    settings = settings_for(site_root)
    summary = import_letterboxd(settings, export, "ada")
    assert not summary.skipped and summary.menus_created == ["palme-d-or-winners-project"]
    site, _ = load_site(settings)
    ratings = {s.ref: s.rating for s in site.logs["ada"].states}
    assert ratings["movie/backcountry"] == 3 and ratings["movie/parasite"] == 10  # 1.5 and 5 stars
    menu = site.menus["palme-d-or-winners-project"]
    assert menu.status == "draft" and menu.tags == ["cannes", "project"]
    assert [i.ref for i in menu.courses[0].items][:2] == ["movie/parasite", "movie/shoplifters"]
    rows = (source / "lists/palme-dor-winners-project.csv").read_text().count("https://boxd.it/") - 1
    assert len(menu.courses[0].items) == rows
    assert "indiewire.com" in menu.introduction
