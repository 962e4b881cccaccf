"""Shared fixtures: an in-memory schema database, and small sites written into tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from generator.db.schema import connect, create_schema
from generator.settings import Settings
from tests.sitekit import make_site


@pytest.fixture
def db() -> sqlite_utils.Database:
    database = connect()
    create_schema(database)
    return database


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site")


@pytest.fixture(autouse=True)
def _reproducible_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795651200")  # 2026-11-26T00:00:00Z


def settings_for(root: Path, **kwargs: object) -> Settings:
    return Settings(root=root, **kwargs).resolve()  # type: ignore[arg-type]


def seeds(count: int) -> list[object]:
    """Seeds 0..count-1 for a random-edit test: the first runs in the fast set, the others
    are marked slow (make test runs them all)."""
    return [0, *(pytest.param(seed, marks=pytest.mark.slow) for seed in range(1, count))]
