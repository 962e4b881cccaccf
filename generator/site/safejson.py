"""JSON that is safe to put inside HTML: in a <script> block (JSON-LD) or served as a file."""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

from markupsafe import Markup

# `</script>` or `<!--` inside a JSON string would end or confuse the script block; `&` and `'`
# matter in attributes; U+2028/9 end lines in older JavaScript. All become \uXXXX escapes,
# which every JSON parser reads back as the same characters.
_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _escaped(text: str) -> str:
    """`text` with each character of _ESCAPES replaced by its escape. One search per
    character, skipped when absent: str.translate with a table looked every character of
    every page up in a dict, many times slower."""
    for raw, escape in _ESCAPES.items():
        if raw in text:
            text = text.replace(raw, escape)
    return text


def dumps_safe(value: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """JSON text with no raw `<`, `>`, `&` or `'`; same bytes for the same value."""
    if indent and not sort_keys:
        try:
            parts: list[str] = []
            _indented(value, parts, "\n", " " * indent)
            return _escaped("".join(parts))
        except _Unusual:
            pass  # the json module gives the answer (or the error)
    text = json.dumps(
        value,
        ensure_ascii=False,
        indent=indent,
        sort_keys=sort_keys,
        separators=(",", ": ") if indent else (",", ":"),
        allow_nan=False,
    )
    return _escaped(text)


class _Unusual(Exception):
    """A value the quick encoder leaves to the json module."""


def _indented(value: Any, out: list[str], newline: str, step: str) -> None:
    """What json.dumps(value, indent=…, ensure_ascii=False) writes, for plain JSON values.

    The json module writes indented JSON in pure Python, one generator per level, and API
    documents are all indented; this writes the same text several times faster."""
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _Unusual
        out.append(float.__repr__(value))
    elif isinstance(value, dict):
        _indented_object(value, out, newline, step)
    elif isinstance(value, list | tuple):
        _indented_array(value, out, newline, step)
    else:
        raise _Unusual


def _indented_object(value: dict[Any, Any], out: list[str], newline: str, step: str) -> None:
    if not value:
        out.append("{}")
        return
    inner = newline + step
    separator = "{" + inner
    for key, item in value.items():
        if not isinstance(key, str):
            raise _Unusual
        out.append(separator)
        out.append(encode_basestring(key))
        out.append(": ")
        _indented(item, out, inner, step)
        separator = "," + inner
    out.append(newline + "}")


def _indented_array(value: list[Any] | tuple[Any, ...], out: list[str], newline: str, step: str) -> None:
    if not value:
        out.append("[]")
        return
    inner = newline + step
    separator = "[" + inner
    for item in value:
        out.append(separator)
        _indented(item, out, inner, step)
        separator = "," + inner
    out.append(newline + "]")


def script_json(value: Any, indent: int | None = None) -> Markup:
    """The `tojson` / `jsonld` template filter: JSON ready to sit inside <script>…</script>."""
    return Markup(dumps_safe(value, indent=indent))
