"""Stable UUID primary keys: uuid5 of a natural key, so the same content gives the same ids."""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f6d616b-6173-652d-6d65-6e7573000001")


def stable_id(kind: str, *parts: object) -> str:
    """The UUID for one row, e.g. stable_id("menu", "paranoid-seventies")."""
    key = kind + ":" + "/".join(str(p) for p in parts)
    return str(uuid.uuid5(NAMESPACE, key))
