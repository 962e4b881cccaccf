"""The documentation follows the code: every command and option, every make target and test
marker, links that resolve, and a README short enough to read."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from generator.cli import main
from tests.sitekit import PROJECT

README = PROJECT / "README.md"
CONTRIBUTING = PROJECT / "CONTRIBUTING.md"
DOCS = PROJECT / "docs"
README_MAX_LINES = 150
# Recipes written in parallel with these documents: links to them are checked once they exist.
RECIPES = {DOCS / "recipes" / "add-a-page-type.md", DOCS / "recipes" / "add-an-item-field.md"}

FENCE = re.compile(r"^```.*?^```", re.M | re.S)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def documents() -> list[Path]:
    return [README, CONTRIBUTING, *sorted(DOCS.rglob("*.md"))]


def commands() -> Iterator[tuple[str, click.Command]]:
    """Every command a user runs, by its full name: 'build', 'new menu', …"""
    for name, command in sorted(main.commands.items()):
        if isinstance(command, click.Group):
            for sub_name, sub in sorted(command.commands.items()):
                yield f"{name} {sub_name}", sub
        else:
            yield name, command


def options(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option) and p.name != "help"]


def synopses(path: Path) -> list[str]:
    """The `omakase …` lines of a document's code blocks, continuations joined, comments cut."""
    found = []
    for block in FENCE.findall(path.read_text(encoding="utf-8")):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("omakase"):
                found.append(" ".join(line.split()))
    return found


def synopses_of(name: str, lines: list[str]) -> list[str]:
    return [line for line in lines if line == f"omakase {name}" or line.startswith(f"omakase {name} ")]


def test_readme_is_short_and_shows_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) < README_MAX_LINES, "README.md: move detail into docs/"
    assert "make build" in text and "make test" in text


def test_readme_command_table_has_a_row_for_every_command() -> None:
    rows = [
        line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("| `omakase ")
    ]
    for name, _ in commands():
        assert any(row.startswith(f"| `omakase {name}") for row in rows), (
            f"README's command table has no row for `omakase {name}`"
        )


def test_docs_give_every_command_a_synopsis_naming_every_option() -> None:
    lines = [line for path in sorted(DOCS.rglob("*.md")) for line in synopses(path)]
    for name, command in commands():
        shown = synopses_of(name, lines)
        assert shown, f"docs/ has no `omakase {name} …` line in a code block"
        named = set(OPTION.findall(" ".join(shown)))
        for option in options(command):
            assert named & set(option.opts), f"docs/ never shows {option.opts[0]} of `omakase {name}`"
    for option in options(main):
        shown = [line for line in lines if line.split()[:2] == ["omakase", option.opts[0]]]
        assert shown, f"docs/ never shows `omakase {option.opts[0]}`"


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(PROJECT)))
def test_no_example_uses_an_option_its_command_lacks(path: Path) -> None:
    lines = synopses(path)
    for name, command in commands():
        # A boolean flag's off switch (--no-cover) is as much an option as its on switch.
        switches = [[*option.opts, *option.secondary_opts] for option in command.params]
        known = {opt for opts in switches for opt in opts} | {"-h", "--help"}
        for line in synopses_of(name, lines):
            unknown = set(OPTION.findall(line)) - known
            assert not unknown, f"{path.name}: `omakase {name}` has no {sorted(unknown)}: {line}"


def test_contributing_names_every_make_target_and_test_marker() -> None:
    text = CONTRIBUTING.read_text(encoding="utf-8")
    phony = re.search(r"^\.PHONY:(.*)$", (PROJECT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert phony is not None
    for target in phony.group(1).split():
        assert f"make {target}" in text, f"CONTRIBUTING.md does not describe `make {target}`"
    pytest_options = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]
    for marker in pytest_options["ini_options"]["markers"]:
        name = marker.split(":")[0]
        assert f"`{name}`" in text, f"CONTRIBUTING.md does not describe the `{name}` test marker"


def test_readme_links_every_document() -> None:
    text = README.read_text(encoding="utf-8")
    for path in sorted({*DOCS.glob("*.md"), *RECIPES, CONTRIBUTING}):
        assert f"({path.relative_to(PROJECT).as_posix()}" in text, f"README.md does not link {path.name}"


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a document's headings."""
    found: set[str] = set()
    for line in FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        if line.startswith("#"):
            base = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
            slug, n = base, 0
            while slug in found:
                n += 1
                slug = f"{base}-{n}"
            found.add(slug)
    return found


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(PROJECT)))
def test_relative_links_resolve(path: Path) -> None:
    for link in LINK.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", link):
            continue
        target_text, _, anchor = link.partition("#")
        target = (path.parent / target_text).resolve() if target_text else path
        assert target.exists(), f"{path.name}: {link} does not exist"
        if anchor:
            assert target.suffix == ".md" and anchor in anchors(target), f"{path.name}: no anchor {link}"
