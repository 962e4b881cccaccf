"""An item page's language names, read from the table the build derives (derive/languages.py)."""

from __future__ import annotations

from generator.derive.languages import language_name
from generator.site.keyed import keyed
from generator.support.readonly import Queryable

# The name of a language code items list, as the build worked it out.
LANGUAGE_NAME = keyed(
    "SELECT {key}name FROM language_names WHERE {match}",
    "code = :code",
    rows={"language_names": "language_names"},
    code="code",
)


def language_names(db: Queryable, metadata: object) -> list[str]:
    """The names of the languages an item's metadata lists, in its order; an entry that is
    not text shows as written."""
    codes = metadata.get("languages") if isinstance(metadata, dict) else None
    if isinstance(codes, dict):  # an odd shape the derive step skips: its keys, named here
        return [language_name(code) for code in codes]
    if not isinstance(codes, list):
        return []
    names = []
    for code in codes:
        rows = list(db.query(LANGUAGE_NAME, {"code": code})) if isinstance(code, str) else []
        names.append(rows[0]["name"] if rows else str(code))
    return names
