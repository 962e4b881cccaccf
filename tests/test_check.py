"""`omakase check`: validates without writing, in text, JSON and GitHub annotation formats."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from tests.sitekit import MENU, MOVIE, make_site, write


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


STALE_MOVIE = MOVIE.format(title="The Conversation").replace(
    "last_checked: 2026-11-01", "last_checked: 2025-01-01"
)


def test_clean_site_passes_and_writes_nothing(site_root: Path) -> None:
    before = sorted(p for p in site_root.rglob("*"))
    code, out = run("check", "--root", str(site_root))
    assert code == 0, out
    assert "No problems found." in out
    assert sorted(p for p in site_root.rglob("*")) == before
    assert not (site_root / "output").exists() and not (site_root / "data/omakase.sqlite").exists()


def test_errors_fail_with_locations_in_every_format(site_root: Path) -> None:
    broken = MENU.format(title="Broken", curator="nobody", status="published", extra="")
    write(
        site_root,
        {
            "content/menus/paranoid-seventies.md": broken,
            "content/items/movie/the-conversation.md": STALE_MOVIE,
        },
    )
    code, out = run("check", "--root", str(site_root))
    assert code == 1
    assert "content/menus/paranoid-seventies.md:3: error: unknown curator 'nobody'" in out
    assert "content/items/movie/the-conversation.md:10: warning: availability" in out
    assert "1 error, 1 warning." in out

    code, out = run("check", "--root", str(site_root), "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert (
        "::error file=content/menus/paranoid-seventies.md,line=3::unknown curator 'nobody' "
        "(hint: add content/curators/<handle>.yaml first)"
    ) in lines
    assert any(
        line.startswith(
            "::warning file=content/items/movie/the-conversation.md,line=10::"
            "availability at 'Public library' last checked"
        )
        for line in lines
    )

    code, out = run("check", "--root", str(site_root), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False and report["errors"] == 1 and report["warnings"] == 1
    error = next(p for p in report["problems"] if p["severity"] == "error")
    assert error == {
        "path": "content/menus/paranoid-seventies.md",
        "line": 3,
        "severity": "error",
        "message": "unknown curator 'nobody'",
        "hint": "add content/curators/<handle>.yaml first",
    }


def test_warnings_fail_only_when_strict(site_root: Path) -> None:
    write(site_root, {"content/items/movie/the-conversation.md": STALE_MOVIE})
    code, out = run("check", "--root", str(site_root))
    assert code == 0, out
    assert "last checked" in out and "0 errors, 1 warning." in out
    code, out = run("check", "--root", str(site_root), "--strict")
    assert code == 1
    assert "(warnings fail with --strict)" in out
    code, out = run("check", "--root", str(site_root), "--strict", "--format", "github")
    assert code == 1 and out.startswith("::warning file=content/items/movie/the-conversation.md,")


def test_github_messages_are_escaped(tmp_path: Path) -> None:
    from generator.content.check import github_annotation
    from generator.errors import Problem

    line = github_annotation(Problem("content/a,b:c.md", 4, "100% bad\nsecond line"))
    assert line == "::error file=content/a%2Cb%3Ac.md,line=4::100%25 bad%0Asecond line"


def test_check_reads_a_yaml_error_with_its_line(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/curators/ada.yaml": "handle: ada\nname: [unclosed\n"})
    code, out = run("check", "--root", str(root), "--format", "github")
    assert code == 1
    assert out.startswith("::error file=content/curators/ada.yaml,line=")
