"""A template that cannot render, reported as PATH:LINE: what went wrong, never a traceback."""

from __future__ import annotations

from pathlib import Path

import jinja2

from generator.errors import BuildError, Problem
from generator.settings import Config

_HINT = "fix the template; the site published last stays as it is until a build succeeds"
_STOPPED = "\nThe build stopped; nothing was published."


def template_error(exc: BaseException, settings: Config, page_url: str) -> BuildError | None:
    """The error to report for `exc`, raised while rendering `page_url`; None when `exc` did
    not come from a template (a bug of the generator: its traceback is what helps then)."""
    folders = [settings.override_dir, settings.templates_dir, settings.theme_dir]
    if isinstance(exc, jinja2.TemplateNotFound):
        names = getattr(exc, "templates", None) or [exc.name]
        shown = ", ".join(repr(str(n)) for n in names)
        where = _shown(settings, settings.templates_dir)
        return BuildError(
            Problem(
                where,
                None,
                f"template {shown} not found (needed for {page_url})",
                "every page's template comes from the site's templates folder or the theme; "
                "restore it from the theme (the project's templates/)",
            ).format()
            + _STOPPED
        )
    if isinstance(exc, jinja2.TemplateSyntaxError):
        named = exc.filename or exc.name or "template"
        return BuildError(
            Problem(
                _shown(settings, Path(named)), exc.lineno, f"template syntax: {exc.message}", _HINT
            ).format()
            + _STOPPED
        )
    path, line = _template_frame(exc, folders)
    if path is None:
        return None
    return BuildError(
        Problem(
            _shown(settings, path), line, f"while rendering {page_url}: {type(exc).__name__}: {exc}", _HINT
        ).format()
        + _STOPPED
    )


def _template_frame(exc: BaseException, folders: list[Path]) -> tuple[Path | None, int | None]:
    """The innermost frame of the traceback that is a template's (Jinja gives compiled
    templates their source file and line), or (None, None)."""
    found: tuple[Path | None, int | None] = (None, None)
    roots = [str(f.resolve()) for f in folders]
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if any(name.startswith(root) for root in roots):
            found = (Path(name), tb.tb_lineno)
        tb = tb.tb_next
    return found


def _shown(settings: Config, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(settings.root.resolve()))
    except ValueError:
        return str(path)
