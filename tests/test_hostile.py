"""Hostile content: every field of a site holds a known XSS vector; nothing executable gets out."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import markupsafe
import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.content.loader import load_site
from generator.engine.build import build
from generator.errors import ContentErrors
from generator.settings import Settings
from generator.site.markup import render_inline, render_markdown
from generator.site.safejson import dumps_safe, script_json
from tests.browser import chromium_context, serve
from tests.hostile import (
    MARKER,
    REFUSED,
    REFUSED_URLS,
    SPECIAL_PLACES,
    TMDB_FILE,
    TMDB_ITEM,
    make_hostile_site,
    site_vectors,
    tmdb_payload,
    vectors,
    with_tmdb_source,
)
from tests.outputscan import check_html, scan_output
from tests.sitekit import make_site

# One xdist worker runs this module (--dist loadgroup), so `hostile_output` is built once.
pytestmark = pytest.mark.xdist_group("test_hostile")


@pytest.fixture(scope="module")
def hostile_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_hostile_site(tmp_path_factory.mktemp("hostile") / "site")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1795651200")
        build(Settings(root=root))
    return root / "output"


def test_corpus_is_substantial() -> None:
    found = vectors()
    assert len(found) >= 40
    assert all(MARKER in v for v in found)


def test_every_vector_reaches_the_pages_escaped(hostile_output: Path) -> None:
    # The test is only worth something if the hostile text is really published (escaped).
    for n, vector in enumerate(site_vectors()):
        page = hostile_output / f"items/book/book-{n}/index.html"
        html = page.read_text(encoding="utf-8")
        assert f">{markupsafe.escape(vector)}</h1>" in html, vector  # the page title
        movie_page = hostile_output / f"items/movie/movie-{n}/index.html"
        if n % 5 == 4:  # only a draft and a private entry name it: no page
            assert not movie_page.exists()
        else:
            movie = movie_page.read_text(encoding="utf-8")
            assert str(markupsafe.escape(f"{vector} {MARKER} rent")) in movie, vector  # from the payload
        if n % 5 != 4:
            menu = (hostile_output / f"menus/menu-{n}/index.html").read_text(encoding="utf-8")
            assert str(markupsafe.escape(vector)) in menu, vector
        else:
            assert not (hostile_output / f"menus/menu-{n}").exists()


def test_no_payload_in_any_output_file(hostile_output: Path) -> None:
    files = [p for p in hostile_output.rglob("*") if p.is_file()]
    assert len(files) > 200
    # Pages, feeds and sitemap, the JSON API and JSON-LD blocks are all in the scan.
    assert {".html", ".xml", ".json"} <= {p.suffix for p in files}
    assert any(b"application/ld+json" in p.read_bytes() for p in files if p.suffix == ".html")
    problems = scan_output(hostile_output)
    assert problems == [], "\n".join(problems[:40])


@pytest.mark.parametrize(
    "snippet, expected",
    [
        ("<p><script>alert('omxss')</script></p>", "raw payload"),
        ("<img src=x onerror=alert(1)>", "event handler onerror="),
        ("<a href=' JaVa\tScRiPt:alert(1)'>x</a>", "javascript: URL"),
        ("<a href='data:text/html,x'>x</a>", "data: URL"),
        ("<svg><a xlink:href='javascript:alert(1)'>x</a></svg>", "javascript: URL"),
        ("<iframe src='https://example.org'></iframe>", "<iframe> element"),
        ("<style>p{x:url(javascript:alert('omxss'))}</style>", "inside a <style>"),
        ('<div style="background:url(javascript:x)">', "style="),
        ('<script type=\'application/ld+json\'>{"a": "</p>"}</script>', "raw '<'"),
        ("<script>var x = 'omxss';</script>", "executable script"),
        ("<script src='https://evil.example/x.js'></script>", "script from elsewhere"),
        ("<meta http-equiv='refresh' content='0;url=javascript:alert(1)'>", "meta refresh"),
    ],
)
def test_scanner_catches_each_kind_of_leak(snippet: str, expected: str) -> None:
    problems: list[str] = []
    check_html(snippet, "page.html", problems)
    assert any(expected in p for p in problems), problems


def test_scanner_passes_the_site_own_markup() -> None:
    problems: list[str] = []
    check_html(
        '<script type="application/ld+json">{"name": "\\u003cb\\u003e"}</script>'
        '<a href="../x/index.html">x</a><img src="https://example.org/c.jpg" alt="&lt;x">'
        '<svg role="img" aria-label="a"><a href="../y/index.html"><text>t</text></a></svg>',
        "page.html",
        problems,
    )
    assert problems == []


@pytest.mark.parametrize("vector", vectors())
def test_markdown_sanitizer_strips_each_vector(vector: str) -> None:
    for html in (
        render_markdown(vector),
        render_inline(vector),
        render_markdown(f"para\n\n{vector}\n\n* {vector}\n\n> {vector}"),
    ):
        problems: list[str] = []
        check_html(html, "markdown", problems)
        assert problems == [], (vector, html)
        for tag in (
            "<script",
            "<iframe",
            "<style",
            "<svg",
            "<math",
            "<img",
            "<object",
            "<embed",
            "<form",
            "<input",
            "<base",
            "<meta",
            "<details",
            "<template",
        ):
            assert tag not in html.lower(), (vector, html)


@pytest.mark.parametrize("text", ["Bell &#7; *here*", "Odd &#xFFFF; [x](https://e.org)", "a\x0bb <b>c</b>"])
def test_markdown_and_summaries_never_hold_what_xml_cannot(text: str) -> None:
    # The loader refuses these; should one come another way, pages and feeds still parse.
    from generator.settings import INVALID_CHARS
    from generator.site.filters import summary

    for out in (render_markdown(text), render_inline(text), summary(text)):
        assert not INVALID_CHARS.search(out), out


def test_json_for_script_blocks_escapes_markup_characters() -> None:
    value = {"name": "</script><script>alert('omxss')</script> & <!-- \u2028"}
    text = str(script_json(value))
    for raw in "<>&'\u2028":
        assert raw not in text
    assert "\\u003c/script\\u003e" in text and "\\u0026" in text
    import json

    assert json.loads(text) == value == json.loads(dumps_safe(value))


URL_FIELDS = {
    "curator url": ("content/curators/ada.yaml", "url: {url}\n", None),
    "cover_image_url": ("content/items/movie/the-conversation.md", "cover_image_url: {url}\n", "md"),
    "canonical_url": ("content/items/movie/the-conversation.md", "canonical_url: {url}\n", "md"),
    "source url": (
        "content/items/movie/the-conversation.md",
        "sources:\n  - source: tmdb\n    id: '592'\n    url: {url}\n",
        "md",
    ),
    "availability url": (
        "content/items/book/the-crying-of-lot-49.md",
        "availability:\n  - provider: Shop\n    url: {url}\n",
        "md",
    ),
}


@pytest.mark.parametrize("field", sorted(URL_FIELDS))
@pytest.mark.parametrize("url", REFUSED_URLS)
def test_dangerous_url_in_every_url_field_is_a_located_error(tmp_path: Path, field: str, url: str) -> None:
    name, line_text, kind = URL_FIELDS[field]
    root = make_site(tmp_path / "site")
    path = root / name
    text = path.read_text(encoding="utf-8")
    inserted = line_text.format(url=yaml.safe_dump(url, default_style='"').strip())
    if kind == "md":
        text = text.replace("---\n", "---\n" + inserted, 1)
        line = 2
    else:
        text = inserted + text
        line = 1
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentErrors) as caught:
        load_site(Settings(root=root).resolve())
    url_problems = [p for p in caught.value.problems if "URL" in p.message]
    assert url_problems, caught.value.problems
    problem = url_problems[0]
    assert problem.path == name
    assert problem.line is not None and line <= problem.line <= line + 3


# --- refused alike by `omakase check` and `omakase build` ------------------------------------


def _errors(output: str) -> list[str]:
    """The located error lines a command printed, in order."""
    return [line for line in output.splitlines() if ": error: " in line]


def check_and_build(root: Path) -> tuple[list[str], list[str]]:
    """The errors of `omakase check` and of `omakase build` on `root`; both must fail cleanly
    and the build must publish nothing."""
    runner = CliRunner()
    outcomes = []
    for command in ("check", "build"):
        result = runner.invoke(main, [command, "--root", str(root)])
        assert result.exit_code == 1, (command, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        assert "Traceback" not in result.output
        outcomes.append(_errors(result.output))
    assert not (root / "output").exists()
    return outcomes[0], outcomes[1]


def _write_refused(root: Path, files: dict[str, str | bytes]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    if TMDB_FILE in files:  # the payload of an item's source
        item = root / TMDB_ITEM
        item.write_text(with_tmdb_source(item.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_check_and_build_refuse_alike(tmp_path: Path, case: str) -> None:
    files, expected = REFUSED[case]
    root = make_site(tmp_path / "site")
    _write_refused(root, files)
    checked, built = check_and_build(root)
    assert any(line.startswith(expected) for line in checked), checked
    assert checked == built


def test_a_sound_payload_is_accepted(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    _write_refused(root, {TMDB_FILE: tmdb_payload("https://www.themoviedb.org/movie/592/watch?locale=US")})
    result = CliRunner().invoke(main, ["check", "--root", str(root)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("url", [*REFUSED_URLS, "javascript:alert(document.domain)//"])
def test_a_payload_link_that_is_not_http_never_becomes_a_link(url: str) -> None:
    # What the loader refuses, the derive step would drop too (a database made otherwise).
    from generator.content.providers import watch_providers

    offers = watch_providers(json.loads(tmdb_payload(url)))
    assert offers and all(offer["url"] is None for offer in offers)


@pytest.mark.parametrize(
    "where, expected",
    [
        ("env", "OMAKASE_TITLE: error: title: character U+0007 cannot be in text"),
        ("file", "omakase.yaml:1: error: invalid character U+FFFF in a value"),
    ],
)
def test_a_setting_that_reaches_the_feed_is_xml_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, expected: str
) -> None:
    root = make_site(tmp_path / "site")
    if where == "env":
        monkeypatch.setenv("OMAKASE_TITLE", "Bell\x07Site")
    else:
        (root / "omakase.yaml").write_text('title: "Odd \\uffff site"\n', encoding="utf-8")
    checked, built = check_and_build(root)
    assert checked == built == [expected]


class PipeWatch:
    """Notes every moment something holds a named pipe open for reading (a build waiting on
    it), and lets it go on by opening and closing the writing end."""

    def __init__(self, pipes: list[Path]) -> None:
        self.pipes, self.opened, self.done = pipes, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.done.wait(0.02):
            for pipe in self.pipes:
                try:
                    fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:  # ENXIO: no reader, as it must be
                    continue
                self.opened.append(str(pipe))
                os.close(fd)

    def __enter__(self) -> PipeWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


@pytest.mark.parametrize("place", SPECIAL_PLACES)
def test_a_special_file_is_a_located_error_and_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, place: str
) -> None:
    root = make_site(tmp_path / "site")
    pipe = root / place
    pipe.parent.mkdir(parents=True, exist_ok=True)
    pipe.unlink(missing_ok=True)
    os.mkfifo(pipe)
    if place == TMDB_FILE:
        item = root / TMDB_ITEM
        item.write_text(with_tmdb_source(item.read_text(encoding="utf-8")), encoding="utf-8")
    if place == "data/secret.key":  # read only when a draft has a live share link
        menu = root / "content/menus/paranoid-remix.md"
        menu.write_text(menu.read_text(encoding="utf-8").replace("status: published", "status: draft"))
        (root / "data/shares.yaml").write_text(
            "shares:\n  - menu: paranoid-remix\n    id: 0123456789abcdef0123456789abcdef\n"
            "    created: '2026-01-01T00:00:00Z'\n    expires: '2099-01-01T00:00:00Z'\n"
            "    revoked: false\n",
            encoding="utf-8",
        )
        monkeypatch.delenv("OMAKASE_SHARE_SECRET", raising=False)
    with PipeWatch([pipe]) as watch:
        checked, built = check_and_build(root)
    assert watch.opened == []
    assert f"{place}: error: a named pipe (FIFO), not a regular file" in checked
    assert checked == built


def test_a_special_file_among_static_assets_fails_the_build_unopened(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    pipe = root / "templates/static/pipe.css"
    os.mkfifo(pipe)
    with PipeWatch([pipe]) as watch:
        result = CliRunner().invoke(main, ["build", "--root", str(root)])
    assert watch.opened == []
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "pipe.css: a pipe, socket or device is not copied into the site" in result.output
    assert not (root / "output").exists()


# --- the same site in a real browser -------------------------------------------------------

# Installed before any page script runs: every way a vector could announce itself is recorded.
TRAP = """
window.__xss = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__xss.push(name + ':' + args.join(',')); };
}
"""
CANARY = "__canary__.html"


@pytest.mark.browser
def test_no_dialog_and_no_injected_script_in_chromium(hostile_output: Path) -> None:
    pages = sorted(p.relative_to(hostile_output).as_posix() for p in hostile_output.rglob("*.html"))
    assert len(pages) > 200
    dialogs: list[str] = []
    fired: list[str] = []
    bad_links: list[str] = []
    outside: list[str] = []
    with serve(hostile_output) as origin, chromium_context() as context:
        served = origin + "/"
        context.add_init_script(TRAP)

        def route(r: Any) -> None:
            url = r.request.url
            if url == served + CANARY:
                r.fulfill(
                    status=200,
                    content_type="text/html",
                    body="<!DOCTYPE html><img src=x onerror=alert('canary')>",
                )
            elif url.startswith(served):
                r.continue_()
            else:  # nothing leaves the machine; any attempt is noted
                outside.append(url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(f"{page.url}: {d.message}"), d.dismiss()))
        # First prove the trap sees a script that runs, so silence below means something.
        page.goto(served + CANARY, wait_until="load")
        page.wait_for_function("window.__xss.length > 0")
        assert page.evaluate("window.__xss") == ["alert:canary"]
        for rel in pages:
            page.goto(served + rel, wait_until="load")
            page.wait_for_timeout(30)  # let autofocus/ontoggle/animation handlers have their go
            calls = page.evaluate("window.__xss || []")
            fired.extend(f"{rel}: {c}" for c in calls)
            schemes = page.evaluate("""() => Array.from(
                document.querySelectorAll('[href],[src],[action],[formaction],[data]'))
                .map(e => e.href?.baseVal ?? e.href ?? e.src ?? e.action ?? e.formAction ?? e.data)
                .filter(u => typeof u === 'string' && u)
                .map(u => { try { return new URL(u, location.href).protocol } catch { return 'bad:' } })
                .filter(p => !['http:', 'https:', 'mailto:'].includes(p))""")
            bad_links.extend(f"{rel}: {s}" for s in schemes)
    assert dialogs == []
    assert fired == []
    assert bad_links == []
    assert not any(MARKER in url or "evil.example" in url for url in outside), outside
