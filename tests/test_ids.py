"""Row ids are RFC 4122 version-5 UUIDs of their natural keys, whatever the key's text."""

from __future__ import annotations

import uuid

import pytest

from generator.db.ids import NAMESPACE, stable_id


@pytest.mark.parametrize(
    "kind, parts",
    [
        ("menu", ("paranoid-seventies",)),
        ("item", ("movie/the-conversation",)),
        ("course_item", ("a-menu", 3, 12)),
        ("tag", ("", "Ça va, 漢字 😀")),
        ("share", ()),
        ("availability", ("tmdb", "671", None, "DE")),
    ],
)
def test_stable_id_is_uuid5_of_the_key(kind: str, parts: tuple[object, ...]) -> None:
    key = kind + ":" + "/".join(str(p) for p in parts)
    assert stable_id(kind, *parts) == str(uuid.uuid5(NAMESPACE, key))


def test_every_variant_nibble_matches_uuid5() -> None:
    seen = set()
    for n in range(400):
        expected = str(uuid.uuid5(NAMESPACE, f"log:ada/{n}"))
        assert stable_id("log", "ada", n) == expected
        seen.add(expected[19])
    assert seen == set("89ab")
