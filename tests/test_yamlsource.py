"""YAML reading: values keep their lines; anchors, aliases and mistyped tags are located errors."""

from __future__ import annotations

from datetime import date

import pytest

from generator.content.yamlsource import parse_yaml
from generator.errors import ContentError


def error_of(text: str) -> str:
    with pytest.raises(ContentError) as caught:
        parse_yaml(text, "f.md", first_line=2)
    return caught.value.problem.format()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: 1\nb: !!bool maybe\n", "f.md:3: error: invalid value 'maybe': not a bool"),
        ("a: !!timestamp soon\n", "f.md:2: error: invalid value 'soon': not a timestamp"),
        ("a: 1\nb: !!int many\n", "f.md:3: error: invalid value 'many': invalid literal"),
    ],
)
def test_a_value_that_is_not_of_its_tag_is_located(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: x\nb: &keep [1]\nc: *keep\n", "f.md:3: error: YAML anchor &keep:"),
        ("a: x\nb: *nowhere\n", "f.md:3: error: YAML alias *nowhere:"),
        ("a: 'R&B'\nb: [1, &n 2]\n", "f.md:3: error: YAML anchor &n:"),
        ("a: *x\nb: [\n", "f.md:2: error: YAML alias *x:"),  # before the syntax error
        ("a: '*x*'\nb: [\n", "f.md:4: error: invalid YAML:"),
    ],
)
def test_anchors_and_aliases_are_refused_where_they_are(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected)


def test_stars_and_ampersands_in_text_are_text() -> None:
    data = parse_yaml(
        'note: "Watch it with *headphones*."\ntitle: Fast & Loud\ntags: [a, b]\nwhen: 2026-01-02\n',
        "f.md",
        first_line=2,
    )
    assert data == {
        "note": "Watch it with *headphones*.",
        "title": "Fast & Loud",
        "tags": ["a", "b"],
        "when": date(2026, 1, 2),
    }
    assert data.line_of("title") == 3 and data["tags"].line_of(1) == 4
