"""Taste profiles computed at build time from logs, states, tags and menus, imports included."""

from __future__ import annotations

import json
from pathlib import Path

from generator.db.schema import connect
from generator.engine.build import build_database
from generator.imports.letterboxd import import_letterboxd
from tests.conftest import settings_for
from tests.test_imports import _export


def _profile(settings, handle: str) -> dict:  # noqa: ANN001
    db_file, _, _, _ = build_database(settings)
    db = connect(str(db_file))
    try:
        row = next(
            iter(
                db.query(
                    "SELECT p.profile FROM user_taste_profiles p JOIN users u ON u.id = p.user_id "
                    "WHERE u.handle = ?",
                    [handle],
                )
            )
        )
        return json.loads(row["profile"])
    finally:
        db.close()
        db_file.unlink()


def test_profile_separates_loved_items_from_everything_logged(site_root: Path) -> None:
    profile = _profile(settings_for(site_root), "ada")
    assert profile["statuses"] == {"finished": 1}
    assert profile["loved"] == {
        "items": 1,
        "genres": [{"name": "thriller", "count": 1}],
        "creators": [{"name": "Francis Ford Coppola", "count": 1}],
        "tags": [{"name": "paranoia", "count": 1}, {"name": "surveillance", "count": 1}],
    }
    # Served on a published menu but never rated: counted as engaged, not as loved.
    assert {"name": "Thomas Pynchon", "count": 1} in profile["creators"]


def test_profile_follows_a_letterboxd_import(site_root: Path, tmp_path: Path) -> None:
    settings = settings_for(site_root)
    import_letterboxd(settings, _export(tmp_path / "lb"), "ada")
    profile = _profile(settings, "ada")
    assert profile["statuses"] == {"finished": 2, "want": 1}
    assert profile["ratings"][9] == 2 and profile["rated"] == 2
    assert profile["favorites"] == ["movie/stalker", "movie/the-conversation"]
    assert profile["loved"]["items"] == 2
    assert {"name": "1970s", "count": 3} in profile["decades"]
