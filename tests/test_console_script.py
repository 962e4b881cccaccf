"""The `omakase` console script ends the process without the interpreter's teardown: what it
prints, its exit status and the exit handlers are those of an ordinary exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.test_incremental import sample_site


def omakase(cwd: Path, *args: str, before: str = "") -> subprocess.CompletedProcess[str]:
    """Run the console script's function as the installed `omakase` runs it."""
    code = (
        f"import sys\n{before}\nfrom generator.cli import run\nsys.argv = ['omakase', *{list(args)!r}]\nrun()"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"SOURCE_DATE_EPOCH": "1795651200", "PATH": "/usr/bin:/bin"},
    )


def test_a_build_prints_its_summary_and_runs_exit_handlers(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    marker = tmp_path / "exit-handler-ran"
    before = f"import atexit, pathlib\natexit.register(pathlib.Path({str(marker)!r}).touch)"
    done = omakase(tmp_path, "build", "--root", str(root), before=before)
    assert done.returncode == 0, done.stderr
    assert "Built" in done.stdout
    assert (root / "output/index.html").is_file()
    assert marker.exists()


def test_a_failed_build_exits_with_one_and_says_why(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    (root / "content/menus/broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    done = omakase(tmp_path, "build", "--root", str(root))
    assert done.returncode == 1
    assert "broken.md" in done.stderr


def test_usage_errors_and_messages_keep_their_status(tmp_path: Path) -> None:
    assert omakase(tmp_path, "no-such-command").returncode == 2
    version = omakase(tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.startswith("omakase")
    message = omakase(
        tmp_path, before="import click\nclick.Group.main = lambda self: sys.exit('stopped here')"
    )
    assert message.returncode == 1 and "stopped here" in message.stderr
