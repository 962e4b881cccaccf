"""Broken and hostile files: each a located `path:line: message`, exit 1, no traceback,
the last good output/ untouched."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from tests.hostile import bad_covers
from tests.sitekit import make_site

CURATOR = "content/curators/ada.yaml"
BOOK = "content/items/book/the-crying-of-lot-49.md"

BILLION_LAUGHS = """\
handle: ada
name: Ada
lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(tmp_path_factory.mktemp("built") / "site")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1795651200")
        result = CliRunner().invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def built(built_once: Path, tmp_path: Path) -> Path:
    """A freshly built small site of its own for each test (a copy of one build)."""
    return Path(shutil.copytree(built_once, tmp_path / "site", symlinks=True))


def broken_build(root: Path) -> str:
    """Build, expecting failure; check the failure is clean and output/ is as it was."""
    before = snapshot(root / "output")
    db_before = (root / "data/omakase.sqlite").read_bytes()
    result = CliRunner().invoke(main, ["build", "--root", str(root)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), "".join(
        __import__("traceback").format_exception(*result.exc_info)
    )
    assert "Traceback" not in result.output
    assert snapshot(root / "output") == before
    assert (root / "data/omakase.sqlite").read_bytes() == db_before
    return result.output


CASES: dict[str, tuple[str, bytes, str]] = {
    "duplicate key": (
        CURATOR,
        b"handle: ada\nname: Ada\nbio: one\nname: Again\n",
        f"{CURATOR}:4: error: duplicate key 'name' (first on line 2)",
    ),
    "duplicate key in front matter": (
        BOOK,
        b"---\ntitle: A\ntags: [x]\nauthors: [B]\ntitle: B\n---\nbody\n",
        f"{BOOK}:5: error: duplicate key 'title' (first on line 2)",
    ),
    "billion laughs": (CURATOR, BILLION_LAUGHS.encode(), f"{CURATOR}:3: error: YAML anchor &a"),
    "scalar alias": (CURATOR, b"handle: ada\nname: &n Ada\nbio: *n\n", f"{CURATOR}:2: error: YAML anchor &n"),
    "merge key": (CURATOR, b"handle: ada\nname: Ada\n<<: {bio: x}\n", f"{CURATOR}:3: error: YAML merge keys"),
    "non-UTF-8": (BOOK, b"---\ntitle: Caf\xe9\n---\n", f"{BOOK}:2: error: not valid UTF-8"),
    "BOM": (
        CURATOR,
        b"\xef\xbb\xbfhandle: ada\nname: Ada\n",
        f"{CURATOR}:1: error: file starts with a byte-order mark",
    ),
    "tab indentation": (
        CURATOR,
        b"handle: ada\nname: Ada\nbio:\n\tx\n",
        f"{CURATOR}:4: error: tab used for indentation",
    ),
    "tab in front matter": (
        BOOK,
        b"---\ntitle: T\ntags:\n\t- x\n---\n",
        f"{BOOK}:4: error: tab used for indentation",
    ),
    "empty file": (CURATOR, b"", f"{CURATOR}:1: error: file is empty"),
    "blank file": (CURATOR, b"  \n\n \n", f"{CURATOR}:1: error: file is empty"),
    "NUL byte": (CURATOR, b"handle: ada\nname: A\x00da\n", f"{CURATOR}:2: error: NUL byte"),
    "deep nesting": (
        CURATOR,
        b"handle: ada\nname: Ada\nbio: " + b"[" * 2000 + b"]" * 2000 + b"\n",
        f"{CURATOR}:3: error:",
    ),
    "binary value": (CURATOR, b"handle: ada\nname: !!binary QWRh\n", f"{CURATOR}:2: error: binary values"),
    "python object tag": (
        CURATOR,
        b"handle: ada\nname: !!python/object:os.system [ls]\n",
        f"{CURATOR}:2: error:",
    ),
    "not a mapping": (CURATOR, b"- just\n- a list\n", f"{CURATOR}:1: error: expected a YAML mapping"),
    "unclosed front matter": (BOOK, b"---\ntitle: T\n", f"{BOOK}:1: error: front matter is not closed"),
    "no front matter": (BOOK, b"title: T\n", f"{BOOK}:1: error: missing front matter"),
    "invalid YAML": (BOOK, b"---\ntitle: T\ntags: [a, b\n---\n", f"{BOOK}:"),
    "impossible date": (BOOK, b"---\ntitle: T\nrelease_date: 2021-02-30\n---\n", f"{BOOK}:3: error:"),
    "quoted impossible date": (
        BOOK,
        b"---\ntitle: T\nrelease_date: '2021-13'\n---\n",
        f"{BOOK}:3: error: 'release_date' is not a date",
    ),
    "escaped control character": (
        CURATOR,
        b'handle: ada\nname: "A\\u0000da"\n',
        f"{CURATOR}:2: error: control character U+0000",
    ),
    "escaped lone surrogate": (CURATOR, b'handle: ada\nname: "A\\ud800"\n', f"{CURATOR}:2: error:"),
    "huge number": (
        BOOK,
        b"---\ntitle: T\npages: 123456789012345678901234567890\n---\n",
        f"{BOOK}:3: error: 'pages' is 123456789012345678901234567890",
    ),
    "not-a-number": (
        BOOK,
        b"---\ntitle: T\nmetadata:\n  rating: .nan\n---\n",
        f"{BOOK}:4: error: '.nan' is not a usable number",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_file_is_a_located_error(built: Path, case: str) -> None:
    name, data, expected = CASES[case]
    (built / name).write_bytes(data)
    out = broken_build(built)
    assert expected in out, out
    assert "nothing was published" in out


@pytest.mark.parametrize("case", ["syntax", "unknown filter", "runtime", "missing"])
def test_broken_template_is_a_located_error(built: Path, case: str) -> None:
    """A curator's template edit gone wrong: PATH:LINE and what went wrong, no traceback."""
    menu = built / "templates/menu.html"
    lines = menu.read_text().splitlines()
    at = 3  # inside a block of the page (text outside blocks of a child template never runs)
    broken = {
        "syntax": "{% block main %}{% if menu %}",
        "unknown filter": "{% block description %}{{ menu.title | no_such_filter }}{% endblock %}",
        "runtime": "{% block description %}{{ menu.title // 0 }}{% endblock %}",
    }.get(case)
    if case == "missing":  # one the theme lacks too: a site's own file gone is the theme's again
        lines[at - 1 : at] = ['{% block description %}{% include "partials/no-such.html" %}{% endblock %}']
        menu.write_text("\n".join(lines) + "\n")
    else:
        assert broken is not None
        lines[at - 1 : at] = [broken]
        menu.write_text("\n".join(lines) + "\n")
    out = broken_build(built)
    expected = {
        "syntax": "templates/menu.html:",
        "unknown filter": f"templates/menu.html:{at}: error: template syntax: No filter named "
        "'no_such_filter'",
        "runtime": f"templates/menu.html:{at}: error: while rendering /menus/",
        "missing": "templates: error: template 'partials/no-such.html' not found (needed for /menus/",
    }[case]
    assert expected in out, out
    assert "nothing was published" in out


def test_huge_file_is_refused_before_it_is_read(built: Path) -> None:
    path = built / BOOK
    with path.open("wb") as handle:  # 50 MB, most of it one front-matter value
        handle.write(b"---\ntitle: T\nbio: ")
        handle.truncate(50_000_000)
    out = broken_build(built)
    assert f"{BOOK}: error: file is 50,000,000 bytes, over the limit of 1,000,000" in out


def test_many_broken_files_are_reported_together(built: Path) -> None:
    for name in list(CASES)[:8]:
        target, data, _ = CASES[name]
        (built / target).write_bytes(data)
    (built / "content/curators/zed.yaml").write_bytes(b"\xef\xbb\xbfhandle: zed\n")
    (built / "content/items/movie/bad.md").write_bytes(b"")
    out = broken_build(built)
    assert "content/curators/zed.yaml:1:" in out and "content/items/movie/bad.md:1:" in out
    assert f"{BOOK}:" in out and f"{CURATOR}:" in out


# --- graph problems ------------------------------------------------------------------------

MENU = "content/menus/paranoid-seventies.md"


def replace_in(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, text)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_duplicate_course_position(built: Path) -> None:
    replace_in(built, MENU, "  - title: Aperitif\n", "  - title: Aperitif\n    position: 1\n")
    replace_in(
        built,
        MENU,
        "pairings:\n",
        "  - title: Second\n    position: 1\n    items:\n"
        "      - item: book/the-crying-of-lot-49\npairings:\n",
    )
    out = broken_build(built)
    assert "duplicate course position 1 (also on line" in out


def test_duplicate_and_gapped_item_positions(built: Path) -> None:
    replace_in(
        built,
        MENU,
        "      - item: movie/the-conversation\n",
        "      - item: movie/the-conversation\n        position: 1\n",
    )
    replace_in(
        built,
        MENU,
        "      - item: book/the-crying-of-lot-49\n",
        "      - item: book/the-crying-of-lot-49\n        position: 1\n",
    )
    out = broken_build(built)
    assert "duplicate item position 1 (also on line" in out
    replace_in(built, MENU, "        position: 1\npairings", "        position: 3\npairings")
    out = broken_build(built)
    assert "item position 3 but it is item 2 of the list: position 2 is missing" in out


def test_course_without_items_and_menu_without_courses(built: Path) -> None:
    replace_in(built, MENU, "pairings:\n", "  - title: Empty\n    items: []\npairings:\n")
    out = broken_build(built)
    assert "a course needs at least one item" in out
    path = built / "content/menus/paranoid-remix.md"
    text = path.read_text()
    path.write_text(text[: text.index("courses:")] + "courses: []\n---\nIntro.\n")
    out = broken_build(built)
    assert "a menu needs at least one course" in out


# --- paths: nothing written outside output/, nothing read from outside the site -----------


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("slug", "../../escape", "is not a valid slug"),
        ("slug", "a/b", "is not a valid slug"),
        ("slug", "..", "is not a valid slug"),
        ("slug", "UPPER", "is not a valid slug"),
        ("slug", "caf\u00e9", "is not a valid slug"),
        ("aliases", "['../../../tmp/pwned']", "is not a valid slug"),
        ("aliases", "['/etc/cron.d/x']", "is not a valid slug"),
        ("forked_from", "../paranoid-seventies", "is not a valid slug"),
    ],
)
def test_menu_paths_cannot_escape(built: Path, field: str, value: str, message: str) -> None:
    replace_in(built, MENU, "title: Paranoid Seventies\n", f"title: Paranoid Seventies\n{field}: {value}\n")
    out = broken_build(built)
    assert f"{MENU}:3: error: '{field}'" in out or f"{MENU}:3: error: alias" in out, out
    assert message in out


@pytest.mark.parametrize(
    "ref",
    ["../../../etc/passwd", "book/../../../etc/passwd", "/etc/passwd", "book/the-crying-of-lot-49/../../x"],
)
def test_references_cannot_name_files(built: Path, ref: str) -> None:
    replace_in(built, MENU, "      - item: book/the-crying-of-lot-49\n", f"      - item: {ref}\n")
    out = broken_build(built)
    assert f"unknown item '{ref}'" in out


@pytest.mark.parametrize("name", ["Bad Name.md", "UPPER.md", "caf\u00e9.md", "a..b.md"])
def test_file_names_must_be_slugs(built: Path, name: str) -> None:
    source = built / BOOK
    (source.parent / name).write_text(source.read_text().replace("Q1217219", "Q1"))
    out = broken_build(built)
    assert "is not a valid slug" in out


def test_hostile_tags_stay_inside_output(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    replace_in(
        root,
        BOOK,
        "tags: [paranoia]",
        "tags: ['../../../../pwned', '/etc/passwd', 'a/../../b', '%2e%2e%2fx', "
        "'C:\\\\windows', '..\\\\..\\\\x']",
    )
    before = set(os.listdir(tmp_path))
    result = CliRunner().invoke(main, ["build", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert set(os.listdir(tmp_path)) == before
    output = (root / "output").resolve()
    for path in output.rglob("*"):
        assert not path.is_symlink()
        assert path.resolve().is_relative_to(output)
        assert ".." not in path.relative_to(output).parts


@pytest.mark.parametrize(
    "url", ["/../../x/", "/a/../../x", "/menus/../../x/", "/x\\..\\y", "/a\x00b/", "/c:/x", "/./x"]
)
def test_page_urls_are_checked_before_writing(tmp_path: Path, url: str) -> None:
    from generator.errors import BuildError
    from generator.publish.safepaths import output_file

    with pytest.raises(BuildError):
        output_file(tmp_path, url)


def test_page_urls_that_stay_inside_are_written(tmp_path: Path) -> None:
    from generator.publish.safepaths import output_file

    assert output_file(tmp_path, "/") == tmp_path / "index.html"
    assert output_file(tmp_path, "/tags/caf%C3%A9/") == tmp_path / "tags/caf%C3%A9/index.html"
    assert output_file(tmp_path, "/feed.xml") == tmp_path / "feed.xml"
    # Share tokens are URL-safe base64: letters, digits, '-' and '_'.
    token = "Ab_9-" * 8 + "xyz"
    assert output_file(tmp_path, f"/share/{token}/") == tmp_path / "share" / token / "index.html"


# --- symbolic links out of the site ------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "secret.md").write_text("---\ntitle: OUTSIDE-SECRET\n---\nOUTSIDE-SECRET\n")
    (secret / "secret.yaml").write_text("handle: secret\nname: OUTSIDE-SECRET\n")
    (secret / "secret.json").write_text('{"x": "OUTSIDE-SECRET"}')
    (secret / "secret.html").write_text("OUTSIDE-SECRET")
    (secret / "secret.css").write_text("/* OUTSIDE-SECRET */")
    return secret


def link_cases(root: Path, outside: Path) -> dict[str, tuple[Path, Path]]:
    return {
        "content file": (root / "content/items/book/linked.md", outside / "secret.md"),
        "curator file": (root / "content/curators/secret.yaml", outside / "secret.yaml"),
        "content folder": (root / "content/logs", outside),
        "item type folder": (root / "content/items/game", outside),
        "items folder": (root / "content/items", outside),
        "content root": (root / "content", outside),
        "payload file": (root / "data/sources/wikidata/Q1217219.json", outside / "secret.json"),
        "payload source folder": (root / "data/sources/wikidata", outside),
        "payload root": (root / "data/sources", outside),
        "template": (root / "templates/item.html", outside / "secret.html"),
        "static file": (root / "templates/static/leak.css", outside / "secret.css"),
        "static folder": (root / "templates/static", outside),
    }


@pytest.mark.parametrize("case", sorted(link_cases(Path("r"), Path("o"))))
def test_symlinks_out_of_the_site_are_refused(built: Path, outside: Path, case: str) -> None:
    link, target = link_cases(built, outside)[case]
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)
    elif link.exists():
        link.unlink()
    link.symlink_to(target, target_is_directory=target.is_dir())
    out = broken_build(built)
    assert "symbolic link" in out or "outside the templates folder" in out, out
    assert "OUTSIDE-SECRET" not in out
    for path in (built / "output").rglob("*"):
        if path.is_file():
            assert b"OUTSIDE-SECRET" not in path.read_bytes()


# --- cover images ------------------------------------------------------------------------

COVER = BOOK.removesuffix(".md")


@pytest.mark.parametrize("case", sorted(bad_covers()))
def test_bad_cover_image_is_a_located_error(built: Path, case: str) -> None:
    suffix, data, expected = bad_covers()[case]
    (built / f"{COVER}.{suffix}").write_bytes(data)
    out = broken_build(built)
    assert f"{COVER}.{suffix}: {expected}" in out or (
        f"{COVER}.{suffix}: error:" in out and expected in out
    ), out
    assert "hint:" in out and "<script>" not in out
    # `omakase check` decodes covers too, and says the same.
    result = CliRunner().invoke(main, ["check", "--root", str(built)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{COVER}.{suffix}: error:" in result.output and expected.removeprefix("error: ") in result.output


def test_a_cover_field_error_points_at_its_line(built: Path) -> None:
    text = (built / BOOK).read_text()
    lines = text.splitlines(keepends=True)
    (built / BOOK).write_text("".join([*lines[:4], "cover: missing.jpg\n", *lines[4:]]))
    out = broken_build(built)
    assert f"{BOOK}:5: error: cover 'missing.jpg' not found" in out, out
    result = CliRunner().invoke(main, ["check", "--root", str(built)])
    assert f"{BOOK}:5: error: cover 'missing.jpg' not found" in result.output


@pytest.mark.parametrize(
    ("name", "cover", "expected"),
    [
        ("linked.jpg", None, "content/items/book/linked.jpg: error: symbolic links are not followed"),
        ("poster.gif", None, "content/items/book/poster.gif: error: unexpected file here"),
        (
            None,
            "../../curators/ada.yaml",
            f"{BOOK}:2: error: cover '../../curators/ada.yaml' is not a file name",
        ),
        (None, "missing.jpg", f"{BOOK}:2: error: cover 'missing.jpg' not found"),
    ],
)
def test_cover_files_must_be_images_beside_the_item(
    built: Path, outside: Path, name: str | None, cover: str | None, expected: str
) -> None:
    if name == "linked.jpg":
        (outside / "secret.jpg").write_bytes((built / BOOK).read_bytes())
        (built / f"content/items/book/{name}").symlink_to(outside / "secret.jpg")
    elif name is not None:
        (built / f"content/items/book/{name}").write_bytes(b"GIF89a")
    if cover is not None:
        text = (built / BOOK).read_text()
        (built / BOOK).write_text(text.replace("---\n", f"---\ncover: {cover}\n", 1))
    out = broken_build(built)
    assert expected in out, out
    assert "hint:" in out
