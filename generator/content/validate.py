"""Cross-file checks: references resolve, menus are well formed, lineage has no cycles."""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Iterable

from generator.content.fields import name_problem, shortened, slugify, suggest
from generator.content.itemside import KeptItems, TagCases, item_tags
from generator.content.menuchecks import check_lineage, check_menu, check_slugs_and_aliases
from generator.content.menuside import KeptMenu, MenuSide
from generator.content.model import Item, Log, Menu, Site, same_objects
from generator.content.refs import RefIndex, resolve_each, resolved_ref
from generator.content.staleness import item_staleness
from generator.errors import Problem
from generator.settings import Config

Tagged = tuple[list[str], str, int]  # a file's tags, the file and the line they are on


class ValidationMemo:
    """What a process that validates again and again (the dev server) found last time, by
    the objects it checked: a kept parse is the same object from build to build, and an
    edited file's is a new one. A menu or log is checked again when it is new, or when the
    items' references or the curators' handles changed; an item, when it is new (all of
    them when the items came, went or moved, or when the build's day or the payloads
    changed). A fresh memo checks everything."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.items_made: object = None  # Site.items_made of `items`
        self.refs: RefIndex | None = None
        self.ref_keys: list[tuple[str, tuple[tuple[str, str], ...]]] = []
        self.sources: list[Problem] = []
        self.item_tags: list[list[Problem]] = []  # per item, in order
        self.item_staleness: list[list[Problem]] = []  # per item, in order
        self.stale_key: object = None
        self.curators: tuple[str, ...] | None = None
        self.menus: dict[int, tuple[Menu, list[Problem], list[Problem]]] = {}  # tags, menu
        self.logs: dict[int, tuple[Log, list[Problem]]] = {}
        self.item_cases = TagCases()  # the tag-case check over the items alone
        self.cases_of: object = None  # Site.items_made of the items `item_cases` was made from
        self.tag_names: list[str] = []  # every tag of those items, once, in order
        # The menus' part of the tag-case check: the item cases it went on from, the menus
        # and what it read of each (tags, file, line), and the problems it found.
        self.menu_cases: tuple[TagCases, list[Menu], list[Tagged], list[Problem]] | None = None


def _ref_key(item: Item) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What resolving a reference depends on: the item's ref and its sources' keys."""
    return item.ref, tuple((s.source, s.id) for s in item.sources)


def validate_site(
    site: Site, settings: Config, memo: ValidationMemo | None = None, side: MenuSide | None = None
) -> list[Problem]:
    """Every cross-reference problem of the site, errors and warnings.

    References are resolved from what the files wrote (`written`), never from an earlier
    resolution: a process that keeps parses between builds checks them afresh each time,
    or, with a `memo`, keeps what checking the very same objects against the same references
    found (and resolved) last time. A menu a kept `side` stands in for
    (menuside.KeptMenu) takes what checking it found then, while that would find the same."""
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
            kept = _check_menu(menu, site, refs, side, curators)
        checked_menus[id(menu)] = kept
    memo.menus = checked_menus
    for _, tags, _ in checked_menus.values():
        problems.extend(tags)
    for _, _, found in checked_menus.values():
        problems.extend(found)
    problems.extend(_tag_case_problems(site, memo))
    check_slugs_and_aliases(site, problems)
    check_lineage(site, problems)
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


def _check_menu(
    menu: Menu, site: Site, refs: RefIndex, side: MenuSide | None, curators: tuple[str, ...]
) -> tuple[Menu, list[Problem], list[Problem]]:
    """A menu and what checking its tags and the menu finds: the side's findings for a
    kept menu while checking it would find the same."""
    if side is not None and isinstance(menu, KeptMenu):
        taken = menu.kept_checks(side, curators)
        if taken is not None:  # its references resolve as they did: when it loads, likewise
            menu.resolve_with(functools.partial(check_menu, site=site, refs=refs, problems=[]))
            return (menu, *taken)
    tags = _tag_problems([(menu.tags, menu.path, menu.line_of("tags"))])
    found: list[Problem] = []
    check_menu(menu, site, refs, found)
    return menu, tags, found


def _check_items(site: Site, settings: Config, memo: ValidationMemo) -> None:
    """The items' own checks, and the index that resolves references to them, in `memo`:
    for the items not found at their place last time, or for all when their number changed.
    Items a kept side stands in for were checked when the side was made: it holds what that found."""
    if isinstance(site.items, KeptItems):
        side = site.items.side
        memo.refs = RefIndex(site, side.by_source)
        memo.items, memo.items_made, memo.ref_keys, memo.stale_key = [], None, [], None
        memo.sources = side.source_problems
        memo.item_tags, memo.item_staleness = [side.tag_problems], [side.staleness]  # flattened
        return
    same = site.items_made is not None and site.items_made is memo.items_made
    items = memo.items if same else list(site.items.values())
    today = settings.build_time.date()
    stale_key = (today, settings.stale_after_days, site.payloads)
    everything = memo.refs is None or len(items) != len(memo.items)
    if everything:
        new = list(range(len(items)))
        memo.item_tags, memo.item_staleness = [[]] * len(items), [[]] * len(items)
        ref_keys = [_ref_key(item) for item in items]
    else:
        # The same objects in the same order, told in C, is the usual answer of an edit.
        new = []
        if not same and not same_objects(items, memo.items):
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
    memo.ref_keys, memo.items, memo.items_made = ref_keys, items, site.items_made
    if stale_key != memo.stale_key:
        memo.stale_key, new = stale_key, list(range(len(items)))
    for n in new:
        item = items[n]
        memo.item_tags[n] = _tag_problems([(item.tags, item.path, item.line)])
        memo.item_staleness[n] = item_staleness(item, site, settings)


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
    resolve_each(
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
        resolved = resolved_ref(refs, log.path, entry.written, entry.line, problems)
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
            slug = slugify(tag)
            if not slug:
                problems.append(
                    Problem(
                        path, line, f"tag {tag!r} has no letters or digits", "tags become URLs: use words"
                    )
                )
            elif (problem := name_problem(slug, f"the URL of tag {shortened(tag)!r}")) is not None:
                problems.append(Problem(path, line, *problem))
    return problems


def _tag_case_problems(site: Site, memo: ValidationMemo) -> list[Problem]:
    """Tags written in two ways that differ only in case ('Noir', 'noir'): one tag page,
    two headings. Reported once per spelling, where it is first met after another. What
    the items' tags alone give is kept in `memo.item_cases` (itemside.ItemSide keeps it)."""
    if isinstance(site.items, KeptItems):
        memo.item_cases, memo.cases_of = site.items.side.cases, None
    else:
        # The same item objects have the same tags.
        if site.items_made is None or site.items_made is not memo.cases_of:
            memo.item_cases = TagCases()
            _tag_cases([(i.tags, i.path, i.line) for i in site.items.values()], memo.item_cases)
            memo.cases_of, memo.tag_names = site.items_made, item_tags(site.items)
        site.item_tag_names = memo.tag_names  # the store's tags table starts from them
    items, menus = memo.item_cases, list(site.menus.values())
    last = memo.menu_cases
    if last is not None and last[0] is items and _same_menu_tags(menus, last[1], last[2]):
        memo.menu_cases = (items, menus, last[2], last[3])
        return last[3]
    tagged = [(m.tags, m.path, m.line_of("tags")) for m in menus]
    cases = TagCases(dict(items.first), set(items.reported), list(items.problems))
    _tag_cases(tagged, cases)
    memo.menu_cases = (items, menus, tagged, cases.problems)
    return cases.problems


def _same_menu_tags(menus: list[Menu], before: list[Menu], tagged: list[Tagged]) -> bool:
    """Whether `menus` give the tag-case check what `before` gave (`tagged`): the same
    menus in order, where a changed one has the same tags, file and line. A menu edit
    seldom touches its tags, and the check would otherwise walk every menu again."""
    if len(menus) != len(before):
        return False
    changed = itertools.compress(range(len(menus)), map(operator.is_not, menus, before))
    return all((menus[i].tags, menus[i].path, menus[i].line_of("tags")) == tagged[i] for i in changed)


def _tag_cases(tagged: list[Tagged], cases: TagCases) -> None:
    """Go on with the tag-case check over `tagged` (tags, file, line) from `cases`."""
    first, reported, problems = cases.first, cases.reported, cases.problems
    for tags, path, line in tagged:
        for tag in tags:
            folded = tag.casefold()
            spelling, where = first.setdefault(folded, (tag, path))
            if spelling != tag and tag not in reported:
                reported.add(tag)
                problems.append(
                    Problem(
                        path,
                        line,
                        f"tag {tag!r} differs only in case from {spelling!r} in {where}",
                        f"write it {spelling!r} everywhere: one tag has one spelling",
                    )
                )
