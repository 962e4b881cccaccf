"""The build: load and validate content, store it in SQLite, derive, render, publish."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from generator.content.loader import load_site
from generator.db.schema import connect, create_schema
from generator.db.store import store_site
from generator.derive.availability import derive_availability
from generator.derive.lineage import compute_fork_diffs
from generator.derive.taste import compute_taste_profiles
from generator.errors import BuildError, Problem
from generator.progress import track
from generator.publish import clean_stale_staging, staging_dir, swap_into_place
from generator.published import RECORD_FILE, published_urls, update_record
from generator.safepaths import copy_tree_without_links
from generator.settings import Settings
from generator.site.render import Renderer, write_pages
from generator.site.routes import all_pages


@dataclass
class BuildReport:
    pages: int = 0
    items: int = 0
    menus: int = 0
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0


def build_database(settings: Settings, *, strict: bool = False) -> tuple[Path, list[Problem], int, int]:
    """Load content into a new database file beside the target; return its path and warnings.

    The caller moves it into place; a failure leaves the previous database untouched."""
    assert settings.db_path is not None and settings.build_time is not None
    site, warnings = load_site(settings, strict=strict)
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = settings.db_path.with_name(settings.db_path.name + f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = connect(str(tmp))
    try:
        create_schema(db)
        store_site(db, site, settings.build_time)
        derive_availability(db, settings.watch_regions.split(","))
        compute_taste_profiles(db, settings.build_time)
        compute_fork_diffs(db)
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
    db.close()
    return tmp, warnings, len(site.items), len(site.menus)


def build(settings: Settings, *, strict: bool = False) -> BuildReport:
    """A full build. Raises ContentErrors (all problems) before touching output/."""
    started = time.perf_counter()
    settings = settings.resolve()
    assert settings.output_dir is not None and settings.db_path is not None
    assert settings.templates_dir is not None
    if not settings.templates_dir.is_dir():
        raise BuildError(f"templates folder not found: {settings.templates_dir}")
    clean_stale_staging(settings.output_dir)
    db_file, warnings, n_items, n_menus = build_database(settings, strict=strict)
    try:
        db = connect(str(db_file))
        renderer = Renderer(settings)
        with staging_dir(settings.output_dir) as stage:
            pages = write_pages(renderer, track(all_pages(db), "Rendering pages"), stage)
            copy_static(settings.templates_dir / "static", stage)
            published = published_urls(db)
            db.close()
            os.replace(db_file, settings.db_path)
            swap_into_place(stage, settings.output_dir)
        assert settings.data_dir is not None
        update_record(settings.data_dir / RECORD_FILE, published)
    finally:
        db_file.unlink(missing_ok=True)
    return BuildReport(pages=pages, items=n_items, menus=n_menus, warnings=warnings,
                       seconds=time.perf_counter() - started)


def copy_static(source: Path, out_dir: Path) -> None:
    """Static assets (CSS, icons, optional JS) are copied as they are."""
    if source.is_symlink():
        raise BuildError(f"{source}: symbolic links are not copied into the site")
    if source.is_dir():
        copy_tree_without_links(source, out_dir)
