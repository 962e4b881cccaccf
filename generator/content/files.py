"""Read one content file safely: size, encoding, BOM, tabs, front matter split."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import Any

from generator.content.yamlsource import (
    INVALID_CHARS,
    INVALID_HINT,
    LocDict,
    invalid_char_message,
    parse_yaml,
)
from generator.errors import ContentError

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def not_regular(mode: int) -> str | None:
    """What a file of this mode is, when it is not a regular file (reading a pipe or a
    device would wait forever or have effects); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def special_file(display: str, what: str) -> ContentError:
    return ContentError(
        display,
        None,
        f"{what}, not a regular file",
        "only regular files are read; replace it with a file or remove it",
    )


def read_bytes(path: Path | str, display: str, max_bytes: int) -> bytes:
    """A regular file's bytes, or a ContentError saying why not: a link, a pipe, a device
    or a folder is never opened (opening a pipe waits for a writer; a device may act)."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise ContentError(
            display,
            None,
            "symbolic links are not followed",
            "replace the link with the file itself",
        )
    what = not_regular(st.st_mode)
    if what:
        raise special_file(display, what)
    try:
        # O_NOFOLLOW and O_NONBLOCK: were the file swapped for a link or a pipe since the
        # check, the open itself refuses the link and does not wait on the pipe.
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ContentError(
                display,
                None,
                "symbolic links are not followed in content",
                "replace the link with the file itself",
            ) from None
        raise
    with open(fd, "rb") as file:
        st = os.fstat(fd)
        what = not_regular(st.st_mode)
        if what:
            raise special_file(display, what)
        if st.st_size > max_bytes:
            raise ContentError(
                display,
                None,
                f"file is {st.st_size:,} bytes, over the limit of {max_bytes:,}",
                "split it, or raise max_file_bytes if this is intended",
            )
        return file.read()


# A numeric character reference (`&#7;`, `&#xFFFF;`): Markdown and the summaries of feeds
# and descriptions turn it into the character it names.
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def _refused_reference(match: re.Match[str]) -> bool:
    code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    return code == 0 or code > 0x10FFFF or INVALID_CHARS.match(chr(code)) is not None


def invalid_char(text: str, display: str, first_line: int = 1) -> ContentError | None:
    """The located error of the first character `text` must not hold, written as it is or
    as a numeric character reference, if any."""
    bad = INVALID_CHARS.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + first_line
        return ContentError(display, line, invalid_char_message(bad.group(), "the text"), INVALID_HINT)
    if "&#" not in text:
        return None
    for ref in _CHAR_REF.finditer(text):
        if _refused_reference(ref):
            line = text.count("\n", 0, ref.start()) + first_line
            message = f"character reference {ref.group()} names a character text cannot hold"
            return ContentError(display, line, message, INVALID_HINT)
    return None


def read_text(path: Path | str, display: str, max_bytes: int) -> str:
    """The file's text, or a ContentError saying exactly why it cannot be read."""
    raw = read_bytes(path, display, max_bytes)
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ContentError(
            display,
            1,
            "file starts with a byte-order mark (BOM)",
            "save it as UTF-8 without BOM",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(
            display,
            line,
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            "save the file as UTF-8",
        ) from None
    if "\x00" in text:
        raise ContentError(display, text[: text.index("\x00")].count("\n") + 1, "NUL byte in file")
    if not text.strip():
        raise ContentError(display, 1, "file is empty", "delete it or fill in its fields")
    # Markdown bodies reach pages and feeds as they are: the whole file is checked, not only
    # the YAML values (which are checked again after their escapes are read).
    error = invalid_char(text, display)
    if error is not None:
        raise error
    return text.replace("\r\n", "\n")


def _check_tabs(text: str, display: str, first_line: int) -> None:
    if "\t" not in text:
        return
    for number, line in enumerate(text.split("\n"), start=first_line):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            raise ContentError(
                display,
                number,
                "tab used for indentation",
                "YAML indents with spaces only; replace the tab with spaces",
            )


def load_yaml_file(path: Path | str, display: str, max_bytes: int) -> LocDict:
    """A whole-file YAML mapping (curators, logs)."""
    text = read_text(path, display, max_bytes)
    _check_tabs(text, display, 1)
    data = parse_yaml(text, display)
    return _require_mapping(data, display, 1)


def load_markdown_file(path: Path | str, display: str, max_bytes: int) -> tuple[LocDict, str, int]:
    """(front matter, Markdown body, line where the body starts) of a `.md` content file."""
    text = read_text(path, display, max_bytes)
    lines = text.split("\n")
    if lines[0].strip() != "---":
        raise ContentError(
            display,
            1,
            "missing front matter",
            "start the file with a line '---', the YAML fields, then another '---'",
        )
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise ContentError(
            display,
            1,
            "front matter is not closed",
            "add a line '---' after the YAML fields",
        )
    front = "\n".join(lines[1:end])
    _check_tabs(front, display, 2)
    data = parse_yaml(front, display, first_line=2) if front.strip() else None
    body = "\n".join(lines[end + 1 :]).strip("\n")
    return _require_mapping(data, display, 2), body, end + 2


def _require_mapping(data: Any, display: str, line: int) -> LocDict:
    if not isinstance(data, LocDict):
        raise ContentError(
            display,
            getattr(data, "line", line),
            "expected a YAML mapping of fields",
            "write fields as 'name: value' lines",
        )
    return data
