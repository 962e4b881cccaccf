"""Input paths as the build state keeps them: relative to the site's root when inside it."""

from __future__ import annotations

import os
from pathlib import Path


class StatePaths:
    """Input paths as the state keeps them: relative to the site's root, so that a site
    moved to another folder with its state (another clone of it, as in CI) builds
    incrementally; absolute when outside the root. The build itself uses absolute paths."""

    def __init__(self, root: Path) -> None:
        self.prefix = str(root).rstrip(os.sep) + os.sep

    def key(self, path: str) -> str:
        return path[len(self.prefix) :] if path.startswith(self.prefix) else path

    def path(self, key: str) -> str:
        return key if key.startswith(os.sep) else self.prefix + key
