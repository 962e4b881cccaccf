"""The build the dev server runs on each change, and what it keeps in memory between runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from generator.settings import Config

if TYPE_CHECKING:
    from generator.engine.report import PagesReady


class ResidentBuild:
    """The build the server runs on every change: incremental, and keeping parses and the
    last scan in memory between runs (a rebuild then parses only the files that changed,
    and looks only at the paths the watcher saw change); `on_pages` hears when a rebuild's
    pages are ready (report.PagesReady)."""

    def __init__(self, on_pages: PagesReady | None = None) -> None:
        from generator.engine.session import Session

        self.session = Session()
        self.on_pages = on_pages

    def __call__(self, settings: Config, hints: set[str] | None = None) -> Any:
        """One build; `hints`, the paths that may have changed since the last one (None:
        unknown, every input is looked at)."""
        from generator.engine.build import build

        self.session.hints = hints
        # A preview publishes nothing: only `omakase build` adds to the published-URL record.
        return build(settings, session=self.session, on_pages=self.on_pages, publish_record=False)

    def warm(self, settings: Config) -> int:
        """Keep in memory the parses the last build's state holds, before the first edit
        needs them; returns how many were taken."""
        from generator.engine.build import warm_parses

        return warm_parses(settings, self.session)

    def spare(self, settings: Config) -> None:
        """Keep a copy of the database beside it for the next build (engine/spare.py)."""
        from generator.engine.spare import make_spare

        self.session.spare = make_spare(settings.db_path, self.session.spare)

    def close(self) -> None:
        """Remove what the server kept on disk for its next build."""
        from generator.engine.spare import discard

        discard(self.session.spare)
        self.session.spare = None

    def scan_differs(self, settings: Config) -> bool:
        """True when a full scan now finds other files or stats than the last build's scan
        (an event the watcher lost: the kernel drops them when its queue overflows)."""
        from generator.engine.inputs import Inputs

        kept = self.session.files
        if kept is None:
            return False
        files = Inputs(settings).scan()
        return files.keys() != kept.keys() or any(s[:2] != kept[p][:2] for p, s in files.items())
