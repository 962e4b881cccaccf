"""After the pages are rendered: publish the API schemas, the open-data copy and the search index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from generator.site import api, opendata, search


def finish_site(conn: sqlite3.Connection, stage: Path, previous: Path | None) -> list[str]:
    """Bring the reuse files of the staged site up to date; return the paths (relative to
    `stage`) it wrote or removed. Files are replaced by new ones, never rewritten in place,
    as the incremental build's trees share unchanged files. `previous` is the last published
    site, whose search index is reused when the indexed pages have not changed."""
    changes = api.publish_schemas(stage)
    changes += opendata.write_public_copy(conn, stage)
    changes += search.index_site(stage, previous)
    return changes
