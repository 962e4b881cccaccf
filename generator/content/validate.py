"""Cross-file checks: references resolve, menus are well formed, lineage has no cycles."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from generator.content.fields import slugify, suggest
from generator.content.model import Item, Log, Menu, Site
from generator.content.providers import watch_providers
from generator.errors import Problem
from generator.settings import Config


class RefIndex:
    """Resolves `<type>/<slug>` and `<source>:<id>` references to item refs."""

    def __init__(self, site: Site) -> None:
        self.items = site.items
        self.by_source: dict[str, str] = {}
        for item in site.items.values():
            for source in item.sources:
                self.by_source[f"{source.source}:{source.id}"] = item.ref

    def resolve(self, ref: str) -> str | None:
        ref = ref.strip()
        if ref in self.items:
            return ref
        return self.by_source.get(ref)

    def hint(self, ref: str) -> str:
        choices = list(self.items)
        close = suggest(ref, choices)
        if not close and "/" in ref:
            slug = ref.split("/", 1)[1]
            close = suggest(slug, [r.split("/", 1)[1] for r in choices])
            if close:
                close = close.replace("did you mean", "did you mean an item named")
        return (
            close
            or "references are '<type>/<slug>' of a file in content/items/, "
            "or '<source>:<id>' of a source listed on an item"
        )


class ValidationMemo:
    """What a process that validates again and again (the dev server) found last time, by
    the objects it checked: a kept parse is the same object from build to build, and an
    edited file's is a new one. A menu or log is checked again when it is new, or when the
    items' references or the curators' handles changed; an item, when it is new (all of
    them when the items came, went or moved, or when the build's day or the payloads
    changed). A fresh memo checks everything."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.refs: RefIndex | None = None
        self.ref_keys: list[tuple[str, tuple[tuple[str, str], ...]]] = []
        self.sources: list[Problem] = []
        self.item_tags: list[list[Problem]] = []  # per item, in order
        self.item_staleness: list[list[Problem]] = []  # per item, in order
        self.stale_key: object = None
        self.curators: tuple[str, ...] | None = None
        self.menus: dict[int, tuple[Menu, list[Problem], list[Problem]]] = {}  # tags, menu
        self.logs: dict[int, tuple[Log, list[Problem]]] = {}


def _ref_key(item: Item) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What resolving a reference depends on: the item's ref and its sources' keys."""
    return item.ref, tuple((s.source, s.id) for s in item.sources)


def validate_site(site: Site, settings: Config, memo: ValidationMemo | None = None) -> list[Problem]:
    """Every cross-reference problem of the site, errors and warnings.

    References are resolved from what the files wrote (`written`), never from an earlier
    resolution: a process that keeps parses between builds checks them afresh each time,
    or, with a `memo`, keeps what checking the very same objects against the same references
    found (and resolved) last time."""
    memo = memo if memo is not None else ValidationMemo()
    _check_items(site, settings, memo)
    refs = memo.refs
    assert refs is not None
    curators = tuple(site.curators)
    if curators != memo.curators:
        memo.menus, memo.logs, memo.curators = {}, {}, curators

    problems: list[Problem] = [*memo.sources]
    for found in memo.item_tags:
        problems.extend(found)
    checked_menus = {}
    for menu in site.menus.values():
        kept = memo.menus.get(id(menu))
        if kept is None or kept[0] is not menu:
            tags = _tag_problems([(menu.tags, menu.path, menu.line_of("tags"))])
            found = []
            _check_menu(menu, site, refs, found)
            kept = (menu, tags, found)
        checked_menus[id(menu)] = kept
    memo.menus = checked_menus
    for _, tags, _ in checked_menus.values():
        problems.extend(tags)
    for _, _, found in checked_menus.values():
        problems.extend(found)
    _check_slugs_and_aliases(site, problems)
    _check_lineage(site, problems)
    checked_logs = {}
    for log in site.logs.values():
        kept_log = memo.logs.get(id(log))
        if kept_log is None or kept_log[0] is not log:
            found = []
            _check_log(log, site, refs, found)
            kept_log = (log, found)
        checked_logs[id(log)] = kept_log
        problems.extend(kept_log[1])
    memo.logs = checked_logs
    for found in memo.item_staleness:
        problems.extend(found)
    return problems


def _check_items(site: Site, settings: Config, memo: ValidationMemo) -> None:
    """The items' own checks, and the index that resolves references to them, in `memo`:
    for the items not found at their place last time, or for all when their number changed."""
    items = list(site.items.values())
    today = settings.build_time.date()
    stale_key = (today, settings.stale_after_days, site.payloads)
    everything = memo.refs is None or len(items) != len(memo.items)
    if everything:
        new = list(range(len(items)))
        memo.item_tags, memo.item_staleness = [[]] * len(items), [[]] * len(items)
        ref_keys = [_ref_key(item) for item in items]
    else:
        new = [n for n, (a, b) in enumerate(zip(items, memo.items, strict=True)) if a is not b]
        ref_keys = memo.ref_keys
        if new:
            ref_keys = list(ref_keys)
            for n in new:
                ref_keys[n] = _ref_key(items[n])
    if memo.refs is None or ref_keys != memo.ref_keys:
        memo.refs = RefIndex(site)
        memo.menus, memo.logs = {}, {}  # references may resolve otherwise
    else:
        memo.refs.items = site.items  # each one resolves as it did
    if everything or (new and (memo.sources or ref_keys != memo.ref_keys)):
        memo.sources = []  # duplicates depend on the keys alone; their lines, on the items
        _check_sources(site, memo.sources)
    memo.ref_keys, memo.items = ref_keys, items
    if stale_key != memo.stale_key:
        memo.stale_key, new = stale_key, list(range(len(items)))
    for n in new:
        item = items[n]
        memo.item_tags[n] = _tag_problems([(item.tags, item.path, item.line)])
        memo.item_staleness[n] = _item_staleness(item, site, settings)


def _resolved(refs: RefIndex, path: str, written: str, line: int, problems: list[Problem]) -> str | None:
    """The item a reference names, or None with the problem noted."""
    resolved = refs.resolve(written)
    if resolved is None:
        problems.append(Problem(path, line, f"unknown item {written!r}", refs.hint(written)))
    return resolved


def _resolve_each(
    refs: RefIndex,
    path: str,
    entries: Sequence[Any],
    problems: list[Problem],
    again: Callable[[str, int], tuple[str, str]],
) -> dict[str, int]:
    """Resolve each entry's reference into its `ref`, noting unknown ones, and an item named
    a second time with the message and hint `again` gives (the item, its first line).
    Returns each item's first line."""
    seen: dict[str, int] = {}
    for entry in entries:
        resolved = _resolved(refs, path, entry.written, entry.line, problems)
        if resolved is None:
            continue
        entry.ref = resolved
        if resolved in seen:
            message, hint = again(resolved, seen[resolved])
            problems.append(Problem(path, entry.line, message, hint))
        seen[resolved] = entry.line
    return seen


def _check_log(log: Log, site: Site, refs: RefIndex, problems: list[Problem]) -> None:
    if log.curator not in site.curators:
        problems.append(
            Problem(
                log.path,
                log.line,
                f"log of unknown curator {log.curator!r}",
                suggest(log.curator, list(site.curators)) or "add content/curators/<handle>.yaml first",
            )
        )
    _resolve_each(
        refs,
        log.path,
        log.states,
        problems,
        lambda item, first: (
            f"second state for {item} (first on line {first})",
            "keep one state per item; history goes in entries",
        ),
    )
    for entry in log.entries:
        resolved = _resolved(refs, log.path, entry.written, entry.line, problems)
        if resolved is not None:
            entry.ref = resolved


def _check_sources(site: Site, problems: list[Problem]) -> None:
    owners: dict[tuple[str, str], Item] = {}
    for item in site.items.values():
        for source in item.sources:
            key = (source.source, source.id)
            if key in owners and owners[key] is not item:
                other = owners[key]
                problems.append(
                    Problem(
                        item.path,
                        source.line,
                        f"source {source.source}:{source.id} is also on {other.path}",
                        "an upstream record describes one item; remove one of them",
                    )
                )
            owners[key] = item


def _tag_problems(tagged: Iterable[tuple[list[str], str, int]]) -> list[Problem]:
    problems = []
    for tags, path, line in tagged:
        for tag in tags:
            if not slugify(tag):
                problems.append(
                    Problem(
                        path, line, f"tag {tag!r} has no letters or digits", "tags become URLs: use words"
                    )
                )
    return problems


def _check_menu(menu: Menu, site: Site, refs: RefIndex, problems: list[Problem]) -> None:
    if menu.curator and menu.curator not in site.curators:
        problems.append(
            Problem(
                menu.path,
                menu.line_of("curator"),
                f"unknown curator {menu.curator!r}",
                suggest(menu.curator, list(site.curators)) or "add content/curators/<handle>.yaml first",
            )
        )
    if menu.status == "published" and not menu.published:
        problems.append(
            Problem(
                menu.path,
                menu.line_of("status"),
                "a published menu needs a 'published:' date",
                "add 'published: YYYY-MM-DD'",
            )
        )
    if not menu.courses and menu.status == "published" and "courses" in menu.lines:
        problems.append(Problem(menu.path, menu.line_of("courses"), "a menu needs at least one course"))
    placed = _resolve_each(
        refs,
        menu.path,
        [entry for course in menu.courses for entry in course.items],
        problems,
        lambda item, first: (
            f"{item} is already on this menu (line {first})",
            "serve each item once per menu",
        ),
    )
    for pairing in menu.pairings:
        for attr, ref, line in (
            ("from_ref", pairing.from_written, pairing.from_line),
            ("to_ref", pairing.to_written, pairing.to_line),
        ):
            setattr(pairing, attr, ref)  # resolved below, when it names an item of this menu
            resolved = _resolved(refs, menu.path, ref, line, problems)
            if resolved is None:
                continue
            if resolved not in placed:
                problems.append(
                    Problem(
                        menu.path,
                        line,
                        f"pairing names {resolved}, which is not on this menu",
                        suggest(resolved, list(placed)) or "pair only items served in this menu's courses",
                    )
                )
            else:
                setattr(pairing, attr, resolved)
        if pairing.from_ref == pairing.to_ref and pairing.from_ref in placed:
            problems.append(Problem(menu.path, pairing.line, "a pairing links an item to itself"))


def _check_slugs_and_aliases(site: Site, problems: list[Problem]) -> None:
    owner: dict[str, Menu] = {slug: menu for slug, menu in site.menus.items()}
    for menu in site.menus.values():
        for alias in menu.aliases:
            other = owner.get(alias)
            if other is not None and other is not menu:
                problems.append(
                    Problem(
                        menu.path,
                        menu.line_of("aliases"),
                        f"alias {alias!r} is already used by {other.path}",
                        "an old slug can redirect to one menu only",
                    )
                )
            elif alias == menu.slug:
                problems.append(
                    Problem(menu.path, menu.line_of("aliases"), f"alias {alias!r} is the menu's own slug")
                )
            owner[alias] = menu


def _check_lineage(site: Site, problems: list[Problem]) -> None:
    for menu in site.menus.values():
        parent = menu.forked_from
        if parent is None:
            continue
        if parent not in site.menus:
            problems.append(
                Problem(
                    menu.path,
                    menu.line_of("forked_from"),
                    f"forked from unknown menu {parent!r}",
                    suggest(parent, list(site.menus))
                    or "name the slug of an existing menu, or remove forked_from",
                )
            )
            continue
        seen = [menu.slug]
        current: str | None = parent
        while current is not None and current in site.menus:
            if current in seen:
                cycle = " → ".join([*seen, current])
                problems.append(
                    Problem(
                        menu.path,
                        menu.line_of("forked_from"),
                        f"fork cycle: {cycle}",
                        "a menu cannot descend from itself; remove one forked_from",
                    )
                )
                break
            seen.append(current)
            current = site.menus[current].forked_from


def _item_staleness(item: Item, site: Site, settings: Config) -> list[Problem]:
    problems: list[Problem] = []
    if settings.build_time is None:
        return problems
    today, limit = settings.build_time.date(), settings.stale_after_days
    for entry in item.availability:
        if (age := _age_past(entry.last_checked, today, limit)) is not None:
            problems.append(
                Problem(
                    item.path,
                    entry.line,
                    f"availability at {entry.provider!r} last checked {age} days ago",
                    "check it again and update last_checked",
                    severity="warning",
                )
            )
    for source in item.sources:
        # Watch providers in a TMDB payload become availability rows at build time.
        if (
            source.source == "tmdb"
            and (age := _age_past(source.fetched_at, today, limit)) is not None
            and _has_watch_providers(site.payloads.get((source.source, source.id)))
        ):
            problems.append(
                Problem(
                    item.path,
                    source.line,
                    f"watch providers from tmdb:{source.id} fetched {age} days ago",
                    f"run 'omakase import tmdb {source.id}' to refresh them",
                    severity="warning",
                )
            )
    return problems


def _age_past(stamp: str | None, today: date, limit: int) -> int | None:
    """The age in days of an ISO date older than `limit` days; None for a younger one (or
    one less precise than a day)."""
    if not stamp or len(stamp) != 10:
        return None
    age = (today - date.fromisoformat(stamp)).days
    return age if age > limit else None


def _has_watch_providers(payload: str | None) -> bool:
    if not payload or '"watch/providers"' not in payload:
        return False
    try:
        return bool(watch_providers(json.loads(payload)))
    except ValueError:
        return False
