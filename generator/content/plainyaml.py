"""Fast YAML text of simple data, in the block style writeback.dump_yaml writes.

An export import writes thousands of small item files; PyYAML's pure-Python emitter was
most of its time. Mappings, lists and short one-line scalars are written here directly;
anything else (long or multi-line text, floats, odd keys) returns None, and the caller
uses PyYAML."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import yaml

ISO_DAY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Plain in block context whatever PyYAML's analysis: starts with a word character, holds no
# ': ', ' #' or other indicator that could end or change the scalar.
PLAIN = re.compile(r"^\w[\w .,/()'&!?+:#\"=%;*@~-]*$")
# One-line text safe inside single quotes (printable, as YAML defines it).
PRINTABLE = re.compile("^[\x20-\x7e\u00a0-\ud7ff\ue000-\ufefe\uff00-\ufffd]*$")
MAX_SCALAR = 80  # longer text is folded by PyYAML at width 100: leave it to PyYAML
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


class _NotSimple(Exception):
    """The data holds something this writer leaves to PyYAML."""


def real_day(value: str) -> bool:
    """True when `value` (YYYY-MM-DD) names a day that exists: YAML reads it as a date."""
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _breaks_plain(value: str) -> bool:
    return value.endswith((" ", ":")) or ": " in value or " #" in value


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str) or len(value) > MAX_SCALAR:
        raise _NotSimple
    if ISO_DAY.match(value) and real_day(value):
        return value  # bare, as curators write dates; it reads back as the same date
    if value == "":
        return "''"
    resolved = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
    if resolved == _STR and PLAIN.match(value) and not _breaks_plain(value):
        return value
    if PRINTABLE.match(value):
        return "'" + value.replace("'", "''") + "'"
    raise _NotSimple


Fallback = Callable[[Any, int], str] | None
"""Writes one list item this writer cannot (its block YAML at an indent), else None."""


def _mapping(data: dict[Any, Any], indent: int, out: list[str], fallback: Fallback = None) -> None:
    pad = " " * indent
    for key, value in data.items():
        if not isinstance(key, str) or not KEY.match(key):
            raise _NotSimple
        if isinstance(value, dict) and value:
            out.append(f"{pad}{key}:")
            _mapping(value, indent + 2, out)
        elif isinstance(value, list) and value:
            out.append(f"{pad}{key}:")
            _sequence(value, indent + 2, out, fallback)
        elif isinstance(value, dict | list):
            out.append(f"{pad}{key}: {'{}' if isinstance(value, dict) else '[]'}")
        else:
            out.append(f"{pad}{key}: {_scalar(value)}")


def _sequence(items: list[Any], indent: int, out: list[str], fallback: Fallback = None) -> None:
    for item in items:
        if fallback is None:
            _item(item, indent, out)
            continue
        lines: list[str] = []
        try:
            _item(item, indent, lines)
        except _NotSimple:
            lines = fallback(item, indent).rstrip("\n").split("\n")
        out.extend(lines)


def _item(item: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(item, dict) and item:
        lines: list[str] = []
        _mapping(item, indent + 2, lines)
        out.append(f"{pad}- {lines[0][indent + 2 :]}")
        out.extend(lines[1:])
    elif isinstance(item, dict | list):
        raise _NotSimple
    else:
        out.append(f"{pad}- {_scalar(item)}")


def simple_yaml(data: dict[str, Any], fallback: Fallback = None) -> str | None:
    """Block-style YAML of a mapping, or None when it holds something to leave to PyYAML
    (list items such as long texts go to `fallback`, when given, one by one)."""
    out: list[str] = []
    try:
        _mapping(data, 0, out, fallback)
    except _NotSimple:
        return None
    return "\n".join(out) + "\n" if out else "{}\n"


def simple_items(items: list[Any], indent: int) -> str | None:
    """Block-style YAML of list items at `indent`, or None as simple_yaml."""
    out: list[str] = []
    try:
        _sequence(items, indent, out)
    except _NotSimple:
        return None
    return "\n".join(out) + "\n"
