"""Nothing private gets out: emails, private notes, private log entries, drafts outside
their share link, in any file of the built site, whatever its format."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.engine.build import build_database
from generator.settings import Settings
from tests.linkcheck import check_site
from tests.privacy import leaks, private_values
from tests.sitekit import LOG, MENU, PROJECT, copy_sample, make_site, write

# Share pages are where a draft is meant to be seen; nothing else is.
SHARE_PAGES = ("share/",)


# One xdist worker runs this module (--dist loadgroup), so `sample_output` is built once.
pytestmark = pytest.mark.xdist_group("test_privacy")


@pytest.fixture(scope="module")
def sample_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--root",
            str(PROJECT),
            "--output",
            str(out / "output"),
            "--db",
            str(out / "omakase.sqlite"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out / "output"


def test_sample_site_has_private_values_of_every_kind() -> None:
    private = private_values(PROJECT / "content")
    assert private["email"], private
    assert len(private["private_notes"]) >= 3, private
    assert len(private["private entry"]) >= 1, private
    assert private["draft"], private


def test_no_private_value_of_the_sample_site_in_any_output_file(sample_output: Path) -> None:
    private = private_values(PROJECT / "content")
    files = [p for p in sample_output.rglob("*") if p.is_file()]
    assert len(files) > 30
    # Every kind of file the site publishes is in the scan: pages, feeds and sitemap, JSON-LD
    # and the JSON API, the search index, the public database copy.
    kinds = {p.suffix for p in files}
    assert {".html", ".xml", ".json", ".sqlite", ".pf_fragment"} <= kinds, kinds
    found = leaks(sample_output, private, skip=SHARE_PAGES)
    assert found == [], "\n".join(found)


def test_sample_drafts_have_no_page(sample_output: Path) -> None:
    for path in sorted((PROJECT / "content/menus").glob("*.md")):
        if "\nstatus: draft" in path.read_text(encoding="utf-8"):
            assert not (sample_output / "menus" / path.stem).exists()


def test_the_scan_finds_a_value_in_every_format(tmp_path: Path) -> None:
    value = "Cried at the ending in the staff room. Nobody's <business>."
    private = {"private_notes": {value}}
    (tmp_path / "a.html").write_text(
        "<p>Cried at the <em>ending</em> in the staff\n room. Nobody&#39;s &lt;business&gt;.</p>"
    )
    (tmp_path / "b.json").write_text(json.dumps({"n": value}).replace("<", "\\u003c"))
    (tmp_path / "c.xml").write_text(
        "<c>Cried at the ending in the staff room. Nobody&amp;#39;s &amp;lt;business&amp;gt;.</c>"
    )
    (tmp_path / "d.gz").write_bytes(gzip.compress(value.encode()))
    conn = sqlite3.connect(tmp_path / "e.sqlite")
    conn.execute("CREATE TABLE t (x TEXT)")
    conn.execute("INSERT INTO t VALUES (?)", (value,))
    conn.commit()
    conn.close()
    found = leaks(tmp_path, private)
    assert sorted(f.split(":")[0] for f in found) == ["a.html", "b.json", "c.xml", "d.gz", "e.sqlite"]


def test_draft_parent_stays_private_on_a_published_fork(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site",
        {
            "content/menus/paranoid-seventies.md": MENU.format(
                title="Secret Draft Title", curator="ada", status="draft", extra=""
            ),
        },
    )
    result = CliRunner().invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    output = root / "output"
    assert (output / "menus/paranoid-remix/index.html").is_file()
    private = private_values(root / "content")
    assert "Secret Draft Title" in private["draft"]
    assert leaks(output, private, skip=SHARE_PAGES) == []
    assert not (output / "menus/paranoid-seventies").exists()
    for path in output.rglob("*"):
        if path.is_file():
            assert b"paranoid-seventies" not in path.read_bytes(), path


def test_taste_profile_ignores_private_entries(tmp_path: Path) -> None:
    log = LOG.format(curator="bruno").replace("movie/the-conversation", "book/the-crying-of-lot-49")
    log = log.replace("    minutes: 113\n", "    minutes: 113\n    private: true\n")
    # bruno's state names the book publicly; the only trace of the movie is a private entry.
    log = (
        log.replace("states:\n", "states: []\nold_states:\n").split("old_states:")[0]
        + "entries:\n  - item: movie/the-conversation\n    kind: finished\n    date: 2026-09-14\n"
        "    private: true\n    note: PRIVATE-ENTRY\n"
    )
    root = make_site(
        tmp_path / "site", {"content/logs/bruno.yaml": log}, drop=("content/menus/paranoid-remix.md",)
    )
    settings = Settings(root=root).resolve()
    db_file, _, _, _ = build_database(settings)
    conn = sqlite3.connect(db_file)
    profile = json.loads(
        conn.execute(
            "SELECT profile FROM user_taste_profiles p JOIN users u ON u.id = p.user_id "
            "WHERE u.handle = 'bruno'"
        ).fetchone()[0]
    )
    private_rows = conn.execute("SELECT count(*) FROM user_item_logs WHERE is_private = 1").fetchone()
    conn.close()
    assert private_rows[0] == 1  # the entry is stored, for its owner …
    assert profile["items"] == 0  # … and counts for nothing in the public profile
    assert profile["types"] == [] and profile["creators"] == []


def test_a_shared_draft_appears_only_at_its_share_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "share-secret-that-must-never-be-published-0123456789"
    monkeypatch.setenv("OMAKASE_SHARE_SECRET", secret)
    root = copy_sample(tmp_path / "site")
    drafts = [
        p.stem
        for p in sorted((root / "content/menus").glob("*.md"))
        if "\nstatus: draft" in p.read_text(encoding="utf-8")
    ]
    assert drafts
    runner = CliRunner()
    shared = runner.invoke(main, ["share", drafts[0], "--root", str(root)], catch_exceptions=False)
    assert shared.exit_code == 0, shared.output
    built = runner.invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert built.exit_code == 0, built.output
    output = root / "output"
    share_pages = sorted((output / "share").glob("*/index.html"))
    assert len(share_pages) == 1
    token = share_pages[0].parent.name
    page = share_pages[0].read_text(encoding="utf-8")
    assert "noindex" in page
    private = private_values(root / "content")
    # The draft is on its share page …
    assert any(value in page for value in private["draft"])
    # … and nowhere else; no email, private note, private entry or the secret anywhere.
    private["secret"] = {secret}
    assert leaks(output, private, skip=SHARE_PAGES) == []
    for path in output.rglob("*"):
        if path.is_file() and not path.relative_to(output).as_posix().startswith("share/"):
            assert token.encode() not in path.read_bytes(), path


PRIVATE_FILMS = {
    "watched.csv": """\
        Date,Name,Year,Letterboxd URI
        2024-01-02,Zzyzx Nocturne,2001,https://boxd.it/ZZ01
        2024-01-03,Quillon Harbour,1988,https://boxd.it/QH02
        """,
    "reviews.csv": """\
        Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date
        2024-01-03,Quillon Harbour,1988,https://boxd.it/AAAA,4,,"Alone at the harbour office.",,2024-01-03
        """,
}
PRIVATE_BOOKS = """\
Book Id,Title,Author,My Rating,Exclusive Shelf,Bookshelves,Date Added,Date Read
101,Velvet Ossuary,Mirela Castellane,0,to-read,"to-read, velvet-shelf",2024/02/01,
102,Lantern Cartography,Osei Brandtmoor,4,read,,2024/01/01,2024/01/20
"""


def test_private_imports_publish_none_of_their_items(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    write(tmp_path / "letterboxd", PRIVATE_FILMS)
    (tmp_path / "goodreads.csv").write_text(PRIVATE_BOOKS, encoding="utf-8")
    runner = CliRunner()
    for args in (
        ["letterboxd", str(tmp_path / "letterboxd")],
        ["goodreads", str(tmp_path / "goodreads.csv")],
    ):
        result = runner.invoke(
            main,
            ["import", *args, "--curator", "bruno", "--private", "--root", str(root)],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
    log = yaml.safe_load((root / "content/logs/bruno.yaml").read_text(encoding="utf-8"))
    assert log["states"] and all(state["private"] is True for state in log["states"])
    assert log["entries"] and all(entry["private"] is True for entry in log["entries"])
    assert not [e for e in log["entries"] if "to-read" in str(e.get("note"))]
    built = runner.invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert built.exit_code == 0, built.output
    output = root / "output"
    imported = {
        "imported item": {
            "Zzyzx Nocturne",
            "zzyzx-nocturne",
            "Quillon Harbour",
            "quillon-harbour",
            "Velvet Ossuary",
            "velvet-ossuary",
            "velvet-shelf",
            "Lantern Cartography",
            "Mirela Castellane",
            "Alone at the harbour office.",
        }
    }
    # No page, API document, search entry, sitemap line or open-data row; no tag page either.
    assert leaks(output, imported) == []
    assert not (output / "items/movie/zzyzx-nocturne").exists()
    # The build's own database keeps them, for their owner.
    db = sqlite3.connect(root / "data/omakase.sqlite")
    slugs = {row[0] for row in db.execute("SELECT slug FROM media_items")}
    db.close()
    assert {"zzyzx-nocturne", "velvet-ossuary"} <= slugs
    # One public state is enough to publish its item, and only that one.
    text = (root / "content/logs/bruno.yaml").read_text(encoding="utf-8")
    start = text.index("item: movie/zzyzx-nocturne")
    at = text.index("private: true", start)
    (root / "content/logs/bruno.yaml").write_text(text[:at] + "private: false" + text[at + 13 :])
    built = runner.invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert built.exit_code == 0, built.output
    assert (output / "items/movie/zzyzx-nocturne/index.html").is_file()
    assert "zzyzx-nocturne" in (output / "sitemap.xml").read_text(encoding="utf-8")
    assert not (output / "items/movie/quillon-harbour").exists()


def _shared_build(root: Path, monkeypatch: pytest.MonkeyPatch, slug: str) -> Path:
    """Share the draft `slug`, build, and return the output folder."""
    monkeypatch.setenv("OMAKASE_SHARE_SECRET", "share-secret-for-the-draft-traces-tests-0123456789")
    runner = CliRunner()
    shared = runner.invoke(main, ["share", slug, "--root", str(root)], catch_exceptions=False)
    assert shared.exit_code == 0, shared.output
    built = runner.invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert built.exit_code == 0, built.output
    return root / "output"


def test_a_draft_tags_reach_only_its_share_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 'Paranoia!' has the slug of the public tag 'paranoia'; 'Whispered Conspiracies' is the
    # draft's own. Neither may name a tag page, a row of the public database, or a link.
    draft = MENU.format(title="Draft Of Whispers", curator="bruno", status="draft", extra="")
    draft = draft.replace("tags: [conspiracy]", "tags: [Whispered Conspiracies, Paranoia!]")
    root = make_site(tmp_path / "site", {"content/menus/draft-of-whispers.md": draft})
    output = _shared_build(root, monkeypatch, "draft-of-whispers")
    private = private_values(root / "content")
    assert {"Whispered Conspiracies", "Paranoia!"} <= private["draft"]
    assert leaks(output, private, skip=SHARE_PAGES) == []
    assert not (output / "tags/whispered-conspiracies").exists()
    heading = (output / "tags/paranoia/index.html").read_text(encoding="utf-8")
    assert ">paranoia</h1>" in heading
    # The share page shows the draft's tags, and links only to tag pages that exist.
    (page,) = (output / "share").glob("*/index.html")
    assert "Whispered Conspiracies" in page.read_text(encoding="utf-8")
    _, broken = check_site(output, "https://example.org/")
    assert broken == [], broken


def test_a_fork_of_a_draft_is_counted_from_its_published_ancestor(tmp_path: Path) -> None:
    """paranoid-seventies (published) <- paranoid-remix (draft) <- third-take (published):
    the public database holds one lineage row, third-take's to paranoid-seventies, as a
    direct fork; nothing counts the draft in between."""
    remix = MENU.format(
        title="Paranoid Remix", curator="bruno", status="draft", extra="forked_from: paranoid-seventies\n"
    )
    third = MENU.format(
        title="Third Take", curator="ada", status="published", extra="forked_from: paranoid-remix\n"
    ).replace("published: 2026-10-02", "published: 2026-11-03")
    root = make_site(
        tmp_path / "site",
        {"content/menus/paranoid-remix.md": remix, "content/menus/third-take.md": third},
    )
    result = CliRunner().invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(root / "output/data/omakase.sqlite")
    rows = conn.execute(
        "SELECT m.slug, p.slug, l.depth, l.forked_at, m.published_at FROM menu_lineage l "
        "JOIN menus m ON m.id = l.menu_id JOIN menus p ON p.id = l.parent_menu_id"
    ).fetchall()
    conn.close()
    assert rows == [("third-take", "paranoid-seventies", 1, rows[0][4], rows[0][4])]
    assert rows[0][4].startswith("2026-11-03")
    assert leaks(root / "output", private_values(root / "content"), skip=SHARE_PAGES) == []


def test_a_draft_joins_no_family_of_published_menus(tmp_path: Path) -> None:
    """Two published forks of one draft are not relatives: the lineage page of one, which
    has a published fork of its own, does not show the other."""
    root_draft = MENU.format(title="Hidden Root", curator="ada", status="draft", extra="")
    left = MENU.format(
        title="Left Branch", curator="ada", status="published", extra="forked_from: hidden-root\n"
    )
    right = MENU.format(
        title="Right Branch", curator="bruno", status="published", extra="forked_from: hidden-root\n"
    )
    leaf = MENU.format(
        title="Left Leaf", curator="bruno", status="published", extra="forked_from: left-branch\n"
    )
    root = make_site(
        tmp_path / "site",
        {
            "content/menus/hidden-root.md": root_draft,
            "content/menus/left-branch.md": left,
            "content/menus/right-branch.md": right,
            "content/menus/left-leaf.md": leaf,
        },
    )
    result = CliRunner().invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = (root / "output/menus/left-branch/lineage/index.html").read_text(encoding="utf-8")
    assert "Left Leaf" in page
    assert "Right Branch" not in page
    assert not (root / "output/menus/right-branch/lineage").exists()


def test_a_private_state_gives_no_rating_to_a_public_entry(tmp_path: Path) -> None:
    """A public log entry's item shows the curator's rating only when the state is public."""
    from generator.site.year_review import year_review

    log = LOG.format(curator="ada").replace("    favorite: true\n", "    favorite: true\n    private: true\n")
    root = make_site(tmp_path / "site", {"content/logs/ada.yaml": log})
    db_file, _, _, _ = build_database(Settings(root=root).resolve())
    db = sqlite_utils.Database(db_file)
    review = year_review(db, "ada", "2026")["review"]
    assert review["best"] == [] and review["favourites"] == []
    api_rows = db.execute("SELECT count(*) FROM user_item_states WHERE is_private = 1").fetchone()
    assert api_rows[0] == 1  # stored for its owner, shown to nobody


def test_a_share_page_names_an_item_without_a_page_unlinked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMAKASE_SHARE_SECRET", "share-secret-for-the-draft-of-unpublished-items-0123")
    draft = MENU.format(title="Unheard Rooms", curator="ada", status="draft", extra="").replace(
        "      - item: book/the-crying-of-lot-49\n", "      - item: book/velvet-ossuary\n"
    )
    draft = draft.split("pairings:")[0] + "---\nAn introduction.\n"
    book = "---\ntitle: Velvet Ossuary\nrelease_date: 2011\n---\n"
    root = make_site(
        tmp_path / "site",
        {"content/menus/unheard-rooms.md": draft, "content/items/book/velvet-ossuary.md": book},
    )
    runner = CliRunner()
    shared = runner.invoke(main, ["share", "unheard-rooms", "--root", str(root)], catch_exceptions=False)
    assert shared.exit_code == 0, shared.output
    built = runner.invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert built.exit_code == 0, built.output
    output = root / "output"
    page = next((output / "share").glob("*/index.html")).read_text(encoding="utf-8")
    assert "Velvet Ossuary" in page and "/items/book/velvet-ossuary/" not in page
    assert "/items/movie/the-conversation/" in page  # a public item keeps its link
    assert not (output / "items/book/velvet-ossuary").exists()
