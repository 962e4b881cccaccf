"""Read the raw upstream payloads of data/sources/, refusing what is not JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

from generator.content.files import read_bytes
from generator.content.model import ParseCache, Parsed, Site
from generator.content.payloadchecks import payload_problems
from generator.errors import ContentError, Problem


def load_payloads(
    site: Site,
    folder: Path,
    problems: list[Problem],
    display: Callable[[Path], str],
    limit: int,
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
    try:
        raw = read_bytes(path, name, max(limit, 20_000_000))
    except ContentError as exc:
        return Parsed(None, [exc.problem])
    except OSError as exc:
        return Parsed(None, [Problem(name, None, f"cannot read payload: {exc.strerror}")])
    text = raw.decode("utf-8", errors="replace")
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
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
    problems = payload_problems(text, value, name)
    return Parsed(None if problems else text, problems)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _unquote(stem: str) -> str:
    """External ids may hold '/', stored as '%2F' in file names."""
    return unquote(stem)
