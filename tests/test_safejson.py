"""Indented JSON from the quick encoder is the json module's, byte for byte."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site.safejson import dumps_safe

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(alphabet=st.characters(), max_size=12)
    | st.sampled_from(["<script>", "a&b", "it's", "\u2028", "\x00", "é", "\ud800"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4)
    ),
    max_leaves=20,
)


def reference(value: object, indent: int) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=indent, separators=(",", ": "), allow_nan=False)
    return text.translate(
        str.maketrans(
            {
                "<": "\\u003c",
                ">": "\\u003e",
                "&": "\\u0026",
                "'": "\\u0027",
                "\u2028": "\\u2028",
                "\u2029": "\\u2029",
            }
        )
    )


# The fast set tries 200 examples; the long run of the same check (slow, in CI) 2000.
@settings(max_examples=200, deadline=None)
@given(VALUES, st.sampled_from([1, 2, 4]))
def test_indented_json_matches_the_json_module(value: object, indent: int) -> None:
    try:
        expected = reference(value, indent)
    except ValueError:  # NaN or infinity: refused either way
        with pytest.raises(ValueError):
            dumps_safe(value, indent=indent)
        return
    assert dumps_safe(value, indent=indent) == expected


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@given(VALUES, st.sampled_from([1, 2, 4]))
def test_indented_json_matches_the_json_module_long_run(value: object, indent: int) -> None:
    test_indented_json_matches_the_json_module.hypothesis.inner_test(value, indent)


def test_other_values_are_refused_as_json_refuses_them() -> None:
    with pytest.raises(TypeError):
        dumps_safe({"a": {1, 2}}, indent=2)
