"""After the pages are rendered: publish the API schemas, the open-data copy and the search index."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path

from generator.site import api, opendata, search
from generator.site.openwork import OpenWork
from generator.support.background import Background
from generator.support.readonly import connect_readonly
from generator.support.timings import timed


@timed("search, open data")
def finish_site(
    stage: Path,
    previous: Path | None,
    searchable: Mapping[str, bytes],
    copy: Callable[[], list[str]],
    documents: Path | None = None,
) -> list[str]:
    """Bring the reuse files of the staged site up to date; return the paths (relative to
    `stage`) it wrote or removed. Files are replaced by new ones, never rewritten in place,
    as the incremental build's trees share unchanged files. `previous` is the last published
    site, whose search bundles are reused when their pages have not changed; `searchable`
    maps every page of the search index to the digest of its search document; `copy` makes
    the open-data copy (or waits for the one `PublicCopy` began) and returns what it
    changed: it runs while Pagefind indexes, so that the two share the cores;
    `documents` is where the pages Pagefind reads are kept between builds
    (search.documents_dir)."""
    changes = api.publish_schemas(stage)
    copied: list[str] = []
    changes += search.index_site(
        stage,
        previous,
        searchable,
        meanwhile=lambda: copied.extend(copy()),
        documents=documents,
    )
    return changes + copied


def public_copy(db_file: Path, stage: Path, work: OpenWork) -> list[str]:
    """The open-data copy of `db_file` into `stage` (site/opendata.py), its work files
    brought up to date by `work`, read through a connection of its own (any thread's)."""
    conn = connect_readonly(db_file)
    try:
        return opendata.write_public_copy(conn, stage, work)
    finally:
        conn.close()


class PublicCopy:
    """An edit build's open-data copy: started on a thread at once when `early`, else made
    when its result is asked for (while Pagefind indexes, as in a full build). SQLite does
    the copy's work outside the interpreter, so an early copy runs beside the rendering on
    the other core: a large site's copy takes longer than an edit's pages.

    The command line starts it early. The dev server does not: its edits are measured until
    the pages are written, and the copy's thread slows the rendering a little. Nor does a
    build whose rendering forks workers: a fork copies only the thread that calls it, not
    the locks another one holds."""

    def __init__(self, db_file: Path, stage: Path, work: OpenWork, *, early: bool) -> None:
        self.args = (db_file, stage, work)
        copying = functools.partial(public_copy, *self.args)
        self.running = Background(copying, "open-data copy") if early else None

    def result(self) -> list[str]:
        """The paths the copy changed (relative to the stage)."""
        return self.running.result() if self.running is not None else public_copy(*self.args)

    def wait(self) -> None:
        """Wait for a copy started early, whatever its outcome: before a failed build
        removes the tree it writes into."""
        if self.running is not None:
            self.running.wait()
