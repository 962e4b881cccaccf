"""Validate a site's content without building it, and report problems as text, JSON or CI annotations."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from generator.content.loader import load_site
from generator.errors import ContentErrors, Problem
from generator.settings import Config, Settings

FORMATS = ("text", "json", "github")


@dataclass
class CheckResult:
    """Every problem found, errors and warnings, in file order."""

    problems: list[Problem] = field(default_factory=list)
    strict: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    @property
    def failed(self) -> bool:
        """Errors fail; warnings fail only in strict mode."""
        return bool(self.errors) or (self.strict and bool(self.warnings))


def check_site(settings: Settings | Config, *, strict: bool = False) -> CheckResult:
    """Load and validate everything the build would, cover images decoded, writing nothing."""
    try:
        # strict=True makes the loader raise with warnings included, so errors and warnings
        # come back together with their severities; whether warnings fail is decided here.
        load_site(settings.resolve(), strict=True, decode_covers=True)
    except ContentErrors as exc:
        return CheckResult(list(exc.problems), strict)
    return CheckResult([], strict)


def format_result(result: CheckResult, fmt: str) -> str:
    """The report in one of FORMATS."""
    if fmt == "json":
        return json.dumps(
            {
                "ok": not result.failed,
                "errors": len(result.errors),
                "warnings": len(result.warnings),
                "problems": [
                    {
                        "path": p.path,
                        "line": p.line,
                        "severity": p.severity,
                        "message": p.message,
                        "hint": p.hint,
                    }
                    for p in result.problems
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
    if fmt == "github":
        return "\n".join(github_annotation(p) for p in result.problems)
    lines = [p.format() for p in result.problems]
    lines.append(summary(result))
    return "\n".join(lines)


def summary(result: CheckResult) -> str:
    n_err, n_warn = len(result.errors), len(result.warnings)
    if not result.problems:
        return "No problems found."
    text = f"{n_err} error{'s' if n_err != 1 else ''}, {n_warn} warning{'s' if n_warn != 1 else ''}"
    if result.strict and n_warn and not n_err:
        text += " (warnings fail with --strict)"
    return text + "."


def _escape_data(text: str) -> str:
    """GitHub workflow-command escaping of a message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(problem: Problem) -> str:
    """`::error file=PATH,line=N::message` (or ::warning), which GitHub shows on the diff."""
    kind = "error" if problem.severity == "error" else "warning"
    props = [f"file={_escape_property(problem.path)}"]
    if problem.line:
        props.append(f"line={problem.line}")
    message = problem.message + (f" (hint: {problem.hint})" if problem.hint else "")
    return f"::{kind} {','.join(props)}::{_escape_data(message)}"
