"""Language names: the display name of each language code items list, kept in the database.

Item pages show `metadata.languages` ("en") by name ("English"). The names come from
langcodes, whose tables take longer to load than an edit's pages take to render, so they
are worked out here, once per code, and pages read them from `language_names`. A build
loads langcodes only when a code the table lacks appears.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache

TABLE = "language_names"

DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
)"""

# The text entries of every item's `metadata.languages` list (other shapes show as written).
CODES = """
    SELECT DISTINCT j.value FROM media_items m, json_each(m.metadata, '$.languages') j
    WHERE json_type(m.metadata, '$.languages') = 'array' AND j.type = 'text'"""


@lru_cache(maxsize=1024)
def language_name(code: object) -> str:
    """'en' → 'English'; a code langcodes does not know is shown as it is."""
    import langcodes
    from langcodes.tag_parser import LanguageTagError

    text = str(code)
    try:
        language = langcodes.Language.get(text)
    except (LanguageTagError, ValueError):
        return text
    return str(language.display_name()) if language.is_valid() and language.language else text


def derive_language_names(conn: sqlite3.Connection) -> int:
    """Make `language_names` hold the name of exactly the codes items list; returns how
    many codes that is. Only rows that differ are written, and only new codes are named."""
    codes = {code for (code,) in conn.execute(CODES)}
    with conn:
        conn.execute(DDL)
        have = {code for (code,) in conn.execute(f"SELECT code FROM {TABLE}")}
        gone = sorted(have - codes)
        if gone:
            conn.executemany(f"DELETE FROM {TABLE} WHERE code = ?", [(code,) for code in gone])
        # Sorted: the same content gives the same insertion order, the same file bytes.
        new = [(code, language_name(code)) for code in sorted(codes - have)]
        if new:
            conn.executemany(f"INSERT INTO {TABLE} (code, name) VALUES (?, ?)", new)
    return len(codes)
