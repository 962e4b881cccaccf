"""The one table of settings: every option with its type, default, help, YAML key and env var."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# What a setting holds, which decides how a value from omakase.yaml or the environment is
# read and checked: a folder or file, plain text, an absolute http(s) URL, a BCP 47
# language tag, a whole number of 0 or more, a list of region codes, the build clock.
KINDS = ("path", "text", "url", "language", "count", "regions", "clock")
ENV_PREFIX = "OMAKASE_"


def _meta(help_text: str, kind: str = "text", yaml: str | None = None) -> dict[str, Any]:
    """A setting's declaration; a YAML key also makes the env var OMAKASE_<KEY>."""
    assert kind in KINDS, kind
    env = ENV_PREFIX + yaml.upper() if yaml else None
    return {"help": help_text, "kind": kind, "yaml": yaml, "env": env}


@dataclass(frozen=True)
class Declared:
    """One setting as declared on `Settings`: the YAML keys, env vars and --help-settings
    rows all follow from these."""

    name: str
    kind: str
    default: Any
    help: str
    yaml_key: str | None
    env_var: str | None

    @property
    def label(self) -> str:
        """The name users see: the YAML key, else the field's own name."""
        return self.yaml_key or self.name


@dataclass(frozen=True)
class Settings:
    """Where the site lives and how it is built. Paths are absolute after `resolve()`."""

    root: Path = field(
        default=Path("."), metadata=_meta("The site's root folder; omakase.yaml is read from it.", "path")
    )
    content_dir: Path | None = field(
        default=None, metadata=_meta("Content files (default: ROOT/content).", "path", "content")
    )
    theme_dir: Path | None = field(
        default=None,
        metadata=_meta(
            "The theme: every template and static file (default: the one shipped with Omakase).",
            "path",
            "theme",
        ),
    )
    templates_dir: Path | None = field(
        default=None,
        metadata=_meta(
            "The site's templates and static files, each replacing the theme's file at the same "
            "path (default: ROOT/templates).",
            "path",
            "templates",
        ),
    )
    override_dir: Path | None = field(
        default=None,
        metadata=_meta(
            "Templates that override the defaults by name (default: ROOT/overrides).", "path", "overrides"
        ),
    )
    data_dir: Path | None = field(
        default=None, metadata=_meta("Raw payloads and the database (default: ROOT/data).", "path", "data")
    )
    output_dir: Path | None = field(
        default=None, metadata=_meta("Where the built site goes (default: ROOT/output).", "path", "output")
    )
    db_path: Path | None = field(
        default=None, metadata=_meta("The built database (default: DATA/omakase.sqlite).", "path", "db")
    )
    base_url: str = field(
        default="https://menus.example.org/",
        metadata=_meta(
            "Absolute URL the site is published at (feeds, sitemap, canonical).", "url", "base_url"
        ),
    )
    site_title: str = field(default="Omakase", metadata=_meta("The site's name.", "text", "title"))
    description: str = field(
        default="",
        metadata=_meta(
            "One line about the site: the pages' default meta description and the feed "
            "subtitle (empty: the theme's own wording).",
            "text",
            "description",
        ),
    )
    language: str = field(
        default="en",
        metadata=_meta("The pages' language, a BCP 47 tag such as en or pt-BR.", "language", "language"),
    )
    author: str = field(
        default="",
        metadata=_meta(
            "Who publishes the site: the site feed's author and the home page's publisher "
            "(empty: the site's title).",
            "text",
            "author",
        ),
    )
    build_time: datetime | None = field(
        default=None,
        metadata=_meta(
            "The build's clock; SOURCE_DATE_EPOCH when set, else the last commit, else now.", "clock"
        ),
    )
    stale_after_days: int = field(
        default=180,
        metadata=_meta("Availability older than this many days is a warning.", "count", "stale_after_days"),
    )
    watch_regions: str = field(
        default="",
        metadata=_meta(
            "Regions (comma-separated, e.g. US,GB) whose TMDB watch "
            "providers become availability rows; empty keeps all.",
            "regions",
            "watch_regions",
        ),
    )
    max_file_bytes: int = field(
        default=1_000_000,
        metadata=_meta("Content files larger than this are refused.", "count", "max_file_bytes"),
    )

    def resolve(self) -> Config:
        """The complete config: every default path filled from the root, the build clock pinned."""
        root = self.root.resolve()
        data = (self.data_dir or root / "data").resolve()
        clock = self.build_time or build_clock(root)
        return Config(
            root=root,
            content_dir=(self.content_dir or root / "content").resolve(),
            theme_dir=(self.theme_dir or packaged("theme")).resolve(),
            templates_dir=(self.templates_dir or root / "templates").resolve(),
            override_dir=(self.override_dir or root / "overrides").resolve(),
            data_dir=data,
            output_dir=(self.output_dir or root / "output").resolve(),
            db_path=(self.db_path or data / "omakase.sqlite").resolve(),
            base_url=self.base_url if self.base_url.endswith("/") else self.base_url + "/",
            site_title=self.site_title,
            description=self.description,
            language=self.language,
            author=self.author,
            build_time=clock,
            stale_after_days=self.stale_after_days,
            watch_regions=self.watch_regions,
            max_file_bytes=self.max_file_bytes,
        )

    @classmethod
    def declared(cls) -> tuple[Declared, ...]:
        """Every setting's declaration, in the table's order."""
        return tuple(
            Declared(
                name=f.name,
                kind=f.metadata["kind"],
                default=f.default,
                help=f.metadata["help"],
                yaml_key=f.metadata["yaml"],
                env_var=f.metadata["env"],
            )
            for f in fields(cls)
        )


@dataclass(frozen=True)
class Config:
    """Settings resolved: every path absolute and present, the clock pinned. What the build,
    the loader and the renderer take, so none of them checks for a missing value."""

    root: Path
    content_dir: Path
    theme_dir: Path
    templates_dir: Path
    override_dir: Path
    data_dir: Path
    output_dir: Path
    db_path: Path
    base_url: str
    site_title: str
    description: str
    language: str
    author: str
    build_time: datetime
    stale_after_days: int
    watch_regions: str
    max_file_bytes: int

    def resolve(self) -> Config:
        """Already complete (so a caller may resolve whatever it was given)."""
        return self


# Folders shipped inside the package, by their name under generator/ in a wheel, and where a
# source checkout keeps them (pyproject.toml's package-dir maps the one onto the other): the
# project's templates/ stays the theme's one source, and a checkout runs without a build step.
PACKAGED = {"theme": "templates", "api_schemas": "schemas/api"}


def packaged(name: str) -> Path:
    """A folder shipped with the generator (a key of PACKAGED): generator/<name> when installed
    from a wheel, else the source checkout's folder (an editable install, or PYTHONPATH)."""
    package = Path(__file__).resolve().parent
    installed = package / name
    if installed.is_dir():
        return installed
    return package.parent / PACKAGED[name]


class SettingError(ValueError):
    """A value a setting cannot take. The reader of omakase.yaml, the environment or the
    command line turns it into a located error."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def convert(setting: Declared, value: Any) -> Any:
    """A value from omakase.yaml (any YAML value) or the environment (text) as the setting's
    type, checked; SettingError when it cannot be one."""
    if setting.kind == "count":
        return _count(value)
    if setting.kind == "regions":
        return _regions(value)
    if setting.kind == "clock":
        raise SettingError(f"{setting.label} is not read from a file", "set SOURCE_DATE_EPOCH instead")
    text = _text(value)
    if setting.kind == "path":
        if not text.strip():
            raise SettingError("empty path", "name a folder, or leave the key out for the default")
        return Path(text.strip()).expanduser()
    if setting.kind == "url":
        return check_base_url(text)
    if setting.kind == "language":
        return check_language(text)
    return text


def _what(value: Any) -> str:
    """A value's kind in the words of the YAML a curator wrote."""
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, datetime):
        return "a timestamp"
    return "a date" if hasattr(value, "isoformat") else type(value).__name__


# Invisible control characters and lone surrogates break SQLite text functions and UTF-8
# output, and they and U+FFFE/U+FFFF are not XML 1.0 characters (a feed holding one does not
# parse); no text needs them. Tabs and line breaks are text. The loader refuses them in
# content (content/yamlsource.py, content/files.py); settings refuse them here.
INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if isinstance(value, str):
        bad = INVALID_CHARS.search(value)
        if bad is not None:
            raise SettingError(
                f"character U+{ord(bad.group()):04X} cannot be in text", "remove it; write plain text"
            )
        return value
    quote = not isinstance(value, list | dict)
    raise SettingError(
        f"expected text, got {_what(value)}",
        f"put the value in quotes: '{value}'" if quote else "write one line of text",
    )


def _count(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    got = f"{value!r}" if isinstance(value, str | int) else _what(value)
    raise SettingError(f"expected a whole number of 0 or more, got {got}", "write digits only, e.g. 180")


_REGION = re.compile(r"^[A-Za-z]{2}$")


def _regions(value: Any) -> str:
    """Comma-separated text or a YAML list of ISO 3166 codes, as 'US,GB'."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",") if p.strip()]
    elif isinstance(value, list) and all(isinstance(p, str) for p in value):
        parts = [p.strip() for p in value]
    else:
        raise SettingError(f"expected region codes, got {_what(value)}", "write e.g. US,GB or [US, GB]")
    for part in parts:
        if not _REGION.match(part):
            raise SettingError(
                f"{part!r} is not a region code", "use two-letter ISO 3166 codes such as US, GB or DE"
            )
    return ",".join(p.upper() for p in parts)


def check_base_url(text: str) -> str:
    """`text` when it is an absolute http(s) URL with a host and no query or fragment."""
    value = text.strip()
    example = "write the full address, e.g. https://menus.example.org/"
    try:
        parts = urlsplit(value)
        host, _port = parts.hostname, parts.port
    except ValueError as exc:
        raise SettingError(f"base_url {text!r} is not a usable URL: {exc}", example) from None
    if parts.scheme not in ("http", "https") or not host or re.search(r"\s", value):
        looks_like_host = not parts.scheme and "." in value and " " not in value
        hint = f"did you mean 'https://{value.lstrip('/')}'?" if looks_like_host else example
        raise SettingError(f"base_url {text!r} is not an absolute http(s) URL", hint)
    if parts.query or parts.fragment or parts.username or parts.password:
        raise SettingError(
            f"base_url {text!r} has a query, fragment or password", "give the site's address alone"
        )
    return value


# A well-formed BCP 47 tag (RFC 5646): language, then optional script, region, variants,
# extensions and private use. Whether a subtag is registered is not checked.
# Compiled on first use, not on import: most builds read no language setting.
_LANGUAGE = (
    r"^[a-z]{2,3}(-[a-z]{4})?(-(?:[a-z]{2}|[0-9]{3}))?(-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"
    r"(-[0-9a-wyz](-[a-z0-9]{2,8})+)*(-x(-[a-z0-9]{1,8})+)?$"
)


def _well_formed_language(tag: str) -> bool:
    return re.match(_LANGUAGE, tag, re.IGNORECASE) is not None


def check_language(text: str) -> str:
    """`text` when it is a well-formed BCP 47 language tag such as en, en-GB or zh-Hant."""
    value = text.strip()
    if _well_formed_language(value):
        return value
    fixed = value.replace("_", "-")
    hint = (
        f"did you mean {fixed!r}?"
        if fixed != value and _well_formed_language(fixed)
        else "use a BCP 47 tag such as en, en-GB, pt-BR or zh-Hant"
    )
    raise SettingError(f"{text!r} is not a language tag", hint)


def build_clock(root: Path | None = None) -> datetime:
    """The build's notion of now, the one stamp written into the site and the database.

    SOURCE_DATE_EPOCH when set (reproducible-builds.org); else, for a site kept in git, the
    time of its last commit, so two clones build byte-identical output whenever they run;
    else the wall clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    committed = _last_commit_time(root) if root is not None else None
    if committed is not None:
        return committed
    return datetime.now(tz=UTC).replace(microsecond=0)


def _last_commit_time(root: Path) -> datetime | None:
    import subprocess  # here: a build given SOURCE_DATE_EPOCH (as in CI) starts no process

    try:
        done = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%ct"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    stamp = done.stdout.strip()
    if done.returncode != 0 or not stamp.isdigit():
        return None
    return datetime.fromtimestamp(int(stamp), tz=UTC)
