"""Loading and validating small inline sites: good content loads, bad content is located."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.content.loader import load_site
from generator.errors import ContentErrors
from tests.conftest import settings_for
from tests.sitekit import MENU, make_site


def problems_of(root: Path) -> list[str]:
    with pytest.raises(ContentErrors) as caught:
        load_site(settings_for(root))
    return [p.format() for p in caught.value.problems]


def test_minimal_site_loads(site_root: Path) -> None:
    site, warnings = load_site(settings_for(site_root))
    assert set(site.menus) == {"paranoid-seventies", "paranoid-remix"}
    assert set(site.items) == {"book/the-crying-of-lot-49", "movie/the-conversation"}
    menu = site.menus["paranoid-seventies"]
    assert [i.ref for i in menu.courses[0].items] == ["movie/the-conversation", "book/the-crying-of-lot-49"]
    assert menu.courses[0].items[0].line == 11
    assert warnings == []


def test_upstream_id_reference_resolves(tmp_path: Path) -> None:
    menu = MENU.format(title="By id", curator="ada", status="published", extra="").replace(
        "item: book/the-crying-of-lot-49", "item: wikidata:Q1217219"
    )
    root = make_site(tmp_path, {"content/menus/by-id.md": menu})
    site, _ = load_site(settings_for(root))
    assert site.menus["by-id"].courses[0].items[1].ref == "book/the-crying-of-lot-49"


def test_unknown_reference_names_file_line_and_nearest(tmp_path: Path) -> None:
    menu = MENU.format(title="T", curator="ada", status="published", extra="").replace(
        "item: movie/the-conversation", "item: movie/the-conversaton"
    )
    root = make_site(tmp_path, {"content/menus/paranoid-seventies.md": menu})
    found = problems_of(root)
    assert any(
        p.startswith("content/menus/paranoid-seventies.md:11: error: unknown item 'movie/the-conversaton'")
        and "movie/the-conversation" in p
        for p in found
    ), found


def test_all_problems_reported_together(tmp_path: Path) -> None:
    menu = MENU.format(title="T", curator="zed", status="published", extra="").replace(
        "item: book/the-crying-of-lot-49", "item: book/nope"
    )
    log = "curator: ada\nstates:\n  - item: movie/the-conversation\n    status: finished\n    rating: 11\n"
    root = make_site(tmp_path, {"content/menus/paranoid-seventies.md": menu, "content/logs/ada.yaml": log})
    found = "\n".join(problems_of(root))
    assert "content/menus/paranoid-seventies.md:3: error: unknown curator 'zed'" in found
    assert "content/menus/paranoid-seventies.md:13: error: unknown item 'book/nope'" in found
    assert "content/logs/ada.yaml:5: error: 'rating' is 11, must be between 0 and 10" in found


def test_a_slug_is_its_file_name_so_none_is_claimed_twice(tmp_path: Path) -> None:
    copy = MENU.format(title="Copy", curator="ada", status="published", extra="slug: paranoid-seventies\n")
    root = make_site(tmp_path, {"content/menus/zz-copy.md": copy})
    found = "\n".join(problems_of(root))
    assert (
        "content/menus/zz-copy.md:7: error: slug 'paranoid-seventies' does not match the file name "
        "'zz-copy'" in found
    )
    assert "duplicate" not in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "---\ntitle: [unclosed\n---\n",
            ":3: error: invalid YAML: did not find expected ',' or "
            "']' (while parsing a flow sequence that starts on line 2)",
        ),
        ("---\ntitle: A\ntitle: B\n---\n", ":3: error: duplicate key 'title' (first on line 2)"),
        ("---\ntitle: A\nrelease_date: 2020-02-30\n---\n", ":3: error: invalid value"),
        ("---\ntitle: A\nrelease_date: yesterday\n---\n", ":3: error: 'release_date' is not a date"),
        ("---\ntitle: A\nruntime_minutes: long\n---\n", ":3: error: 'runtime_minutes' must be"),
        ("---\ntitle: A\ndirectorz: [X]\n---\n", ":3: error: unknown field 'directorz'"),
        ("title: A\n", ":1: error: missing front matter"),
        ("", ":1: error: file is empty"),
        ("---\ntitle: A\ntags:\n\t- x\n---\n", ":4: error: tab used for indentation"),
        ("---\na: &x [1]\nb: *x\n---\n", "anchors and aliases"),
    ],
)
def test_malformed_item_file_is_located(tmp_path: Path, text: str, expected: str) -> None:
    root = make_site(tmp_path, {"content/items/movie/broken.md": text})
    found = "\n".join(problems_of(root))
    assert f"content/items/movie/broken.md{expected}" in found or expected in found, found


def test_non_utf8_and_bom(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    (root / "content/items/movie/latin.md").write_bytes(b"---\ntitle: Caf\xe9\n---\n")
    (root / "content/items/movie/bom.md").write_bytes(b"\xef\xbb\xbf---\ntitle: A\n---\n")
    found = "\n".join(problems_of(root))
    assert "content/items/movie/latin.md:2: error: not valid UTF-8" in found
    assert "content/items/movie/bom.md:1: error: file starts with a byte-order mark" in found


def test_unknown_type_folder_and_bad_enum(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/items/podcast/x.md": "---\ntitle: X\n---\n",
            "content/menus/bad-status.md": MENU.format(title="B", curator="ada", status="live", extra=""),
        },
    )
    found = "\n".join(problems_of(root))
    assert "content/items/podcast: error: unknown item type folder 'podcast'" in found
    assert "content/menus/bad-status.md:4: error: 'status' is 'live', not one of: draft, published" in found


def test_fork_cycle_and_missing_parent(tmp_path: Path) -> None:
    a = MENU.format(title="A", curator="ada", status="published", extra="forked_from: menu-b\n")
    b = MENU.format(title="B", curator="ada", status="published", extra="forked_from: menu-a\n")
    c = MENU.format(title="C", curator="ada", status="published", extra="forked_from: nowhere\n")
    root = make_site(
        tmp_path, {"content/menus/menu-a.md": a, "content/menus/menu-b.md": b, "content/menus/menu-c.md": c}
    )
    found = "\n".join(problems_of(root))
    assert "content/menus/menu-a.md:7: error: fork cycle: menu-a → menu-b → menu-a" in found
    assert "content/menus/menu-c.md:7: error: forked from unknown menu 'nowhere'" in found


def test_pairing_to_item_not_in_menu(tmp_path: Path) -> None:
    menu = MENU.format(title="T", curator="ada", status="published", extra="").replace(
        "      - item: book/the-crying-of-lot-49\n", ""
    )
    root = make_site(tmp_path, {"content/menus/paranoid-seventies.md": menu})
    found = "\n".join(problems_of(root))
    assert "error: pairing names book/the-crying-of-lot-49, which is not on this menu" in found


def test_position_gap_is_an_error(tmp_path: Path) -> None:
    menu = MENU.format(title="T", curator="ada", status="published", extra="").replace(
        "      - item: book/the-crying-of-lot-49\n",
        "      - item: book/the-crying-of-lot-49\n        position: 3\n",
    )
    root = make_site(tmp_path, {"content/menus/paranoid-seventies.md": menu})
    found = "\n".join(problems_of(root))
    assert "content/menus/paranoid-seventies.md:14: error: item position 3 but it is item 2" in found


def test_stale_availability_is_a_warning(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    path = root / "content/items/movie/the-conversation.md"
    path.write_text(path.read_text().replace("2026-11-01", "2026-01-02"))
    _, warnings = load_site(settings_for(root))
    assert [w.format().split(":")[0:2] for w in warnings] == [
        ["content/items/movie/the-conversation.md", "10"]
    ]
    assert "last checked 328 days ago" in warnings[0].message
    with pytest.raises(ContentErrors):
        load_site(settings_for(root), strict=True)
