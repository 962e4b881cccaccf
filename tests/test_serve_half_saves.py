"""The dev server and a file caught half-written: its error is not reported while the file is
still changing, and is reported once it stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import click

from generator.serve import server as server_module
from generator.serve.server import DevServer
from generator.settings import Settings
from tests.test_serve import get, wait_for

FAILED = "Build failed"


def _server(site_root: Path, second: Callable[[DevServer], None]) -> tuple[DevServer, list[str]]:
    """A dev server whose first rebuild (its second build) runs `second`, then fails as on
    an empty file; the builds before and after it write `build N`."""
    messages: list[str] = []
    calls: list[int] = []

    def build(settings: Settings) -> None:
        calls.append(1)
        if len(calls) == 2:
            second(dev)  # the server below: a build runs only once it has started
            raise click.ClickException("content/menus/new.md:1: error: file is empty")
        out = settings.output_dir
        assert out is not None
        out.mkdir(exist_ok=True)
        (out / "index.html").write_text(f"<html><body>build {len(calls)}</body></html>")

    dev = DevServer(Settings(root=site_root), port=0, build=build, debounce=0.02, echo=messages.append)
    return dev, messages


def test_a_failed_build_during_which_a_file_changed_builds_again_without_reporting(
    site_root: Path,
) -> None:
    menu = str(site_root / "content/menus/new.md")
    dev, messages = _server(site_root, lambda d: d._changed([menu], whole=True))
    dev.start()
    try:
        dev._changed([menu], whole=True)
        assert wait_for(lambda: "build 3" in get(dev.url, "/")[1], 5), messages
    finally:
        dev.stop()
    assert not [m for m in messages if FAILED in m], messages
    assert any("building again" in m for m in messages), messages


def test_a_failed_build_of_an_unclosed_file_waits_for_its_close(site_root: Path) -> None:
    menu = str(site_root / "content/menus/new.md")

    def close_later(dev: DevServer) -> None:  # the writer finishes after the build failed
        threading.Timer(0.2, dev._changed, ([menu],), {"whole": True}).start()

    dev, messages = _server(site_root, close_later)
    dev.start()
    try:
        dev._changed([menu], whole=False)  # created, not yet closed
        assert wait_for(lambda: "build 3" in get(dev.url, "/")[1], 5), messages
    finally:
        dev.stop()
    assert not [m for m in messages if FAILED in m], messages


def test_a_failed_build_of_an_unclosed_file_is_reported_when_nothing_follows(
    site_root: Path, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setattr(server_module, "UNCLOSED_GRACE", 0.3)
    menu = str(site_root / "content/menus/new.md")
    dev, messages = _server(site_root, lambda d: None)
    dev.start()
    try:
        started = time.monotonic()
        dev._changed([menu], whole=False)
        assert wait_for(lambda: any(FAILED in m for m in messages), 5), messages
        assert time.monotonic() - started >= 0.3
        assert "file is empty" in get(dev.url, "/")[1]
    finally:
        dev.stop()


def test_a_failed_build_of_closed_files_is_reported_at_once(site_root: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(server_module, "UNCLOSED_GRACE", 30.0)
    menu = str(site_root / "content/menus/new.md")
    dev, messages = _server(site_root, lambda d: None)
    dev.start()
    try:
        dev._changed([menu], whole=True)
        assert wait_for(lambda: any(FAILED in m for m in messages), 5), messages
    finally:
        dev.stop()
    assert not [m for m in messages if "building again" in m], messages
