"""Relative links: the quick path gives what posixpath.relpath gives."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site import urls

SEGMENTS = st.sampled_from(
    ["", "a", "b", "items", "movie", ".", "..", ".x", "a b", "é", "index.html", "feed.xml"]
)
PATHS = st.lists(SEGMENTS, max_size=5).map(lambda parts: "/" + "/".join(parts))


# The fast set tries 300 examples; the long run of the same check (slow, in CI) 3000.
@settings(max_examples=300, deadline=None)
@given(PATHS, PATHS)
def test_relpath_matches_posixpath(path: str, start: str) -> None:
    assert urls._relpath(path, start) == posixpath.relpath(path, start)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(PATHS, PATHS)
def test_relpath_matches_posixpath_long_run(path: str, start: str) -> None:
    test_relpath_matches_posixpath.hypothesis.inner_test(path, start)


def test_relative_links() -> None:
    assert urls.relative("/items/movie/x/", "/style.css") == "../../../style.css"
    assert urls.relative("/items/movie/x/", "/") == "../../../index.html"
    assert urls.relative("/", "/#latest") == "#latest"
    assert urls.relative("/menus/a/", "/menus/a/story/") == "story/index.html"
    assert urls.relative("/feed.xml", "/menus/a/") == "menus/a/index.html"
    assert urls.relative("/menus/a/", "/menus/a/") == "./index.html"
