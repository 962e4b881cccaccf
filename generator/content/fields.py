"""Typed access to one YAML mapping, collecting a located problem for every bad field."""

from __future__ import annotations

import difflib
import functools
import re
from datetime import date, datetime
from typing import Any

from anyascii import anyascii

from generator.content.yamlsource import LocDict, LocList, line_of
from generator.errors import Problem

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https?://[^\s<>\"'`]+$", re.IGNORECASE)
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# Whole numbers in content count pages, minutes, seconds: far below this, and SQLite's
# INTEGER overflows past 2**63, so a bigger value can only be a mistake.
MAX_INT = 2**31 - 1


def real_date(text: str) -> bool:
    """True when a YYYY, YYYY-MM or YYYY-MM-DD text names a day or month that exists."""
    parts = [int(p) for p in text.split("-")]
    if parts[0] < 1:
        return False
    if len(parts) >= 2 and not 1 <= parts[1] <= 12:
        return False
    if len(parts) == 3:
        try:
            date(parts[0], parts[1], parts[2])
        except ValueError:
            return False
    return True


_NOT_SLUG = re.compile(r"[^a-z0-9]+")

MAX_SLUG = 100
"""Longest slug, handle or tag URL: each becomes a file or folder name in output/ (with a
suffix such as `.json` or `.md`), which file systems cap at 255 bytes."""
# Names Windows reserves for devices, with or without an extension: a site checked out or
# served there could not hold a page, an API document or a content file so named.
RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(10)]
)


@functools.lru_cache(maxsize=4096)  # tags repeat: a site of 10k items has a few dozen
def slugify(text: str) -> str:
    """A URL slug from a title in any script: lowercase ASCII words joined by hyphens.

    anyascii transliterates every script ('三体' → 'santi', 'ケアレス' → 'kearesu',
    'Москва' → 'moskva'); its tables are maintained with each Unicode release."""
    return _NOT_SLUG.sub("-", anyascii(text).lower()).strip("-")


def fitting_slug(text: str, room: int = MAX_SLUG - 12) -> str:
    """slugify(text) cut at a word to `room` characters (leaving room for a suffix such as
    a year or a number), and never a name Windows reserves; "" when it has no words."""
    slug = slugify(text)
    if len(slug) > room:
        cut = slug[: room + 1]
        slug = (cut[: cut.rindex("-")] if "-" in cut else slug[:room]).strip("-")
    return f"{slug}-1" if slug in RESERVED_NAMES else slug


def shortened(text: str, room: int = 40) -> str:
    """`text`, cut to `room` characters with an ellipsis when longer (for messages)."""
    return text if len(text) <= room else text[:room] + "…"


def name_problem(slug: str, what: str) -> tuple[str, str] | None:
    """(message, hint) when a slug, handle or tag's URL cannot name a file everywhere, else
    None. `what` names the value in the message, e.g. "'slug' 'the-conversation'"."""
    if len(slug) > MAX_SLUG:
        return (
            f"{what} is {len(slug)} characters long, over the limit of {MAX_SLUG}",
            "it names a file or folder of the site; shorten it",
        )
    if slug in RESERVED_NAMES:
        return (
            f"{what} is a name Windows reserves for a device",
            f"it names a file or folder of the site; add a word, e.g. '{slug}-1'",
        )
    return None


def suggest(word: str, choices: list[str] | tuple[str, ...], n: int = 3) -> str | None:
    """'did you mean …' text for the nearest choices, or None."""
    close = difflib.get_close_matches(word, list(choices), n=n, cutoff=0.5)
    return "did you mean " + ", ".join(repr(c) for c in close) + "?" if close else None


class Fields:
    """Reads fields of one mapping; every problem is appended to `problems` with its line."""

    def __init__(self, data: LocDict, path: str, problems: list[Problem], allowed: tuple[str, ...]) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        for key in data:
            if key not in allowed:
                self.error(
                    key,
                    f"unknown field {key!r}",
                    suggest(key, allowed) or "allowed fields: " + ", ".join(allowed),
                )

    def line(self, key: str) -> int:
        return line_of(self.data, key)

    def error(self, key: str | None, message: str, hint: str | None = None) -> None:
        line = self.line(key) if key else self.data.line
        self.problems.append(Problem(self.path, line, message, hint))

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str, required: bool = False, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(None, f"missing required field {key!r}", f"add '{key}: …'")
            return default
        if isinstance(value, LocDict | LocList):
            self.error(key, f"{key!r} must be text, not a {'mapping' if isinstance(value, dict) else 'list'}")
            return default
        if isinstance(value, bool):
            self.error(key, f"{key!r} must be text, not true/false", "put the value in quotes")
            return default
        text = str(value) if not isinstance(value, date | datetime) else value.isoformat()
        if required and not text.strip():
            self.error(key, f"{key!r} must not be empty")
        return text

    def optional_text(self, key: str) -> str | None:
        return self.text(key) or None if self.has(key) else None

    def slug(self, key: str, required: bool = False) -> str | None:
        value = self.text(key, required=required)
        if not value:
            return None
        if not SLUG_RE.match(value):
            self.error(
                key,
                f"{key!r} {value!r} is not a valid slug",
                f"use lowercase letters, digits and single hyphens, e.g. {slugify(value)!r}",
            )
            return None
        problem = name_problem(value, f"{key!r} {shortened(value)!r}")
        if problem is not None:
            self.error(key, *problem)
            return None
        return value

    def integer(self, key: str, low: int | None = None, high: int | None = None) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"{key!r} must be a whole number, got {value!r}")
            return None
        top = MAX_INT if high is None else high
        if (low is not None and value < low) or value > top:
            bounds = f"between {low if low is not None else -MAX_INT} and {top}"
            self.error(key, f"{key!r} is {value}, must be {bounds}")
            return None
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(key, f"{key!r} must be true or false, got {value!r}")
            return default
        return value

    def date(self, key: str, required: bool = False, full: bool = False) -> str | None:
        """An ISO date string; YAML already rejected impossible calendar dates."""
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(None, f"missing required field {key!r}", f"add '{key}: YYYY-MM-DD'")
            return None
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        text = str(value)
        if isinstance(value, int | str) and DATE_RE.match(text) and not full:
            if real_date(text):
                return text
            self.error(
                key,
                f"{key!r} is not a date in the calendar: {value!r}",
                "write dates as YYYY-MM-DD, with a month from 01 to 12",
            )
            return None
        self.error(key, f"{key!r} is not a date: {value!r}", "write dates as YYYY-MM-DD")
        return None

    def enum(self, key: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.data.get(key)
        if value is None:
            if default is None:
                self.error(None, f"missing required field {key!r}", "one of: " + ", ".join(choices))
            return default
        if str(value) not in choices:
            self.error(
                key, f"{key!r} is {value!r}, not one of: " + ", ".join(choices), suggest(str(value), choices)
            )
            return default
        return str(value)

    def url(self, key: str) -> str | None:
        value = self.text(key)
        if not value:
            return None
        if not URL_RE.match(value):
            self.error(
                key,
                f"{key!r} must be an http(s) URL, got {value!r}",
                "write a full address starting with https://",
            )
            return None
        return value

    def text_list(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, LocList):
            self.error(key, f"{key!r} must be a list, e.g. [a, b]")
            return []
        out = []
        for index, element in enumerate(value):
            if isinstance(element, LocDict | LocList) or element is None or isinstance(element, bool):
                self.problems.append(
                    Problem(self.path, value.line_of(index), f"{key!r} entries must be text")
                )
                continue
            out.append(str(element))
        return out

    def mapping_list(self, key: str, required: bool = False) -> list[LocDict]:
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(None, f"missing required field {key!r}")
            return []
        if not isinstance(value, LocList):
            self.error(key, f"{key!r} must be a list of entries starting with '- '")
            return []
        out = []
        for index, element in enumerate(value):
            if not isinstance(element, LocDict):
                self.problems.append(
                    Problem(
                        self.path, value.line_of(index), f"each {key!r} entry must be a mapping of fields"
                    )
                )
                continue
            out.append(element)
        return out

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.data.get(key)
        if value is None:
            return {}
        if not isinstance(value, LocDict):
            self.error(key, f"{key!r} must be a mapping of fields")
            return {}
        return plain(value)


def plain(value: Any) -> Any:
    """LocDict/LocList and dates turned into JSON-ready builtins."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
