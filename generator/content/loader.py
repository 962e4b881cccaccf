"""Discover every content file, parse it, validate the whole site, report all problems at once."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from generator.content.files import load_markdown_file, load_yaml_file
from generator.content.model import MEDIA_TYPES, ParseCache, Parsed, Site
from generator.content.parallel import collector_paused, parse_files
from generator.content.parse import parse_curator, parse_item, parse_log, parse_menu
from generator.content.published import RECORD_FILE, check_record, read_record
from generator.content.shares import live_shares, load_shares, share_display
from generator.content.validate import ValidationMemo, validate_site
from generator.errors import ContentError, ContentErrors, Problem
from generator.settings import Config, Settings
from generator.support.timings import timed


class LoadMemo:
    """What a process that loads again and again (the dev server) keeps of its last load:
    the listing, each listed file's parse or problem, the site assembled from them, and what
    the cross-file checks found. Before each load it is told the scan (`scanned`)."""

    def __init__(self) -> None:
        self.files: Mapping[str, Any] = {}  # path -> scan entry with the content `hash`
        self.full_scans = 0  # how many scans looked at every file (a folder may have changed)
        self.assembly: _Assembly | None = None
        self.checks = ValidationMemo()

    def scanned(self, files: Mapping[str, Any], full_scans: int) -> None:
        self.files, self.full_scans = files, full_scans

    def hashes(self) -> dict[str, Any]:
        """Every input file's content hash (templates too: one that comes or goes means
        listing again, which costs little, and sparing the test costs every load)."""
        return {path: entry.hash for path, entry in self.files.items()}


@dataclass
class _Assembly:
    """One load's listing and what it made of it."""

    full_scans: int  # the scan count it listed after: a full scan since means list again
    hashes: dict[str, Any]  # every input file as listed: path -> content hash
    plan: list[Task | Problem]
    outcomes: list[Parsed | Problem]  # per step of the plan: its parse, or its problem
    places: dict[str, int]  # task path -> its step
    curators: dict[str, Any]
    items: dict[str, Any]
    menus: dict[str, Any]
    logs: dict[str, Any]
    clean: bool = True  # no key was claimed twice (nor a log's curator)
    claims: dict[int, list[Problem]] = field(default_factory=dict)  # step -> duplicate keys
    problems: list[Problem] | None = None  # the listing's and the files', once gathered

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


@timed("load")
def load_site(
    settings: Settings | Config,
    *,
    strict: bool = False,
    cache: ParseCache | None = None,
    memo: LoadMemo | None = None,
) -> tuple[Site, list[Problem]]:
    """Read and check every content file. Raise ContentErrors listing every error found.

    Returns the site and its warnings. With `strict`, warnings count as errors. With a
    `cache`, files whose content is unchanged are not parsed again. With a `memo` (passed
    again at each load), a load where only the contents of listed files changed patches
    the last one's listing and assembly with their new parses, and the cross-file checks
    look again only at what they may see differently (validate.ValidationMemo).
    """
    settings = settings.resolve()
    problems: list[Problem] = []
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
    root = settings.root

    def display(path: Path) -> str:
        try:
            return str(path.relative_to(root))
        except ValueError:
            return str(path)

    limit = settings.max_file_bytes
    with collector_paused():  # the site's objects live on: no use walking them (nor checking)
        assembly = _patched(memo, content, cache, limit) if memo is not None else None
        if assembly is None:
            assembly = _assemble(
                _listing(content, display),
                cache,
                limit,
                memo.full_scans if memo is not None else 0,
                memo.hashes() if memo is not None else {},
            )
        if memo is not None:
            memo.assembly = assembly
        site = Site(
            curators=dict(assembly.curators),
            items=dict(assembly.items),
            menus=dict(assembly.menus),
            logs=dict(assembly.logs),
        )
        problems.extend(assembly.all_problems())

        _load_payloads(site, settings.data_dir / "sources", problems, display, limit, cache)
        problems.extend(validate_site(site, settings, memo.checks if memo is not None else None))
        record = settings.data_dir / RECORD_FILE
        site.published_record = read_record(record)
        problems.extend(check_record(site, display(record)))
        site.shares = live_shares(
            settings, load_shares(settings, share_display(settings), problems), site.menus, problems
        )

    errors = [p for p in problems if p.severity == "error" or strict]
    if errors:
        raise ContentErrors(errors)
    return site, [p for p in problems if p.severity != "error"]


def _listing(content: Path, display: Callable[[Path], str]) -> list[Task | Problem]:
    """Every file to parse, and the listing's own problems, in the order they are reported."""
    plan: list[Task | Problem] = []
    plan.extend(_tasks(content / "curators", ".yaml", "curator", "", plan, display))
    items_dir = content / "items"
    if items_dir.is_symlink():
        plan.append(
            Problem(
                display(items_dir),
                None,
                "symbolic links are not followed in content",
                "replace the linked folder with a real one",
            )
        )
    elif items_dir.is_dir():
        for entry in sorted(items_dir.iterdir()):
            if entry.name in MEDIA_TYPES and (entry.is_dir() or entry.is_symlink()):
                continue  # a linked type folder is refused when its files are listed
            if entry.name.startswith("."):
                continue
            plan.append(
                Problem(
                    display(entry),
                    None,
                    f"unknown item type folder {entry.name!r}",
                    "items live in items/book, items/movie, items/game or items/music",
                )
            )
    for media_type in MEDIA_TYPES if not items_dir.is_symlink() else ():
        plan.extend(_tasks(items_dir / media_type, ".md", "item", media_type, plan, display))
    plan.extend(_tasks(content / "menus", ".md", "menu", "", plan, display))
    plan.extend(_tasks(content / "logs", ".yaml", "log", "", plan, display))
    return plan


def _assemble(
    plan: list[Task | Problem], cache: ParseCache | None, limit: int, full_scans: int, hashes: dict[str, Any]
) -> _Assembly:
    """Parse the plan's files (from the cache when a file's content is unchanged, else now,
    on every core when there are many: a cold build) and claim each one's key."""
    tasks = [step for step in plan if isinstance(step, tuple)]
    hits = {
        task.path: hit
        for task in tasks
        if (hit := cache.get(task.path, task.kind) if cache is not None else None) is not None
    }
    fresh = parse_files([task for task in tasks if task.path not in hits], limit, _parse_task)
    outcomes: list[Parsed | Problem] = []
    places: dict[str, int] = {}
    for step in plan:
        if isinstance(step, tuple):
            places[step.path] = len(outcomes)
            got = hits.get(step.path)
            outcomes.append(got if got is not None else _fresh(step, fresh, cache, limit))
        else:
            outcomes.append(step)
    assembly = _Assembly(full_scans, hashes, plan, outcomes, places, {}, {}, {}, {})
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
    return assembly


def _patched(memo: LoadMemo, content: Path, cache: ParseCache | None, limit: int) -> _Assembly | None:
    """The last assembly with the new parses of the files whose content changed since, or
    None when that would not be what listing and assembling afresh make: a full scan came
    since (a folder may have appeared), a file came or went, a changed file is not a listed
    one or is no longer a plain file, a key changed, or the last one claimed a key twice."""
    old = memo.assembly
    if old is None or old.full_scans != memo.full_scans or not old.clean:
        return None
    hashes = memo.hashes()
    if hashes.keys() != old.hashes.keys():
        return None
    prefix = str(content) + os.sep
    changed = [
        path for path, digest in hashes.items() if old.hashes[path] != digest and path.startswith(prefix)
    ]
    new = _Assembly(
        memo.full_scans,
        hashes,
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
        place = old.places.get(path)
        if place is None:
            return None
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                return None
        except OSError:
            return None
        step, before = old.plan[place], old.outcomes[place]
        assert isinstance(step, tuple)
        got = cache.get(path, step.kind) if cache is not None else None
        if got is None:
            got = _fresh(step, None, cache, limit)
        if (
            not isinstance(got, Parsed)
            or not isinstance(before, Parsed)
            or bool(got.value) != bool(before.value)
        ):
            return None
        if got.value:
            if step.kind == "log":
                if got.value.curator != before.value.curator:
                    return None
                new.logs[got.value.curator] = got.value
            else:
                value, key = got.value[0], _site_key(step, got.value[0])
                if key != _site_key(step, before.value[0]):
                    return None
                _into(new, step)[key] = value
        new.outcomes[place] = got
        if got.problems or before.problems:
            new.problems = None  # gathered again
    return new


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


def _into(assembly: _Assembly, step: Task) -> dict[str, Any]:
    return {
        "item": assembly.items,
        "menu": assembly.menus,
        "curator": assembly.curators,
        "log": assembly.logs,
    }[step.kind]


def _fresh(
    step: Task, fresh: dict[str, Any] | None, cache: ParseCache | None, limit: int
) -> Parsed | Problem:
    """A file's parse made now (by a worker, when `fresh` holds it), kept in the cache;
    the problem of an unreadable file is not."""
    outcome = fresh[step.path] if fresh is not None else _parse_task(step, limit)
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


class Task(NamedTuple):
    """One content file to parse: its kind ("curator", "item", "menu", "log"), absolute path,
    path as shown in messages, file name without the extension, and media type (items)."""

    kind: str
    path: str
    display: str
    stem: str
    media_type: str


def _tasks(
    folder: Path, suffix: str, kind: str, media_type: str, problems: list[Any], display: Callable[[Path], str]
) -> list[Task]:
    """Content files of one folder, sorted; stray files and links out of the site are errors."""
    if folder.is_symlink():
        problems.append(
            Problem(
                display(folder),
                None,
                "symbolic links are not followed in content",
                "replace the linked folder with a real one",
            )
        )
        return []
    if not folder.is_dir():
        return []
    out = []
    shown = display(folder)
    # os.scandir: the entry types come with the listing, no extra system call per file; plain
    # strings, not Path objects, for the thousands of files of a big site.
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_symlink():
            problems.append(
                Problem(
                    f"{shown}/{name}",
                    None,
                    "symbolic links are not followed in content",
                    "replace the link with the file itself",
                )
            )
        elif entry.is_file(follow_symlinks=False) and name.endswith(suffix) and len(name) > len(suffix):
            out.append(Task(kind, entry.path, f"{shown}/{name}", name[: -len(suffix)], media_type))
        else:
            problems.append(
                Problem(
                    f"{shown}/{name}",
                    None,
                    f"unexpected {'folder' if entry.is_dir() else 'file'} here",
                    f"this folder holds only {suffix} files",
                )
            )
    return out


def _parse_task(task: Task, limit: int) -> Parsed | Problem:
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


def _load_payloads(
    site: Site,
    folder: Path,
    problems: list[Problem],
    display,
    limit: int,  # noqa: ANN001
    cache: ParseCache | None = None,
) -> None:
    """Raw upstream payloads kept verbatim under data/sources/<source>/<external_id>.json."""
    if folder.is_symlink() or folder.parent.is_symlink():
        problems.append(
            Problem(
                display(folder),
                None,
                "symbolic links are not followed in data",
                "keep the payloads in the site itself",
            )
        )
        return
    if not folder.is_dir():
        return
    for source_dir in sorted(p for p in folder.iterdir() if p.is_dir() or p.is_symlink()):
        if source_dir.is_symlink():
            problems.append(
                Problem(
                    display(source_dir),
                    None,
                    "symbolic links are not followed in data",
                    "keep the payloads in the site itself",
                )
            )
            continue
        for path in sorted(source_dir.glob("*.json")):
            hit = cache.get(path, "payload") if cache is not None else None
            if hit is None:
                hit = _read_payload(path, display(path), limit)
                if cache is not None:
                    cache.put(path, "payload", hit)
            problems.extend(hit.problems)
            if hit.value is not None:
                site.payloads[(source_dir.name, _unquote(path.stem))] = hit.value


def _read_payload(path: Path, name: str, limit: int) -> Parsed:
    if path.is_symlink():
        return Parsed(None, [Problem(name, None, "symbolic links are not followed")])
    if path.stat().st_size > max(limit, 20_000_000):
        return Parsed(None, [Problem(name, None, "payload file is too large")])
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        return Parsed(
            None,
            [
                Problem(
                    name,
                    exc.lineno,
                    f"invalid JSON: {exc.msg}",
                    "re-run the import to fetch the payload again",
                )
            ],
        )
    except (ValueError, RecursionError) as exc:
        # NaN/Infinity are not JSON (SQLite refuses them); absurd nesting exhausts the stack.
        message = str(exc) if isinstance(exc, ValueError) else "JSON nested too deeply"
        return Parsed(
            None,
            [Problem(name, 1, f"invalid JSON: {message}", "re-run the import to fetch the payload again")],
        )
    return Parsed(text, [])


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _unquote(stem: str) -> str:
    """External ids may hold '/', stored as '%2F' in file names."""
    from urllib.parse import unquote

    return unquote(stem)
