"""Imports write back only what changed, and a record updates the item of its work."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from generator.imports.letterboxd import import_letterboxd
from generator.sources.importer import import_upstream
from tests.conftest import settings_for
from tests.realdata import real
from tests.sitekit import write

WORK = "openlibrary/bookwyrm_ol_work_OL15832982W.json"
EDITION = "openlibrary/bookwyrm_ol_edition_sabriel.json"
RELEASE = "musicbrainz/picard_release_dark_side_of_the_moon.json"
RELEASE_GROUP = "musicbrainz/picard_release_group_dark_side.json"

CURATED = """\
---
# Sabriel, as I keep it: comments, flow lists and quotes are mine.
title: "Sabriel"   # the work's own title
release_date: 1995
canonical_url: 'https://openlibrary.org/works/OL15832982W'
metadata:
  subjects: [Fantasy, "Fiction"]   # trimmed by hand
  cover_count: 2
tags: [fantasy, young-adult]
sources:
  - {source: openlibrary, id: OL15832982W, fetched: 2026-11-26,
     url: "https://openlibrary.org/works/OL15832982W"}
---
My own words on it.
"""


def _diff(before: str, after: str) -> list[str]:
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_reimport_changes_exactly_the_new_value(site_root: Path) -> None:
    path = site_root / "content/items/book/sabriel.md"
    write(site_root, {"content/items/book/sabriel.md": CURATED})
    report = import_upstream(settings_for(site_root), "openlibrary", "OL15832982W", from_file=real(WORK))
    after = path.read_text(encoding="utf-8")
    assert _diff(CURATED, after) == ["+cover_image_url: https://covers.openlibrary.org/b/id/6796986-L.jpg"]
    # The new key sits where the format puts it: after release_date, before canonical_url.
    assert after.index("cover_image_url") < after.index("canonical_url")
    change = report.changes[0]
    assert change.set == ["cover_image_url"]
    assert "metadata.subjects" in change.kept and "description" in change.kept


def _with_cover(tmp_path: Path, cover: int) -> Path:
    payload = json.loads(real(WORK).read_text(encoding="utf-8"))
    payload["covers"] = [cover]
    saved = tmp_path / f"work-{cover}.json"
    saved.write_text(json.dumps(payload), encoding="utf-8")
    return saved


def test_a_value_the_import_wrote_follows_upstream_a_curators_is_kept(
    site_root: Path, tmp_path: Path
) -> None:
    settings = settings_for(site_root)
    path = site_root / "content/items/book/sabriel.md"
    import_upstream(settings, "openlibrary", "OL15832982W", from_file=_with_cover(tmp_path, 111))
    assert "b/id/111-L.jpg" in path.read_text()
    # Upstream changed the cover; the file still holds what the import wrote: it follows.
    second = import_upstream(settings, "openlibrary", "OL15832982W", from_file=_with_cover(tmp_path, 222))
    assert second.changes[0].set == ["cover_image_url"] and not second.changes[0].kept
    assert "b/id/222-L.jpg" in path.read_text()
    assert "kept the curator's" not in "\n".join(second.lines())
    # The curator picks another cover: now the import keeps it, and says so.
    path.write_text(path.read_text().replace("b/id/222-L.jpg", "b/id/999-L.jpg"))
    third = import_upstream(settings, "openlibrary", "OL15832982W", from_file=_with_cover(tmp_path, 333))
    assert third.changes[0].kept == ["cover_image_url"]
    assert "b/id/999-L.jpg" in path.read_text()
    assert "kept the curator's cover_image_url" in "\n".join(third.lines())


def test_an_edition_updates_the_item_of_its_work(site_root: Path) -> None:
    settings = settings_for(site_root)
    import_upstream(settings, "openlibrary", "OL15832982W", from_file=real(WORK))
    report = import_upstream(settings, "openlibrary", "OL22951843M", from_file=real(EDITION))
    change = report.changes[0]
    assert not change.created and change.ref == "book/sabriel"
    assert sorted(p.stem for p in (site_root / "content/items/book").glob("sabriel*.md")) == ["sabriel"]
    lines = "\n".join(report.lines())
    assert "updated book/sabriel: the edition's work OL15832982W is its source" in lines
    # The work's values are neither overwritten by the edition's nor called the curator's.
    assert "kept" not in lines
    text = (site_root / "content/items/book/sabriel.md").read_text()
    assert "release_date: 1995" in text and "pages: 491" in text and "id: OL22951843M" in text


def test_an_isbn_matches_an_item_of_another_title(site_root: Path) -> None:
    write(
        site_root,
        {
            "content/items/book/sabriel-paperback.md": """\
            ---
            title: Sabriel (my paperback)
            isbn: "9780060273224"
            ---
            """
        },
    )
    report = import_upstream(settings_for(site_root), "openlibrary", "OL22951843M", from_file=real(EDITION))
    assert report.changes[0].ref == "book/sabriel-paperback"
    assert "its ISBN 9780060273224" in report.changes[0].describe()


def test_a_release_updates_the_item_of_its_release_group(site_root: Path) -> None:
    settings = settings_for(site_root)
    group = import_upstream(
        settings,
        "musicbrainz",
        "release-group/f5093c06-23e3-404f-aeaa-40f72885ee3a",
        from_file=real(RELEASE_GROUP),
    )
    assert group.changes[0].created
    music = site_root / "content/items/music"
    before = sorted(p.name for p in music.glob("*.md"))
    report = import_upstream(
        settings, "musicbrainz", "release/b84ee12a-09ef-421b-82de-0441a926375b", from_file=real(RELEASE)
    )
    assert report.changes[0].ref == group.changes[0].ref and not report.changes[0].created
    assert "the release's release group f5093c06-23e3-404f-aeaa-40f72885ee3a is its source" in (
        report.changes[0].describe()
    )
    assert sorted(p.name for p in music.glob("*.md")) == before


def _stamps(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_ino)
        for p in sorted(root.rglob("*"))
        if p.is_file() and "output" not in p.parts
    }


CURATED_LOG = """\
# Ada's log. Comments and flow style are hers.
curator: ada
states:
  - {item: movie/the-conversation, status: finished, rating: 9}   # a favourite
entries:
  - item: movie/the-conversation
    kind: finished
    date: 2026-09-14   # the first time
"""


def test_an_export_imported_twice_writes_no_file_the_second_time(site_root: Path) -> None:
    from tests.test_imports import _export

    write(site_root, {"content/logs/ada.yaml": CURATED_LOG})
    export = _export(site_root.parent / "letterboxd")
    settings = settings_for(site_root)
    import_letterboxd(settings, export, "ada")
    log = (site_root / "content/logs/ada.yaml").read_text(encoding="utf-8")
    # The curator's lines are all still there, as written; the import only added lines.
    assert [line for line in _diff(CURATED_LOG, log) if line.startswith("-")] == []
    assert "item: movie/stalker" in log
    before = _stamps(site_root)
    again = import_letterboxd(settings, export, "ada")
    assert again.files_written == 0
    assert _stamps(site_root) == before  # not one file rewritten, not even with equal bytes


SCALARS = [
    "Stalker",
    "Schindler's List",
    "Spider-Man: No Way Home",
    "The Room, the Room",
    "1984",
    "yes",
    "null",
    "",
    " lead",
    "trail ",
    "Amélie",
    "三体",
    "#hash",
    "a #b",
    "- dash",
    "2024-01-02",
    "2024-13-02",
    "3.5",
    "https://boxd.it/2a38",
    'say "hi"',
    "…and justice",
    "x\ty",
    "two\nlines",
    "a" * 120,
    ".inf",
    "Off",
]


def test_the_fast_yaml_writer_reads_back_as_pyyaml_writes() -> None:
    import yaml

    from generator.content import writeback

    for value in SCALARS:
        data = {
            "title": value,
            "release_date": 1999,
            "tags": [value, "x"],
            "sources": [{"source": "letterboxd", "id": value, "url": "https://boxd.it/x"}],
            "metadata": {"a": [], "b": {}, "n": None, "f": True},
        }
        fast = writeback.dump_yaml(data)
        slow = writeback._pyyaml(data)
        assert yaml.safe_load(fast) == yaml.safe_load(slow), value
        assert writeback.plain(yaml.safe_load(fast)) == data, value
        if value.isalpha():
            assert fast == slow, value


def test_a_wikidata_entity_updates_the_item_of_its_tmdb_id(site_root: Path, tmp_path: Path) -> None:
    settings = settings_for(site_root)
    movie = import_upstream(
        settings, "tmdb", "671", from_file=real("tmdb/mediatracker_tmdb_movie_671_details.json")
    )
    claim = {"mainsnak": {"datavalue": {"value": "671"}}, "rank": "normal"}
    film = {"mainsnak": {"datavalue": {"value": {"id": "Q11424"}}}, "rank": "normal"}
    entity = {
        "id": "Q102438",
        "labels": {"en": {"language": "en", "value": "Harry Potter and the Philosopher's Stone"}},
        "claims": {"P31": [film], "P4947": [claim]},
    }
    saved = tmp_path / "Q102438.json"
    saved.write_text(json.dumps({"entities": {"Q102438": entity}}), encoding="utf-8")
    report = import_upstream(settings, "wikidata", "Q102438", from_file=saved)
    change = report.changes[0]
    assert change.ref == movie.changes[0].ref and not change.created
    assert "its TMDB id 671 is its source" in change.describe()
