"""Exceptions users can cause, each carrying the file and line it is about."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click


class _Located(click.ClickException):
    """An error whose message starts with its place (`PATH:LINE: error: …`), printed as it
    is, like a compiler's, without click's `Error: ` in front."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.format_message(), file=file, err=True)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content: where, what, and how to fix it."""

    path: str
    line: int | None
    message: str
    hint: str | None = None
    severity: str = "error"  # "error" | "warning"

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def format(self) -> str:
        text = f"{self.location()}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class ContentError(_Located):
    """A single content problem, raised where it is found and collected by the loader."""

    exit_code = 1

    def __init__(
        self,
        path: str | Path,
        line: int | None,
        message: str,
        hint: str | None = None,
    ) -> None:
        self.problem = Problem(str(path), line, message, hint)
        super().__init__(self.problem.format())

    @property
    def path(self) -> str:
        return self.problem.path

    @property
    def line(self) -> int | None:
        return self.problem.line


class ContentErrors(_Located):
    """Every content problem of one build, reported together."""

    exit_code = 1

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0, p.message))
        count = len(self.problems)
        lines = [p.format() for p in self.problems]
        lines.append(f"{count} problem{'s' if count != 1 else ''} found; nothing was published.")
        super().__init__("\n".join(lines))

    def format_message(self) -> str:
        return self.message


class BuildError(click.ClickException):
    """The build could not finish for a reason outside the content (disk, permissions…)."""

    exit_code = 1
