"""Discover every content file, parse it, validate the whole site, report all problems at once."""

from __future__ import annotations

import json
from pathlib import Path

from generator.content.files import load_markdown_file, load_yaml_file
from generator.content.model import MEDIA_TYPES, Site
from generator.content.parse import parse_curator, parse_item, parse_log, parse_menu
from generator.content.validate import validate_site
from generator.errors import ContentError, ContentErrors, Problem
from generator.published import RECORD_FILE, check_record, read_record
from generator.settings import Settings
from generator.shares import live_shares, load_shares, share_display


def load_site(settings: Settings, *, strict: bool = False) -> tuple[Site, list[Problem]]:
    """Read and check every content file. Raise ContentErrors listing every error found.

    Returns the site and its warnings. With `strict`, warnings count as errors.
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

    def collect(path: Path, job) -> None:  # noqa: ANN001 - a small local callback
        try:
            job()
        except ContentError as exc:
            problems.append(exc.problem)
        except OSError as exc:
            problems.append(Problem(display(path), None, f"cannot read file: {exc.strerror}"))

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

    for path in _files(content / "curators", ".yaml", problems, display):
        def job(path: Path = path) -> None:
            name = display(path)
            curator = parse_curator(load_yaml_file(path, name, limit), name, path.stem, problems)
            if curator and claim("handle", curator.handle, name, curator.line):
                site.curators[curator.handle] = curator
        collect(path, job)

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
            def job(path: Path = path, media_type: str = media_type) -> None:
                name = display(path)
                data, body, _ = load_markdown_file(path, name, limit)
                item = parse_item(data, body, name, media_type, path.stem, problems)
                if item and claim(f"{media_type} slug", item.slug, name, data.line_of("slug")):
                    site.items[item.ref] = item
            collect(path, job)

    for path in _files(content / "menus", ".md", problems, display):
        def job(path: Path = path) -> None:
            name = display(path)
            data, body, _ = load_markdown_file(path, name, limit)
            menu = parse_menu(data, body, name, path.stem, problems)
            if menu and claim("menu slug", menu.slug, name, menu.line_of("slug")):
                site.menus[menu.slug] = menu
        collect(path, job)

    for path in _files(content / "logs", ".yaml", problems, display):
        def job(path: Path = path) -> None:
            name = display(path)
            log = parse_log(load_yaml_file(path, name, limit), name, path.stem, problems)
            site.logs[log.curator] = log
        collect(path, job)

    _load_payloads(site, settings.data_dir / "sources", problems, display, limit)
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
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            problems.append(Problem(display(entry), None, "symbolic links are not followed in content",
                                    "replace the link with the file itself"))
        elif entry.is_file() and entry.suffix == suffix:
            out.append(entry)
        else:
            problems.append(Problem(display(entry), None,
                                    f"unexpected {'folder' if entry.is_dir() else 'file'} here",
                                    f"this folder holds only {suffix} files"))
    return out


def _load_payloads(site: Site, folder: Path, problems: list[Problem], display, limit: int) -> None:  # noqa: ANN001
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
            name = display(path)
            if path.is_symlink():
                problems.append(Problem(name, None, "symbolic links are not followed"))
                continue
            if path.stat().st_size > max(limit, 20_000_000):
                problems.append(Problem(name, None, "payload file is too large"))
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            try:
                json.loads(text)
            except json.JSONDecodeError as exc:
                problems.append(Problem(name, exc.lineno, f"invalid JSON: {exc.msg}",
                                        "re-run the import to fetch the payload again"))
                continue
            site.payloads[(source_dir.name, _unquote(path.stem))] = text


def _unquote(stem: str) -> str:
    """External ids may hold '/', stored as '%2F' in file names."""
    from urllib.parse import unquote

    return unquote(stem)
