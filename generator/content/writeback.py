"""Write content files back after an import: clean block-style YAML, the curator's body kept."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import yaml

from generator.content.files import read_text
from generator.content.plainyaml import ISO_DAY, real_day, simple_items, simple_yaml
from generator.errors import ContentError

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(yaml.SafeDumper):
    """Block style everywhere, lists indented under their key, long text folded sensibly."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if ISO_DAY.match(value) and real_day(value):
        # Written bare, as curators write dates; it reads back as the same date.
        return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value)
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(data: Any) -> str:
    """YAML text of plain data, block style, keys in the order given."""
    fast = simple_yaml(data, list_item_yaml) if isinstance(data, dict) else None
    if fast is not None:
        return fast
    return _pyyaml(data)


def list_item_yaml(item: Any, indent: int) -> str:
    """One list item as block YAML at `indent`: the fast writer's, else PyYAML's."""
    fast = simple_items([item], indent)
    if fast is not None:
        return fast
    lines = _pyyaml({"x": [item]}).rstrip("\n").split("\n")[1:]  # under a key, indented by two
    return "".join((" " * indent + line[2:] if line else "") + "\n" for line in lines)


def _pyyaml(data: Any) -> str:
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )


def plain(value: Any) -> Any:
    """Dates the YAML parser made into objects back to the text the curator wrote."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def read_front_matter(path: Path, display: str, max_bytes: int = 20_000_000) -> tuple[dict[str, Any], str]:
    """(front matter as plain data, body) of a Markdown content file."""
    text = read_text(path, display, max_bytes)
    lines = text.split("\n")
    if lines[0].strip() != "---":
        raise ContentError(display, 1, "missing front matter", "start the file with a line '---'")
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise ContentError(display, 1, "front matter is not closed", "add a line '---'")
    data = _parse("\n".join(lines[1:end]), display, 2)
    return data, "\n".join(lines[end + 1 :]).strip("\n")


def read_yaml(path: Path, display: str, max_bytes: int = 20_000_000) -> dict[str, Any]:
    """A whole-file YAML mapping as plain data."""
    return _parse(read_text(path, display, max_bytes), display, 1)


def parse_yaml(text: str, display: str) -> dict[str, Any]:
    """A YAML text's mapping as plain data."""
    return _parse(text, display, 1)


def _parse(text: str, display: str, first_line: int) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=Loader) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark else first_line
        raise ContentError(
            display,
            line,
            f"invalid YAML: {getattr(exc, 'problem', exc)}",
            "fix the file, then run the import again",
        ) from None
    if not isinstance(data, dict):
        raise ContentError(display, first_line, "expected a YAML mapping of fields")
    return plain(data)


def markdown_text(front: dict[str, Any], body: str) -> str:
    text = "---\n" + dump_yaml(front) + "---\n"
    return text + (body.strip("\n") + "\n" if body.strip() else "")


def write_if_changed(path: Path, text: str) -> bool:
    """Write atomically, only when the bytes differ; True when the file changed."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return True
