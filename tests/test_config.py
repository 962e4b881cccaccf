"""omakase.yaml: precedence (flag > env > file > default), located errors, --help-settings,
and every declared setting read by the code or the templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.settings import Settings
from tests.sitekit import MENU, PROJECT, make_site, write

TOKEN_URL = re.compile(r"(\S+)/share/[A-Za-z0-9_-]{43}/")
TITLE = re.compile(r"<title>([^<]*)</title>")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output  # stdout and stderr together


@pytest.fixture(autouse=True)
def _no_settings_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests set the OMAKASE_* variables they mean; the developer's own are ignored."""
    for setting in Settings.declared():
        if setting.env_var:
            monkeypatch.delenv(setting.env_var, raising=False)
    monkeypatch.delenv("OMAKASE_SHARE_SECRET", raising=False)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    draft = MENU.format(title="Secret Draft Menu", curator="ada", status="draft", extra="")
    return make_site(tmp_path / "site", {"content/menus/secret-draft.md": draft})


def config(root: Path, text: str) -> Path:
    return write(root, {"omakase.yaml": text}) / "omakase.yaml"


LAYERS = ("default", "yaml", "env", "flag")


@pytest.mark.parametrize("top", LAYERS)
def test_share_links_use_the_base_url_of_the_highest_layer(
    site: Path, monkeypatch: pytest.MonkeyPatch, top: str
) -> None:
    given = LAYERS[: LAYERS.index(top) + 1]
    flags = []
    if "yaml" in given:
        config(site, "title: Mine\nbase_url: https://from-yaml.example.org/menus/\n")
    if "env" in given:
        monkeypatch.setenv("OMAKASE_BASE_URL", "https://from-env.example.org/")
    if "flag" in given:
        flags = ["--base-url", "https://from-flag.example.org/"]
    code, out = run("share", "secret-draft", "--root", str(site), *flags)
    assert code == 0, out
    match = TOKEN_URL.search(out)
    assert match, out
    expected = {
        "default": "https://menus.example.org",
        "yaml": "https://from-yaml.example.org/menus",
        "env": "https://from-env.example.org",
        "flag": "https://from-flag.example.org",
    }
    assert match.group(1) == expected[top]


@pytest.mark.parametrize("top", LAYERS)
def test_the_built_title_comes_from_the_highest_layer(
    site: Path, monkeypatch: pytest.MonkeyPatch, top: str
) -> None:
    given = LAYERS[: LAYERS.index(top) + 1]
    flags = []
    if "yaml" in given:
        config(site, "# the site\ntitle: Yaml Menus\n")
    if "env" in given:
        monkeypatch.setenv("OMAKASE_TITLE", "Env Menus")
    if "flag" in given:
        flags = ["--title", "Flag Menus"]
    code, out = run("build", "--root", str(site), *flags)
    assert code == 0, out
    titles = {"default": "Omakase", "yaml": "Yaml Menus", "env": "Env Menus", "flag": "Flag Menus"}
    page = (site / "output/index.html").read_text(encoding="utf-8")
    assert TITLE.search(page).group(1) == titles[top]  # type: ignore[union-attr]


def test_folders_in_the_file_are_relative_to_its_folder(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (site / "content").rename(site / "menus-src")
    config(site, "content: menus-src\noutput: public\ndata: state\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out = run("--root", str(site), "build")  # the root given before the command
    assert code == 0, out
    assert (site / "public/index.html").is_file() and (site / "state/omakase.sqlite").is_file()
    assert not (elsewhere / "public").exists() and not (site / "output").exists()


def test_a_missing_or_empty_file_means_the_defaults(site: Path) -> None:
    code, out = run("--root", str(site), "--help-settings")
    assert code == 0, out
    assert re.search(r"^title +Omakase +\(default\)$", out, re.M)
    config(site, "# nothing set yet\n")
    code, out = run("--root", str(site), "--help-settings")
    assert code == 0 and "(omakase.yaml:" not in out, out


def test_help_settings_shows_each_value_and_its_source(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config(
        site,
        "# the site\ntitle: Yaml Menus\nbase_url: https://from-yaml.example.org/\nwatch_regions: [us, gb]\n",
    )
    monkeypatch.setenv("OMAKASE_BASE_URL", "https://from-env.example.org/")
    monkeypatch.chdir(site)
    code, out = run("--help-settings")
    assert code == 0, out
    rows = {line.split()[0]: line for line in out.splitlines() if line and not line.startswith(" ")}
    assert {s.label for s in Settings.declared()} == set(rows)
    assert rows["title"].split()[1:] == ["Yaml", "Menus", "(omakase.yaml:2)"]
    assert rows["watch_regions"].split()[1:] == ["US,GB", "(omakase.yaml:4)"]
    assert rows["base_url"].split()[1:] == ["https://from-env.example.org/", "(env", "OMAKASE_BASE_URL)"]
    assert rows["language"].split()[1:] == ["en", "(default)"]
    assert rows["root"].split()[1:] == [str(site.resolve()), "(default)"]
    assert "[omakase.yaml: base_url, env: OMAKASE_BASE_URL]" in out

    monkeypatch.chdir(site.parent)
    code, out = run("--root", "site", "--help-settings")
    assert code == 0, out
    assert re.search(r"^root +\S+/site +\(flag\)$", out, re.M), out
    assert re.search(r"^title +Yaml Menus +\(omakase.yaml:2\)$", out, re.M), out


BAD_FILES = {
    "unknown key": (
        "title: Mine\nbase-url: https://x.example.org/\n",
        "omakase.yaml:2: error: unknown setting 'base-url'",
        "did you mean 'base_url'?",
    ),
    "old name": ("site_title: Mine\n", "omakase.yaml:1: error: unknown setting 'site_title'", "'title'"),
    "wrong type": (
        "title: Mine\n\nstale_after_days: soon\n",
        "omakase.yaml:3: error: stale_after_days: expected a whole number of 0 or more, got 'soon'",
        "write digits only",
    ),
    "number for text": (
        "title: 1984\n",
        "omakase.yaml:1: error: title: expected text, got a number",
        "quotes",
    ),
    "relative base_url": (
        "title: Mine\nbase_url: menus.example.org\n",
        "omakase.yaml:2: error: base_url: base_url 'menus.example.org' is not an absolute http(s) URL",
        "did you mean 'https://menus.example.org'?",
    ),
    "ftp base_url": (
        "base_url: ftp://menus.example.org/\n",
        "omakase.yaml:1: error: base_url: base_url 'ftp://menus.example.org/' is not an absolute",
        "e.g. https://",
    ),
    "language": (
        "title: Mine\nlanguage: en_GB\n",
        "omakase.yaml:2: error: language: 'en_GB' is not a language tag",
        "did you mean 'en-GB'?",
    ),
    "not a language": ("language: English\n", "omakase.yaml:1: error: language: 'English'", "BCP 47"),
    "bad YAML": (
        "title: Mine\nbase_url: [https://x.example.org/\n",
        "omakase.yaml:3: error: invalid YAML",
        "hint",
    ),
    "not a mapping": (
        "- title\n- Mine\n",
        "omakase.yaml:1: error: omakase.yaml must be a mapping",
        "key: value",
    ),
    "region": ("watch_regions: US, Britain\n", "omakase.yaml:1: error: watch_regions: 'Britain'", "ISO 3166"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_file_is_a_located_error_and_nothing_is_published(site: Path, case: str) -> None:
    text, error, hint = BAD_FILES[case]
    config(site, text)
    code, out = run("build", "--root", str(site))
    assert code == 1
    assert out.startswith(error), out
    assert "hint:" in out and hint in out, out
    assert "Traceback" not in out
    assert not (site / "output").exists()


def test_every_command_reads_the_file(site: Path) -> None:
    config(site, "titel: Mine\n")
    for args in (
        ["check"],
        ["share", "--list"],
        ["serve"],
        ["import", "wikidata", "Q1"],
        ["new", "item", "book", "X"],
        ["--help-settings"],
    ):
        where = ["--root", str(site)]
        code, out = run(*where, *args) if args[0].startswith("--") else run(*args, *where)
        assert code == 1, (args, out)
        assert out.startswith("omakase.yaml:1: error: unknown setting 'titel'"), (args, out)
        assert "did you mean 'title'?" in out


def test_every_problem_of_the_file_is_reported_and_the_last_output_kept(site: Path) -> None:
    code, out = run("build", "--root", str(site))
    assert code == 0, out
    before = {p: p.read_bytes() for p in (site / "output").rglob("*") if p.is_file()}
    config(site, "title: Mine\ncolour: red\nlanguage: english please\n")
    code, out = run("build", "--root", str(site))
    assert code == 1
    assert "omakase.yaml:2: error: unknown setting 'colour'" in out
    assert "omakase.yaml:3: error: language:" in out
    assert "2 problems found; nothing was published." in out
    after = {p: p.read_bytes() for p in (site / "output").rglob("*") if p.is_file()}
    assert after == before


def test_bad_values_from_the_environment_and_flags_name_their_place(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMAKASE_STALE_AFTER_DAYS", "-3")
    code, out = run("check", "--root", str(site))
    assert code == 1 and out.startswith("OMAKASE_STALE_AFTER_DAYS: error: stale_after_days:"), out
    monkeypatch.delenv("OMAKASE_STALE_AFTER_DAYS")
    code, out = run("build", "--root", str(site), "--base-url", "/menus/")
    assert code == 1 and out.startswith("--base-url: error: base_url:"), out
    assert not (site / "output").exists()


# A unique value for every setting the templates show, and where it must appear.
MARKERS = {
    "site_title": ("Marker Title 4711", ["index.html", "feed.xml"]),
    "description": ("Marker description 0815", ["index.html", "feed.xml"]),
    "language": ("yue-x-mrk7q", ["index.html", "feed.xml", "search/index.html"]),
    "author": ("Marker Author 2342", ["index.html", "feed.xml"]),
}


def test_every_setting_for_the_templates_reaches_the_built_site(site: Path) -> None:
    keys = {s.name: s.yaml_key for s in Settings.declared()}
    config(site, "".join(f"{keys[name]}: {value}\n" for name, (value, _) in MARKERS.items()))
    code, out = run("build", "--root", str(site))
    assert code == 0, out
    for name, (value, pages) in MARKERS.items():
        for page in pages:
            text = (site / "output" / page).read_text(encoding="utf-8")
            assert value in text, f"the {name} setting never reaches {page}"
    index = (site / "output/index.html").read_text(encoding="utf-8")
    assert '<html lang="yue-x-mrk7q">' in index
    assert '<meta name="description" content="Marker description 0815">' in index
    assert '"description":"Marker description 0815"' in index  # the home page's JSON-LD
    assert '"publisher":{"@type":"Person","name":"Marker Author 2342"}' in index
    feed = (site / "output/feed.xml").read_text(encoding="utf-8")
    assert 'xml:lang="yue-x-mrk7q"' in feed
    assert "<subtitle>Marker description 0815</subtitle>" in feed
    assert "<author><name>Marker Author 2342</name>" in feed


def test_every_declared_setting_is_read_somewhere() -> None:
    """A setting nobody reads is a promise the site does not keep: each is either shown by
    the templates (checked above, with a marker) or read as an attribute by the code."""
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (PROJECT / "generator").rglob("*.py")
        if path.name not in ("settings.py", "siteconfig.py")
    )
    for setting in Settings.declared():
        if setting.name in MARKERS:
            continue
        assert re.search(rf"\.{setting.name}\b", code), f"no code reads the {setting.name} setting"


def test_the_sample_site_config_holds_the_defaults() -> None:
    from generator.content.siteconfig import read_config_file

    found = read_config_file(PROJECT)
    assert found, "the sample site has an omakase.yaml"
    defaults = Settings(root=PROJECT).resolve()
    for name, (value, _line) in found.items():
        resolved = value.resolve() if isinstance(value, Path) else value
        assert resolved == getattr(defaults, name), f"omakase.yaml sets {name} to {value!r}, not its default"


def test_the_config_of_a_new_site_loads(tmp_path: Path) -> None:
    """The omakase.yaml that `omakase init` writes uses only keys this reader knows."""
    from generator.content.siteconfig import load_settings
    from generator.content.starter import init_site

    root = tmp_path / "new"
    init_site(root, handle="mina", name="Mina Ode")
    loaded = load_settings({"root": root}, environ={})
    assert loaded.settings.site_title == "Mina Ode's menus"
    assert loaded.settings.author == "Mina Ode"
    assert loaded.sources["language"].startswith("omakase.yaml:")
