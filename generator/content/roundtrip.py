"""Apply an import's changes to a curator's YAML text, so that only the changed keys change.

The importers work on plain data (fast to read with PyYAML). When a file they read has to be
written back, the plain data as read and as changed are compared, and only the differences are
applied to a ruamel.yaml round-trip tree of the file: comments, key order, flow or block
style and quoting of everything else stay as the curator wrote them."""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from generator.content.writeback import dump_yaml, list_item_yaml
from generator.errors import ContentError

ISO_DAY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
KEY_LINE = re.compile(r"^( *)(?:- )?[^#\s][^:#]*:\s*(?:#.*)?$")


def _indents(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indents as the file uses them, so new lines match old ones.

    A block list under a key is either flush with the key (`- a`) or indented (`  - a`);
    files this project writes indent it. Nested mappings are indented by two unless the file
    shows otherwise."""
    mapping, sequence, offset = 2, 4, 2
    previous: str | None = None
    found_seq = found_map = False
    for line in text.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if previous is not None and KEY_LINE.match(previous) and previous.rstrip().endswith(":"):
            key_indent = len(previous) - len(previous.lstrip(" "))
            if previous.lstrip().startswith("- "):
                key_indent += 2
            indent = len(line) - len(line.lstrip(" "))
            if line.lstrip().startswith("- ") and not found_seq:
                offset = max(indent - key_indent, 0)
                sequence, found_seq = offset + 2, True
            elif indent > key_indent and not found_map:
                mapping, found_map = indent - key_indent, True
        previous = line
    return mapping, max(sequence, offset + 2), offset


def _yaml(text: str) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap the curator's long lines
    mapping, sequence, offset = _indents(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _fresh(value: Any) -> Any:
    """A new value as it should be written: ISO days bare (they read back as dates),
    multi-line text as a literal block."""
    if isinstance(value, str):
        if ISO_DAY.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return value
        return LiteralScalarString(value) if "\n" in value else value
    if isinstance(value, dict):
        out = CommentedMap()
        for key, item in value.items():
            out[key] = _fresh(item)
        return out
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value


def _apply_map(node: CommentedMap, old: dict[str, Any], new: dict[str, Any]) -> CommentedMap:
    keys = {str(k): k for k in node}
    for name, key in keys.items():
        if name not in new:
            del node[key]
    position = 0
    for name, value in new.items():
        if name in keys:
            key = keys[name]
            if old.get(name) != value:
                node[key] = apply_changes(node[key], old.get(name), value)
            position = list(node.keys()).index(key) + 1
        else:
            node.insert(position, name, _fresh(value))
            position += 1
    return node


def _apply_seq(node: CommentedSeq, old: list[Any], new: list[Any]) -> CommentedSeq:
    for index in range(min(len(old), len(new))):
        if old[index] != new[index]:
            node[index] = apply_changes(node[index], old[index], new[index])
    if len(new) < len(old):
        del node[len(new) :]
    for value in new[len(old) :]:
        node.append(_fresh(value))
    return node


def apply_changes(node: Any, old: Any, new: Any) -> Any:
    """`node` (a round-trip value that reads as `old`) changed to read as `new`, keeping
    what did not change as it was."""
    if old == new:
        return node
    if isinstance(node, CommentedMap) and isinstance(old, dict) and isinstance(new, dict):
        return _apply_map(node, old, new)
    if (
        isinstance(node, CommentedSeq)
        and isinstance(old, list)
        and isinstance(new, list)
        and len(node) == len(old)
    ):
        return _apply_seq(node, old, new)
    return _fresh(new)


def rewrite_yaml(text: str, old: dict[str, Any], new: dict[str, Any], display: str) -> str:
    """`text` (YAML that reads as `old`) changed to read as `new`; every line that does not
    hold a changed value is kept byte for byte where ruamel.yaml can."""
    yaml = _yaml(text)
    try:
        tree = yaml.load(text) if text.strip() else CommentedMap()
    except YAMLError as exc:
        raise ContentError(
            display, None, f"invalid YAML: {exc}", "fix the file, then run the import again"
        ) from None
    if not isinstance(tree, CommentedMap):
        tree = CommentedMap()
        old = {}
    before = _dump(yaml, tree)
    after = _dump(yaml, apply_changes(tree, old, new))
    return before_to_after(text, before, after)


def _dump(yaml: YAML, tree: Any) -> str:
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue()


def _line_map(before: list[str], text: list[str]) -> dict[int, int]:
    """Line i of ruamel.yaml's unchanged output -> the same line of the file."""
    mapping: dict[int, int] = {}
    for block in difflib.SequenceMatcher(None, before, text, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            mapping[block.a + k] = block.b + k
    return mapping


def before_to_after(text: str, before: str, after: str) -> str:
    """The file's `text` with the changes from `before` to `after` (ruamel.yaml's output of
    the unchanged and the changed tree) applied line by line.

    ruamel.yaml keeps most of a file as it was, but not all (a flow mapping written over two
    lines comes out on one); lines the change does not touch are taken from the file, so
    they stay exactly as the curator wrote them. A change that touches such a line is
    written as ruamel.yaml puts it."""
    if before == text:
        return after
    old, file_lines, new = before.splitlines(True), text.splitlines(True), after.splitlines(True)
    mapping = _line_map(old, file_lines)
    out = list(file_lines)
    edits = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in reversed(edits):
        if tag == "equal":
            continue
        if i1 < i2:
            if any(i not in mapping for i in range(i1, i2)):
                return after
            start, end = mapping[i1], mapping[i2 - 1] + 1
            if end - start != i2 - i1:
                return after
        elif i1 in mapping:
            start = end = mapping[i1]
        elif i1 == 0:
            start = end = 0
        elif (i1 - 1) in mapping:
            start = end = mapping[i1 - 1] + 1
        else:
            return after
        out[start:end] = new[j1:j2]
    return "".join(out)


def split_front(text: str) -> tuple[str, str, str, str]:
    """(opening line, front matter text, closing line, rest) of a Markdown file's text."""
    lines = text.split("\n")
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            front = "\n".join(lines[1:end]) + "\n"
            return lines[0] + "\n", front, lines[end] + "\n", "\n".join(lines[end + 1 :])
    raise ValueError("front matter is not closed")


def rewrite_markdown(
    text: str, old: tuple[dict[str, Any], str], new: tuple[dict[str, Any], str], display: str
) -> str:
    """A Markdown item file's text with its front matter and body changed from `old` to `new`."""
    opening, front, closing, rest = split_front(text)
    if old[0] != new[0]:
        front = rewrite_yaml(front, old[0], new[0], display)
    if old[1] != new[1]:
        rest = new[1].strip("\n") + "\n" if new[1].strip() else ""
    return opening + front + closing + rest


def _block_end(lines: list[str], start: int) -> int:
    """The line after the last line holding content in the block of the top-level key at
    `start` (comments and blank lines before the next key stay with that key)."""
    end = start + 1
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line and not line[0].isspace() and line[0] not in "#-":
            break
        if line.strip() and not line.lstrip().startswith("#"):
            end = index + 1
    return end


def append_items(text: str, old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """`text` with items added at the end of its top-level block lists (and new top-level
    keys at the end), when that is all that changed from `old` to `new`; else None.

    An import adding thousands of log entries so touches nothing else, quickly."""
    if any(key not in new for key in old):
        return None
    lines = text.split("\n")
    inserts: list[tuple[int, str]] = []
    tail: dict[str, Any] = {}
    for key, value in new.items():
        before = old.get(key)
        if key not in old:
            tail[key] = value
            continue
        if before == value:
            continue
        if not (isinstance(before, list) and before and isinstance(value, list)):
            return None
        if value[: len(before)] != before:
            return None
        start = next(
            (i for i, line in enumerate(lines) if re.match(rf"{re.escape(key)}:\s*(#.*)?$", line)), None
        )
        if start is None:
            return None
        end = _block_end(lines, start)
        first = next((ln for ln in lines[start + 1 : end] if ln.lstrip().startswith("- ")), None)
        if first is None:
            return None
        indent = len(first) - len(first.lstrip(" "))
        added = "".join(list_item_yaml(item, indent) for item in value[len(before) :])
        inserts.append((end, added.rstrip("\n")))
    for at, block in sorted(inserts, reverse=True):
        lines[at:at] = [block]
    out = "\n".join(lines)
    if tail:
        out = out.rstrip("\n") + "\n" + dump_yaml(tail)
    return out
