"""Published menu URLs never vanish silently: renames redirect, drops need a visible decision."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from tests.sitekit import MENU, write


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _record(root: Path) -> list[str]:
    text = (root / "data/published-slugs.txt").read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _rename(root: Path, aliases: str = "") -> None:
    """paranoid-seventies becomes listening-in (its fork follows the new slug)."""
    old = root / "content/menus/paranoid-seventies.md"
    old.unlink()
    write(
        root,
        {
            "content/menus/listening-in.md": MENU.format(
                title="Listening In", curator="ada", status="published", extra=aliases
            ),
            "content/menus/paranoid-remix.md": MENU.format(
                title="Paranoid Remix",
                curator="bruno",
                status="published",
                extra="forked_from: listening-in\n",
            ),
        },
    )


def test_build_records_what_it_published(site_root: Path) -> None:
    assert run("build", "--root", str(site_root))[0] == 0
    assert _record(site_root) == ["paranoid-remix", "paranoid-seventies"]
    before = (site_root / "data/published-slugs.txt").stat().st_mtime_ns
    assert run("build", "--root", str(site_root))[0] == 0
    assert (site_root / "data/published-slugs.txt").stat().st_mtime_ns == before  # untouched


def test_a_dropped_slug_fails_the_build_and_the_check(site_root: Path) -> None:
    assert run("build", "--root", str(site_root))[0] == 0
    before = (site_root / "output/menus/paranoid-seventies/index.html").read_bytes()
    _rename(site_root)
    code, out = run("build", "--root", str(site_root))
    assert code == 1
    assert (
        "data/published-slugs.txt:5: error: /menus/paranoid-seventies/ was published and no "
        "menu serves it any more"
    ) in out
    assert "add 'paranoid-seventies' to its aliases:" in out
    assert (site_root / "output/menus/paranoid-seventies/index.html").read_bytes() == before
    code, out = run("check", "--root", str(site_root), "--format", "github")
    assert code == 1 and "::error file=data/published-slugs.txt,line=5::" in out


def test_a_renamed_menu_redirects_from_its_old_url(site_root: Path) -> None:
    assert run("build", "--root", str(site_root))[0] == 0
    _rename(site_root, aliases="aliases: [paranoid-seventies]\n")
    code, out = run("build", "--root", str(site_root))
    assert code == 0, out
    assert "Listening In" in (site_root / "output/menus/listening-in/index.html").read_text()
    html = (site_root / "output/menus/paranoid-seventies/index.html").read_text()
    assert 'http-equiv="refresh"' not in html
    assert '<link rel="canonical" href="https://menus.example.org/menus/listening-in/">' in html
    assert '<meta name="robots" content="noindex">' in html
    assert '<a href="../listening-in/index.html">Listening In</a>' in html
    assert _record(site_root) == ["listening-in", "paranoid-remix", "paranoid-seventies"]
    redirects = (site_root / "output/_redirects").read_text()
    assert "/menus/paranoid-seventies/ /menus/listening-in/ 301\n" in redirects


def test_unpublishing_needs_a_visible_decision(site_root: Path) -> None:
    assert run("build", "--root", str(site_root))[0] == 0
    write(
        site_root,
        {
            "content/menus/paranoid-remix.md": MENU.format(
                title="Paranoid Remix",
                curator="bruno",
                status="draft",
                extra="forked_from: paranoid-seventies\n",
            )
        },
    )
    code, out = run("build", "--root", str(site_root))
    assert code == 1
    assert "/menus/paranoid-remix/ was published and content/menus/paranoid-remix.md is now a draft" in out
    record = site_root / "data/published-slugs.txt"
    record.write_text(record.read_text().replace("paranoid-remix\n", ""))  # retire it on purpose
    code, out = run("build", "--root", str(site_root))
    assert code == 0, out
    assert not (site_root / "output/menus/paranoid-remix").exists()
    assert _record(site_root) == ["paranoid-seventies"]


def test_titles_in_any_script_get_a_transliterated_slug(site_root: Path) -> None:
    from generator.content.fields import slugify

    assert [slugify(t) for t in ("三体", "ケアレス", "Москва", "Amélie", "Ærø")] == [
        "santi",
        "kearesu",
        "moskva",
        "amelie",
        "aero",
    ]
    code, out = run("new", "item", "book", "三体", "--root", str(site_root))
    assert code == 0, out
    text = (site_root / "content/items/book/santi.md").read_text(encoding="utf-8")
    assert 'title: "三体"' in text  # the title keeps its script


def test_an_imported_release_in_japanese_gets_a_real_slug_and_collisions_a_suffix(
    site_root: Path,
) -> None:
    from generator.sources.importer import import_upstream
    from tests.conftest import settings_for
    from tests.realdata import real

    settings = settings_for(site_root)
    payload = real("musicbrainz/picard_release_multidisc.json")
    write(site_root, {"content/items/music/kearesu.md": "---\ntitle: Kearesu\nrelease_date: 2021\n---\n"})
    report = import_upstream(
        settings, "musicbrainz", "release/6c4f766f-3351-4c10-a53d-b119452c27b2", from_file=payload
    )
    assert report.changes[0].ref == "music/kearesu-2021"
    text = (site_root / "content/items/music/kearesu-2021.md").read_text(encoding="utf-8")
    assert "title: ケアレス" in text
