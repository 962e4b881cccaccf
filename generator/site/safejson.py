"""JSON that is safe to put inside HTML: in a <script> block (JSON-LD) or served as a file."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

# `</script>` or `<!--` inside a JSON string would end or confuse the script block; `&` and `'`
# matter in attributes; U+2028/9 end lines in older JavaScript. All become \uXXXX escapes,
# which every JSON parser reads back as the same characters.
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027",
            "\u2028": "\\u2028", "\u2029": "\\u2029"}
_TABLE = str.maketrans(_ESCAPES)


def dumps_safe(value: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """JSON text with no raw `<`, `>`, `&` or `'`; same bytes for the same value."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sort_keys,
                      separators=(",", ": ") if indent else (",", ":"), allow_nan=False)
    return text.translate(_TABLE)


def script_json(value: Any, indent: int | None = None) -> Markup:
    """The `tojson` / `jsonld` template filter: JSON ready to sit inside <script>…</script>."""
    return Markup(dumps_safe(value, indent=indent))
