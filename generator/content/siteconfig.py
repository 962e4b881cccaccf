"""Read omakase.yaml and the OMAKASE_* environment into Settings, noting where each value came from.

Precedence, highest first: a command-line flag, an environment variable, omakase.yaml, the
default declared on `Settings`. A value that cannot be used is an error at its place: the
file and line, the variable's name or the flag.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import ContentError, ContentErrors, Problem
from generator.settings import Config, Declared, SettingError, Settings, convert

CONFIG_FILE = "omakase.yaml"
# Settings whose flags are checked here as well: click only knows that they are text.
_CHECKED_FLAGS = ("url", "language")


@dataclass(frozen=True)
class LoadedSettings:
    """The settings of one command and, for each, where its value came from: 'flag',
    'env OMAKASE_…', 'omakase.yaml:LINE' or 'default'."""

    settings: Settings
    sources: dict[str, str]

    def rows(self, config: Config | None = None) -> list[tuple[Declared, str, str]]:
        """(setting, effective value, source) for every setting, for `--help-settings`."""
        config = config or self.settings.resolve()
        rows = []
        for setting in Settings.declared():
            value = getattr(config, setting.name)
            shown = value.strftime("%Y-%m-%dT%H:%M:%SZ") if setting.kind == "clock" else str(value)
            source = self.sources[setting.name]
            if setting.kind == "clock" and os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit():
                source = "env SOURCE_DATE_EPOCH"
            rows.append((setting, shown, source))
        return rows


def load_settings(flags: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> LoadedSettings:
    """The settings of the site at flags['root'] (default: the current folder).

    Flags left unset (None) fall through to the environment, then to the root's
    omakase.yaml, then to the default; a missing omakase.yaml is no error."""
    environ = os.environ if environ is None else environ
    given = {name: value for name, value in flags.items() if value is not None}
    root = Path(given.get("root", Settings.root))
    in_file = read_config_file(root)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in Settings.declared():
        env_text = environ.get(setting.env_var, "").strip() if setting.env_var else ""
        if setting.name in given:
            values[setting.name] = _checked_flag(setting, given[setting.name])
            sources[setting.name] = "flag"
        elif env_text:
            values[setting.name] = _converted(setting, env_text, str(setting.env_var), None)
            sources[setting.name] = f"env {setting.env_var}"
        elif setting.name in in_file:
            values[setting.name], line = in_file[setting.name]
            sources[setting.name] = f"{CONFIG_FILE}:{line}"
        else:
            sources[setting.name] = "default"
    return LoadedSettings(Settings(**values), sources)


def read_config_file(root: Path) -> dict[str, tuple[Any, int]]:
    """The settings omakase.yaml at `root` gives, each converted and with its line;
    {} when there is no such file. Every problem in the file is reported together."""
    path = root / CONFIG_FILE
    if not path.exists():
        return {}
    # Imported here: a site without the file (and `omakase --help`) does without YAML.
    from generator.content.fields import suggest
    from generator.content.files import not_regular, special_file
    from generator.content.yamlsource import LocDict, parse_yaml

    try:
        what = not_regular(os.lstat(path).st_mode)
        if what and not path.is_file():  # a link to a file is read, as before
            raise special_file(CONFIG_FILE, what)
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(CONFIG_FILE, None, f"not UTF-8 text ({exc.reason})", "save it as UTF-8") from None
    except OSError as exc:
        raise ContentError(CONFIG_FILE, None, f"cannot be read: {exc.strerror}") from None
    data = parse_yaml(text, CONFIG_FILE)
    if data is None:
        return {}
    if not isinstance(data, LocDict):
        raise ContentError(
            CONFIG_FILE,
            getattr(data, "line", 1) or 1,
            "omakase.yaml must be a mapping of settings",
            "write one `key: value` per line, e.g. `title: My menus`",
        )
    by_key = {s.yaml_key: s for s in Settings.declared() if s.yaml_key}
    found: dict[str, tuple[Any, int]] = {}
    problems: list[Problem] = []
    for key, value in data.items():
        line = data.line_of(key)
        setting = by_key.get(key)
        if setting is None:
            hint = suggest(key, tuple(by_key)) or "known keys: " + ", ".join(by_key)
            problems.append(Problem(CONFIG_FILE, line, f"unknown setting {key!r}", hint))
            continue
        if value is None:  # `key:` with nothing after it keeps the default
            continue
        try:
            converted = convert(setting, value)
        except SettingError as exc:
            problems.append(Problem(CONFIG_FILE, line, f"{key}: {exc.message}", exc.hint))
            continue
        if setting.kind == "path":
            converted = root / converted  # relative to the file's folder, not the current one
        found[setting.name] = (converted, line)
    _raise(problems)
    return found


def _raise(problems: list[Problem]) -> None:
    if len(problems) == 1:
        problem = problems[0]
        raise ContentError(problem.path, problem.line, problem.message, problem.hint)
    if problems:
        raise ContentErrors(problems)


def _converted(setting: Declared, value: Any, where: str, line: int | None) -> Any:
    try:
        return convert(setting, value)
    except SettingError as exc:
        raise ContentError(where, line, f"{setting.label}: {exc.message}", exc.hint) from None


def _checked_flag(setting: Declared, value: Any) -> Any:
    """A flag's value; the URL and the language tag are checked as in omakase.yaml."""
    if setting.kind not in _CHECKED_FLAGS:
        return value
    return _converted(setting, value, "--" + setting.name.replace("_", "-"), None)
