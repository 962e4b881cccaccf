"""An edit's search index: the pages it keeps, and the menu bundles indexed while the last pages render."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from generator.engine.pages import PageKey
from generator.site.render import PageRecord, forks_workers
from generator.site.search import MENU_PREFIX, index_menu_bundles
from generator.support.procs import starts_without_python

OldPage = tuple[int, str, bytes]  # a page's id, path and digest in the state


def searchable_pages(
    state: sqlite3.Connection, routes: Iterable[str], redone: Iterable[int]
) -> dict[str, bytes]:
    """Path -> search document digest of the searchable pages of `routes` the state records,
    but for the `redone` ones (ids of the pages re-rendered or dropped).

    One query turned into a dict in C: at 100k items the state holds 200,000 pages and an
    edit re-renders a few, and testing each row in Python took longer than the query. The
    unary `+` keeps SQLite off the (route, key) index, so rows come in the table's order."""
    names = sorted(set(routes))
    return dict(
        state.execute(
            "SELECT path, searchable FROM pages WHERE searchable IS NOT NULL"
            f" AND +route IN ({','.join('?' * len(names))})"
            " AND id NOT IN (SELECT value FROM json_each(?))",
            (*names, json.dumps(sorted(set(redone)))),
        )
    )


def menus_first(keys: list[PageKey], old: Mapping[PageKey, OldPage]) -> tuple[list[PageKey], int] | None:
    """`keys` (the pages to render) with the menu pages first, and how many those are; or
    None when indexing early cannot pay or cannot be foreseen: no menu page, nothing else to
    render after them, a page the state does not have (its path is known only once it is
    rendered), or pages rendered in workers (their records come in any order)."""
    if forks_workers(len(keys)) or not starts_without_python():
        return None
    first = [k for k in keys if k in old and old[k][1].startswith(MENU_PREFIX)]
    rest = [k for k in keys if not (k in old and old[k][1].startswith(MENU_PREFIX))]
    if not first or not rest or any(k not in old for k in rest):
        return None
    return first + rest, len(first)


class EarlySearch:
    """Index the menu bundles on a thread once the first `count` records (the menu pages)
    are in, from what the search index will hold if the pages still to render keep their
    search documents: `kept`, the unchanged pages' digests, and those pages' `pending` ids."""

    def __init__(
        self,
        state: sqlite3.Connection,
        site: Path,
        documents: Path,
        kept: Mapping[str, bytes],
        pending: list[int],
        count: int,
    ) -> None:
        self.site, self.documents, self.count = site, documents, count
        self.expected = dict(kept)
        self.expected.update(
            state.execute(
                "SELECT path, searchable FROM pages WHERE searchable IS NOT NULL"
                " AND id IN (SELECT value FROM json_each(?))",
                (json.dumps(pending),),
            )
        )
        self.seen = 0
        self.thread: threading.Thread | None = None
        self.touched: list[str] = []
        self.error: BaseException | None = None

    def recorder(self, records: list[PageRecord]) -> Callable[[PageRecord], None]:
        """What `render_all` hands each record to: `records`, then `record`."""

        def add(record: PageRecord) -> None:
            records.append(record)
            self.record(record)

        return add

    def record(self, record: PageRecord) -> None:
        """Note one rendered page; the last menu page starts the indexing."""
        self.seen += 1
        if self.seen > self.count:  # the thread reads `expected` from now on
            return
        if record.searchable is not None:
            self.expected[record.path] = record.searchable
        if self.seen == self.count:
            # Pagefind is started from the thread that waits for it: a child asks to die
            # with the thread that started it, not with the process.
            self.thread = threading.Thread(target=self._index, name="early-search", daemon=True)
            self.thread.start()

    def _index(self) -> None:
        try:
            self.touched = index_menu_bundles(self.site, self.expected, self.documents)
        except BaseException as exc:  # raised again by `join`, on the build's own thread
            self.error = exc

    def wait(self) -> None:
        """Wait for the indexing, whatever came of it (a build that failed meanwhile)."""
        if self.thread is not None:
            self.thread.join()

    def join(self) -> list[str]:
        """Wait for the indexing; the paths it wrote or removed in the site."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return self.touched


def early_search(
    state: sqlite3.Connection,
    site: Path,
    documents: Path,
    kept: Mapping[str, bytes],
    keys: list[PageKey],
    old: Mapping[PageKey, OldPage],
) -> tuple[list[PageKey], EarlySearch | None]:
    """The order to render `keys` in, and the indexing to begin on the way (None: none)."""
    plan = menus_first(keys, old)
    if plan is None:
        return keys, None
    order, count = plan
    return order, EarlySearch(state, site, documents, kept, [old[k][0] for k in order[count:]], count)
