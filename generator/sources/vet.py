"""Refuse an import whose item file the build would refuse, with the build's own message.

The item is written to a scratch file and read back with the loader's functions, so the checks
are the build's and stay the build's (control characters, non-http(s) links, bad dates …).
Only problems the import brings are refused: one the curator's file already had is theirs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from generator.content.catalog import ItemFile
from generator.content.files import load_markdown_file
from generator.content.parse import parse_item
from generator.content.writeback import markdown_text
from generator.errors import ContentError, Problem
from generator.settings import Config


def _display(config: Config, path: Path) -> str:
    try:
        return str(path.relative_to(config.root))
    except ValueError:
        return str(path)


def problems_of(text: str, item: ItemFile, display: str, max_bytes: int) -> list[Problem]:
    """The errors the build reports for an item file of this text."""
    with tempfile.TemporaryDirectory(prefix="omakase-vet-") as folder:
        scratch = Path(folder) / f"{item.slug}.md"
        scratch.write_text(text, encoding="utf-8")
        try:
            data, body, _ = load_markdown_file(scratch, display, max_bytes)
        except ContentError as exc:
            return [exc.problem]
    problems: list[Problem] = []
    parse_item(data, body, display, item.type, item.slug, problems)
    return [p for p in problems if p.severity == "error"]


def refuse_unbuildable(config: Config, item: ItemFile, payload: str) -> None:
    """A ContentError, located in the item file, for the first problem `payload` brings."""
    display = _display(config, item.path)
    before: set[str] = set()
    if item.original is not None:
        front, body = item.original
        before = {p.message for p in problems_of(markdown_text(front, body), item, display, 2**31)}
    for problem in problems_of(item.text(), item, display, config.max_file_bytes):
        if problem.message not in before:
            hint = f"{problem.hint}; " if problem.hint else ""
            raise ContentError(
                problem.path,
                problem.line,
                problem.message,
                f"{hint}the value comes from {payload}, which was not imported (nothing was written)",
            )
