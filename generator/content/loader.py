"""Discover every content file, parse it, validate the whole site, report all problems at once."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from generator.content.files import load_markdown_file, load_yaml_file
from generator.content.model import MEDIA_TYPES, Site
from generator.content.parse import parse_curator, parse_item, parse_log, parse_menu
from generator.content.validate import validate_site
from generator.errors import ContentError, ContentErrors, Problem
from generator.published import RECORD_FILE, check_record, read_record
from generator.settings import Settings
from generator.shares import live_shares, load_shares, share_display
from generator.timings import timed


@dataclass
class Parsed:
    """What one file parsed into (None when it could not be), and the problems it has alone."""

    value: Any
    problems: list[Problem]


class ParseCache(Protocol):
    """Parses of unchanged files kept between builds; `get` returns a fresh copy or None."""

    def get(self, path: Path, kind: str) -> Parsed | None: ...

    def put(self, path: Path, kind: str, parsed: Parsed) -> None: ...


@timed("load")
def load_site(settings: Settings, *, strict: bool = False,
              cache: ParseCache | None = None) -> tuple[Site, list[Problem]]:
    """Read and check every content file. Raise ContentErrors listing every error found.

    Returns the site and its warnings. With `strict`, warnings count as errors. With a
    `cache`, files whose content is unchanged are not parsed again (cross-file checks
    always run on the whole site).
    """
    settings = settings.resolve() if settings.content_dir is None else settings
    problems: list[Problem] = []
    site = Site()
    content = settings.content_dir
    assert content is not None and settings.data_dir is not None
    linked = settings.root / "content"
    if linked.is_symlink() and linked.resolve() == content:
        raise ContentErrors([Problem("content", None, "the content folder is a symbolic link",
                                     "keep content inside the site, or pass --content DIR")])
    if not content.is_dir():
        raise ContentErrors([Problem(str(content), None, "content folder not found",
                                    "run from the site's root or pass --content DIR")])
    root = settings.root

    def display(path: Path) -> str:
        try:
            return str(path.relative_to(root))
        except ValueError:
            return str(path)

    limit = settings.max_file_bytes
    seen: dict[tuple[str, str], tuple[str, int]] = {}

    def claim(kind: str, key: str, path: str, line: int) -> bool:
        if (kind, key) in seen:
            first, first_line = seen[kind, key]
            hint = f"give one of them another {kind}"
            problems.append(Problem(path, line, f"duplicate {kind} {key!r}, also in {first}", hint))
            problems.append(Problem(first, first_line, f"duplicate {kind} {key!r}, also in {path}",
                                    hint))
            return False
        seen[kind, key] = (path, line)
        return True

    def parsed(path: Path, kind: str, parse: Callable[[Path, str, list[Problem]], Any]) -> Parsed | None:
        """One file's parse: from the cache when its content is unchanged, else parsed now."""
        hit = cache.get(path, kind) if cache is not None else None
        if hit is not None:
            problems.extend(hit.problems)
            return hit
        local: list[Problem] = []
        try:
            result = Parsed(parse(path, display(path), local), local)
        except ContentError as exc:
            result = Parsed(None, [*local, exc.problem])
        except OSError as exc:
            problems.append(Problem(display(path), None, f"cannot read file: {exc.strerror}"))
            return None
        if cache is not None:
            cache.put(path, kind, result)
        problems.extend(result.problems)
        return result

    for path in _files(content / "curators", ".yaml", problems, display):
        def parse_one(path: Path, name: str, local: list[Problem]) -> Any:
            curator = parse_curator(load_yaml_file(path, name, limit), name, path.stem, local)
            return (curator, curator.line) if curator else None
        got = parsed(path, "curator", parse_one)
        if got and got.value:
            curator, line = got.value
            if claim("handle", curator.handle, display(path), line):
                site.curators[curator.handle] = curator

    items_dir = content / "items"
    if items_dir.is_symlink():
        problems.append(Problem(display(items_dir), None, "symbolic links are not followed in content",
                                "replace the linked folder with a real one"))
    elif items_dir.is_dir():
        for entry in sorted(items_dir.iterdir()):
            if entry.name in MEDIA_TYPES and (entry.is_dir() or entry.is_symlink()):
                continue  # a linked type folder is refused when its files are listed
            if entry.name.startswith("."):
                continue
            problems.append(Problem(
                display(entry), None, f"unknown item type folder {entry.name!r}",
                "items live in items/book, items/movie, items/game or items/music",
            ))
    for media_type in MEDIA_TYPES if not items_dir.is_symlink() else ():
        for path in _files(items_dir / media_type, ".md", problems, display):
            def parse_one(path: Path, name: str, local: list[Problem], media_type: str = media_type) -> Any:
                data, body, _ = load_markdown_file(path, name, limit)
                item = parse_item(data, body, name, media_type, path.stem, local)
                return (item, data.line_of("slug")) if item else None
            got = parsed(path, "item", parse_one)
            if got and got.value:
                item, line = got.value
                if claim(f"{media_type} slug", item.slug, display(path), line):
                    site.items[item.ref] = item

    for path in _files(content / "menus", ".md", problems, display):
        def parse_one(path: Path, name: str, local: list[Problem]) -> Any:
            data, body, _ = load_markdown_file(path, name, limit)
            menu = parse_menu(data, body, name, path.stem, local)
            return (menu, menu.line_of("slug")) if menu else None
        got = parsed(path, "menu", parse_one)
        if got and got.value:
            menu, line = got.value
            if claim("menu slug", menu.slug, display(path), line):
                site.menus[menu.slug] = menu

    for path in _files(content / "logs", ".yaml", problems, display):
        def parse_one(path: Path, name: str, local: list[Problem]) -> Any:
            return parse_log(load_yaml_file(path, name, limit), name, path.stem, local)
        got = parsed(path, "log", parse_one)
        if got and got.value:
            site.logs[got.value.curator] = got.value

    _load_payloads(site, settings.data_dir / "sources", problems, display, limit, cache)
    problems.extend(validate_site(site, settings))
    record = settings.data_dir / RECORD_FILE
    site.published_record = read_record(record)
    problems.extend(check_record(site, display(record)))
    site.shares = live_shares(settings, load_shares(settings, share_display(settings), problems),
                              site.menus, problems)

    errors = [p for p in problems if p.severity == "error" or strict]
    if errors:
        raise ContentErrors(errors)
    return site, [p for p in problems if p.severity != "error"]


def _files(folder: Path, suffix: str, problems: list[Problem], display) -> list[Path]:  # noqa: ANN001
    """Content files of one folder, sorted; stray files and links out of the site are errors."""
    if folder.is_symlink():
        problems.append(Problem(display(folder), None, "symbolic links are not followed in content",
                                "replace the linked folder with a real one"))
        return []
    if not folder.is_dir():
        return []
    out = []
    # os.scandir: the entry types come with the listing, no extra system call per file.
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        if entry.is_symlink():
            problems.append(Problem(display(path), None, "symbolic links are not followed in content",
                                    "replace the link with the file itself"))
        elif entry.is_file(follow_symlinks=False) and entry.name.endswith(suffix) \
                and len(entry.name) > len(suffix):
            out.append(path)
        else:
            problems.append(Problem(display(path), None,
                                    f"unexpected {'folder' if entry.is_dir() else 'file'} here",
                                    f"this folder holds only {suffix} files"))
    return out


def _load_payloads(site: Site, folder: Path, problems: list[Problem], display, limit: int,  # noqa: ANN001
                   cache: ParseCache | None = None) -> None:
    """Raw upstream payloads kept verbatim under data/sources/<source>/<external_id>.json."""
    if folder.is_symlink() or folder.parent.is_symlink():
        problems.append(Problem(display(folder), None, "symbolic links are not followed in data",
                                "keep the payloads in the site itself"))
        return
    if not folder.is_dir():
        return
    for source_dir in sorted(p for p in folder.iterdir() if p.is_dir() or p.is_symlink()):
        if source_dir.is_symlink():
            problems.append(Problem(display(source_dir), None,
                                    "symbolic links are not followed in data",
                                    "keep the payloads in the site itself"))
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
        return Parsed(None, [Problem(name, exc.lineno, f"invalid JSON: {exc.msg}",
                                     "re-run the import to fetch the payload again")])
    except (ValueError, RecursionError) as exc:
        # NaN/Infinity are not JSON (SQLite refuses them); absurd nesting exhausts the stack.
        message = str(exc) if isinstance(exc, ValueError) else "JSON nested too deeply"
        return Parsed(None, [Problem(name, 1, f"invalid JSON: {message}",
                                     "re-run the import to fetch the payload again")])
    return Parsed(text, [])


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _unquote(stem: str) -> str:
    """External ids may hold '/', stored as '%2F' in file names."""
    from urllib.parse import unquote

    return unquote(stem)
