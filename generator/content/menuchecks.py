"""Checks of menus against the site: curators, items served and paired, aliases, lineage."""

from __future__ import annotations

from generator.content.fields import suggest
from generator.content.model import Menu, Site
from generator.content.refs import RefIndex, resolve_each, resolved_ref
from generator.errors import Problem


def check_menu(menu: Menu, site: Site, refs: RefIndex, problems: list[Problem]) -> None:
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
    placed = resolve_each(
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
            resolved = resolved_ref(refs, menu.path, ref, line, problems)
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


def check_slugs_and_aliases(site: Site, problems: list[Problem]) -> None:
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


def check_lineage(site: Site, problems: list[Problem]) -> None:
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
