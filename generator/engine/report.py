"""What a build tells its caller: the report at its end, and the moment an edit's pages are ready."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import Problem

if TYPE_CHECKING:
    from generator.engine.session import Session


@dataclass
class BuildReport:
    pages: int = 0
    items: int = 0
    menus: int = 0
    warnings: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # one line each, such as a state not trusted
    seconds: float = 0.0
    mode: str = "full"  # full | incremental | unchanged
    rendered: int = 0
    written: int = 0
    removed: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds (timings.py)
    marks: dict[str, float] = field(default_factory=dict)  # moment -> seconds since the start


PagesReady = Callable[[Path, list[str]], None]
"""Told, during an incremental build, where the new tree is and which of its files (relative
paths) the build rewrote, once the pages are there and before the search bundles and the
open-data copy are brought up to date and the tree is published."""


@dataclass
class Published:
    """Whether the build's new site is in output/ yet: an error after that moment must not
    say the previous site is untouched."""

    site: bool = False


@dataclass(frozen=True)
class BuildOptions:
    """How a build runs: warnings as errors, the session a long-running process keeps
    between builds, who hears when an incremental build's pages are ready, and whether
    the build adds its menu URLs to data/published-slugs.txt.

    Only `omakase build` publishes the record: a preview (the dev server) that added a
    menu marked published for a moment would make taking it back to draft an error."""

    strict: bool = False
    session: Session | None = None
    on_pages: PagesReady | None = None
    publish_record: bool = True
    published: Published = field(default_factory=Published)
