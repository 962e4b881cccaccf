"""Parse YAML with libyaml, keeping the line of every value, refusing what content must not use."""

from __future__ import annotations

import math
import operator
import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from generator.errors import ContentError
from generator.settings import INVALID_CHARS

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 50
_ANCHOR_SIGN = re.compile(r"&\S")
# Characters no text may hold (reachable through "\u0000"-style escapes too): see settings.
INVALID_HINT = "remove it; only tabs and line breaks belong in text"


def invalid_char_message(char: str, where: str) -> str:
    """'control character U+0007 in a value', or 'invalid character U+FFFF …'."""
    code = ord(char)
    kind = "invalid character" if code >= 0xFFFE or 0xD800 <= code <= 0xDFFF else "control character"
    return f"{kind} U+{code:04X} in {where}"


_RESOLVED: dict[str, str] = {}


class _Loader(Loader):  # type: ignore[misc, valid-type]
    """libyaml's safe loader with a quicker tag resolution (it runs for every node).

    The safe loader has no path resolvers, so a node's tag depends on its kind and, for a
    plain scalar, on its text alone: that of short texts (keys, common values) is remembered.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        if not self.yaml_path_resolvers:
            # Called around every node to follow path resolvers, of which there are none:
            # builtins that accept the same arguments and do nothing cost no Python frame.
            self.descend_resolver = operator.is_
            self.ascend_resolver = ().__len__

    def resolve(
        self,
        kind: Any,
        value: Any,
        implicit: Any,
        scalar: Any = yaml.ScalarNode,
        mapping: Any = yaml.MappingNode,
    ) -> Any:
        if self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        if kind is not scalar:
            return self.DEFAULT_MAPPING_TAG if kind is mapping else self.DEFAULT_SEQUENCE_TAG
        if not implicit[0]:
            return self.DEFAULT_SCALAR_TAG
        tag = _RESOLVED.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(value) <= 40 and len(_RESOLVED) < 50_000:
                _RESOLVED[value] = tag
        return tag


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
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            # An anchor or alias met before the error is what the file is refused for.
            if "&" in text or "*" in text:
                _refuse_anchors(text, path, offset)
            raise _invalid(exc, path, first_line) from None
        # The document composed, so any alias in it names an anchor: looking for anchors is
        # enough, and an anchor is an '&' right before its name. Markdown's *emphasis* in
        # notes costs nothing then.
        anchors = _ANCHOR_SIGN.search(text) is not None
        if anchors:
            _refuse_anchors(text, path, offset)
        if node is None:
            return None
        return _construct(loader, node, path, offset, anchors)
    finally:
        loader.dispose()


def _invalid(exc: yaml.YAMLError, path: str, first_line: int) -> ContentError:
    """The located error of a document libyaml could not parse."""
    offset = first_line - 1
    if not isinstance(exc, yaml.MarkedYAMLError):
        return ContentError(path, first_line, f"invalid YAML: {exc}")
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 + offset if mark else first_line
    problem = exc.problem or "invalid YAML"
    context = exc.context_mark
    if exc.context and context and context.line + 1 + offset != line:
        problem += f" ({exc.context} that starts on line {context.line + 1 + offset})"
    return ContentError(
        path,
        line,
        f"invalid YAML: {problem}",
        "check the indentation and quoting around this line; "
        "values with ': ' or starting with '*', '&', '!' or '@' need quotes",
    )


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
            raise ContentError(
                path,
                event.start_mark.line + 1 + offset,
                f"YAML {what}: anchors and aliases are not allowed in content",
                "write the value out in full",
            )
    except yaml.YAMLError:
        return  # the full parse reports it with its location
    finally:
        loader.dispose()


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
# The scalar tags content uses, constructed by calling libyaml's safe constructor for the tag
# directly: the general `construct_object` costs several Python calls per scalar.
_DIRECT = {
    tag: SafeConstructor.yaml_constructors[tag]
    for tag in (
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:timestamp",
    )
}


# One closure on purpose (hot path, run for every YAML node): split up, each node pays extra calls.
def _construct(loader: Any, root: yaml.Node, path: str, offset: int, aliases: bool) -> Any:  # noqa: C901
    """The document as LocDict/LocList/scalars. One closure walks the nodes: this runs for
    every value of every file, so it avoids method lookups and per-node objects.
    `aliases` is False when the text has no '*' or '&': then no node can be met twice."""
    seen: set[int] = set()
    control = INVALID_CHARS.search
    scalar_node, sequence_node, mapping_node = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode

    def fail(node: yaml.Node, message: str, hint: str | None = None) -> ContentError:
        return ContentError(path, node.start_mark.line + 1 + offset, message, hint)

    def scalar(node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR:
            value = node.value
            if value == "<<" and node.style is None:
                raise fail(node, "YAML merge keys (<<) are not allowed")
        else:
            if tag == _MERGE or node.value == "<<" and node.style is None:
                raise fail(node, "YAML merge keys (<<) are not allowed")
            value = _scalar_value(loader, node, fail)
        # Content is text, numbers, dates and yes/no: nothing that JSON or SQLite cannot hold.
        if value.__class__ is str:
            bad = control(value)
            if bad:
                raise fail(node, invalid_char_message(bad.group(), "a value"), INVALID_HINT)
        return value

    def build(node: yaml.Node, depth: int) -> Any:
        # A node met twice is an alias: refuse it, which also defuses "billion laughs".
        if aliases:
            if id(node) in seen:
                raise fail(
                    node,
                    "YAML anchors and aliases (&name / *name) are not allowed in content",
                    "write the value out in full",
                )
            seen.add(id(node))
        kind = node.__class__
        if kind is scalar_node:
            return scalar(node)  # type: ignore[arg-type]  # the class test above, kept for speed
        # Content nests a few levels; a deep document is an attack on the stack, not content.
        if depth >= MAX_DEPTH:
            raise fail(node, f"YAML nested deeper than {MAX_DEPTH} levels")
        if kind is mapping_node:
            out = LocDict()
            out.line = node.start_mark.line + 1 + offset
            key_lines: dict[str, int] = {}
            out.key_lines = key_lines
            for key_node, value_node in node.value:
                if key_node.__class__ is not scalar_node:
                    raise fail(key_node, "mapping keys must be plain text")
                key = scalar(key_node)
                if key == "<<":
                    raise fail(key_node, "YAML merge keys (<<) are not allowed")
                if key.__class__ is not str:
                    key = str(key)
                if key in key_lines:
                    raise fail(
                        key_node,
                        f"duplicate key {key!r} (first on line {key_lines[key]})",
                        "keep one of the two",
                    )
                key_lines[key] = key_node.start_mark.line + 1 + offset
                out[key] = build(value_node, depth + 1)
            return out
        if kind is sequence_node:
            children = node.value
            items = LocList([build(child, depth + 1) for child in children])
            items.line = node.start_mark.line + 1 + offset
            items.item_lines = [child.start_mark.line + 1 + offset for child in children]
            return items
        raise fail(node, "unsupported YAML node")

    return build(root, 0)


def _scalar_value(loader: Any, node: yaml.ScalarNode, fail: Any) -> Any:
    """A scalar of a tag other than plain text, refusing values content cannot hold."""
    construct = _DIRECT.get(node.tag)
    try:
        value = construct(loader, node) if construct else loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise fail(node, f"invalid value: {exc.problem}") from None
    except ValueError as exc:  # an impossible date or number
        raise fail(
            node,
            f"invalid value {node.value!r}: {exc}",
            "dates are written YYYY-MM-DD and must exist in the calendar",
        ) from None
    except (KeyError, AttributeError):  # an explicit !!bool or !!timestamp on another value
        raise fail(
            node,
            f"invalid value {node.value!r}: not a {node.tag.rsplit(':', 1)[-1]}",
            "remove the tag, or write a value of its kind",
        ) from None
    if isinstance(value, bytes):
        raise fail(node, "binary values (!!binary) are not allowed", "write the value as text")
    if isinstance(value, float) and not math.isfinite(value):
        raise fail(
            node,
            f"{node.value!r} is not a usable number (infinite or not-a-number)",
            "write a finite number, or put the value in quotes",
        )
    return value
