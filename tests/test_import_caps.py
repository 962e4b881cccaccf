"""A Letterboxd archive is capped in members and in total unpacked size, not only per file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.errors import ContentError
from generator.imports import letterboxd_export
from generator.imports.letterboxd import import_letterboxd
from tests.conftest import settings_for

WATCHED = "Date,Name,Year,Letterboxd URI\n2024-01-02,Stalker,1979,https://boxd.it/28PO\n"


def test_an_archive_of_too_many_members_is_refused_naming_it_and_the_cap(
    site_root: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("watched.csv", WATCHED)
        for n in range(letterboxd_export.MAX_MEMBERS):
            zf.writestr(f"lists/{n}.txt", "")
    before = sorted(p.relative_to(site_root) for p in site_root.rglob("*"))
    result = CliRunner().invoke(
        main, ["import", "letterboxd", str(archive), "--curator", "ada", "--root", str(site_root)]
    )
    assert result.exit_code == 1, result.output
    assert (
        f"{archive}: error: archive holds {letterboxd_export.MAX_MEMBERS + 1} files; at most 10,000 are read"
        in (result.output)
    )
    assert "Traceback" not in result.output
    assert sorted(p.relative_to(site_root) for p in site_root.rglob("*")) == before


def test_an_archive_whose_files_unpack_past_the_total_cap_is_refused(
    site_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each file under the per-file cap, together over the total: the shape of a zip bomb.
    monkeypatch.setattr(letterboxd_export, "MAX_MEMBER_BYTES", 1_000)
    monkeypatch.setattr(letterboxd_export, "MAX_TOTAL_BYTES", 2_000)
    archive = tmp_path / "wide.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("watched.csv", WATCHED)
        for n in range(3):
            zf.writestr(f"lists/list-{n}.csv", "Name,Year\n" + "x" * 900)
    with pytest.raises(ContentError) as info:
        import_letterboxd(settings_for(site_root), archive, "ada")
    assert info.value.path == str(archive)
    assert (
        "unpack to" in info.value.problem.message and "at most 2,000 are read" in info.value.problem.message
    )
    # Under the caps, the same archive imports.
    monkeypatch.setattr(letterboxd_export, "MAX_TOTAL_BYTES", 10_000)
    import_letterboxd(settings_for(site_root), archive, "ada")


def test_one_file_past_its_cap_names_the_member_and_the_cap(
    site_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(letterboxd_export, "MAX_MEMBER_BYTES", 100)
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("watched.csv", WATCHED + "2024-01-03,Mirror,1975,https://boxd.it/2aHi\n" * 3)
    with pytest.raises(ContentError) as info:
        import_letterboxd(settings_for(site_root), archive, "ada")
    assert (
        info.value.path == f"{archive}!watched.csv" and "at most 100 are read" in info.value.problem.message
    )
