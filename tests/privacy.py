"""Find a site's private values in its content files, and look for them in every output file."""

from __future__ import annotations

import contextlib
import gzip
import html
import json
import re
import sqlite3
from pathlib import Path

import yaml

MIN_LENGTH = 8  # shorter values ("Doorstep") are too common to tell a leak from a coincidence


def _front(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front) or {}, body


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def private_values(content: Path) -> dict[str, set[str]]:
    """Every private value the content holds, by kind, read from the files themselves."""
    found: dict[str, set[str]] = {
        "email": set(),
        "private_notes": set(),
        "private entry": set(),
        "draft": set(),
    }
    for path in sorted((content / "curators").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in ("email", "password_hash", "password"):
            if data.get(key):
                found["email"].add(str(data[key]))
    for path in sorted((content / "logs").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for state in data.get("states") or []:
            if state.get("private_notes"):
                found["private_notes"].add(str(state["private_notes"]))
        for entry in data.get("entries") or []:
            if entry.get("private") and entry.get("note"):
                found["private entry"].add(str(entry["note"]))
    public_text: list[str] = []
    for path in sorted(content.rglob("*.md")):
        if path.parent.name != "menus":
            public_text.append(path.read_text(encoding="utf-8"))
            continue
        data, body = _front(path)
        if data.get("status") != "draft":
            public_text.append(path.read_text(encoding="utf-8"))
            continue
        values = [data.get("title", "")] + _paragraphs(body)
        # A tag only drafts carry is theirs: no tag page, database row or feed may name it.
        values += [str(tag) for tag in data.get("tags") or []]
        for course in data.get("courses") or []:
            values += [course.get("title", ""), course.get("intent", "")]
            values += [i.get("note", "") for i in course.get("items") or []]
        values += [p.get("narrative", "") for p in data.get("pairings") or []]
        found["draft"].update(str(v) for v in values if v)
    public = normalise("\n".join(public_text))
    # A draft may share words with public content (a fork keeps its parent's notes): only what
    # is its own is private.
    found["draft"] = {v for v in found["draft"] if normalise(v) not in public}
    return {kind: {v for v in values if len(v) >= MIN_LENGTH} for kind, values in found.items()}


def normalise(text: str) -> str:
    """A value as plain words: Markdown emphasis and whitespace runs flattened."""
    text = re.sub(r"[*_`]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def as_read(text: str) -> str:
    """A file's text as a reader sees it: markup removed, entities decoded (twice, for HTML
    inside XML), so a value is found however a page dressed it."""
    text = re.sub(r"<[^>]*>", " ", text)
    return normalise(html.unescape(html.unescape(text)))


def _json_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_json_strings(k), *_json_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _json_strings(v)]
    return []


def views(path: Path) -> list[str]:
    """Every readable form of one output file: its text, decompressed, JSON strings decoded,
    a database's every cell."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError):
            data = gzip.decompress(data)
    out = [data.decode("utf-8", errors="replace")]
    if data.startswith(b"SQLite format 3\x00"):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in tables:
                for row in conn.execute(f'SELECT * FROM "{table}"'):
                    out.extend(str(cell) for cell in row if cell is not None)
        finally:
            conn.close()
    else:
        start = data.lstrip()[:1]
        if start in (b"{", b"["):
            with contextlib.suppress(ValueError):
                out.extend(_json_strings(json.loads(data)))
        # JSON inside pages (JSON-LD) or anywhere: decode \\uXXXX escapes too.
        text = out[0]
        if "\\u" in text:
            out.append(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text))
    return [as_read(v) for v in out] + [normalise(v) for v in out]


def leaks(output: Path, private: dict[str, set[str]], skip: tuple[str, ...] = ()) -> list[str]:
    """'file: kind value' for every private value found in any output file."""
    wanted = [(kind, value, normalise(value)) for kind, values in private.items() for value in values]
    found = []
    for path in sorted(output.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(output).as_posix()
        forms = views(path)
        for kind, value, norm in wanted:
            if kind == "draft" and rel.startswith(skip):
                continue
            if any(norm in form for form in forms):
                found.append(f"{rel}: {kind} {value[:60]!r}")
    return found
