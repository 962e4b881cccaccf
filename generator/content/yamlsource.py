"""Parse YAML with libyaml, keeping the line of every value, refusing what content must not use."""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from generator.errors import ContentError

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 50
# Invisible control characters and lone surrogates (reachable through "\u0000"-style escapes)
# break SQLite text functions and UTF-8 output; no content needs them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class LocDict(dict):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocList(list):
    """A sequence that remembers the line of itself and of each element."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def line_of(container: Any, key: Any, default: int = 0) -> int:
    """The line of `container[key]` when the container knows it, else `default`."""
    if isinstance(container, LocDict) and isinstance(key, str):
        return container.line_of(key)
    if isinstance(container, LocList) and isinstance(key, int):
        return container.line_of(key)
    return getattr(container, "line", default) or default


def parse_yaml(text: str, path: str, first_line: int = 1) -> Any:
    """Parse one YAML document into LocDict/LocList/scalars.

    `first_line` is the file line of the text's first line (front matter starts on line 2).
    Aliases are refused (no anchor bombs), duplicate keys are errors naming both lines.
    """
    offset = first_line - 1
    if "&" in text or "*" in text:  # cheap test first: most files have neither
        _refuse_anchors(text, path, offset)
    loader = Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 + offset if mark else first_line
            problem = exc.problem or "invalid YAML"
            context = exc.context_mark
            if exc.context and context and context.line + 1 + offset != line:
                problem += f" ({exc.context} that starts on line {context.line + 1 + offset})"
            raise ContentError(
                path,
                line,
                f"invalid YAML: {problem}",
                "check the indentation and quoting around this line; "
                "values with ': ' or starting with '*', '&', '!' or '@' need quotes",
            ) from None
        except yaml.YAMLError as exc:
            raise ContentError(path, first_line, f"invalid YAML: {exc}") from None
        if node is None:
            return None
        return _Builder(loader, path, offset).build(node)
    finally:
        loader.dispose()


def _refuse_anchors(text: str, path: str, offset: int) -> None:
    """Point at the first anchor or alias in the text, before anything is composed."""
    loader = Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                what = f"alias *{event.anchor}"
            elif getattr(event, "anchor", None):
                what = f"anchor &{event.anchor}"
            else:
                continue
            raise ContentError(path, event.start_mark.line + 1 + offset,
                               f"YAML {what}: anchors and aliases are not allowed in content",
                               "write the value out in full")
    except yaml.YAMLError:
        return  # the full parse reports it with its location
    finally:
        loader.dispose()


class _Builder:
    def __init__(self, loader: Any, path: str, offset: int) -> None:
        self.loader = loader
        self.path = path
        self.offset = offset
        self.seen: set[int] = set()
        self.depth = 0

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1 + self.offset

    def build(self, node: yaml.Node) -> Any:
        # A node met twice is an alias: refuse it, which also defuses "billion laughs".
        if id(node) in self.seen:
            raise ContentError(
                self.path,
                self.line(node),
                "YAML anchors and aliases (&name / *name) are not allowed in content",
                "write the value out in full",
            )
        self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        # Content nests a few levels; a deep document is an attack on the stack, not content.
        if self.depth >= MAX_DEPTH:
            raise ContentError(self.path, self.line(node),
                               f"YAML nested deeper than {MAX_DEPTH} levels")
        self.depth += 1
        try:
            if isinstance(node, yaml.SequenceNode):
                out = LocList(self.build(child) for child in node.value)
                out.line = self.line(node)
                out.item_lines = [self.line(child) for child in node.value]
                return out
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node)
        finally:
            self.depth -= 1
        raise ContentError(self.path, self.line(node), "unsupported YAML node")

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == "tag:yaml.org,2002:merge" or node.value == "<<" and node.style is None:
            raise ContentError(self.path, self.line(node), "YAML merge keys (<<) are not allowed")
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise ContentError(
                self.path, self.line(node), f"invalid value: {exc.problem}"
            ) from None
        except ValueError as exc:
            raise ContentError(
                self.path,
                self.line(node),
                f"invalid value {node.value!r}: {exc}",
                "dates are written YYYY-MM-DD and must exist in the calendar",
            ) from None
        # Content is text, numbers, dates and yes/no: nothing that JSON or SQLite cannot hold.
        if isinstance(value, bytes):
            raise ContentError(self.path, self.line(node), "binary values (!!binary) are not allowed",
                               "write the value as text")
        if isinstance(value, str):
            bad = _CONTROL.search(value)
            if bad:
                raise ContentError(self.path, self.line(node),
                                   f"control character U+{ord(bad.group()):04X} in a value",
                                   "remove it; only tabs and line breaks belong in text")
        if isinstance(value, float) and not math.isfinite(value):
            raise ContentError(self.path, self.line(node),
                               f"{node.value!r} is not a usable number (infinite or not-a-number)",
                               "write a finite number, or put the value in quotes")
        return value

    def mapping(self, node: yaml.MappingNode) -> LocDict:
        out = LocDict()
        out.line = self.line(node)
        out.key_lines = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ContentError(self.path, self.line(key_node), "mapping keys must be plain text")
            key = self.scalar(key_node)
            if key == "<<":
                raise ContentError(
                    self.path, self.line(key_node), "YAML merge keys (<<) are not allowed"
                )
            key = str(key)
            if key in out:
                raise ContentError(
                    self.path,
                    self.line(key_node),
                    f"duplicate key {key!r} (first on line {out.key_lines[key]})",
                    "keep one of the two",
                )
            out.key_lines[key] = self.line(key_node)
            out[key] = self.build(value_node)
        return out
