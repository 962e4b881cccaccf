"""The packaged theme: what the wheel ships, and a site's templates/ replacing it file by file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.settings import PACKAGED
from tests.sitekit import PROJECT, minimal_files, write

SETUPTOOLS = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]

# The site's own base.html: the theme's, with a line of its own.
THEME_BASE = (PROJECT / "templates/base.html").read_text(encoding="utf-8")
BASE_OVERRIDE = THEME_BASE.replace("<body>", '<body>\n<p class="site-own">SITE-OWN-BASE</p>', 1)


def test_every_package_and_packaged_folder_is_in_the_wheel() -> None:
    """pyproject.toml lists the packages (a mapped one cannot be found by packages.find): a
    new package of generator/ left out would be missing from an installed Omakase."""
    code = {
        ".".join(init.parent.relative_to(PROJECT).parts)
        for init in (PROJECT / "generator").rglob("__init__.py")
    }
    listed = set(SETUPTOOLS["packages"])
    assert code <= listed
    assert SETUPTOOLS["package-dir"] == {f"generator.{name}": folder for name, folder in PACKAGED.items()}
    theme = PROJECT / "templates"
    data = {f"generator.theme.{d.name}" for d in theme.iterdir() if d.is_dir()}
    assert listed - code == {"generator.theme", "generator.api_schemas"} | data


def site_with_own_base(root: Path) -> Path:
    """Content, and one template and one static file of the site's own; the theme does the rest."""
    files = minimal_files()
    files["templates/base.html"] = BASE_OVERRIDE
    files["templates/static/extra.css"] = "p { color: teal }\n"
    files["templates/menu.html"] = '{% extends "theme:menu.html" %}{% block title %}OWN-TITLE{% endblock %}\n'
    return write(root, files)


def test_site_templates_replace_the_theme_file_by_file(tmp_path: Path) -> None:
    root = site_with_own_base(tmp_path / "site")
    runner = CliRunner()
    result = runner.invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = root / "output"
    menu = (out / "menus/paranoid-seventies/index.html").read_text(encoding="utf-8")
    assert "SITE-OWN-BASE" in menu and "Paranoid Seventies" in menu  # the theme's menu.html, under the site's
    assert "<title>OWN-TITLE</title>" in menu  # the site's menu.html, extending the theme's
    assert "SITE-OWN-BASE" in (out / "index.html").read_text(encoding="utf-8")
    assert (out / "style.css").read_bytes() == (PROJECT / "templates/static/style.css").read_bytes()
    assert (out / "extra.css").read_text() == "p { color: teal }\n"

    # An edit of the site's template, and a static file of its own replacing the theme's,
    # reach the next (incremental) build; deleting the template brings back the theme's.
    (root / "templates/base.html").write_text(BASE_OVERRIDE.replace("SITE-OWN-BASE", "EDITED"))
    (root / "templates/static/style.css").write_text("body { margin: 0 }\n")
    assert runner.invoke(main, ["build", "--root", str(root)]).exit_code == 0
    assert "EDITED" in (out / "menus/paranoid-seventies/index.html").read_text(encoding="utf-8")
    assert (out / "style.css").read_text() == "body { margin: 0 }\n"
    (root / "templates/base.html").unlink()
    assert runner.invoke(main, ["build", "--root", str(root)]).exit_code == 0
    assert "EDITED" not in (out / "menus/paranoid-seventies/index.html").read_text(encoding="utf-8")


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_an_installed_wheel_builds_a_site_from_another_folder(tmp_path: Path) -> None:
    """As a stranger would: a wheel (not an editable install) in a fresh environment, run
    in a folder holding only content/, then with a templates/base.html of the site's own."""
    source = tmp_path / "source"  # a copy, so the build leaves no build/ in the project
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT / name, source / name)
    for name in ("generator", "templates", "schemas"):
        shutil.copytree(PROJECT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)], tmp_path)
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    # Offline, the dependencies come from this environment: its site-packages is put after
    # the new one's (a path listed in a .pth file; its own .pth files, among them the editable
    # install's, are not run), so only the wheel's generator can be imported.
    new_site = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path).strip()
    )
    (new_site / "omakase-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    install = [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q"]
    run([*install, *map(str, wheels.glob("*.whl"))], tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"SOURCE_DATE_EPOCH": "1795651200"}
    site = tmp_path / "stranger"
    write(site, {k: v for k, v in minimal_files().items() if k.startswith("content/")})
    where = run([str(python), "-c", "import generator; print(generator.__file__)"], site, env)
    assert Path(where).is_relative_to(new_site), where

    run([str(venv / "bin" / "omakase"), "build"], site, env)
    menu = site / "output/menus/paranoid-seventies/index.html"
    assert "Paranoid Seventies" in menu.read_text(encoding="utf-8")
    assert (site / "output/style.css").is_file() and (site / "output/api/schemas/menu.schema.json").is_file()
    assert not (site / "templates").exists()

    write(site, {"templates/base.html": BASE_OVERRIDE})
    run([str(venv / "bin" / "omakase"), "build"], site, env)
    assert "SITE-OWN-BASE" in menu.read_text(encoding="utf-8")

    # `omakase init` from the installed wheel: its starter files are in the package.
    run([str(venv / "bin" / "omakase"), "init", "new-site", "--curator", "mina"], tmp_path, env)
    run([str(venv / "bin" / "omakase"), "build"], tmp_path / "new-site", env)
    assert (tmp_path / "new-site/output/menus/made-things/index.html").is_file()
