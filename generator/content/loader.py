"""Load a site: list every content file, parse it, validate the whole site, report all
problems at once (listing.py, assembly.py and payloads.py do the parts)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from generator.content.assembly import (
    NOTHING_KEPT,
    Assembly,
    Kept,
    assemble,
    item_files,
    item_listing,
    menu_parses,
    patched,
)
from generator.content.coverimages import cover_problems
from generator.content.covers import find_covers
from generator.content.itemside import ItemSide, KeptItems, describe
from generator.content.listing import item_folders, list_content
from generator.content.menuside import describe_menus
from generator.content.model import ParseCache, Site
from generator.content.parallel import collector_paused
from generator.content.payloads import load_payloads
from generator.content.published import RECORD_FILE, check_record, read_record
from generator.content.shares import live_shares, load_shares, share_display
from generator.content.validate import ValidationMemo, validate_site
from generator.errors import ContentError, ContentErrors, Problem
from generator.settings import Config, Settings
from generator.support.statepaths import StatePaths
from generator.support.timings import timed


class LoadMemo:
    """What a process that loads again and again (the dev server) keeps of its last load:
    the listing, each listed file's parse or problem, the site assembled from them, and what
    the cross-file checks found. Before each load it is told the scan (`scanned`)."""

    def __init__(self) -> None:
        self.files: Mapping[str, Any] = {}  # path -> scan entry: (mtime_ns, size, content hash)
        self.full_scans = 0  # how many scans looked at every file (a folder may have changed)
        self.assembly: Assembly | None = None
        self.checks = ValidationMemo()
        # The covers the last load found and their problems: the same while no file under
        # items/ changed (a cover that comes, goes or changes means listing again).
        self.covers: tuple[dict[str, Any], list[Problem]] | None = None

    def scanned(self, files: Mapping[str, Any], full_scans: int) -> None:
        self.files, self.full_scans = files, full_scans

    def listed(self) -> dict[str, Any]:
        """Every input file's scan entry as it is now (templates too: one that comes or goes
        means listing again, which costs little, and sparing the test costs every load). A
        copy: the build notes later in its scan the files it rewrites itself."""
        return dict(self.files)


@timed("load")
def load_site(
    settings: Settings | Config,
    *,
    strict: bool = False,
    cache: ParseCache | None = None,
    memo: LoadMemo | None = None,
    decode_covers: bool = False,
    kept: Kept = NOTHING_KEPT,
) -> tuple[Site, list[Problem]]:
    """Read and check every content file. Raise ContentErrors listing every error found.

    Returns the site and its warnings. With `strict`, warnings count as errors. With a
    `cache`, files whose content is unchanged are not parsed again. With a `memo` (passed
    again at each load), a load where only the contents of listed files changed patches
    the last one's listing and assembly with their new parses, and the cross-file checks
    look again only at what they may see differently (validate.ValidationMemo). With
    `decode_covers`, every cover image is decoded too (`omakase check`: a build decodes
    them in its image step, engine/covers.py, and only those it has not processed before).
    Without a `memo`: a kept item side (`kept.items`, itemside.ItemSide) that lists exactly
    the listed item files stands in for loading and checking the items (the caller vouches
    that their files, covers and payloads are the ones it was made from, on the same day);
    a load without a memo that did check them sets `site.item_side` for the next one. A
    kept menu side (`kept.menus`, menuside.MenuSide) stands in for the parses of the menu
    files it describes as they are now, and a load without a memo sets `site.menu_side`.
    """
    settings = settings.resolve()
    problems: list[Problem] = []
    content = settings.content_dir
    _check_content_folder(settings)
    root = settings.root

    def display(path: Path) -> str:
        try:
            return str(path.relative_to(root))
        except ValueError:
            return str(path)

    limit = settings.max_file_bytes
    with collector_paused():  # the site's objects live on: no use walking them (nor checking)
        assembly = _assembly(content, display, cache, limit, memo, kept)
        items = assembly.items
        site = Site(
            curators=dict(assembly.curators),
            items=items if isinstance(items, KeptItems) else dict(items),
            menus=dict(assembly.menus),
            logs=dict(assembly.logs),
            items_made=assembly.items_made,
        )
        problems.extend(assembly.all_problems())
        side = items.side if isinstance(items, KeptItems) else None
        found_covers = _covers(site, side, content, memo, assembly)
        problems.extend(found_covers)
        if decode_covers:
            problems.extend(cover_problems(site.covers.values()))

        load_payloads(site, settings.data_dir / "sources", problems, display, limit, cache)
        checks = memo.checks if memo is not None else ValidationMemo()
        problems.extend(validate_site(site, settings, checks, kept.menus))
        if side is None and memo is None and assembly.clean:
            found = (site.covers, found_covers)
            listed = (assembly.item_folders, item_listing(assembly, display(content / "items")))
            side = describe(site.items, item_files(assembly), checks, found, StatePaths(root).key, listed)
        site.item_side = side
        if memo is None:
            site.menu_side = describe_menus(menu_parses(assembly, site), checks.menus, tuple(site.curators))
        record = settings.data_dir / RECORD_FILE
        try:
            site.published_record = read_record(record, display(record))
        except ContentError as exc:
            problems.append(exc.problem)
        problems.extend(check_record(site, display(record)))
        site.shares = live_shares(
            settings, load_shares(settings, share_display(settings), problems), site.menus, problems
        )

    errors = [p for p in problems if p.severity == "error" or strict]
    if errors:
        raise ContentErrors(errors)
    return site, [p for p in problems if p.severity != "error"]


def _assembly(
    content: Path,
    display: Callable[[Path], str],
    cache: ParseCache | None,
    limit: int,
    memo: LoadMemo | None,
    kept: Kept,
) -> Assembly:
    """The memo's last assembly patched with the changed files, when it can be; else the
    listing assembled afresh (with the kept item and menu sides, when there is no memo)."""
    files = memo.listed() if memo is not None else {}
    full_scans = memo.full_scans if memo is not None else 0
    assembly = patched(memo.assembly, full_scans, files, content, cache, limit) if memo is not None else None
    if assembly is None:
        sides = kept if memo is None else NOTHING_KEPT
        folders = item_folders(content) if memo is None else None  # before listing: a later change shows
        listing = sides.items.listing_now(folders) if sides.items is not None else None
        plan = list_content(content, display, listing)
        assembly = assemble(plan, cache, limit, (full_scans, files), sides, listing is not None)
        assembly.item_folders = folders
    if memo is not None:
        memo.assembly = assembly
    return assembly


def _covers(
    site: Site, side: ItemSide | None, content: Path, memo: LoadMemo | None, assembly: Assembly
) -> list[Problem]:
    """Set `site.covers`: the kept item side's, the memo's when the assembly was patched
    with no file under items/ changed, or those found beside the items now. Returns the
    problems finding them found."""
    if side is not None:
        site.covers = dict(side.covers)
        return side.cover_problems
    if memo is not None and memo.covers is not None and assembly.same_item_folders:
        site.covers = dict(memo.covers[0])
        return list(memo.covers[1])
    if memo is not None:
        memo.covers = None  # until found anew
    found: list[Problem] = []
    find_covers(site, content, found)
    if memo is not None:
        memo.covers = (dict(site.covers), list(found))
    return found


def _check_content_folder(settings: Config) -> None:
    """Refuse a content folder that is missing or a symbolic link: nothing can be listed."""
    content = settings.content_dir
    linked = settings.root / "content"
    if linked.is_symlink() and linked.resolve() == content:
        raise ContentErrors(
            [
                Problem(
                    "content",
                    None,
                    "the content folder is a symbolic link",
                    "keep content inside the site, or pass --content DIR",
                )
            ]
        )
    if not content.is_dir():
        raise ContentErrors(
            [
                Problem(
                    str(content),
                    None,
                    "content folder not found",
                    "run from the site's root or pass --content DIR",
                )
            ]
        )
