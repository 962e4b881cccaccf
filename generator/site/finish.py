"""After the pages are rendered: publish the API schemas, the open-data copy and the search index."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path

from generator.site import api, opendata, search
from generator.site.openwork import OpenWork
from generator.support.timings import timed


@timed("search, open data")
def finish_site(
    conn: sqlite3.Connection,
    stage: Path,
    previous: Path | None,
    searchable: Mapping[str, bytes],
    documents: Path | None = None,
    work: OpenWork | None = None,
) -> list[str]:
    """Bring the reuse files of the staged site up to date; return the paths (relative to
    `stage`) it wrote or removed. Files are replaced by new ones, never rewritten in place,
    as the incremental build's trees share unchanged files. `previous` is the last published
    site, whose search bundles are reused when their pages have not changed; `searchable`
    maps every page of the search index to the digest of its search document; `documents`
    is where the pages Pagefind reads are kept between builds (search.documents_dir);
    `work`, the open-data work files (site/openwork.py)."""
    changes = api.publish_schemas(stage)
    copied: list[str] = []
    # The open-data copy is made while Pagefind indexes, so the two share the cores.
    changes += search.index_site(
        stage,
        previous,
        searchable,
        meanwhile=lambda: copied.extend(opendata.write_public_copy(conn, stage, work)),
        documents=documents,
    )
    return changes + copied
