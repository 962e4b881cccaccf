"""A command that needs no rendering pays for no renderer: `omakase --help` and a build that
finds nothing changed import none of the heavy libraries (each costs tens of milliseconds)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from generator.engine.build import build
from tests.conftest import settings_for
from tests.test_incremental import sample_site

HEAVY = ("jinja2", "markdown", "PIL", "pagefind", "sqlite_utils", "watchdog", "nh3", "yaml")


def imported_by(code: str, cwd: Path, modules: tuple[str, ...] = HEAVY) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout
    names = set(out.splitlines()[-1].split())
    return {name for name in modules if name in names}


def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    code = (
        "from click.testing import CliRunner\nfrom generator.cli import main\n"
        "assert CliRunner().invoke(main, ['--help']).exit_code == 0"
    )
    assert imported_by(code, tmp_path) == set()


def test_a_build_with_nothing_to_do_imports_no_heavy_library(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    code = (
        "import os\nos.environ['SOURCE_DATE_EPOCH'] = '1795651200'\n"
        "from click.testing import CliRunner\nfrom generator.cli import main\n"
        f"result = CliRunner().invoke(main, ['build', '--root', {str(root)!r}])\n"
        "assert result.exit_code == 0 and 'Nothing changed' in result.output, result.output"
    )
    assert imported_by(code, tmp_path) == set()
    # Nor the parse model (fifteen dataclasses), ctypes (the workers' parent watch)
    # or subprocess: the no-op reads no parse, starts no worker, and is given the clock.
    assert imported_by(code, tmp_path, ("generator.content.model", "ctypes", "subprocess")) == set()


def test_a_one_menu_edit_starts_no_worker_pool(tmp_path: Path) -> None:
    """An edit renders a few pages in the build's own process: the worker pools' modules
    (about 20 ms to import) stay unloaded. Pages read the database without sqlite_utils,
    which only a derive step that runs needs. Pagefind's binary is found without importing
    its package (which sets up logging)."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    menu = root / "content/menus/made-things.md"
    menu.write_text(menu.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    code = (
        "import os\nos.environ['SOURCE_DATE_EPOCH'] = '1795651200'\n"
        "from click.testing import CliRunner\nfrom generator.cli import main\n"
        f"result = CliRunner().invoke(main, ['build', '--root', {str(root)!r}])\n"
        "assert result.exit_code == 0 and 'Updated' in result.output, result.output"
    )
    heavy = ("multiprocessing", "concurrent.futures", "sqlite_utils", "pagefind_bin")
    assert imported_by(code, tmp_path, heavy) == set()


def test_a_menu_note_edit_imports_neither_sqlite_utils_nor_langcodes(tmp_path: Path) -> None:
    """A note edit reruns the fork-diff step, which writes through the plain connection,
    and re-renders the item's page, which reads its languages' names from the database
    (langcodes loads its tables in about a tenth of a second)."""
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    menu = root / "content/menus/made-things.md"
    text = menu.read_text(encoding="utf-8")
    menu.write_text(text.replace("Notice how articulate", "See how articulate"), encoding="utf-8")
    code = (
        "import os\nos.environ['SOURCE_DATE_EPOCH'] = '1795651200'\n"
        "from click.testing import CliRunner\nfrom generator.cli import main\n"
        f"result = CliRunner().invoke(main, ['build', '--root', {str(root)!r}])\n"
        "assert result.exit_code == 0 and 'Updated' in result.output, result.output"
    )
    assert imported_by(code, tmp_path, ("sqlite_utils", "langcodes")) == set()
    page = (root / "output/items/book/frankenstein/index.html").read_text(encoding="utf-8")
    assert "See how articulate" in page and "<dd>English</dd>" in page


def test_a_build_runs_no_sqlite_utils_plugin(tmp_path: Path) -> None:
    """A sqlite-utils plugin installed beside Omakase never touches a build's connections
    (and the build does not pay for looking plugins up)."""
    from sqlite_utils import hookimpl
    from sqlite_utils.plugins import pm

    class Plugin:
        called = 0

        @hookimpl
        def prepare_connection(self, conn: object) -> None:
            Plugin.called += 1

    plugin = Plugin()
    pm.register(plugin, name="test-plugin")
    try:
        root = sample_site(tmp_path / "site")
        build(settings_for(root))
        menu = root / "content/menus/made-things.md"
        menu.write_text(menu.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
        assert build(settings_for(root)).mode == "incremental"
    finally:
        pm.unregister(plugin)
    assert Plugin.called == 0


def test_rendering_markdown_reads_no_package_metadata(tmp_path: Path) -> None:
    """Markdown looks an extension given by name up among every installed package's entry
    points (importlib.metadata reads each one's metadata): ours are made, not named."""
    code = (
        "from generator.site.markup import render_markdown\n"
        "html = render_markdown('A table[^1]:\\n\\n| a | b |\\n|---|---|\\n| 1 | 2 |\\n\\n[^1]: A note.')\n"
        "assert '<table>' in html and 'footnote' in html, html"
    )
    assert imported_by(code, tmp_path, ("importlib.metadata",)) == set()
