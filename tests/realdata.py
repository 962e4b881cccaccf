"""Where the recorded real payloads and exports are: <repo>/../shared/data/real (may be absent),
or the folder OMAKASE_REAL_DATA names (for a checkout elsewhere, such as a git worktree)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REAL = Path(
    os.environ.get("OMAKASE_REAL_DATA")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "real"
)


def real(relative: str) -> Path:
    """A file of the real data folder; the test is skipped when the folder is absent."""
    path = REAL / relative
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    return path
