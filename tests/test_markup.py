"""The quick path for simple Markdown gives the same bytes as the parser plus sanitizer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site.markup import _markdown, render_simple, sanitize


def full(text: str) -> str:
    return sanitize(_markdown(text)) if text else ""


def assert_simple_path_agrees(text: str) -> None:
    """Where the quick path answers at all, it answers what the parser does."""
    simple = render_simple(text)
    if simple is not None:
        assert simple == full(text)


# Characters that mean something somewhere in Markdown, next to plain words and non-ASCII text.
PIECES = [
    "word",
    "Chloë",
    "1979",
    "1.",
    "2)",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\n \n",
    "*",
    "**",
    "_",
    "-",
    "+",
    "#",
    ">",
    "<em>",
    "&",
    "&amp;",
    ":",
    "=",
    "|",
    "`",
    "[",
    "]",
    "(",
    ")",
    "!",
    "'",
    '"',
    "“",
    "’",
    "…",
    "\t",
    "\r",
    "\xa0",
    "\\",
    "~",
    "{",
    "}",
    "^",
    ".",
    ",",
    "é",
    "日本",
    "\u200b",
    "---",
    "===",
    "    ",
]


# The fast set tries 300 examples; the long run of the same check (slow, in CI) 3000.
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_simple_path_matches_the_parser(pieces: list[str]) -> None:
    assert_simple_path_agrees("".join(pieces))


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_simple_path_matches_the_parser_long_run(pieces: list[str]) -> None:
    assert_simple_path_agrees("".join(pieces))


# Mostly what the quick path accepts, so that most examples exercise it.
PLAIN_PIECES = [
    "word",
    "Chloë",
    "1979",
    "1",
    ".",
    " ",
    "\n",
    "\n\n",
    "\n\n\n",
    "*",
    "*",
    "(",
    ")",
    "'",
    '"',
    "“",
    "’",
    ",",
    ":",
    "!",
    "?",
    "-",
    "=",
    "+",
    "/",
    "%",
    "$",
    "@",
    "…",
    ";",
    "日本",
    "2.",
    "&",
    " & ",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PLAIN_PIECES), max_size=14))
def test_simple_path_matches_the_parser_on_plain_text(pieces: list[str]) -> None:
    assert_simple_path_agrees("".join(pieces))


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PLAIN_PIECES), max_size=14))
def test_simple_path_matches_the_parser_on_plain_text_long_run(pieces: list[str]) -> None:
    assert_simple_path_agrees("".join(pieces))


def test_typical_texts_take_the_simple_path() -> None:
    texts = [
        "A romance, comedy film from 1979, directed by Blake Edwards.\nIt stars Bo Derek.\n\n"
        "Running time: *122 minutes*. Languages: English. Made in United States.",
        "Why a patch of blue here: *timing*.",
        "For people who like Love & Sex, or *Bill & Ted*. Tom &\nJerry, and rock &",
        "An introduction to menu 1, written for people who like Sabrina.",
        "“Quoted” (and bracketed) text, with *two* *emphases* and a*middle*word.\n\n\nSecond paragraph.\n",
    ]
    for text in texts:
        assert render_simple(text) is not None, text
        assert render_simple(text) == full(text)


def test_markup_takes_the_full_path() -> None:
    for text in [
        "- a list",
        "1. first",
        "# heading",
        "a [link](https://x.org)",
        "**strong**",
        "a &amp; b",
        "a &copy; b",
        "a&b",
        "a && b",
        "line  \nbreak",
        "    code",
        "a *b\nc* d",
        "* bullet",
        "*a**b*",
        "x\n===",
        "Term\n: definition",
        "a | b\n--|--\n1 | 2",
        "a\xa0b",
    ]:
        assert render_simple(text) is None, text
