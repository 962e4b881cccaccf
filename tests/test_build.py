"""End-to-end builds through the CLI: pages and rows produced, failures leave output alone."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from generator.db.ids import stable_id
from tests.sitekit import MENU, PROJECT, make_site, write


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_build_writes_pages_and_database(site_root: Path) -> None:
    code, out = run("build", "--root", str(site_root))
    assert code == 0, out
    output = site_root / "output"
    for page in (
        "index.html",
        "404.html",
        "menus/paranoid-seventies/index.html",
        "items/movie/the-conversation/index.html",
        "items/book/the-crying-of-lot-49/index.html",
        "style.css",
    ):
        assert (output / page).is_file(), page
    html = (output / "menus/paranoid-remix/index.html").read_text()
    assert "Forked from" in html and "../paranoid-seventies/index.html" in html
    assert "<em>headphones</em>" in html
    conn = sqlite3.connect(site_root / "data/omakase.sqlite")
    count = {
        t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in (
            "users",
            "media_items",
            "menus",
            "courses",
            "course_items",
            "menu_item_pairings",
            "menu_lineage",
            "media_sources",
            "tags",
            "media_item_tags",
            "user_item_states",
            "user_item_logs",
            "media_item_availability",
            "user_taste_profiles",
            "book_items",
            "movie_items",
        )
    }
    assert count == {
        "users": 2,
        "media_items": 2,
        "menus": 2,
        "courses": 2,
        "course_items": 4,
        "menu_item_pairings": 2,
        "menu_lineage": 1,
        "media_sources": 1,
        "tags": 3,
        "media_item_tags": 3,
        "user_item_states": 1,
        "user_item_logs": 1,
        "media_item_availability": 1,
        "user_taste_profiles": 2,
        "book_items": 1,
        "movie_items": 1,
    }
    menu_id = conn.execute("SELECT id FROM menus WHERE slug = 'paranoid-seventies'").fetchone()[0]
    assert menu_id == stable_id("menu", "paranoid-seventies")
    profile = json.loads(
        conn.execute(
            "SELECT profile FROM user_taste_profiles p JOIN users u ON u.id = p.user_id "
            "WHERE u.handle = 'ada'"
        ).fetchone()[0]
    )
    assert profile["ratings"][9] == 1 and profile["favorites"] == ["movie/the-conversation"]


def test_same_content_gives_same_database(site_root: Path, tmp_path: Path) -> None:
    assert run("build", "--root", str(site_root))[0] == 0
    first = (site_root / "data/omakase.sqlite").read_bytes()
    assert run("build", "--root", str(site_root))[0] == 0
    assert (site_root / "data/omakase.sqlite").read_bytes() == first


def test_failed_build_leaves_output_and_database_untouched(site_root: Path) -> None:
    assert run("build", "--root", str(site_root))[0] == 0
    before = {p: p.read_bytes() for p in (site_root / "output").rglob("*") if p.is_file()}
    db_before = (site_root / "data/omakase.sqlite").read_bytes()
    broken = MENU.format(title="Broken", curator="nobody", status="published", extra="")
    write(site_root, {"content/menus/paranoid-seventies.md": broken})
    code, out = run("build", "--root", str(site_root))
    assert code == 1
    assert "content/menus/paranoid-seventies.md:3: error: unknown curator 'nobody'" in out
    assert "Traceback" not in out
    after = {p: p.read_bytes() for p in (site_root / "output").rglob("*") if p.is_file()}
    assert after == before
    assert (site_root / "data/omakase.sqlite").read_bytes() == db_before
    assert not list(site_root.glob(".output-staging-*"))


def test_hostile_markdown_never_reaches_a_page(tmp_path: Path) -> None:
    hostile = (
        "<script>alert(1)</script> <img src=x onerror=alert(2)> "
        "[click](javascript:alert(3)) <iframe src=//evil></iframe>"
    )
    menu = MENU.format(title="<b>Bold</b> title", curator="ada", status="published", extra="")
    menu = menu.replace("Watch it with *headphones*.", json.dumps(hostile))
    menu = menu.replace("An introduction.", hostile)
    root = make_site(tmp_path, {"content/menus/paranoid-seventies.md": menu})
    assert run("build", "--root", str(root))[0] == 0
    html = (root / "output/menus/paranoid-seventies/index.html").read_text()
    for bad in ("<script>", "alert(", "onerror", "javascript:", "<iframe", "<b>Bold"):
        assert bad not in html
    # The only scripts a page carries are its JSON-LD data blocks and the site's own search.
    scripts = [s for s in re.findall(r"<script[^>]*>", html) if s != '<script type="application/ld+json">']
    assert scripts == ['<script src="../../search.js" defer>']
    assert "&lt;b&gt;Bold&lt;/b&gt; title" in html


def test_drafts_are_not_published(tmp_path: Path) -> None:
    draft = MENU.format(title="Secret Draft", curator="ada", status="draft", extra="")
    root = make_site(tmp_path, {"content/menus/secret-draft.md": draft})
    assert run("build", "--root", str(root))[0] == 0
    assert not (root / "output/menus/secret-draft").exists()
    for page in (root / "output").rglob("*.html"):
        assert "Secret Draft" not in page.read_text()


def test_cli_help_for_every_command() -> None:
    code, out = run("--help")
    assert code == 0
    for name, command in main.commands.items():
        code, text = run(name, "--help")
        assert code == 0 and command.help, name
        assert "Usage:" in text


def test_sample_site_builds(tmp_path: Path) -> None:
    """The bundled content builds and shows every feature the README promises."""
    out, db_path = tmp_path / "out", tmp_path / "omakase.sqlite"
    code, text = run("build", "--root", str(PROJECT), "--output", str(out), "--db", str(db_path))
    assert code == 0, text
    conn = sqlite3.connect(db_path)

    def one(sql: str) -> int:
        return conn.execute(sql).fetchone()[0]

    for media_type in ("book", "movie", "game", "music"):
        assert one(f"SELECT count(*) FROM media_items WHERE media_type = '{media_type}'") >= 6
    assert one("SELECT count(*) FROM menus") >= 5
    assert one("SELECT count(DISTINCT owner_id) FROM menus") >= 3
    assert one("SELECT count(*) FROM menus WHERE status = 'draft'") >= 1
    assert one("SELECT count(*) FROM menu_lineage") >= 1
    assert one("SELECT count(*) FROM menu_item_pairings") >= 5
    assert one("SELECT count(*) FROM media_item_availability") >= 1
    assert one("SELECT count(*) FROM user_item_logs") >= 3
    assert one("SELECT count(DISTINCT user_id) FROM user_item_states") >= 3
    for (slug,) in conn.execute("SELECT slug FROM menus WHERE status = 'published'"):
        assert (out / "menus" / slug / "index.html").is_file()
    for media_type, slug in conn.execute("SELECT media_type, slug FROM media_items"):
        assert (out / "items" / media_type / slug / "index.html").is_file()


def test_a_cold_build_renders_the_pages_of_one_key_side_by_side(tmp_path: Path) -> None:
    """An item's page and its API document ask the same queries: in one chunk, a render
    worker answers the second from its memory of the first."""
    from generator.engine.pages import render_order
    from generator.site.routes import ROUTES

    keys = {route.name: [] for route in ROUTES}
    keys.update(
        {
            "index": [()],
            "item": [("movie", "a"), ("book", "b")],
            "api-item": [("movie", "a"), ("book", "b")],
            "menu": [("m",)],
            "story": [("m",)],
            "api-menu": [("m",)],
        }
    )
    jobs = render_order(keys)
    assert [(name, key) for name, key, _ in jobs] == [
        ("index", ()),
        ("menu", ("m",)),
        ("story", ("m",)),
        ("api-menu", ("m",)),
        ("item", ("movie", "a")),
        ("api-item", ("movie", "a")),
        ("item", ("book", "b")),
        ("api-item", ("book", "b")),
    ]
    assert all(old is None for _, _, old in jobs)


def test_a_page_is_always_a_new_file_and_a_linked_copy_keeps_its_bytes(tmp_path: Path) -> None:
    import os

    from generator.site.render import write_file

    target = tmp_path / "tree/menus/a/index.html"
    write_file(target, b"first")  # not there yet: created in place, folders made
    assert target.read_bytes() == b"first" and os.listdir(target.parent) == ["index.html"]
    shared = tmp_path / "other-tree.html"
    os.link(target, shared)  # the other tree holds the same inode
    write_file(target, b"second")
    assert target.read_bytes() == b"second" and shared.read_bytes() == b"first"
    assert target.stat().st_ino != shared.stat().st_ino
    assert os.listdir(target.parent) == ["index.html"]  # no work file left behind
    link = tmp_path / "tree/menus/b/index.html"
    link.parent.mkdir(parents=True)
    link.symlink_to(shared)  # a link in the tree is replaced, never written through
    write_file(link, b"third")
    assert not link.is_symlink() and link.read_bytes() == b"third"
    assert shared.read_bytes() == b"first"
