"""docs/recipes/add-an-item-field.md stays true: its one declaration adds a working item field."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from generator.content import itemfields
from generator.content.schemas import api_attributes_schema, content_schemas
from generator.engine.build import build
from generator.errors import ContentErrors
from tests.conftest import settings_for
from tests.sitekit import MOVIE, PROJECT, make_site

RECIPE = PROJECT / "docs" / "recipes" / "add-an-item-field.md"


def recipe_declaration() -> itemfields.ItemField:
    """The `ItemField(...)` of the recipe's first Python block, made with the table's names."""
    block = re.search(r"```python\n(.*?)```", RECIPE.read_text(encoding="utf-8"), re.DOTALL)
    assert block, f"{RECIPE} has no ```python block"
    field = eval(block.group(1), vars(itemfields).copy())  # noqa: S307 - the project's own doc
    assert isinstance(field, itemfields.ItemField)
    return field


@pytest.fixture
def writers(monkeypatch: pytest.MonkeyPatch) -> itemfields.ItemField:
    field = recipe_declaration()
    monkeypatch.setitem(itemfields.ITEM_FIELDS, "movie", (*itemfields.ITEM_FIELDS["movie"], field))
    return field


def test_the_recipe_declares_a_new_movie_list_field() -> None:
    field = recipe_declaration()
    assert (field.name, field.kind, field.column) == ("writers", itemfields.LIST, "writers")
    assert field.name not in {f.name for f in itemfields.ITEM_FIELDS["movie"]}


def test_one_declaration_adds_the_column_the_value_the_api_key_and_the_schemas(
    tmp_path: Path, writers: itemfields.ItemField
) -> None:
    movie = MOVIE.format(title="The Conversation").replace(
        "runtime_minutes: 113\n", "runtime_minutes: 113\nwriters: [Francis Ford Coppola, Sam Rivers]\n"
    )
    root = make_site(tmp_path / "site", {"content/items/movie/the-conversation.md": movie})
    build(settings_for(root))

    conn = sqlite3.connect(root / "data" / "omakase.sqlite")
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(movie_items)")]
        (stored,) = conn.execute("SELECT writers FROM movie_items").fetchone()
    finally:
        conn.close()
    assert columns[-1] == "writers"
    assert json.loads(stored) == ["Francis Ford Coppola", "Sam Rivers"]

    document = json.loads(
        (root / "output" / "api" / "items" / "movie" / "the-conversation.json").read_text(encoding="utf-8")
    )
    assert list(document["attributes"])[-1] == "writers"
    assert document["attributes"]["writers"] == ["Francis Ford Coppola", "Sam Rivers"]

    editor = content_schemas()["item-movie.schema.json"]["properties"]["writers"]
    assert editor["description"] == writers.help
    movie_api = next(s for s in api_attributes_schema() if s["description"] == "Attributes of a movie.")
    assert movie_api["properties"]["writers"] == {"type": "array", "items": {"type": "string"}}
    assert "writers" in movie_api["required"]


def test_without_the_declaration_the_field_is_refused(tmp_path: Path) -> None:
    """The check above can fail: the same file without the declaration does not build."""
    movie = MOVIE.format(title="The Conversation").replace(
        "runtime_minutes: 113\n", "runtime_minutes: 113\nwriters: [Sam Rivers]\n"
    )
    root = make_site(tmp_path / "site", {"content/items/movie/the-conversation.md": movie})
    with pytest.raises(ContentErrors, match="unknown field 'writers'"):
        build(settings_for(root))
