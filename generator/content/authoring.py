"""Create content files for curators: new menus and items, and forks of existing menus."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.content.fields import (
    SLUG_RE,
    fitting_slug,
    name_problem,
    plain,
    shortened,
    slugify,
    suggest,
)
from generator.content.files import load_markdown_file
from generator.content.itemfields import fields_of
from generator.content.model import MEDIA_TYPES
from generator.errors import ContentError, ContentErrors
from generator.settings import Config, Settings


@dataclass
class MenuFile:
    """A menu file as it stands on disk, read without validating the rest of the site."""

    path: Path
    slug: str
    aliases: list[str]
    data: dict[str, Any]
    body: str


def _display(settings: Config, path: Path) -> str:
    try:
        return str(path.relative_to(settings.root))
    except ValueError:
        return str(path)


def menu_files(settings: Config) -> dict[str, MenuFile]:
    """Every menu by slug. Unreadable files are skipped here: `omakase check` reports them."""
    folder = settings.content_dir / "menus"
    menus: dict[str, MenuFile] = {}
    if not folder.is_dir():
        return menus
    for path in sorted(folder.glob("*.md")):
        try:
            data, body, _ = load_markdown_file(path, _display(settings, path), settings.max_file_bytes)
        except (ContentError, OSError):
            continue
        values = plain(data)
        slug = str(values.get("slug") or path.stem)
        aliases = [str(a) for a in values.get("aliases") or [] if isinstance(a, str)]
        menus[slug] = MenuFile(path, slug, aliases, values, body)
    return menus


def _taken_menu_slugs(menus: dict[str, MenuFile]) -> dict[str, Path]:
    taken = {slug: m.path for slug, m in menus.items()}
    for menu in menus.values():
        for alias in menu.aliases:
            taken.setdefault(alias, menu.path)
    return taken


def _new_slug(title: str, slug: str | None, where: str) -> str:
    chosen = slug or fitting_slug(title)
    if not chosen:
        raise ContentError(
            where,
            None,
            f"cannot make a slug from the title {title!r}",
            "give one with --slug, using lowercase letters, digits and hyphens",
        )
    if not SLUG_RE.match(chosen):
        raise ContentError(
            where,
            None,
            f"{chosen!r} is not a valid slug",
            f"use lowercase letters, digits and single hyphens, e.g. {slugify(chosen)!r}",
        )
    problem = name_problem(chosen, f"slug {shortened(chosen)!r}")
    if problem is not None:
        raise ContentError(where, None, *problem)
    return chosen


def _require_curator(settings: Config, handle: str) -> None:
    folder = settings.content_dir / "curators"
    if (folder / f"{handle}.yaml").is_file():
        return
    known = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
    raise ContentError(
        _display(settings, folder),
        None,
        f"unknown curator {handle!r}",
        suggest(handle, known) or f"create {_display(settings, folder)}/{handle}.yaml first",
    )


def _quote(text: str) -> str:
    """A YAML scalar that reads back as exactly `text` (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _write_new(path: Path, text: str, display: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:  # never overwrite a curator's file
            handle.write(text)
    except FileExistsError:
        raise ContentError(
            display, None, "file already exists", "choose another title, or give another --slug"
        ) from None


def new_menu(
    settings: Settings | Config,
    title: str,
    curator: str,
    *,
    slug: str | None = None,
    items: tuple[str, ...] = (),
) -> Path:
    """Write content/menus/<slug>.md as a draft; the slug is fixed now and never changes."""
    settings = settings.resolve()
    folder = settings.content_dir / "menus"
    chosen = _new_slug(title, slug, _display(settings, folder))
    _require_curator(settings, curator)
    taken = _taken_menu_slugs(menu_files(settings))
    if chosen in taken:
        raise ContentError(
            _display(settings, taken[chosen]),
            None,
            f"the menu slug {chosen!r} is already used here",
            "choose another title, or give another --slug",
        )
    _require_items(settings, items)
    lines = [
        "---",
        f"title: {_quote(title)}",
        f"slug: {chosen}                # fixed at creation: the URL never changes with the title",
        f"curator: {curator}",
        "status: draft                # draft | published (add 'published: YYYY-MM-DD')",
        "tags: []",
        "courses:",
        "  - title: First course",
        '    intent: ""',
    ]
    if items:
        lines.append("    items:")
        lines += [f"      - item: {ref}" for ref in items]
    else:
        lines.append("    items: []                 # - item: <type>/<slug>")
    lines += ["---", ""]
    path = folder / f"{chosen}.md"
    _write_new(path, "\n".join(lines), _display(settings, path))
    return path


def _require_items(settings: Config, refs: tuple[str, ...]) -> None:
    problems = []
    for ref in refs:
        media_type, _, item_slug = ref.partition("/")
        if (
            media_type in MEDIA_TYPES
            and (settings.content_dir / "items" / media_type / f"{item_slug}.md").is_file()
        ):
            continue
        if ":" in ref and "/" not in ref.split(":", 1)[0]:
            continue  # an upstream id; `omakase check` resolves it against item sources
        problems.append(
            ContentError(
                "content/items",
                None,
                f"unknown item {ref!r}",
                "references are '<type>/<slug>' of a file in content/items/",
            ).problem
        )
    if problems:
        raise ContentErrors(problems)


def new_item(settings: Settings | Config, media_type: str, title: str, *, slug: str | None = None) -> Path:
    """Write content/items/<type>/<slug>.md with the fields its type takes, ready to fill."""
    settings = settings.resolve()
    if media_type not in MEDIA_TYPES:
        raise ContentError(
            "content/items", None, f"unknown item type {media_type!r}", "one of: " + ", ".join(MEDIA_TYPES)
        )
    folder = settings.content_dir / "items" / media_type
    chosen = _new_slug(title, slug, _display(settings, folder))
    path = folder / f"{chosen}.md"
    if path.exists():
        raise ContentError(
            _display(settings, path),
            None,
            f"the {media_type} slug {chosen!r} is already used",
            f"two works with one title? add the year: --slug {chosen}-YYYY",
        )
    lines = ["---", f"title: {_quote(title)}", f"slug: {chosen}", "# release_date: YYYY-MM-DD"]
    for field in fields_of(media_type):
        example = {"list": "[]", "int": "0", "tracks": "[{title: …, duration_seconds: 0}]"}.get(
            field.kind, "…"
        )
        lines.append(f"# {field.name}: {example}")
    lines += ["tags: []", "# sources:", "#   - source: wikidata", "#     id: Q…", "---", ""]
    _write_new(path, "\n".join(lines), _display(settings, path))
    return path


def fork_menu(
    settings: Settings | Config,
    parent_slug: str,
    curator: str,
    *,
    title: str | None = None,
    slug: str | None = None,
) -> Path:
    """A new draft menu copied from `parent_slug`, with `forked_from` naming it."""
    settings = settings.resolve()
    menus = menu_files(settings)
    parent = menus.get(parent_slug)
    folder = settings.content_dir / "menus"
    if parent is None:
        raise ContentError(
            _display(settings, folder),
            None,
            f"no menu with slug {parent_slug!r}",
            suggest(parent_slug, list(menus)) or "fork an existing menu's slug",
        )
    _require_curator(settings, curator)
    new_title = title or str(parent.data.get("title") or parent_slug)
    taken = _taken_menu_slugs(menus)
    if slug:
        chosen = _new_slug(new_title, slug, _display(settings, folder))
    else:
        chosen = _new_slug(new_title, None, _display(settings, folder))
        if chosen in taken:  # the same title: the fork's own slug names its curator
            chosen = _new_slug(f"{new_title} {curator}", None, _display(settings, folder))
    if chosen in taken:
        raise ContentError(
            _display(settings, taken[chosen]),
            None,
            f"the menu slug {chosen!r} is already used here",
            "give the fork its own --title or --slug",
        )
    front: dict[str, Any] = {
        "title": new_title,
        "slug": chosen,
        "curator": curator,
        "status": "draft",
        "forked_from": parent.slug,
    }
    for key in ("tags", "courses", "pairings"):
        if parent.data.get(key):
            front[key] = parent.data[key]
    front.setdefault("courses", [])
    text = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100) + "---\n"
    if parent.body:
        text += parent.body.rstrip("\n") + "\n"
    path = folder / f"{chosen}.md"
    _write_new(path, text, _display(settings, path))
    return path
