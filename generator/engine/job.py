"""One build of a site as an object: what both kinds of build hold, and the steps they share."""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path

from generator.content.model import Site
from generator.content.published import RECORD_FILE, read_record, update_record
from generator.engine.cards import card_files
from generator.engine.covers import cover_files
from generator.engine.inputs import Inputs
from generator.engine.report import BuildOptions, BuildReport
from generator.engine.state import IndexEntry, scan_tree, set_meta
from generator.errors import BuildError
from generator.settings import Config
from generator.support.caches import cache_dir


class BuildJob:
    """A build in progress: its config, inputs and session, and the report it fills in.
    FullBuild and IncrementalBuild run their steps in order; each step reads and sets the
    job's attributes instead of passing a dozen values from function to function."""

    mode = "full"

    def __init__(self, settings: Config, inputs: Inputs, options: BuildOptions) -> None:
        self.settings = settings
        self.inputs = inputs
        self.strict = options.strict
        self.session = options.session
        self.on_pages = options.on_pages
        self.publish_record = options.publish_record
        self.swapped = options.published  # notes when the new site is in output/
        # Whether the database serves menu URLs the record lacks: a preview built them.
        # Kept in the state ("unrecorded"), so that the next `omakase build` records them
        # even when no input changed since.
        self.unrecorded = False
        self.report = BuildReport(mode=self.mode)
        self.files: dict[str, IndexEntry] = {}

    def record_published(self, published: set[str]) -> None:
        """Add this build's menu URLs to data/published-slugs.txt (the build's own write is
        not an edit: the state notes the file as it is afterwards). A build that does not
        publish the record (a preview) only notes whether it lacks any of them."""
        record = self.settings.data_dir / RECORD_FILE
        if not self.publish_record:
            self.unrecorded = not published <= set(read_record(record))
            return
        self.unrecorded = False
        if update_record(record, published):
            self.inputs.rescan(self.files, record, hashed=True)

    def static_files(self, db_file: Path | None = None) -> dict[str, str]:
        """Static assets copied as they are: output path -> source file, the theme's with the
        site's own (templates/static/) in place of any at the same path, and the cover
        variants and menu cards of the database at `db_file` (cached by engine/covers.py and
        engine/cards.py). A symbolic link is refused: it could publish any file of the
        machine. Sources are file system paths as strings: a build lists thousands."""
        theme: dict[str, Path] = {}
        for folder in dict.fromkeys((self.settings.theme_dir, self.settings.templates_dir)):
            root = folder / "static"
            if root.is_symlink():
                raise BuildError(f"{root}: symbolic links are not copied into the site")
            theme.update({rel: root / rel for rel in scan_tree(root)})
        for path in theme.values():
            if path.is_symlink():
                raise BuildError(
                    f"{path}: symbolic links are not copied into the site; "
                    "replace the link with the file itself"
                )
            if not path.is_file():  # a pipe or a device: reading it waits forever or acts
                raise BuildError(
                    f"{path}: a pipe, socket or device is not copied into the site; only regular files are"
                )
        files = {rel: str(path) for rel, path in theme.items()}
        if db_file is not None:
            files.update(cover_files(db_file, self.settings.db_path))
            files.update(card_files(db_file, self.settings.db_path))
        return dict(sorted(files.items()))

    def written_whole(self) -> tuple[str, ...]:
        """The folders of the static files the build itself made (cover variants, cards):
        each written whole under a new name and never changed, so a published copy may be a
        hard link to it (site/render.py: place_file)."""
        return tuple(str(cache_dir(self.settings.db_path, name)) + os.sep for name in ("covers", "cards"))

    def new_generation(
        self, state: sqlite3.Connection, files: dict[str, IndexEntry], cards: dict[str, str] | None
    ) -> None:
        """Mark the state as this build's: a process keeping a renderer between builds
        (render.KeptRenderer), the file index it saved (of `files`) and the card entries of
        the database it published (`cards`; None: the database did not change) finds out at
        its next build whether another process built since."""
        generation = secrets.token_hex(8)
        set_meta(state, "generation", generation)
        if self.session is not None:
            self.session.generation, self.session.file_index = generation, dict(files)
            if cards is not None:
                self.session.cards_stored = cards


def next_expiry(site: Site) -> str | None:
    """When the first live share link expires: a build after that moment must drop it."""
    return min((share.expires for share in site.shares if share.token), default=None)
