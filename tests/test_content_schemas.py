"""`omakase schema`: JSON Schemas that accept every sample file and reject what the loader rejects."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.content.fields import plain
from generator.content.files import load_markdown_file, load_yaml_file
from generator.content.schemas import api_item_schema_text, content_schemas, schema_text
from tests.sitekit import PROJECT


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _kind(path: Path) -> str:
    folder = path.parent.name
    if path.parent.parent.name == "items":
        return f"item-{folder}"
    return {"curators": "curator", "menus": "menu", "logs": "log"}[folder]


def _data(path: Path) -> dict:
    if path.suffix == ".yaml":
        return plain(load_yaml_file(path, str(path), 1_000_000))
    return plain(load_markdown_file(path, str(path), 1_000_000)[0])


def _validator(kind: str) -> jsonschema.Draft7Validator:
    schema = content_schemas()[f"{kind}.schema.json"]
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_command_writes_and_prints_every_schema(tmp_path: Path) -> None:
    code, out = run("schema", "--root", str(tmp_path))
    assert code == 0, out
    printed = json.loads(out)
    assert set(printed) == {
        "curator.schema.json",
        "menu.schema.json",
        "log.schema.json",
        "item-book.schema.json",
        "item-movie.schema.json",
        "item-game.schema.json",
        "item-music.schema.json",
    }
    for name, schema in printed.items():
        assert json.loads((tmp_path / "schemas" / name).read_text()) == schema
    code, out = run("schema", "--root", str(tmp_path), "--kind", "menu")
    assert code == 0 and json.loads(out)["title"] == "Omakase menu"


def test_committed_schemas_are_current() -> None:
    """schemas/ in the repository is what `omakase schema` writes; regenerate after a change."""
    for name, schema in content_schemas().items():
        path = PROJECT / "schemas" / name
        assert path.is_file(), f"missing {path}: run `omakase schema`"
        assert path.read_text(encoding="utf-8") == schema_text(schema), (
            f"{path} is out of date: run `omakase schema`"
        )


def test_committed_api_item_schema_lists_the_declared_fields() -> None:
    """The attributes of schemas/api/item.schema.json come from the item field table."""
    path = PROJECT / "schemas" / "api" / "item.schema.json"
    current = path.read_text(encoding="utf-8")
    assert api_item_schema_text(current) == current, f"{path} is out of date: run `omakase schema`"


SAMPLE = sorted(p for p in (PROJECT / "content").rglob("*") if p.suffix in (".md", ".yaml"))


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: str(p.relative_to(PROJECT)))
def test_every_sample_file_matches_its_schema(path: Path) -> None:
    errors = list(_validator(_kind(path)).iter_errors(_data(path)))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize(
    ("kind", "data", "needle"),
    [
        ("menu", {"title": "T", "curator": "ada", "courses": [], "colour": "red"}, "colour"),
        ("menu", {"title": "T", "curator": "ada", "courses": [], "status": "live"}, "live"),
        ("menu", {"title": "T", "curator": "ada", "courses": [], "slug": "Bad Slug"}, "Bad Slug"),
        ("menu", {"title": "T", "courses": []}, "curator"),
        ("menu", {"curator": "ada"}, "title"),
        (
            "menu",
            {"title": "T", "curator": "ada", "courses": [{"title": "C", "items": [{"item": "film/x"}]}]},
            "film/x",
        ),
        ("log", {"curator": "ada", "states": [{"item": "book/x", "status": "finished", "rating": 11}]}, "11"),
        ("item-movie", {"title": "X", "runtime_minutes": -3}, "-3"),
        ("item-book", {"title": "X", "directors": ["Y"]}, "directors"),
        ("curator", {"handle": "ada"}, "name"),
    ],
)
def test_schemas_reject_what_the_loader_rejects(kind: str, data: dict, needle: str) -> None:
    errors = list(_validator(kind).iter_errors(data))
    assert errors and any(needle in e.message for e in errors), [e.message for e in errors]
