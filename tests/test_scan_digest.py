"""The scan digest: a command-line build whose scan equals the last one found to match the
file index reads no index; any other scan is compared with the index, file by file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from generator.engine import build as build_module
from generator.engine.build import build
from generator.engine.inputs import SCAN_DIGEST, Inputs
from generator.engine.session import Session
from generator.engine.state import get_meta
from tests.conftest import settings_for
from tests.test_incremental import sample_site


def _digest(root: Path) -> object:
    with sqlite3.connect(root / "data/omakase.sqlite.state") as conn:
        return get_meta(conn, SCAN_DIGEST)


def _no_index(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("the file index was read")

    monkeypatch.setattr(build_module, "FileTable", refuse)


def _menu(root: Path) -> Path:
    return root / "content/menus/made-things.md"


def _page(root: Path) -> str:
    return (root / "output/menus/made-things/index.html").read_text(encoding="utf-8")


def test_a_no_op_reads_no_index_once_the_scan_is_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Right after a full build too, which wrote the record of published URLs after its scan."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    inputs = Inputs(settings_for(root))
    files = inputs.scan()
    assert _digest(root) == inputs.scan_key(files)
    _no_index(monkeypatch)
    assert build(settings_for(root)).mode == "unchanged"
    assert build(settings_for(root)).mode == "unchanged"


def test_a_touched_file_is_compared_then_learned_and_a_later_edit_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    learned = _digest(root)
    menu = _menu(root)
    os.utime(menu, ns=(menu.stat().st_atime_ns, menu.stat().st_mtime_ns + 10**9))
    assert build(settings_for(root)).mode == "unchanged"  # compared: the same bytes
    assert _digest(root) not in (None, learned)
    with monkeypatch.context() as patched:
        _no_index(patched)
        assert build(settings_for(root)).mode == "unchanged"
    menu.write_text(menu.read_text(encoding="utf-8").replace("Made Things", "Made-by-hand Things", 1))
    assert build(settings_for(root)).mode == "incremental"
    assert "Made-by-hand Things" in _page(root)


def test_old_stats_brought_back_after_a_dev_server_build_are_not_taken_for_its_scan(tmp_path: Path) -> None:
    """A dev server's build saves the index without a digest of its own scan: the digest of
    an older scan must not survive it, or files brought back with their old times (as
    `rsync -t` does) would pass for the site the dev server built."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    menu = _menu(root)
    before, stat = menu.read_bytes(), menu.stat()
    menu.write_bytes(before.replace(b"Made Things", b"Made-by-hand Things", 1))
    assert build(settings_for(root), session=Session()).mode == "incremental"
    assert _digest(root) is None
    menu.write_bytes(before)
    os.utime(menu, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert build(settings_for(root)).mode == "incremental"
    assert "Made-by-hand Things" not in _page(root)


def test_the_same_scan_has_the_same_digest_in_another_process(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    inputs = Inputs(settings_for(root))
    inputs.scan()
    code = (
        "import sys; from pathlib import Path; from generator.engine.inputs import Inputs; "
        "from generator.settings import Settings; "
        "i = Inputs(Settings(root=Path(sys.argv[1])).resolve()); i.scan(); print(i.digest)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True, env=env
    )
    assert other.stdout.strip() == inputs.digest
