"""`omakase new` and `omakase fork`, end to end through the CLI on small sites."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from generator.db.ids import stable_id


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _publish(path: Path, title: str | None = None) -> None:
    text = path.read_text()
    text = text.replace("status: draft", "status: published\npublished: 2026-11-20", 1)
    if title:
        lines = [f'title: "{title}"' if line.startswith("title:") else line for line in text.splitlines()]
        text = "\n".join(lines) + "\n"
    path.write_text(text)


def test_new_menu_is_a_valid_draft_with_a_stable_slug(site_root: Path) -> None:
    code, out = run("new", "menu", "Late Night: Ça Va?", "--curator", "ada", "--root", str(site_root))
    assert code == 0, out
    path = site_root / "content/menus/late-night-ca-va.md"
    assert f"Created {path}" in out
    text = path.read_text()
    assert 'title: "Late Night: Ça Va?"' in text and "slug: late-night-ca-va" in text
    assert "status: draft" in text
    assert run("check", "--root", str(site_root))[0] == 0
    assert run("build", "--root", str(site_root))[0] == 0
    assert not (site_root / "output/menus/late-night-ca-va").exists()

    # Publish it with an item, then change the title: the URL stays.
    path.write_text(text.replace("items: []", "items:\n      - item: book/the-crying-of-lot-49"))
    _publish(path, "A Different Title")
    code, out = run("build", "--root", str(site_root))
    assert code == 0, out
    page = (site_root / "output/menus/late-night-ca-va/index.html").read_text()
    assert "A Different Title" in page


def test_new_menu_with_items_and_refusals(site_root: Path) -> None:
    code, out = run(
        "new",
        "menu",
        "Two Listeners",
        "--curator",
        "ada",
        "--root",
        str(site_root),
        "--item",
        "movie/the-conversation",
        "--item",
        "book/the-crying-of-lot-49",
    )
    assert code == 0, out
    text = (site_root / "content/menus/two-listeners.md").read_text()
    assert "      - item: movie/the-conversation\n      - item: book/the-crying-of-lot-49" in text
    assert run("check", "--root", str(site_root))[0] == 0

    code, out = run("new", "menu", "Two Listeners", "--curator", "ada", "--root", str(site_root))
    assert code == 1 and "content/menus/two-listeners.md: error: the menu slug 'two-listeners'" in out
    code, out = run("new", "menu", "Paranoid Seventies!", "--curator", "ada", "--root", str(site_root))
    assert code == 1 and "already used" in out
    code, out = run("new", "menu", "Other", "--curator", "adda", "--root", str(site_root))
    assert code == 1 and "unknown curator 'adda'" in out and "did you mean 'ada'" in out
    code, out = run("new", "menu", "???", "--curator", "ada", "--root", str(site_root))
    assert code == 1 and "cannot make a slug" in out
    code, out = run("new", "menu", "X", "--curator", "ada", "--item", "movie/nope", "--root", str(site_root))
    assert code == 1 and "unknown item 'movie/nope'" in out
    assert not (site_root / "content/menus/x.md").exists()
    assert "Traceback" not in out


def test_new_item_for_every_type_builds(site_root: Path) -> None:
    for media_type, title, slug in (
        ("book", "Ubik", "ubik"),
        ("movie", "Blow-Up", "blow-up"),
        ("game", "Return of the Obra Dinn", "return-of-the-obra-dinn"),
        ("music", "Kid A", "kid-a"),
    ):
        code, out = run("new", "item", media_type, title, "--root", str(site_root))
        assert code == 0, out
        text = (site_root / f"content/items/{media_type}/{slug}.md").read_text()
        assert f"slug: {slug}" in text
    assert "# runtime_minutes:" in (site_root / "content/items/movie/blow-up.md").read_text()
    code, out = run("build", "--root", str(site_root))
    assert code == 0, out
    # An item is published once something public names it: a menu, a state, a log entry.
    page = site_root / "output/items/game/return-of-the-obra-dinn/index.html"
    assert not page.exists()
    log = site_root / "content/logs/ada.yaml"
    log.write_text(
        log.read_text().replace(
            "states:\n", "states:\n  - item: game/return-of-the-obra-dinn\n    status: want\n"
        )
    )
    code, out = run("build", "--root", str(site_root))
    assert code == 0, out
    assert page.is_file()
    code, out = run("new", "item", "book", "Ubik", "--root", str(site_root))
    assert code == 1 and "--slug ubik-YYYY" in out
    code, out = run("new", "item", "podcast", "X", "--root", str(site_root))
    assert code == 2 and "podcast" in out


def test_fork_copies_the_menu_and_records_lineage(site_root: Path) -> None:
    code, out = run("fork", "paranoid-seventies", "--curator", "bruno", "--root", str(site_root))
    assert code == 0, out
    path = site_root / "content/menus/paranoid-seventies-bruno.md"
    text = path.read_text()
    assert "forked_from: paranoid-seventies" in text and "curator: bruno" in text
    assert "status: draft" in text and "note: Watch it with *headphones*." in text
    assert "narrative: Both follow a listener" in text and text.endswith("An introduction.\n")
    assert run("check", "--root", str(site_root))[0] == 0

    _publish(path)
    code, out = run("build", "--root", str(site_root))
    assert code == 0, out
    conn = sqlite3.connect(site_root / "data/omakase.sqlite")
    parents = {
        row[0]
        for row in conn.execute(
            "SELECT p.slug FROM menu_lineage l JOIN menus p ON p.id = l.parent_menu_id WHERE l.menu_id = ?",
            (stable_id("menu", "paranoid-seventies-bruno"),),
        )
    }
    assert parents == {"paranoid-seventies"}
    fork_page = (site_root / "output/menus/paranoid-seventies-bruno/index.html").read_text()
    assert "Forked from" in fork_page and "../paranoid-seventies/index.html" in fork_page
    parent_page = (site_root / "output/menus/paranoid-seventies/index.html").read_text()
    assert "../paranoid-seventies-bruno/index.html" in parent_page


def test_fork_with_title_and_refusals(site_root: Path) -> None:
    code, out = run(
        "fork", "paranoid-remix", "--curator", "ada", "--title", "Remix of a Remix", "--root", str(site_root)
    )
    assert code == 0, out
    text = (site_root / "content/menus/remix-of-a-remix.md").read_text()
    assert "title: Remix of a Remix" in text and "forked_from: paranoid-remix" in text
    code, out = run("fork", "paranoid-sevnties", "--curator", "ada", "--root", str(site_root))
    assert code == 1 and "did you mean 'paranoid-seventies'" in out
    again = (
        "fork",
        "paranoid-remix",
        "--curator",
        "ada",
        "--title",
        "Remix of a Remix",
        "--root",
        str(site_root),
    )
    assert run(*again)[0] == 0  # the same title again: the slug names the curator
    assert (site_root / "content/menus/remix-of-a-remix-ada.md").is_file()
    code, out = run(*again)
    assert code == 1 and "already used" in out


def test_a_new_menu_slug_fits_every_file_system(site_root: Path) -> None:
    title = "A Very Long Title " * 20
    code, out = run("new", "menu", title, "--curator", "ada", "--root", str(site_root))
    assert code == 0, out
    (made,) = [p for p in (site_root / "content/menus").glob("a-very-long-title*.md")]
    assert len(made.stem) <= 100 and not made.stem.endswith("-")
    code, out = run("new", "menu", "Con", "--curator", "ada", "--root", str(site_root))
    assert code == 0, out
    assert (site_root / "content/menus/con-1.md").is_file()
    assert run("check", "--root", str(site_root))[0] == 0
    code, out = run("new", "menu", "Printer", "--slug", "lpt1", "--curator", "ada", "--root", str(site_root))
    assert code == 1
    assert "'lpt1' is a name Windows reserves for a device" in out
