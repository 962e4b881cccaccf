"""The recipe for adding a page type (docs/recipes/add-a-page-type.md) works as written.

Its code blocks are run as the files they name: the URL helper and the query join their
modules' names, the route joins the route table for one build of the sample site. The
page must then be written, be listed in the sitemap, and its URL helper must be a
template global."""

from __future__ import annotations

import importlib
import re
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.engine.build import build
from generator.site import routes
from generator.site.environment import make_environment
from generator.site.pages import Route
from tests.conftest import settings_for
from tests.sitekit import PROJECT, copy_sample

RECIPE = PROJECT / "docs/recipes/add-a-page-type.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
TARGET = re.compile(r"^(?:#|\{#)\s*(\S+)")


def blocks() -> list[tuple[str, str, str]]:
    """(language, the file it names on its first line, its code) of each code block."""
    found = []
    for language, code in BLOCK.findall(RECIPE.read_text(encoding="utf-8")):
        target = TARGET.match(code)
        assert target is not None, f"a {language} block of the recipe does not name its file"
        found.append((language, target.group(1), code))
    return found


def recipe_routes() -> list[Route]:
    """The routes the recipe declares, with the names it adds to urls.py and queries.py."""
    modules: dict[str, types.ModuleType] = {}
    declared: list[Route] = []
    for language, target, code in blocks():
        if language != "python":
            continue
        name = target.removesuffix(".py").replace("/", ".")
        real = importlib.import_module(name)
        namespace = dict(vars(real))
        namespace.update(modules)  # `urls.year_url`: a name an earlier block added
        exec(compile(code, f"{RECIPE}:{target}", "exec"), namespace)  # noqa: S102 - the recipe's own code
        extended = types.ModuleType(name)
        extended.__dict__.update(namespace)
        modules[name.rsplit(".", 1)[1]] = extended
        declared += [route for route in namespace.get("ROUTES", []) if isinstance(route, Route)]
    return declared


@pytest.fixture
def recipe_route() -> Iterator[Route]:
    """The recipe's route, in the route table until the test ends."""
    (route,) = recipe_routes()
    assert route.name not in {r.name for r in routes.ROUTES}, "the recipe adds a route the site has"
    routes.ROUTES.append(route)  # in place: the engine and renderer hold the same list
    try:
        yield route
    finally:
        routes.ROUTES.remove(route)


def test_the_recipe_adds_a_page_type_that_sitemap_and_templates_follow(
    tmp_path: Path, recipe_route: Route
) -> None:
    root = copy_sample(tmp_path / "site")
    for language, target, code in blocks():
        if language == "jinja":
            (root / target).write_text(code, encoding="utf-8")
    settings = settings_for(root, base_url="https://menus.example.org/")
    build(settings)
    page = root / "output/years/1818/index.html"
    assert page.is_file()
    assert 'href="../../items/book/frankenstein/index.html"' in page.read_text(encoding="utf-8")
    sitemap = (root / "output/sitemap.xml").read_text(encoding="utf-8")
    assert recipe_route.sitemap is not None
    assert "<loc>https://menus.example.org/years/1818/</loc>" in sitemap
    # Listed after the pages of every route before it in the table, the items' last.
    assert sitemap.index("/years/1818/<") > sitemap.rindex("/items/")
    env = make_environment(settings)
    assert env.globals["year_url"] is recipe_route.url
    assert env.globals["year_url"]("1999") == "/years/1999/"


def test_without_the_recipes_route_there_is_no_such_page(tmp_path: Path) -> None:
    """The page above is the recipe's doing: the site alone has none."""
    root = copy_sample(tmp_path / "site")
    build(settings_for(root))
    assert not (root / "output/years").exists()
    assert "year_url" not in make_environment(settings_for(root)).globals
