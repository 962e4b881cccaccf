"""Parse the listed content files and gather them by kind and key, or patch the last such
gathering with the files changed since; a key claimed twice is a problem of both files."""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from generator.content.files import load_markdown_file, load_yaml_file
from generator.content.itemside import ItemSide, KeptItems
from generator.content.listing import Task
from generator.content.menuside import MenuSide
from generator.content.model import ParseCache, Parsed, Site
from generator.content.parallel import parse_files
from generator.content.parse import parse_curator, parse_item, parse_log, parse_menu
from generator.errors import ContentError, ContentErrors, Problem


class Kept(NamedTuple):
    """What a load without a memo may take instead of its files' parses."""

    items: ItemSide | None = None
    menus: MenuSide | None = None


NOTHING_KEPT = Kept()


@dataclass
class Assembly:
    """One load's listing and what it made of it."""

    full_scans: int  # the scan count it listed after: a full scan since means list again
    files: dict[str, Any]  # every input file as listed: path -> scan entry (mtime_ns, size, hash)
    plan: list[Task | Problem]
    outcomes: list[Parsed | Problem]  # per step of the plan: its parse, or its problem
    places: dict[str, int]  # task path -> its step
    curators: dict[str, Any]
    items: dict[str, Any] | KeptItems
    menus: dict[str, Any]
    logs: dict[str, Any]
    clean: bool = True  # no key was claimed twice (nor a log's curator)
    claims: dict[int, list[Problem]] = field(default_factory=dict)  # step -> duplicate keys
    problems: list[Problem] | None = None  # the listing's and the files', once gathered
    same_item_folders: bool = False  # patched from the last one, no file under items/ changed
    item_folders: dict[str, int] | None = None  # listing.item_folders, read before listing
    # Stands for the item objects: the same while they are the very same, in the same order
    # (a patch with no file under items/), so checks need not compare 100,000 of them.
    items_made: object = field(default_factory=object)

    def all_problems(self) -> list[Problem]:
        """The listing's problems and each file's, in the listing's order."""
        if self.problems is None:
            self.problems = []
            for number, got in enumerate(self.outcomes):
                if isinstance(got, Problem):
                    self.problems.append(got)
                else:
                    self.problems.extend(got.problems)
                    if number in self.claims:
                        self.problems.extend(self.claims[number])
        return self.problems


def assemble(
    plan: list[Task | Problem],
    cache: ParseCache | None,
    limit: int,
    scanned: tuple[int, dict[str, Any]],
    sides: Kept = NOTHING_KEPT,
    kept_listing: bool = False,
) -> Assembly:
    """Parse the plan's files (from the cache when a file's content is unchanged, else now,
    on every core when there are many: a cold build) and claim each one's key. With a kept
    item side (`sides.items`) that lists exactly the plan's item files, the items are not loaded:
    the side stands in for them (itemside.KeptItems). With `kept_listing`, the plan holds
    the side's listing of the items folder instead of its files. With `sides.menus`, a menu
    whose file the side describes as it is now is taken from its face (menuside.KeptMenu).
    `scanned`: the scan count and the scan entries the listing followed (Assembly)."""
    kept = sides.items
    tasks = [step for step in plan if isinstance(step, tuple)]
    item_tasks = {task.path: task for task in tasks if task.kind == "item"}
    if kept is not None and not kept_listing and not kept.lists(item_tasks):
        kept = None
    hits: dict[str, Parsed] = {}
    if kept is not None:  # what each item file's parse found, without its item
        found, clean = kept.file_problems, Parsed(None, [])
        hits = {path: Parsed(None, found[path]) if path in found else clean for path in item_tasks}
    if sides.menus is not None:
        hits.update(_kept_menus(tasks, sides.menus, cache, limit))
    hits.update(
        (task.path, hit)
        for task in tasks
        if task.path not in hits
        and (hit := cache.get(task.path, task.kind) if cache is not None else None) is not None
    )
    fresh = parse_files([task for task in tasks if task.path not in hits], limit, parse_task)
    outcomes: list[Parsed | Problem] = []
    places: dict[str, int] = {}
    for step in plan:
        if isinstance(step, tuple):
            places[step.path] = len(outcomes)
            hit = hits.get(step.path)
            outcomes.append(hit if hit is not None else _fresh(step, fresh, cache, limit))
        else:
            outcomes.append(step)
    assembly = Assembly(*scanned, plan, outcomes, places, {}, {}, {}, {})
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    for number, (step, got) in enumerate(zip(plan, outcomes, strict=True)):
        if not isinstance(step, tuple) or not isinstance(got, Parsed) or not got.value:
            continue
        if step.kind == "log":
            if got.value.curator in assembly.logs:  # reported by the parse; the last one wins
                assembly.clean = False
            assembly.logs[got.value.curator] = got.value
            continue
        value, line = got.value
        kind, key = _claim(step, value)
        if (kind, key) in seen:
            first, first_line = seen[kind, key]
            hint = f"give one of them another {kind}"
            assembly.claims[number] = [
                Problem(step.display, line, f"duplicate {kind} {key!r}, also in {first}", hint),
                Problem(first, first_line, f"duplicate {kind} {key!r}, also in {step.display}", hint),
            ]
            assembly.clean = False
            continue
        seen[kind, key] = (step.display, line)
        _into(assembly, step)[_site_key(step, value)] = value
    if kept is not None:
        side = kept
        assembly.items = KeptItems(
            side,
            lambda key: _kept_value(item_tasks.get(side.path_of(key)) or _item_task(side, key), cache, limit),
        )
    return assembly


def _item_task(side: ItemSide, key: str) -> Task:
    """The listing's task of an item file a kept side lists (`key`: as the state keys it,
    which is the path its messages show)."""
    path = side.path_of(key)
    folder, name = os.path.split(path)
    return Task("item", path, key, name.removesuffix(".md"), os.path.basename(folder))


def item_listing(assembly: Assembly, items: str) -> list[Problem]:
    """What the listing of the items folder (`items`, as messages show it) and the parses
    of its files found, in the order they are reported."""
    found: list[Problem] = []
    for step, got in zip(assembly.plan, assembly.outcomes, strict=True):
        if isinstance(step, tuple):
            if step.kind == "item":
                found.extend(got.problems if isinstance(got, Parsed) else [got])
        elif step.path == items or step.path.startswith(items + "/"):
            found.append(step)
    return found


def _kept_menus(
    tasks: list[Task], side: MenuSide, cache: ParseCache | None, limit: int
) -> Iterator[tuple[str, Parsed]]:
    """Each menu file the side describes as it is now, as its face (its parse loaded when
    something reads the rest)."""
    for task in tasks:
        if task.kind == "menu":
            got = side.parsed(task.path, functools.partial(_kept_value, task, cache, limit))
            if got is not None:
                yield task.path, got


def _kept_value(task: Task, cache: ParseCache | None, limit: int) -> Any:
    """The item or menu of a file a kept side lists, loaded when asked for (its content is
    the one the side was made from)."""
    got: Parsed | Problem | None = cache.get(task.path, task.kind) if cache is not None else None
    if got is None:
        got = _fresh(task, None, cache, limit)
    if isinstance(got, Problem):
        raise ContentErrors([got])
    if not got.value:
        raise ContentErrors(got.problems or [Problem(task.display, None, f"not a {task.kind}")])
    return got.value[0]


def menu_parses(assembly: Assembly, site: Site) -> list[tuple[str, Parsed]]:
    """The file and parse of each menu the site holds, in the listing's order."""
    found = []
    for step, got in zip(assembly.plan, assembly.outcomes, strict=True):
        if isinstance(step, tuple) and step.kind == "menu" and isinstance(got, Parsed) and got.value:
            menu = got.value[0]
            if site.menus.get(menu.slug) is menu:
                found.append((step.path, got))
    return found


def item_files(assembly: Assembly) -> tuple[dict[str, str], dict[str, list[Problem]]]:
    """Each loaded item's file (by ref), and what each item file's parse found (by file)."""
    files: dict[str, str] = {}
    problems: dict[str, list[Problem]] = {}
    for step, got in zip(assembly.plan, assembly.outcomes, strict=True):
        if isinstance(step, tuple) and step.kind == "item" and isinstance(got, Parsed):
            if got.value:
                files[got.value[0].ref] = step.path
            if got.problems:
                problems[step.path] = got.problems
    return files, problems


def patched(
    old: Assembly | None,
    full_scans: int,
    files: dict[str, Any],
    content: Path,
    cache: ParseCache | None,
    limit: int,
) -> Assembly | None:
    """The last assembly with the new parses of the files whose content changed since, or
    None when that would not be what listing and assembling afresh make: a full scan came
    since (a folder may have appeared), a file came or went, a changed file is not a listed
    one or is no longer a plain file, a key changed, or the last one claimed a key twice."""
    if old is None or old.full_scans != full_scans or not old.clean:
        return None
    prefix = str(content) + os.sep
    changed = _changed_files(old.files, files, prefix)
    if changed is None:
        return None
    new = Assembly(
        full_scans,
        files,
        old.plan,
        list(old.outcomes),
        old.places,
        dict(old.curators),
        dict(old.items),
        dict(old.menus),
        dict(old.logs),
        problems=old.problems,
    )
    for path in changed:
        if not _patch_file(new, old, path, cache, limit):
            return None
    items = f"{prefix}items{os.sep}"
    new.same_item_folders = not any(path.startswith(items) for path in changed)
    if new.same_item_folders:
        new.items_made = old.items_made
    return new


def _changed_files(old: dict[str, Any], now: dict[str, Any], prefix: str) -> list[str] | None:
    """The files under `prefix` whose content hash differs between two scans' entries, or
    None when a file came or went. An unchanged file keeps its very entry from scan to scan
    (state.scan_tree), so most are told apart by identity."""
    if len(old) != len(now):
        return None
    changed = []
    for path, entry in now.items():
        before = old.get(path)
        if before is entry:
            continue
        if before is None:
            return None
        if before[2] != entry[2] and path.startswith(prefix):
            changed.append(path)
    return changed


def _patch_file(new: Assembly, old: Assembly, path: str, cache: ParseCache | None, limit: int) -> bool:
    """Put the new parse of one changed file into `new`; False when it cannot be patched in."""
    place = old.places.get(path)
    if place is None or not _plain_file(path):
        return False
    step, before = old.plan[place], old.outcomes[place]
    assert isinstance(step, tuple)
    got: Parsed | Problem | None = cache.get(path, step.kind) if cache is not None else None
    if got is None:
        got = _fresh(step, None, cache, limit)
    if not isinstance(got, Parsed) or not isinstance(before, Parsed) or bool(got.value) != bool(before.value):
        return False
    if got.value and not _replace(new, step, got.value, before.value):
        return False
    new.outcomes[place] = got
    if got.problems or before.problems:
        new.problems = None  # gathered again
    return True


def _plain_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _replace(new: Assembly, step: Task, value: Any, before: Any) -> bool:
    """Put a file's new model object in place of its old one, unless its key changed."""
    if step.kind == "log":
        if value.curator != before.curator:
            return False
        new.logs[value.curator] = value
        return True
    key = _site_key(step, value[0])
    if key != _site_key(step, before[0]):
        return False
    _into(new, step)[key] = value[0]
    return True


def _claim(step: Task, value: Any) -> tuple[str, str]:
    """The kind of key a file claims, and the key."""
    if step.kind == "item":
        return f"{step.media_type} slug", value.slug
    if step.kind == "menu":
        return "menu slug", value.slug
    return "handle", value.handle


def _site_key(step: Task, value: Any) -> str:
    if step.kind == "item":
        return value.ref
    return value.slug if step.kind == "menu" else value.handle


def _into(assembly: Assembly, step: Task) -> dict[str, Any]:
    if step.kind == "item":
        assert isinstance(assembly.items, dict)  # a kept side's items come after the claims
        return assembly.items
    return {
        "menu": assembly.menus,
        "curator": assembly.curators,
        "log": assembly.logs,
    }[step.kind]


def _fresh(
    step: Task, fresh: dict[str, Any] | None, cache: ParseCache | None, limit: int
) -> Parsed | Problem:
    """A file's parse made now (by a worker, when `fresh` holds it), kept in the cache;
    the problem of an unreadable file is not."""
    outcome = fresh[step.path] if fresh is not None else parse_task(step, limit)
    if isinstance(outcome, Problem):
        return outcome
    if isinstance(outcome, tuple):  # parsed by a worker, pickled as the cache keeps it
        got, blob = outcome
        if cache is not None:
            _put(cache, step, got, blob)
        return got
    if cache is not None:
        cache.put(step.path, step.kind, outcome)
    return outcome


def parse_task(task: Task, limit: int) -> Parsed | Problem:
    """One file's parse with the problems it has alone, or the problem of an unreadable file."""
    local: list[Problem] = []
    try:
        return Parsed(_parse_content(task, limit, local), local)
    except ContentError as exc:
        return Parsed(None, [*local, exc.problem])
    except OSError as exc:
        return Problem(task.display, None, f"cannot read file: {exc.strerror}")


def _parse_content(task: Task, limit: int, local: list[Problem]) -> Any:
    """The model object of one file, with the line its key is claimed from (logs claim none)."""
    kind, path, name, stem = task.kind, task.path, task.display, task.stem
    if kind == "item":
        data, body, _ = load_markdown_file(path, name, limit)
        item = parse_item(data, body, name, task.media_type, stem, local)
        return (item, data.line_of("slug")) if item else None
    if kind == "menu":
        data, body, _ = load_markdown_file(path, name, limit)
        menu = parse_menu(data, body, name, stem, local)
        return (menu, menu.line_of("slug")) if menu else None
    if kind == "curator":
        curator = parse_curator(load_yaml_file(path, name, limit), name, stem, local)
        return (curator, curator.line) if curator else None
    return parse_log(load_yaml_file(path, name, limit), name, stem, local)


def _put(cache: ParseCache, task: Task, parsed: Parsed, blob: bytes) -> None:
    """Keep a worker's parse in the cache as the worker pickled it, when the cache takes that."""
    put_pickled = getattr(cache, "put_pickled", None)
    if put_pickled is not None:
        put_pickled(task.path, task.kind, blob, parsed)
    else:
        cache.put(task.path, task.kind, parsed)
