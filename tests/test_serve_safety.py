"""The dev server answers only its own Host, serves no dotfile, warns off loopback, and shows
build errors on the page without absolute paths or tracebacks."""

from __future__ import annotations

import http.client
import ipaddress
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import BuildError
from generator.serve.hosts import host_check
from generator.serve.server import DevServer, page_error
from generator.settings import Settings
from tests.sitekit import MENU, make_site, write
from tests.test_serve import get, wait_for


def request(dev: DevServer, path: str, host: str | None) -> tuple[int, str]:
    """GET `path` with the Host header given as is (None: none at all)."""
    port = int(dev.url.rstrip("/").rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.putrequest("GET", path, skip_host=True)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def page_build(root: Path) -> Callable[[Any], None]:
    def built(settings: Any) -> None:
        out = root / "output"
        (out / "menus").mkdir(parents=True, exist_ok=True)
        (out / "index.html").write_text("<html><body>HOME</body></html>")
        for secret in (".env", ".git/config", "menus/.draft.html", ".omakase-build"):
            (out / secret).parent.mkdir(parents=True, exist_ok=True)
            (out / secret).write_text("DOTFILE-SECRET")

    return built


@pytest.fixture
def dev(site_root: Path) -> Iterator[DevServer]:
    server = DevServer(
        Settings(root=site_root), port=0, build=page_build(site_root), debounce=0.1, echo=lambda _: None
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_only_requests_naming_this_server_are_answered(dev: DevServer) -> None:
    port = dev.url.rstrip("/").rsplit(":", 1)[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", "127.0.0.1", f"[::1]:{port}"):
        status, body = request(dev, "/", host)
        assert status == 200 and "HOME" in body, host
    # A page of another site whose name resolves here (DNS rebinding) names itself.
    for host in (
        f"evil.example:{port}",
        "evil.example",
        f"localhost.evil.example:{port}",
        f"127.0.0.2:{port}",
    ):
        status, body = request(dev, "/", host)
        assert status == 421 and "HOME" not in body, host
        status, body = request(dev, "/__omakase__/poll?since=-1", host)
        assert status == 421 and "generation" not in body, host
    status, body = request(dev, "/", None)
    assert status == 400 and "HOME" not in body


def test_dotfiles_and_dot_folders_are_never_served(dev: DevServer) -> None:
    for path in (
        "/.env",
        "/.git/config",
        "/.git/",
        "/menus/.draft.html",
        "/.omakase-build",
        "/%2egit/config",
    ):
        status, body, _ = get(dev.url, path)
        assert status in (400, 404) and "DOTFILE-SECRET" not in body, path
    assert get(dev.url, "/")[0] == 200


def test_a_server_off_loopback_warns_loudly(site_root: Path) -> None:
    for host, warned in (("127.0.0.1", False), ("0.0.0.0", True)):  # noqa: S104 - the point of the test
        messages: list[str] = []
        server = DevServer(
            Settings(root=site_root), host=host, port=0, build=page_build(site_root), echo=messages.append
        )
        server.start()
        try:
            warnings = [m for m in messages if m.startswith("WARNING: serving on")]
            assert bool(warnings) == warned, messages
            if warned:
                assert "not on loopback" in warnings[0] and "--host 127.0.0.1" in warnings[0]
                port = server.url.rstrip("/").rsplit(":", 1)[1]
                # On every address, a request naming any of the machine's addresses is answered.
                assert request(server, "/", f"127.0.0.1:{port}")[0] == 200
                assert request(server, "/", f"evil.example:{port}")[0] == 421
        finally:
            server.stop()


def _page_error(server: DevServer) -> str:
    error = server.state.snapshot().error
    assert error is not None
    return error


def test_build_errors_on_the_page_carry_no_absolute_paths_or_tracebacks(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    calls: list[int] = []

    def failing(settings: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError(f"cannot read {root}/content/x.md nor /usr/lib/secret/place.py")
        raise BuildError(f"theme folder not found: {root}/themes/x and /usr/elsewhere/theme")

    messages: list[str] = []
    server = DevServer(Settings(root=root), port=0, build=failing, debounce=0.05, echo=messages.append)
    server.start()
    try:
        error = _page_error(server)
        assert "Traceback" not in error and str(tmp_path) not in error and "/usr/lib" not in error
        assert "RuntimeError" in error and "content/x.md" in error and "place.py" in error
        assert any("Traceback" in m and str(root) in m for m in messages)  # the terminal has it all
        (root / "content/curators/ada.yaml").touch()
        assert wait_for(lambda: len(calls) == 2 and server.state.snapshot().generation == 2, 15)
        error = _page_error(server)
        assert str(tmp_path) not in error and "/usr/" not in error
        assert "themes/x" in error and "…/theme" in error
        assert page_error("/menus/old-slug/ was published", root) == "/menus/old-slug/ was published"
    finally:
        server.stop()


def test_a_content_error_on_the_page_names_the_file_from_the_site_root(tmp_path: Path) -> None:
    broken = MENU.format(title="Broken", curator="nobody", status="published", extra="")
    root = make_site(tmp_path / "site", {"content/menus/paranoid-seventies.md": broken})
    server = DevServer(Settings(root=root), port=0, debounce=0.1, echo=lambda _: None)
    server.start()
    try:
        error = _page_error(server)
        assert "content/menus/paranoid-seventies.md" in error and "unknown curator" in error
        assert str(tmp_path) not in error
        status, html, _ = get(server.url, "/")
        assert status == 404 and str(tmp_path) not in html
        write(root, {"content/menus/paranoid-seventies.md": broken.replace("nobody", "ada")})
        assert wait_for(lambda: server.state.snapshot().version == 1, 15)
    finally:
        server.stop()


NAMES = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}(\.[a-z0-9-]{1,20}){0,3}", fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(name=NAMES, port=st.integers(1, 65535), bind=st.sampled_from(["127.0.0.1", "0.0.0.0", "::1", "::"]))  # noqa: S104
def test_no_name_but_localhost_passes_the_host_check(name: str, port: int, bind: str) -> None:
    """A name can be made to resolve anywhere: only `localhost` is trusted, whatever the bind;
    an IP address when it is loopback, or when the server listens on every address."""
    check = host_check(bind, port)
    allowed = name in ("localhost", "127.0.0.1") or (bind in ("0.0.0.0", "::") and _is_ip(name))  # noqa: S104
    for header in (name, f"{name}:{port}", name.upper()):
        assert check.allows(header) == allowed, header
    assert not check.allows(f"{name}:{port % 65535 + 1}")  # another port: another server


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


SEGMENTS = st.lists(st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True), min_size=2, max_size=6)


@settings(max_examples=40, deadline=None)
@given(segments=SEGMENTS, before=st.sampled_from(["", "in ", 'File "', "'", "("]))
def test_no_absolute_path_reaches_the_page(segments: list[str], before: str) -> None:
    path = "/tmp/" + "/".join(segments)
    shown = page_error(f"error {before}{path}: boom", Path("/srv/site"))
    assert path not in shown and segments[-1] in shown
    assert (
        page_error(f"{before}/srv/site/content/a.md: bad", Path("/srv/site")) == f"{before}content/a.md: bad"
    )
