"""Check a stored upstream payload as typed content is checked: its text and what becomes pages.

A payload under data/sources/ comes from a pull request like any content file. Its strings
reach the public database verbatim, and TMDB's watch providers become availability rows
shown on item pages, in the API and in the open data. So every string must be text a curator
could type (no control characters, nothing XML cannot hold), and every value that becomes a
link must be an http(s) URL, as the `url:` fields of content files must."""

from __future__ import annotations

import json
import re
from typing import Any

from generator.content.fields import URL_RE
from generator.content.providers import watch_offers
from generator.content.yamlsource import INVALID_CHARS, INVALID_HINT, invalid_char_message
from generator.errors import Problem

# A JSON string literal, escapes included. Only literals with a `\u`, `\b` or `\f` escape
# can decode to a character the raw text does not show (`\n`, `\r` and `\t` are text); the
# raw text itself is searched directly.
_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_HIDING = ("\\u", "\\b", "\\f")
_REFETCH = "re-run the import to fetch the payload again, or remove the file"


def payload_problems(text: str, value: Any, name: str) -> list[Problem]:
    """Located problems of one payload (`text`, parsed into `value`) kept at `name`."""
    problems: list[Problem] = []
    bad = INVALID_CHARS.search(text)
    if bad is not None:
        problems.append(
            Problem(
                name, _line(text, bad.start()), invalid_char_message(bad.group(), "the payload"), INVALID_HINT
            )
        )
    elif any(escape in text for escape in _HIDING):
        problems.extend(_escaped(text, name))
    for region, link in watch_offers(value):
        if link is not None and not URL_RE.match(link):
            problems.append(
                Problem(
                    name,
                    _line_of_value(text, link),
                    f"watch-provider link of region {region!r} must be an http(s) URL, got {link!r}",
                    _REFETCH,
                )
            )
    return problems


def _escaped(text: str, name: str) -> list[Problem]:
    """The first string whose escapes spell a character text must not hold."""
    for match in _LITERAL.finditer(text):
        literal = match.group()
        if not any(escape in literal for escape in _HIDING):
            continue
        try:
            decoded = json.loads(literal)
        except ValueError:
            continue
        bad = INVALID_CHARS.search(decoded)
        if bad is not None:
            message = invalid_char_message(bad.group(), "a payload value")
            return [Problem(name, _line(text, match.start()), message, INVALID_HINT)]
    return []


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _line_of_value(text: str, value: str) -> int:
    """The line where a string value is written, however it was escaped; else 1."""
    for form in (json.dumps(value, ensure_ascii=False), json.dumps(value)):
        found = text.find(form)
        if found >= 0:
            return _line(text, found)
    return 1
