"""The session a long-running process keeps between builds: one typed object for all it remembers."""

from __future__ import annotations

import gc
import pickle
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from generator.engine.state import FileTable, IndexEntry, StatePaths

if TYPE_CHECKING:
    from generator.content.loader import LoadMemo
    from generator.content.model import Parsed
    from generator.engine.cards import CardMemo
    from generator.engine.spare import Spare
    from generator.site.render import KeptRenderer


class Session:
    """What a process that builds many times (the dev server) keeps between builds: parses
    by path and content hash (its rebuilds take them as they are, where a one-off build
    unpickles the state's copies), the last scan, the loader's memo (with the validation
    memo inside it) and the renderer with its templates and query answers. Keeping parses
    is sound because a build changes a parse only by resolving its references, and does
    that from what the file wrote, every time (validate.py)."""

    def __init__(self) -> None:
        self.fingerprint: str | None = None
        self.parses: dict[str, tuple[bytes | None, Parsed]] = {}
        # The input files as the last build's scan found them (in `folders`), and the paths
        # that may have changed since (told by a file watcher; None: not known, scan all).
        self.files: dict[str, IndexEntry] | None = None
        self.folders: tuple[str, ...] = ()
        self.hints: set[str] | None = None
        self.full_scans = 0  # scans that looked at every file (not only the watcher's paths)
        self.load: LoadMemo | None = None  # the loader's memo of its last load
        self.cards: CardMemo | None = None  # the card step's memo of its last cards
        self.renderer: KeptRenderer | None = None  # with its templates loaded
        self.generation: str | None = None  # of the state this process last built
        self.file_index: dict[str, tuple[int, int, bytes | None]] | None = None  # as saved
        self.spare: Spare | None = None  # a copy of the database, made while idle
        # The menu_cards entries (slug -> card) of the database this process last published;
        # None while unknown (after a build that failed once the database was copied).
        self.cards_stored: dict[str, str] | None = None

    def follow(self, generation: str | None) -> None:
        """Before a build (or the idle warm-up): when the state is no longer the one this
        process's last build left (another process built since), forget what was kept of
        it: the renderer's templates and answers, the file index and the cards published."""
        if generation != self.generation:
            self.renderer = self.file_index = self.cards_stored = None
            self.generation = generation

    def take_spare(self) -> Spare | None:
        """The copy of the database made while idle, for one build to move into place."""
        spare, self.spare = self.spare, None
        return spare

    def take_cards(self, now: dict[str, str]) -> set[str] | None:
        """The menus whose card entry in `now` differs from the database this process last
        published (None: unknown). Taken once: until the build recording `now` is done, the
        database copied for it may be ahead of what this process knows."""
        before, self.cards_stored = self.cards_stored, None
        if before is None:
            return None
        return {slug for slug, card in now.items() if before.get(slug) != card} | (before.keys() - now.keys())

    def warm(self, conn: sqlite3.Connection, fingerprint: str, root: Path) -> int:
        """Take every parse the state keeps (of a build by the same code and settings),
        with the hash of the content it was parsed from; returns how many. A process that
        starts from a site already built has none in memory, and its first rebuild would
        unpickle them all: the dev server does this while idle."""
        if fingerprint != self.fingerprint:
            self.parses.clear()
            self.fingerprint = fingerprint
        # Here, not at the top: a no-op build imports this module and needs no parse model.
        from generator.content.model import share_strings

        hashes = {path: entry[2] for path, entry in FileTable(conn, root).old.items()}
        to_path = StatePaths(root).path
        taken = 0
        enabled = gc.isenabled()
        gc.disable()  # a million objects that live on: no use walking them as they come
        try:
            for key, blob in conn.execute("SELECT path, parsed FROM files WHERE parsed IS NOT NULL"):
                path = to_path(key)
                digest = hashes.get(path)
                if digest is not None and path not in self.parses:
                    parsed = pickle.loads(blob)
                    share_strings(parsed)
                    self.parses[path] = (digest, parsed)
                    taken += 1
        finally:
            if enabled:
                gc.enable()
        return taken

    def begin(
        self, fingerprint: str, files: dict[str, IndexEntry], removed: Iterable[str] | None = None
    ) -> None:
        """Start a build: forget everything when code or settings changed, and the parses of
        removed files: those `removed` since the state's file index, when the caller knows,
        else every parse without a file in `files`. A parse of a file that came and went
        between two saved indexes may then stay: it is only ever taken for a file of that
        path whose content hash it was made from (StateParseCache)."""
        if fingerprint != self.fingerprint:
            self.parses.clear()
            self.fingerprint = fingerprint
            self.load = self.cards = None
        if removed is None or len(self.parses) > len(files):
            gone: Iterable[str] = self.parses.keys() - files.keys()
        else:
            gone = [path for path in removed if path in self.parses]
        for path in gone:
            del self.parses[path]
