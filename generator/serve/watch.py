"""The dev server's file watcher: which events mean an input may have changed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler

from generator.settings import Config
from generator.support.caches import CACHES, cache_dir

_IGNORED_SUFFIXES = (".tmp", ".swp", ".swx", ".swo", "~", ".part", ".crdownload")


class _Changes(FileSystemEventHandler):
    """Notes which sources changed; ignores the build's own files and editors' temp files.
    A folder created, moved or deleted is reported as `full`: its files are not each told."""

    def __init__(
        self,
        settings: Config,
        on_change: Callable[[list[str], bool, bool], None],
        on_folder: Callable[[Path], None] = lambda _: None,
    ) -> None:
        self.on_change = on_change
        self.on_folder = on_folder
        self.output = settings.output_dir
        self.db_name = settings.db_path.name
        self.own = [cache_dir(settings.db_path, name) for name in CACHES]

    def relevant(self, path: str) -> bool:
        p = Path(path)
        if p.name.startswith(".") or p.name.endswith(_IGNORED_SUFFIXES) or p.name == "4913":
            return False
        if p.name.startswith(self.db_name):  # the database and its journals, written by the build
            return False
        return not any(p == own or p.is_relative_to(own) for own in (self.output, *self.own))

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return
        if event.is_directory and event.event_type in ("created", "moved"):
            self.on_folder(Path(os.fsdecode(getattr(event, "dest_path", "") or event.src_path)))
        paths = [os.fsdecode(p) for p in (event.src_path, getattr(event, "dest_path", "") or "") if p]
        relevant = [p for p in paths if self.relevant(p)]
        if relevant:
            # A file closed after writing, moved into place or deleted is whole; one only
            # modified (or created) may still be being written.
            whole = not event.is_directory and event.event_type in ("closed", "moved", "deleted")
            self.on_change(relevant, event.is_directory, whole)
