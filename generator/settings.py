"""The one table of settings: every option with its default and help, in one place."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path


def _meta(help_text: str) -> dict[str, str]:
    return {"help": help_text}


@dataclass(frozen=True)
class Settings:
    """Where the site lives and how it is built. Paths are absolute after `resolve()`."""

    root: Path = field(default=Path("."), metadata=_meta("The site's root folder."))
    content_dir: Path | None = field(default=None, metadata=_meta("Content files (default: ROOT/content)."))
    theme_dir: Path | None = field(
        default=None,
        metadata=_meta("The theme: every template and static file (default: the one shipped with Omakase)."),
    )
    templates_dir: Path | None = field(
        default=None,
        metadata=_meta(
            "The site's templates and static files, each replacing the theme's file at the same "
            "path (default: ROOT/templates)."
        ),
    )
    override_dir: Path | None = field(
        default=None,
        metadata=_meta("Templates that override the defaults by name (default: ROOT/overrides)."),
    )
    data_dir: Path | None = field(
        default=None, metadata=_meta("Raw payloads and the database (default: ROOT/data).")
    )
    output_dir: Path | None = field(
        default=None, metadata=_meta("Where the built site goes (default: ROOT/output).")
    )
    db_path: Path | None = field(
        default=None, metadata=_meta("The built database (default: DATA/omakase.sqlite).")
    )
    base_url: str = field(
        default="https://menus.example.org/",
        metadata=_meta("Absolute URL the site is published at (feeds, sitemap, canonical)."),
    )
    site_title: str = field(default="Omakase", metadata=_meta("The site's name."))
    build_time: datetime | None = field(
        default=None,
        metadata=_meta("The build's clock; SOURCE_DATE_EPOCH when set, else now (UTC)."),
    )
    stale_after_days: int = field(
        default=180, metadata=_meta("Availability older than this many days is a warning.")
    )
    watch_regions: str = field(
        default="",
        metadata=_meta(
            "Regions (comma-separated, e.g. US,GB) whose TMDB watch "
            "providers become availability rows; empty keeps all."
        ),
    )
    max_file_bytes: int = field(
        default=1_000_000, metadata=_meta("Content files larger than this are refused.")
    )

    def resolve(self) -> Config:
        """The complete config: every default path filled from the root, the build clock pinned."""
        root = self.root.resolve()
        data = (self.data_dir or root / "data").resolve()
        clock = self.build_time or build_clock(root)
        return Config(
            root=root,
            content_dir=(self.content_dir or root / "content").resolve(),
            theme_dir=(self.theme_dir or packaged("theme")).resolve(),
            templates_dir=(self.templates_dir or root / "templates").resolve(),
            override_dir=(self.override_dir or root / "overrides").resolve(),
            data_dir=data,
            output_dir=(self.output_dir or root / "output").resolve(),
            db_path=(self.db_path or data / "omakase.sqlite").resolve(),
            base_url=self.base_url if self.base_url.endswith("/") else self.base_url + "/",
            site_title=self.site_title,
            build_time=clock,
            stale_after_days=self.stale_after_days,
            watch_regions=self.watch_regions,
            max_file_bytes=self.max_file_bytes,
        )

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(name, default, help) for every setting, for `--help-settings`."""
        rows = []
        for f in fields(cls):
            default = "" if f.default is None else str(f.default)
            rows.append((f.name, default, f.metadata.get("help", "")))
        return rows


@dataclass(frozen=True)
class Config:
    """Settings resolved: every path absolute and present, the clock pinned. What the build,
    the loader and the renderer take, so none of them checks for a missing value."""

    root: Path
    content_dir: Path
    theme_dir: Path
    templates_dir: Path
    override_dir: Path
    data_dir: Path
    output_dir: Path
    db_path: Path
    base_url: str
    site_title: str
    build_time: datetime
    stale_after_days: int
    watch_regions: str
    max_file_bytes: int

    def resolve(self) -> Config:
        """Already complete (so a caller may resolve whatever it was given)."""
        return self


# Folders shipped inside the package, by their name under generator/ in a wheel, and where a
# source checkout keeps them (pyproject.toml's package-dir maps the one onto the other): the
# project's templates/ stays the theme's one source, and a checkout runs without a build step.
PACKAGED = {"theme": "templates", "api_schemas": "schemas/api"}


def packaged(name: str) -> Path:
    """A folder shipped with the generator (a key of PACKAGED): generator/<name> when installed
    from a wheel, else the source checkout's folder (an editable install, or PYTHONPATH)."""
    package = Path(__file__).resolve().parent
    installed = package / name
    if installed.is_dir():
        return installed
    return package.parent / PACKAGED[name]


def build_clock(root: Path | None = None) -> datetime:
    """The build's notion of now, the one stamp written into the site and the database.

    SOURCE_DATE_EPOCH when set (reproducible-builds.org); else, for a site kept in git, the
    time of its last commit, so two clones build byte-identical output whenever they run;
    else the wall clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    committed = _last_commit_time(root) if root is not None else None
    if committed is not None:
        return committed
    return datetime.now(tz=UTC).replace(microsecond=0)


def _last_commit_time(root: Path) -> datetime | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%ct"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    stamp = done.stdout.strip()
    if done.returncode != 0 or not stamp.isdigit():
        return None
    return datetime.fromtimestamp(int(stamp), tz=UTC)
