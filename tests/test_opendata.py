"""The public database copy at /data/omakase.sqlite: every public table, no private value."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from generator.cli import main
from generator.db.schema import TABLES
from generator.engine.build import build
from generator.site.opendata import PRIVATE_COLUMNS
from tests.conftest import settings_for
from tests.sitekit import PROJECT, make_site
from tests.test_api import DRAFT, PLANTED, PRIVATE_LOG, private_values


def all_text(db: sqlite_utils.Database) -> str:
    """Every value of every row of every table, as one string to search in."""
    parts = []
    for table in db.table_names():
        for row in db[table].rows:
            parts += [str(v) for v in row.values()]
    return "\n".join(parts)


def test_public_copy_keeps_public_tables_and_drops_private_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OMAKASE_SHARE_SECRET", raising=False)
    root = make_site(
        tmp_path, {"content/menus/secret-supper.md": DRAFT, "content/logs/ada.yaml": PRIVATE_LOG}
    )
    shared = CliRunner().invoke(main, ["share", "secret-supper", "--root", str(root)])
    assert shared.exit_code == 0, shared.output
    build(settings_for(root))
    public = sqlite_utils.Database(root / "output" / "data" / "omakase.sqlite")
    built = sqlite_utils.Database(root / "data" / "omakase.sqlite")
    assert set(public.table_names()) == set(built.table_names()) >= set(TABLES)
    for table, columns in PRIVATE_COLUMNS.items():
        assert not set(columns) & set(public[table].columns_dict), table
    text = all_text(public)
    for secret in PLANTED:
        assert secret in all_text(built), secret  # the private value was really there
        assert secret not in text, secret
    assert public["menus"].count == 2 and built["menus"].count == 3
    assert public["menu_share_tokens"].count == 0 and built["menu_share_tokens"].count == 1
    assert public["courses"].count == 2 and public["course_items"].count == 4
    assert public["menu_item_pairings"].count == 2 and public["menu_lineage"].count == 1
    assert [r["notes"] for r in public["user_item_logs"].rows_where(order_by="logged_at")] == [
        "Public start.",
        "",
    ]
    # Public rows are whole: same values as the built database, private columns aside.
    assert list(public["media_items"].rows_where(order_by="id")) == list(
        built["media_items"].rows_where(order_by="id")
    )
    assert public.execute("PRAGMA foreign_key_check").fetchall() == []
    assert public.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Deleted values do not linger in free pages of the file either.
    raw = (root / "output" / "data" / "omakase.sqlite").read_bytes()
    for secret in (b"Quokka", b"SECRET-NOTE", b"PRIVATE-ENTRY", b"@example.org"):
        assert secret not in raw, secret


def test_same_content_gives_the_same_bytes(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/menus/secret-supper.md": DRAFT})
    build(settings_for(root))
    first = (root / "output" / "data" / "omakase.sqlite").read_bytes()
    build(settings_for(root))
    assert (root / "output" / "data" / "omakase.sqlite").read_bytes() == first


def test_sample_site_copy_holds_no_private_value(tmp_path: Path) -> None:
    for name in ("content", "templates"):
        shutil.copytree(PROJECT / name, tmp_path / name)
    build(settings_for(tmp_path))
    public = sqlite_utils.Database(tmp_path / "output" / "data" / "omakase.sqlite")
    built = sqlite_utils.Database(tmp_path / "data" / "omakase.sqlite")
    assert set(public.table_names()) == set(built.table_names()) >= set(TABLES)
    assert public["media_items"].count > 0 and public["menus"].count > 0
    assert public.execute("SELECT count(*) FROM menus WHERE status != 'published'").fetchone()[0] == 0
    text = all_text(public)
    secrets = private_values(PROJECT / "content")
    assert all(secrets.values()), secrets
    slugs = {row["slug"] for row in public["menus"].rows}
    for kind, values in secrets.items():
        for value in values:
            if kind == "draft slugs":
                assert value not in slugs, value
            else:
                assert value not in text, (kind, value)
