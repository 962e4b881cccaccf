"""`omakase serve` for real: HTTP, rebuild on edit, reload signal, error overlay, safety, Ctrl-C."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.serve.server import DevServer, Snapshot
from generator.settings import Settings
from tests.sitekit import MENU, PROJECT, write

DEADLINE = 2.0  # the promise: a saved edit shows within two seconds


def get(base: str, path: str, timeout: float = 5.0) -> tuple[int, str, dict[str, str]]:
    host, port = base.split("//")[1].rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path)  # sent as written: no client-side normalising of '..'
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), dict(response.getheaders())
    finally:
        conn.close()


def page_generation(html: str) -> int:
    match = re.search(r"var generation = (\d+), version = (\d+)", html)
    assert match, "reload script missing"
    return int(match.group(1))


class Poll(threading.Thread):
    """A browser tab's long poll, started before an edit: `start()` returns once the
    server holds the request, waiting for a build newer than `since`."""

    def __init__(self, dev: DevServer, since: int) -> None:
        super().__init__(daemon=True)
        self.dev, self.since = dev, since
        self.result: dict | None = None
        self.finished_at = 0.0

    def start(self) -> None:
        waiting = threading.Event()
        state = self.dev.state
        wait_after = state.wait_after

        def noted(generation: int, timeout: float) -> Snapshot:
            if generation == self.since:
                waiting.set()
            return wait_after(generation, timeout)

        state.wait_after = noted  # type: ignore[method-assign]
        try:
            super().start()
            assert waiting.wait(10), "the poll did not reach the server"
        finally:
            del state.wait_after  # the method of the class again

    def run(self) -> None:
        _, body, _ = get(self.dev.url, f"/__omakase__/poll?since={self.since}", timeout=30)
        self.result = json.loads(body)
        self.finished_at = time.monotonic()


def wait_for(predicate, deadline: float) -> bool:  # noqa: ANN001
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


BUILT = ("Built", "Build failed")
READY = "Ready for the next edit"


def builds(messages: list[str]) -> int:
    return sum(m.startswith(BUILT) for m in messages)


def wait_idle(messages: list[str], builds_before: int) -> None:
    """Wait until the server, past `builds_before` builds, says it is idle: it said so (with
    timings) after its last build, once nothing changed for a few rounds of its loop and
    the work it does while waiting (checking the scan, reading the parses, readying the
    second output tree) was done."""

    def idle() -> bool:
        said = [m for m in messages if m.startswith((*BUILT, READY))]
        return sum(m.startswith(BUILT) for m in said) > builds_before and said[-1].startswith(READY)

    assert wait_for(idle, 10), messages


@pytest.fixture
def server(site_root: Path) -> Iterator[tuple[DevServer, list[str]]]:
    messages: list[str] = []
    # With timings the server says when it is idle (see wait_idle).
    dev = DevServer(Settings(root=site_root), port=0, debounce=0.15, echo=messages.append, timings=True)
    dev.start()
    try:
        yield dev, messages
    finally:
        dev.stop()


def test_serves_rebuilds_reloads_and_survives_errors(server, site_root: Path) -> None:  # noqa: ANN001
    dev, messages = server
    base = dev.url
    assert base.startswith("http://127.0.0.1:")
    status, html, headers = get(base, "/menus/paranoid-seventies/")
    assert status == 200 and "Paranoid Seventies" in html
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    generation = page_generation(html)
    on_disk = (site_root / "output/menus/paranoid-seventies/index.html").read_text()
    assert "__omakase__" not in on_disk  # the script is added on the way out only

    # An edit: the open tab's poll answers with a new version, the page is rebuilt.
    poll = Poll(dev, generation)
    poll.start()
    menu = site_root / "content/menus/paranoid-seventies.md"
    edited_at = time.monotonic()
    menu.write_text(menu.read_text().replace("title: Paranoid Seventies", "title: Paranoid Eighties"))
    poll.join(timeout=10)
    assert poll.result is not None and poll.result["error"] is None
    assert poll.result["version"] == 2 and poll.finished_at - edited_at < DEADLINE
    assert wait_for(
        lambda: "Paranoid Eighties" in get(base, "/menus/paranoid-seventies/")[1],
        DEADLINE - (time.monotonic() - edited_at),
    )
    # The tab reloaded when the pages were ready; the end of the build wakes it once more.
    assert wait_for(lambda: sum(m.startswith("Built") for m in messages) == 2, DEADLINE)
    generation = dev.state.snapshot().generation
    assert generation == poll.result["generation"] + 1
    assert dev.state.snapshot().version == 2

    # A broken edit: the error reaches the tab and the terminal; the last good page stays.
    poll = Poll(dev, generation)
    poll.start()
    broken = MENU.format(title="Broken", curator="nobody", status="published", extra="")
    edited_at = time.monotonic()
    write(site_root, {"content/menus/paranoid-seventies.md": broken})
    poll.join(timeout=10)
    assert poll.result is not None and poll.finished_at - edited_at < DEADLINE
    assert "unknown curator 'nobody'" in poll.result["error"]
    assert poll.result["version"] == 2
    status, html, _ = get(base, "/menus/paranoid-seventies/")
    assert status == 200 and "Paranoid Eighties" in html
    assert "unknown curator 'nobody'" in html  # the overlay's text, in the injected script
    assert any("Build failed" in m and "unknown curator 'nobody'" in m for m in messages)

    # Fixed again: the tab reloads onto the new page.
    poll = Poll(dev, poll.result["generation"])
    poll.start()
    write(
        site_root,
        {
            "content/menus/paranoid-seventies.md": MENU.format(
                title="Paranoid Nineties", curator="ada", status="published", extra=""
            )
        },
    )
    poll.join(timeout=10)
    assert poll.result is not None and poll.result["error"] is None and poll.result["version"] == 3
    assert "Paranoid Nineties" in get(base, "/menus/paranoid-seventies/")[1]


def test_changed_pages_are_served_before_the_rest_of_the_build(
    server, site_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    """The search bundles and the open-data copy take seconds after the pages are written:
    the tab reloads onto the new page meanwhile, served from the server's memory."""
    from generator.engine import incremental as steps

    dev, messages = server
    base = dev.url
    release = threading.Event()
    finish_site = steps.finish_site

    def slow_finish(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        release.wait(timeout=20)
        return finish_site(*args, **kwargs)

    monkeypatch.setattr(steps, "finish_site", slow_finish)
    generation = page_generation(get(base, "/menus/paranoid-seventies/")[1])
    poll = Poll(dev, generation)
    poll.start()
    menu = site_root / "content/menus/paranoid-seventies.md"
    menu.write_text(menu.read_text().replace("title: Paranoid Seventies", "title: Paranoid Eighties"))
    try:
        poll.join(timeout=10)
        assert poll.result is not None and poll.result["version"] == 2
        status, html, headers = get(base, "/menus/paranoid-seventies/")
        assert status == 200 and "Paranoid Eighties" in html
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert "var generation" in html  # the reload script, as on any page
        assert "Paranoid Seventies" in (site_root / "output/menus/paranoid-seventies/index.html").read_text()
        assert sum(m.startswith("Built") for m in messages) == 1  # still building
        # Pages the edit did not rewrite come from the published site as before.
        assert get(base, "/curators/ada/")[0] == 200
    finally:
        release.set()
    assert wait_for(lambda: sum(m.startswith("Built") for m in messages) == 2, 10)
    assert "Paranoid Eighties" in (site_root / "output/menus/paranoid-seventies/index.html").read_text()
    assert dev.state.snapshot().version == 2  # no second reload
    assert "Paranoid Eighties" in get(base, "/menus/paranoid-seventies/")[1]
    assert dev._httpd is not None and dev._httpd.early == {}


def test_a_build_that_fails_after_its_pages_goes_back_to_the_last_good_site(
    server, site_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    from generator.engine import incremental as steps
    from generator.errors import BuildError

    dev, messages = server
    shown: list[str] = []

    def failing_finish(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        shown.append(get(dev.url, "/menus/paranoid-seventies/")[1])  # while it builds
        raise BuildError("search indexing failed")

    monkeypatch.setattr(steps, "finish_site", failing_finish)
    menu = site_root / "content/menus/paranoid-seventies.md"
    menu.write_text(menu.read_text().replace("title: Paranoid Seventies", "title: Paranoid Eighties"))
    assert wait_for(lambda: any(m.startswith("Build failed") for m in messages), 10)
    assert shown and "Paranoid Eighties" in shown[0]
    status, html, _ = get(dev.url, "/menus/paranoid-seventies/")
    assert status == 200 and "Paranoid Seventies" in html and "search indexing failed" in html
    snap = dev.state.snapshot()
    assert snap.error is not None and "search indexing failed" in snap.error


def test_while_idle_the_server_readies_the_output_for_the_first_edit(
    server, site_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    """After a full build the output's shadow tree is gone; the server makes it while it
    waits, so the first edit does not start by copying the whole site."""
    from generator.engine.state import get_meta, open_state
    from generator.publish import shadow as publish

    dev, messages = server

    def ready() -> bool:
        state = open_state(site_root / "data/omakase.sqlite.state")
        try:
            return get_meta(state, "shadow_gen") == get_meta(state, "live_gen")
        finally:
            state.close()

    assert wait_for(ready, 10)
    assert (site_root / ".output-shadow/menus/paranoid-seventies/index.html").is_file()
    clones: list[Path] = []
    monkeypatch.setattr(publish, "Clone", lambda source, dest: clones.append(dest))
    menu = site_root / "content/menus/paranoid-seventies.md"
    menu.write_text(menu.read_text().replace("title: Paranoid Seventies", "title: Paranoid Eighties"))
    assert wait_for(lambda: sum(m.startswith("Built") for m in messages) == 2, 10)
    assert clones == []
    assert "Paranoid Eighties" in get(dev.url, "/menus/paranoid-seventies/")[1]
    assert wait_for(ready, 10)  # and again after that build


def test_a_rebuild_looks_at_the_reported_paths_and_an_unreported_change_is_caught_when_idle(
    server, site_root: Path
) -> None:  # noqa: ANN001
    dev, messages = server
    assert dev.resident is not None and dev._handler is not None
    wait_idle(messages, 0)  # after the first build: its scan was checked
    built = sum(m.startswith("Built") for m in messages)
    # A change the watcher never reports (the kernel drops events when its queue overflows)...
    report = dev._handler.on_change
    dropped: list[tuple[list[str], bool]] = []
    dev._handler.on_change = lambda paths, full, whole: dropped.append((paths, whole))
    menu = site_root / "content/menus/paranoid-seventies.md"
    menu.write_text(menu.read_text().replace("title: Paranoid Seventies", "title: Lost Event"))
    # The file's last event, its close after writing, was dropped too.
    assert wait_for(lambda: any(whole and Path(p).name == menu.name for ps, whole in dropped for p in ps), 10)
    dev._handler.on_change = report
    # ...is not looked at by the rebuild for a reported one, which looks at its path alone;
    item = site_root / "content/items/movie/the-conversation.md"
    item.write_text(item.read_text().replace("title: The Conversation", "title: The Talk"))
    assert wait_for(lambda: "The Talk" in get(dev.url, "/items/movie/the-conversation/")[1], 5)
    # once idle, the server finds that a full scan disagrees, and rebuilds from one.
    assert wait_for(lambda: "Lost Event" in get(dev.url, "/menus/paranoid-seventies/")[1], 5)
    assert wait_for(lambda: sum(m.startswith("Built") for m in messages) == built + 2, 5)


def test_a_failing_idle_scan_check_does_not_rebuild_but_the_next_build_scans_everything(
    server, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    dev, messages = server
    assert dev.resident is not None
    wait_idle(messages, 0)  # the first idle check is done
    built = sum(m.startswith("Built") for m in messages)

    def broken(settings: Settings) -> bool:
        raise OSError("scan failed")

    monkeypatch.setattr(dev.resident, "scan_differs", broken)
    dev._verify()
    # No rebuild was asked for (the loop rebuilds only once _dirty is set), none ran, and
    # the next build scans everything.
    assert not dev._dirty.is_set()
    assert sum(m.startswith("Built") for m in messages) == built
    assert dev._changed_paths is None


def test_with_timings_the_server_says_when_it_is_ready_for_the_next_edit(site_root: Path) -> None:
    messages: list[str] = []
    dev = DevServer(Settings(root=site_root), port=0, echo=messages.append, timings=True)
    dev.start()
    try:

        def readies() -> int:
            return sum(m.startswith("Ready for the next edit") for m in messages)

        assert wait_for(lambda: readies() == 1, 10)
        menu = site_root / "content/menus/paranoid-seventies.md"
        menu.write_text(menu.read_text().replace("title: Paranoid Seventies", "title: Later"))
        assert wait_for(lambda: readies() == 2, 10)
        built = max(i for i, m in enumerate(messages) if m.startswith("Built"))
        assert built < max(i for i, m in enumerate(messages) if m.startswith("Ready"))
    finally:
        dev.stop()


def test_on_a_built_site_the_parses_are_in_memory_before_the_first_edit(
    site_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's first build finds nothing changed and parses nothing; while it waits it
    takes the state's parses into memory, assembles and checks the site and loads the
    templates, so the first edit unpickles no parse, lists no folder and makes no Jinja
    environment."""
    from generator.content import loader
    from generator.engine.build import build
    from generator.engine.state import StateParseCache
    from generator.site import render

    build(Settings(root=site_root))
    read_from_state: list[str] = []
    real_blob = StateParseCache._blob

    def blob(self: StateParseCache, key: str, kind: str) -> bytes | None:
        found = real_blob(self, key, kind)
        if found is not None:
            read_from_state.append(key)
        return found

    monkeypatch.setattr(StateParseCache, "_blob", blob)
    messages: list[str] = []
    dev = DevServer(Settings(root=site_root), port=0, echo=messages.append)
    dev.start()
    try:
        assert dev.resident is not None
        content = [p for p in (site_root / "content").rglob("*") if p.is_file()]
        memo = dev.resident.session
        assert wait_for(lambda: len(memo.parses) == len(content) and memo.renderer is not None, 5)
        assert memo.load.assembly is not None
        made: list[str] = []
        real_listing, real_environment = loader.list_content, render.make_environment
        monkeypatch.setattr(loader, "list_content", lambda *a: made.append("listing") or real_listing(*a))
        monkeypatch.setattr(
            render, "make_environment", lambda *a: made.append("environment") or real_environment(*a)
        )
        built = sum(m.startswith("Built") for m in messages)
        menu = site_root / "content/menus/paranoid-seventies.md"
        menu.write_text(menu.read_text().replace("title: Paranoid Seventies", "title: Paranoid Eighties"))
        assert wait_for(lambda: sum(m.startswith("Built") for m in messages) > built, 5)
        assert "Paranoid Eighties" in get(dev.url, "/menus/paranoid-seventies/")[1]
        assert read_from_state == [] and made == []
    finally:
        dev.stop()


@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")  # watchdog, nested mkdir
def test_template_and_data_changes_rebuild_but_build_outputs_do_not(server, site_root: Path) -> None:  # noqa: ANN001
    dev, messages = server
    start = dev.state.snapshot()
    before = builds(messages)
    base_html = site_root / "templates/base.html"
    base_html.write_text(base_html.read_text().replace("Skip to content", "Skip ahead"))
    assert wait_for(lambda: dev.state.snapshot().version == start.version + 1, 5)
    assert "Skip ahead" in get(dev.url, "/")[1]
    # Each step waits until the server is idle, so that it counts the builds of its edit alone.
    wait_idle(messages, before)
    after_template = dev.state.snapshot()
    # data/ is watched for its own files, not its cache folders (a folder per page); a
    # sources folder made while serving is watched from then on.
    assert (site_root / "data", False) in dev.watched()
    assert all(
        not folder.is_relative_to(site_root / "data") or not recursive for folder, recursive in dev.watched()
    )
    before = builds(messages)
    (site_root / "data/sources/wikidata").mkdir(parents=True)
    (site_root / "data/sources/wikidata/Q1217219.json").write_text('{"id": "Q1217219"}')
    assert wait_for(lambda: dev.state.snapshot().version == after_template.version + 1, 5)
    wait_idle(messages, before)  # every event of the new folder and its file was built too
    after_sources = dev.state.snapshot()
    before = builds(messages)
    (site_root / "data/sources/wikidata/Q1217219.json").write_text('{"id": "Q1217219", "x": 1}')
    assert wait_for(lambda: dev.state.snapshot().version == after_sources.version + 1, 5)
    # The build writes data/omakase.sqlite itself; that must not set off another build: the
    # server goes idle after this build with no other since.
    assert wait_for(lambda: builds(messages) == before + 1, 5)
    settled = dev.state.snapshot()
    wait_idle(messages, before)
    assert dev.state.snapshot().generation == settled.generation


def test_paths_outside_output_are_refused(server, site_root: Path) -> None:  # noqa: ANN001
    dev, _ = server
    (site_root / "secret.txt").write_text("TOP-SECRET")
    for path in (
        "/../secret.txt",
        "/menus/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/menus/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/%252e%252e/secret.txt",
        "/./index.html",
        "/menus//../../secret.txt",
    ):
        status, body, _ = get(dev.url, path)
        assert status in (400, 404), path
        assert "TOP-SECRET" not in body, path
    (site_root / "output/escape").symlink_to(site_root)
    status, body, _ = get(dev.url, "/escape/secret.txt")
    assert status == 400 and "TOP-SECRET" not in body
    # /data/omakase.sqlite is the public copy published in output/, never the built database.
    status, body, _ = get(dev.url, "/data/omakase.sqlite")
    assert status == 200 and "ada@example.org" not in body
    assert "ada@example.org" in (site_root / "data/omakase.sqlite").read_bytes().decode("utf-8", "replace")
    status, _, headers = get(dev.url, "/menus")
    assert status == 301 and headers["Location"] == "/menus/"
    status, body, _ = get(dev.url, "/no/such/page/")
    assert status == 404 and "__omakase__" in body


def test_the_build_function_is_a_parameter(site_root: Path) -> None:
    calls: list[Settings] = []

    def fake_build(settings: Settings) -> None:
        calls.append(settings)
        out = settings.output_dir
        assert out is not None
        out.mkdir(exist_ok=True)
        (out / "index.html").write_text(f"<html><body>build {len(calls)}</body></html>")

    dev = DevServer(Settings(root=site_root), port=0, build=fake_build, debounce=0.1, echo=lambda _: None)
    dev.start()
    try:
        assert "build 1" in get(dev.url, "/")[1]
        (site_root / "content/curators/ada.yaml").touch()
        assert wait_for(lambda: "build 2" in get(dev.url, "/")[1], 5)
    finally:
        dev.stop()
    assert len(calls) == 2 and calls[0].root == site_root.resolve()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening_addresses(port: int) -> set[str]:
    """Local IPv4 addresses with a socket listening on `port`, from /proc/net/tcp."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if int(hex_port, 16) == port and state == "0A":  # 0A: LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_cli_serves_on_localhost_and_stops_on_ctrl_c_or_sigterm(site_root: Path, stop: int) -> None:
    """Ctrl-C, or the SIGTERM of a service manager or `kill`, stops the server cleanly: the
    copy of the database it made while idle goes with it."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    # Ctrl-C as a terminal sends it, even when the tests run in a background job (which
    # the shell starts with SIGINT ignored, and a child inherits that).
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--root", str(site_root), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        base = f"http://127.0.0.1:{port}/"

        def up() -> bool:
            try:
                return get(base, "/", timeout=1)[0] == 200
            except OSError:
                return False

        assert wait_for(up, 30), proc.stderr.read() if proc.poll() is not None else "not up"
        assert _listening_addresses(port) == {"127.0.0.1"}  # loopback only
        assert wait_for(lambda: any((site_root / "data").glob("*.spare")), 30)  # idle: copied
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert f"Serving {site_root / 'output'} at http://127.0.0.1:{port}/" in err
    assert "Stopping." in err and "Traceback" not in err
    assert list((site_root / "data").glob("*.spare")) == []


def test_a_site_that_never_built_shows_the_error_then_recovers(tmp_path: Path) -> None:
    from tests.sitekit import make_site

    broken = MENU.format(title="Broken", curator="nobody", status="published", extra="")
    root = make_site(tmp_path / "site", {"content/menus/paranoid-seventies.md": broken})
    messages: list[str] = []
    dev = DevServer(Settings(root=root), port=0, debounce=0.1, echo=messages.append)
    dev.start()
    try:
        status, html, _ = get(dev.url, "/")
        assert status == 404 and "unknown curator" in html and "__omakase__/poll" in html
        assert any("Build failed" in m for m in messages)
        write(
            root,
            {
                "content/menus/paranoid-seventies.md": MENU.format(
                    title="Fixed", curator="ada", status="published", extra=""
                )
            },
        )
        assert wait_for(lambda: dev.state.snapshot().version == 1, 5)
        status, html, _ = get(dev.url, "/menus/paranoid-seventies/")
        assert status == 200 and "Fixed" in html
    finally:
        dev.stop()


def test_a_save_whose_file_was_closed_settles_sooner_than_one_still_being_written(site_root: Path) -> None:
    """An editor's save ends with the file closed (or moved into place): the rebuild then
    waits a fifth of the debounce for another file of the same save, not all of it."""
    from watchdog.events import (
        FileClosedEvent,
        FileDeletedEvent,
        FileModifiedEvent,
        FileMovedEvent,
    )

    from generator.serve.server import _Changes

    dev = DevServer(Settings(root=site_root), port=0, debounce=0.5, echo=lambda _: None)
    handler = _Changes(dev.settings.resolve(), dev._changed)
    dev._changed_paths = set()  # as after its first build
    menu = str(site_root / "content/menus/paranoid-seventies.md")
    item = str(site_root / "content/items/movie/the-conversation.md")
    handler.on_any_event(FileModifiedEvent(menu))
    assert dev._settle_time() == 0.5  # may still be being written
    handler.on_any_event(FileModifiedEvent(item))
    handler.on_any_event(FileClosedEvent(menu))
    assert dev._settle_time() == 0.5  # the item is still open
    handler.on_any_event(FileClosedEvent(item))
    assert dev._settle_time() == 0.1
    handler.on_any_event(FileModifiedEvent(menu))
    handler.on_any_event(FileMovedEvent(menu + ".tmp", menu))  # a save by rename
    assert dev._settle_time() == 0.1
    handler.on_any_event(FileModifiedEvent(item))
    handler.on_any_event(FileDeletedEvent(item))
    assert dev._settle_time() == 0.1
    assert dev._changed_paths == {menu, item}


def test_a_preview_never_publishes_the_record(server, site_root: Path) -> None:  # noqa: ANN001
    """Only `omakase build` adds to data/published-slugs.txt: a menu published while serving
    and taken back to draft builds fine afterwards."""
    from generator.engine.build import build

    dev, messages = server
    record = site_root / "data/published-slugs.txt"
    assert not record.exists()  # the server's own first build published nothing
    preview = "content/menus/preview-menu.md"
    before = builds(messages)
    write(
        site_root, {preview: MENU.format(title="Preview Menu", curator="ada", status="published", extra="")}
    )
    assert wait_for(lambda: "Preview Menu" in get(dev.url, "/menus/preview-menu/")[1], 5)
    wait_idle(messages, before)
    assert not record.exists()
    before = builds(messages)
    write(site_root, {preview: MENU.format(title="Preview Menu", curator="ada", status="draft", extra="")})
    assert wait_for(lambda: get(dev.url, "/menus/preview-menu/")[0] == 404, 5)
    wait_idle(messages, before)
    assert not any(m.startswith("Build failed") for m in messages), messages
    dev.stop()
    build(Settings(root=site_root))
    recorded = record.read_text().split()
    assert "paranoid-seventies" in recorded and "preview-menu" not in recorded


def test_a_tab_closed_during_its_long_poll_is_no_traceback(
    server,  # noqa: ANN001
    capfd: pytest.CaptureFixture[str],
) -> None:
    dev, _ = server
    since = dev.state.snapshot().generation
    held, answered = threading.Event(), threading.Event()
    wait_after, shutdown_request = dev.state.wait_after, dev._httpd.shutdown_request

    def noted(generation: int, timeout: float) -> Snapshot:
        held.set()
        return wait_after(generation, timeout)

    def done(request: socket.socket) -> None:  # after the answer, and after any error report
        shutdown_request(request)
        answered.set()

    dev.state.wait_after = noted  # type: ignore[method-assign]
    dev._httpd.shutdown_request = done  # type: ignore[method-assign]
    host, port = dev.url.split("//")[1].rstrip("/").split(":")
    tab = socket.create_connection((host, int(port)), timeout=5)
    tab.sendall(f"GET /__omakase__/poll?since={since} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    assert held.wait(10), "the poll did not reach the server"
    # Closed with a reset, as a browser tab going away does: the answer meets a dead socket.
    tab.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    tab.close()
    dev.state.record(None)  # a build ends: the server answers the closed tab
    assert answered.wait(10)
    assert "Traceback" not in capfd.readouterr().err
    assert get(dev.url, "/")[0] == 200  # and the server serves on


def test_while_idle_the_server_copies_the_database_for_the_next_edit(
    site_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next edit's build moves the copy into place instead of copying the database on
    the edit's path; the server removes its copy when it stops."""
    import shutil

    from generator.engine import incremental

    copied: list[str] = []
    real_copy = shutil.copyfile
    db_path = site_root / "data/omakase.sqlite"

    def copyfile(source: Any, target: Any) -> Any:
        copied.append(Path(target).name)
        return real_copy(source, target)

    messages: list[str] = []
    dev = DevServer(Settings(root=site_root), port=0, echo=messages.append)
    dev.start()
    try:
        assert dev.resident is not None
        session = dev.resident.session
        assert wait_for(lambda: session.spare is not None, 10)
        spare = session.spare
        assert spare is not None and spare.path.read_bytes() == db_path.read_bytes()
        monkeypatch.setattr(incremental.shutil, "copyfile", copyfile)
        built = sum(m.startswith("Built") for m in messages)
        menu = site_root / "content/menus/paranoid-seventies.md"
        menu.write_text(menu.read_text().replace("title: Paranoid Seventies", "title: Paranoid Eighties"))
        assert wait_for(lambda: sum(m.startswith("Built") for m in messages) > built, 10)
        assert "Paranoid Eighties" in get(dev.url, "/menus/paranoid-seventies/")[1]
        assert copied == [] and not spare.path.exists()
        assert wait_for(lambda: session.spare is not None and session.spare != spare, 10)
        last = session.spare
    finally:
        dev.stop()
    assert last is not None and not last.path.exists()


def test_a_spare_of_a_database_replaced_since_is_not_taken(tmp_path: Path) -> None:
    import os

    from generator.engine.spare import make_spare, take_spare
    from generator.publish.staging import clean_stale_files

    db = tmp_path / "omakase.sqlite"
    db.write_bytes(b"first")
    spare = make_spare(db, None)
    assert spare is not None and spare.path.read_bytes() == b"first"
    assert make_spare(db, spare) is spare  # still a copy of it: not copied again
    clean_stale_files(tmp_path, db.name + ".", ".spare", mine=False)  # a build of this process
    assert spare.path.exists()
    new = tmp_path / "new.sqlite"
    new.write_bytes(b"second")
    os.replace(new, db)  # as a build replaces it
    into = tmp_path / "work.tmp"
    assert not take_spare(spare, db, into) and not into.exists() and not spare.path.exists()
    again = make_spare(db, None)
    assert again is not None and take_spare(again, db, into) and into.read_bytes() == b"second"
    dead = tmp_path / f"{db.name}.999999999.spare"  # no process has that pid
    dead.write_bytes(b"left by a killed server")
    clean_stale_files(tmp_path, db.name + ".", ".spare", mine=False)
    assert not dead.exists()
