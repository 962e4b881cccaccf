"""What the export importers share: CSV reading with line numbers, the summary, log merging."""

from __future__ import annotations

import copy
import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.content.catalog import Catalog
from generator.content.files import read_text
from generator.content.roundtrip import append_items, rewrite_yaml
from generator.content.writeback import dump_yaml, parse_yaml, read_yaml, write_if_changed
from generator.errors import ContentError


@dataclass
class Row:
    """One CSV record: its fields and where it is, for skip reasons."""

    values: dict[str, str]
    where: str

    def get(self, key: str) -> str:
        value = self.values.get(key)
        return restore_cell(value.strip()) if isinstance(value, str) else ""


# A cell a spreadsheet would run as a formula is written with a leading apostrophe (CSV
# injection, OWASP), as Omakase's own menu downloads write it: read back, the value is
# what it was.
_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def restore_cell(text: str) -> str:
    """A CSV cell without the apostrophe that kept it from running as a formula."""
    return text[1:] if text.startswith(_NEUTRALISED) else text


def read_csv(text: str, display: str, required: tuple[str, ...] = ()) -> list[Row]:
    """Rows of a CSV text; a missing column is a ContentError naming the file's header line."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        raise ContentError(
            display,
            1,
            f"missing column(s) {', '.join(map(repr, missing))}",
            "is this the right export file? columns found: " + ", ".join(header),
        )
    rows = []
    try:
        for record in reader:
            rows.append(
                Row({k: v for k, v in record.items() if k is not None}, f"{display}:{reader.line_num}")
            )
    except csv.Error as exc:
        raise ContentError(display, reader.line_num, f"unreadable CSV: {exc}") from None
    return rows


def decode(raw: bytes, display: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(
            display, line, "export file is not valid UTF-8", "export it again, or save it as UTF-8"
        ) from None


def read_file(path: Path) -> str:
    try:
        return decode(path.read_bytes(), str(path))
    except OSError as exc:
        raise ContentError(str(path), None, f"cannot read export file: {exc.strerror}") from None


@dataclass
class Summary:
    """What an export import did, for the closing report."""

    name: str
    rows: int = 0
    imported: int = 0
    matched: set[str] = field(default_factory=set)
    created: set[str] = field(default_factory=set)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    states_added: int = 0
    states_updated: int = 0
    entries_added: int = 0
    menus_created: list[str] = field(default_factory=list)
    menus_kept: list[str] = field(default_factory=list)
    files_written: int = 0

    def skip(self, row: Row, reason: str) -> None:
        self.skipped.append((row.where, reason))

    def lines(self, detail: int = 10) -> list[str]:
        out = [
            f"{self.name}: {self.rows} rows read, {self.imported} imported, "
            f"{len(self.matched)} items matched, {len(self.created)} items created, "
            f"{len(self.skipped)} rows skipped.",
            f"log: {self.states_added} states added, {self.states_updated} states updated, "
            f"{self.entries_added} timeline entries added.",
        ]
        if self.menus_created or self.menus_kept:
            out.append(
                f"menus: {len(self.menus_created)} draft menus created"
                + (f" ({', '.join(self.menus_created)})" if self.menus_created else "")
                + (f", {len(self.menus_kept)} already present and kept" if self.menus_kept else "")
                + "."
            )
        reasons = Counter(reason for _, reason in self.skipped)
        for reason, count in reasons.most_common():
            out.append(f"skipped {count}: {reason}")
        for where, reason in self.skipped[:detail]:
            out.append(f"  {where}: {reason}")
        if len(self.skipped) > detail:
            out.append(f"  … and {len(self.skipped) - detail} more")
        out.append(
            f"{self.files_written} file(s) written"
            if self.files_written
            else "nothing changed: every row was already imported"
        )
        return out


@dataclass(frozen=True)
class StateValues:
    """What an export says about one item for the curator's state: status and opinions."""

    status: str
    rating: int | None = None
    favorite: bool = False
    notes: str = ""
    private_notes: str = ""

    def optional(self) -> list[tuple[str, object]]:
        """The fields beside status in file order; None where the export gave nothing, so a
        blank never lands in the log (an unset favorite is None, not False)."""
        return [
            ("rating", self.rating),
            ("favorite", self.favorite or None),
            ("notes", self.notes or None),
            ("private_notes", self.private_notes or None),
        ]


class LogBook:
    """A curator's log file, merged into: existing values are never overwritten."""

    def __init__(self, content_dir: Path, handle: str, catalog: Catalog, private: bool = False) -> None:
        self.private = private  # every state and entry added is private
        self.path = content_dir / "logs" / f"{handle}.yaml"
        curator = content_dir / "curators" / f"{handle}.yaml"
        if not curator.is_file():
            raise ContentError(
                str(curator),
                None,
                f"no curator {handle!r}",
                f"create content/curators/{handle}.yaml first (handle, name)",
            )
        self.handle = handle
        self.catalog = catalog
        display = f"content/logs/{handle}.yaml"
        self.data: dict[str, Any] = (
            read_yaml(self.path, display) if self.path.is_file() else {"curator": handle}
        )
        self.data.setdefault("curator", handle)
        # A copy of what the file said: the file is rewritten only when the data changed.
        self.original = copy.deepcopy(self.data) if self.path.is_file() else None
        self.states: dict[str, dict[str, Any]] = {}
        for state in self.data.get("states") or []:
            if isinstance(state, dict) and state.get("item"):
                ref = catalog.resolve(str(state["item"])) or str(state["item"])
                self.states.setdefault(ref, state)
        self.entry_keys: set[tuple[str, str, str, str]] = set()
        for entry in self.data.get("entries") or []:
            if isinstance(entry, dict) and entry.get("item"):
                self.entry_keys.add(self._entry_key(entry))

    def _entry_key(self, entry: dict[str, Any]) -> tuple[str, str, str, str]:
        ref = self.catalog.resolve(str(entry.get("item"))) or str(entry.get("item"))
        return (
            ref,
            str(entry.get("kind", "")),
            str(entry.get("date", "")),
            str(entry.get("note", "")).strip(),
        )

    def state(self, ref: str, summary: Summary, values: StateValues) -> None:
        """Add a state, or fill the missing fields of the curator's existing one."""
        existing = self.states.get(ref)
        if existing is None:
            state: dict[str, Any] = {"item": ref, "status": values.status}
            state.update((key, value) for key, value in values.optional() if value is not None)
            if self.private:
                state["private"] = True
            self.states[ref] = state
            self.data.setdefault("states", []).append(state)
            summary.states_added += 1
            return
        changed = False
        if existing.get("status") is None:
            existing["status"] = values.status
            changed = True
        for key, value in values.optional():
            if value is not None and existing.get(key) in (None, ""):
                existing[key] = value
                changed = True
        summary.states_updated += changed

    def entry(
        self, ref: str, summary: Summary, *, kind: str, date: str, note: str = "", minutes: int | None = None
    ) -> None:
        entry: dict[str, Any] = {"item": ref, "kind": kind, "date": date}
        if minutes:
            entry["minutes"] = minutes
        if note:
            entry["note"] = note
        if self.private:
            entry["private"] = True
        key = self._entry_key(entry)
        if key in self.entry_keys:
            return
        self.entry_keys.add(key)
        self.data.setdefault("entries", []).append(entry)
        summary.entries_added += 1

    def save(self) -> bool:
        """Write the log when it changed: a new file whole, an existing one with only the
        added states and entries (and filled fields) changed, the curator's formatting kept."""
        if self.data == self.original:
            return False
        if self.original is None or not self.path.is_file():
            text = dump_yaml(self.data)
        else:
            current = read_text(self.path, str(self.path), 200_000_000)
            text = append_items(current, self.original, self.data) or ""
            if not text or parse_yaml(text, str(self.path)) != self.data:
                text = rewrite_yaml(current, self.original, self.data, str(self.path))
        self.original = copy.deepcopy(self.data)
        return write_if_changed(self.path, text)


def write_draft_menu(content_dir: Path, slug: str, front: dict[str, Any], body: str) -> bool:
    """Create a draft menu once; a menu file that exists already belongs to the curator."""
    from generator.content.writeback import markdown_text

    path = content_dir / "menus" / f"{slug}.md"
    if path.exists():
        return False
    return write_if_changed(path, markdown_text(front, body))
