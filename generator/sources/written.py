"""What imports wrote into items, per upstream record: data/imported/<source>/<id>.json.

The record lets a later import tell a value it wrote itself (which follows upstream) from a
value the curator wrote or changed (which is kept, and said to be kept)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from generator.content.writeback import write_if_changed


def record_path(data_dir: Path, source: str, external_id: str) -> Path:
    return data_dir / "imported" / source / f"{quote(external_id, safe='')}.json"


def read_written(data_dir: Path, source: str, external_id: str) -> dict[str, Any]:
    """field -> value the imports of this record wrote; empty when there is no record or it
    cannot be read (every value then counts as the curator's, the safe side)."""
    path = record_path(data_dir, source, external_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    values = data.get("wrote") if isinstance(data, dict) else None
    return values if isinstance(values, dict) else {}


def save_written(data_dir: Path, source: str, external_id: str, ref: str, values: dict[str, Any]) -> bool:
    """Keep the record; True when the file changed."""
    text = json.dumps({"item": ref, "wrote": values}, ensure_ascii=False, indent=1, sort_keys=True)
    return write_if_changed(record_path(data_dir, source, external_id), text + "\n")
