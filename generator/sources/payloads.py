"""Raw payloads on disk: data/sources/<source>/<external_id>.json, kept byte for byte."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from generator.content.writeback import write_if_changed
from generator.errors import ContentError


def payload_path(data_dir: Path, source: str, external_id: str) -> Path:
    """Ids may hold '/' (MusicBrainz 'release/<mbid>'): it is percent-encoded in the name."""
    return data_dir / "sources" / source / f"{quote(external_id, safe='')}.json"


def parse_payload(text: str, display: str) -> Any:
    """The payload's JSON, or a ContentError at the line where it stops being JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentError(
            display,
            exc.lineno,
            f"invalid JSON: {exc.msg} (column {exc.colno})",
            "save the upstream response unchanged, as JSON",
        ) from None


def read_payload_file(path: Path) -> tuple[str, Any]:
    """(verbatim text, parsed JSON) of a saved payload file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContentError(str(path), None, f"cannot read payload file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(
            str(path), raw[: exc.start].count(b"\n") + 1, "payload is not valid UTF-8"
        ) from None
    return text, parse_payload(text, str(path))


def store_payload(data_dir: Path, source: str, external_id: str, text: str) -> bool:
    """Keep the payload verbatim; True when the stored file changed."""
    return write_if_changed(payload_path(data_dir, source, external_id), text)


def stored_payloads(data_dir: Path, source: str | None = None) -> Iterator[tuple[str, str, Path]]:
    """(source, external_id, path) of every stored payload, sorted."""
    root = data_dir / "sources"
    if not root.is_dir():
        return
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        if source and folder.name != source:
            continue
        for path in sorted(folder.glob("*.json")):
            if not path.is_symlink() and not path.name.startswith("."):
                yield folder.name, unquote(path.stem), path
