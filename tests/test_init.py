"""`omakase init`: a new site that builds at once, a bare one, and a folder that is refused."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from tests.sitekit import PROJECT


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_init_writes_a_site_with_a_worked_example_that_builds(tmp_path: Path) -> None:
    site = tmp_path / "my-menus"
    code, out = run("init", str(site), "--curator", "mina", "--name", "Mina Ode")
    assert code == 0, out
    files = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert files == [
        ".github/workflows/omakase.yml",
        ".gitignore",
        "content/curators/mina.yaml",
        "content/items/book/frankenstein.md",
        "content/items/movie/metropolis.md",
        "content/items/music/the-planets.md",
        "content/menus/made-things.md",
        "omakase.yaml",
    ]
    assert not (site / "templates").exists()  # the theme comes from the package
    assert "name: Mina Ode" in (site / "content/curators/mina.yaml").read_text()
    code, out = run("build", "--root", str(site))
    assert code == 0, out
    menu = (site / "output/menus/made-things/index.html").read_text()
    assert "Made Things" in menu and "Mina Ode" in menu
    assert (site / "output/menus/made-things/story/index.html").is_file()  # the pairing's story
    movie = (site / "output/items/movie/metropolis/index.html").read_text()
    assert "<dt>Languages</dt><dd>German</dd>" in movie  # metadata.languages: [de], by name


def test_init_bare_writes_no_example_and_still_builds(tmp_path: Path) -> None:
    site = tmp_path / "bare"
    code, out = run("init", "--bare", str(site), "--curator", "mina")
    assert code == 0, out
    assert not list((site / "content").rglob("*.md"))
    assert (site / "omakase.yaml").is_file() and (site / ".github/workflows/omakase.yml").is_file()
    code, out = run("build", "--root", str(site))
    assert code == 0, out
    assert (site / "output/index.html").is_file()


def test_init_refuses_a_folder_that_has_content(tmp_path: Path) -> None:
    site = tmp_path / "taken"
    (site / "content/menus").mkdir(parents=True)
    mine = site / "notes.txt"
    mine.write_text("keep me")
    result = CliRunner().invoke(main, ["init", str(site)])
    assert result.exit_code == 1
    assert "not empty" in result.output and "omakase init my-menus" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in site.iterdir()) == ["content", "notes.txt"]
    assert mine.read_text() == "keep me"


def test_init_refuses_a_handle_that_is_not_a_slug(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "x"), "--curator", "Mina Ode"])
    assert result.exit_code == 1 and "not a usable handle" in result.output
    assert not (tmp_path / "x").exists()


def test_this_repository_carries_the_workflow_init_writes() -> None:
    ours = PROJECT / ".github/workflows/omakase.yml"
    assert ours.read_bytes() == (PROJECT / "generator/starter/workflow.yml").read_bytes()
