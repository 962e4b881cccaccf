"""The reader's site: every page type exists, links resolve, feeds and JSON-LD are sound."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from lxml import html as lhtml

from generator.cli import main
from generator.settings import Settings
from tests.linkcheck import check_site
from tests.sitekit import MENU, MOVIE, build_sample, make_site

BASE = "https://menus.example.org/"
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# The schema.org types this site may state; each one exists in the schema.org vocabulary.
SCHEMA_TYPES = {
    "WebSite",
    "ItemList",
    "CreativeWork",
    "ListItem",
    "Person",
    "Organization",
    "MusicGroup",
    "Book",
    "Movie",
    "VideoGame",
    "MusicAlbum",
    "MusicRecording",
    "ProfilePage",
    "CollectionPage",
}


# One xdist worker runs this module (--dist loadgroup), so `sample` is built once.
pytestmark = pytest.mark.xdist_group("test_site_pages")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample site, built once for this module."""
    return build_sample(tmp_path_factory.mktemp("sample"), BASE)


def built(root: Path) -> Path:
    result = CliRunner().invoke(main, ["build", "--root", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "output"


def test_every_page_type_is_built(sample: Path) -> None:
    """Each route of the table that has pages in the sample site has them all written, in
    its format; a route with none is one of the few the sample cannot show."""
    from generator.publish.safepaths import safe_relative
    from generator.site.record import ReadDatabase, connect_recording
    from generator.site.routes import ROUTES, list_keys

    db_file = sample.parent / "omakase.sqlite"
    keys, _ = list_keys(db_file)
    conn = connect_recording(str(db_file))
    try:
        db = ReadDatabase(conn)
        for route in ROUTES:
            assert keys[route.name] or route.name in {"share", "redirect", "tag-page"}, route.name
            for key in keys[route.name] or ():
                url, _ = route.page(db, *key)
                path = sample / safe_relative(url)
                assert path.is_file(), (route.name, url)
                if route.format == "json":
                    json.loads(path.read_bytes())
                if route.format == "csv":
                    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
                    assert len({len(row) for row in rows}) == 1, (route.name, url)
    finally:
        conn.close()
    assert (sample / "style.css").is_file()
    assert not (sample / "menus/the-house-remembers").exists()  # a draft


def test_the_page_reader_answers_as_sqlite_utils_does() -> None:
    """Pages read through a reader of their own, not sqlite_utils: its rows are the dicts
    sqlite_utils would give, repeated column names included."""
    import sqlite_utils

    from generator.site.record import ReadDatabase

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER, id_2 TEXT, name TEXT)")
    conn.execute("INSERT INTO t VALUES (1, 'b', 'c')")
    sql = "SELECT id, id, id_2, name, id, name FROM t WHERE id = ?"
    ours, theirs = ReadDatabase(conn), sqlite_utils.Database(conn, execute_plugins=False)
    assert list(ours.query(sql, [1])) == list(theirs.query(sql, [1]))
    assert ours.execute("SELECT count(*) FROM t").fetchone() == (1,)
    with pytest.raises(ValueError):
        ours.query("UPDATE t SET name = 'd'")


def test_template_globals_and_sitemap_follow_the_route_table(sample: Path) -> None:
    from generator.site.environment import make_environment
    from generator.site.routes import ROUTES

    env = make_environment(Settings(root=Path(__file__).parent.parent).resolve())
    for route in ROUTES:
        if route.url is not None:
            assert env.globals[route.name.replace("-", "_") + "_url"] is route.url
        if route.sitemap is not None:
            assert route.url is not None, route.name
    sitemap = (sample / "sitemap.xml").read_text()
    for page in ("menus/overheard-after-dark/story/", "items/book/frankenstein/", "tags/surveillance/"):
        assert f"<loc>{BASE}{page}</loc>" in sitemap


def test_no_broken_internal_links_or_fragments(sample: Path) -> None:
    checked, broken = check_site(sample, BASE)
    assert checked > 1000
    assert broken == []


def test_link_checker_reports_missing_pages_and_fragments(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/index.html").write_text(
        '<!DOCTYPE html><title>a</title><p id="here"><a href="../b/index.html">b</a>'
        '<a href="#nowhere">x</a><a href="#here">ok</a><a href="/abs/">abs</a>'
        f'<a href="{BASE}a/#here">self</a><a href="https://elsewhere.example/">ext</a>'
    )
    (tmp_path / "sitemap.xml").write_text(
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{BASE}gone/</loc>'
        "</url></urlset>"
    )
    checked, broken = check_site(tmp_path, BASE)
    assert checked == 7
    assert sorted(b.link for b in broken) == ["#nowhere", "../b/index.html", "/abs/", f"{BASE}gone/"]


def test_sitemap_lists_every_public_page_and_nothing_else(sample: Path) -> None:
    tree = etree.parse(str(sample / "sitemap.xml"))
    locs = {e.text for e in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    pages = {
        BASE + p.relative_to(sample).as_posix().removesuffix("index.html")
        for p in sample.rglob("*.html")
        if '<meta name="robots" content="noindex">' not in p.read_text()
    }  # 404, shares, moves
    assert locs == pages
    assert f"Sitemap: {BASE}sitemap.xml" in (sample / "robots.txt").read_text()


def atom_errors(path: Path) -> list[str]:
    """RFC 4287: the RELAX NG grammar of its Appendix B plus the rules it states in prose."""
    rng = etree.RelaxNG(etree.parse(str(Path(__file__).parent / "data/atom.rng")))
    doc = etree.parse(str(path))
    errors = [] if rng.validate(doc) else [str(e) for e in rng.error_log]
    root = doc.getroot()
    if not any(link.get("rel") == "self" for link in root.findall(ATOM + "link")):
        errors.append("no rel=self link")
    for el in root.iter(ATOM + "updated", ATOM + "published"):
        if not RFC3339.match(el.text or ""):
            errors.append(f"date {el.text!r} is not RFC 3339")
    ids = [e.text for e in root.iter(ATOM + "id")]
    errors += [f"id {i!r} is not absolute" for i in ids if not re.match(r"^[a-z]+:", i or "")]
    entry_ids = [e.findtext(ATOM + "id") for e in root.findall(ATOM + "entry")]
    if len(set(entry_ids)) != len(entry_ids):
        errors.append("duplicate entry ids")
    for entry in root.findall(ATOM + "entry"):
        if root.find(ATOM + "author") is None and entry.find(ATOM + "author") is None:
            errors.append("entry without author")
        if entry.findtext(ATOM + "published") > entry.findtext(ATOM + "updated"):
            errors.append("published after updated")
    return errors


def test_feeds_are_valid_atom(sample: Path) -> None:
    feeds = sorted(sample.rglob("*.xml"))
    feeds = [f for f in feeds if f.name == "feed.xml"]
    assert len(feeds) == 4  # the site's and one per curator
    for feed in feeds:
        assert atom_errors(feed) == [], feed
    main_feed = etree.parse(str(sample / "feed.xml")).getroot()
    entries = main_feed.findall(ATOM + "entry")
    assert len(entries) == 6  # every published menu, no draft
    # Feed dates come from content: the newest menu's date, not the build clock.
    assert main_feed.findtext(ATOM + "updated") == max(e.findtext(ATOM + "updated") for e in entries)


def test_atom_check_catches_an_invalid_feed(tmp_path: Path) -> None:
    bad = tmp_path / "feed.xml"
    bad.write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><updated>2026-10-02</updated></feed>'
    )
    errors = atom_errors(bad)
    assert any("RFC 3339" in e for e in errors) and any("self" in e for e in errors)
    assert len(errors) >= 3  # the grammar also wants an id


def jsonld_blocks(page: Path) -> list[dict]:
    tree = lhtml.parse(str(page))
    return [json.loads(s.text) for s in tree.xpath('//script[@type="application/ld+json"]')]


def types_in(node: object) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        kind = node.get("@type")
        found |= set(kind if isinstance(kind, list) else [kind] if kind else [])
        for value in node.values():
            found |= types_in(value)
    elif isinstance(node, list):
        for value in node:
            found |= types_in(value)
    return found


def test_json_ld_parses_and_uses_schema_org_types(sample: Path) -> None:
    seen: set[str] = set()
    for page in sample.rglob("*.html"):
        for block in jsonld_blocks(page):
            assert block["@context"] == "https://schema.org", page
            assert types_in(block) <= SCHEMA_TYPES, page
            seen |= types_in(block)
    assert {"ItemList", "ListItem", "Book", "Movie", "VideoGame", "MusicAlbum"} <= seen
    menu = jsonld_blocks(sample / "menus/overheard-after-dark/index.html")[0]
    assert menu["isBasedOn"] == BASE + "menus/overheard/"
    assert menu["numberOfItems"] == len(menu["itemListElement"]) == 9
    first = menu["itemListElement"][0]
    assert first == {
        "@type": "ListItem",
        "position": 1,
        "name": "The Conversation",
        "url": BASE + "items/movie/the-conversation/",
    }
    book = jsonld_blocks(sample / "items/book/frankenstein/index.html")[0]
    assert book["@type"] == "Book" and book["author"][0]["name"] == "Mary Shelley"


def test_pages_carry_open_graph_and_canonical_links(sample: Path) -> None:
    tree = lhtml.parse(str(sample / "menus/overheard/index.html"))
    assert tree.xpath("string(//link[@rel='canonical']/@href)") == BASE + "menus/overheard/"
    assert tree.xpath("string(//meta[@property='og:url']/@content)") == BASE + "menus/overheard/"
    assert tree.xpath("string(//meta[@property='og:title']/@content)") == "Overheard"
    assert tree.xpath("string(//meta[@property='og:type']/@content)") == "article"
    assert tree.xpath("string(//meta[@name='description']/@content)")
    not_found = lhtml.parse(str(sample / "404.html"))
    assert not_found.xpath("//meta[@name='robots'][@content='noindex']")
    assert not not_found.xpath("//link[@rel='canonical']")


def test_no_page_requests_anything_from_another_host(sample: Path) -> None:
    for page in sample.rglob("*.html"):
        tree = lhtml.parse(str(page))
        loads = tree.xpath(
            "//img/@src | //script/@src | //link[@rel='stylesheet']/@href | //iframe/@src | //source/@src"
        )
        assert not [u for u in loads if re.match(r"^(https?:)?//", u)], page
    assert "url(" not in (sample / "style.css").read_text().replace("url(#", "")


def test_story_mode_steps_in_course_order_with_previous_and_next(sample: Path) -> None:
    tree = lhtml.parse(str(sample / "menus/overheard-after-dark/story/index.html"))
    steps = tree.xpath("//li[@class='step']")
    assert [s.get("id") for s in steps] == ["step-1", "step-2", "step-3"]
    titles = [" ".join(s.xpath("string(.//h2)").split()) for s in steps]
    assert titles[0] == "Step 1 of 3 The Conversation → to Blow-Up"
    assert titles[2] == "Step 3 of 3 Mezzanine → to OK Computer"
    assert steps[0].xpath(".//a[@rel='next']/@href") == ["#step-2"]
    assert steps[1].xpath(".//a[@rel='prev']/@href") == ["#step-1"]
    assert steps[2].xpath(".//a[@rel='next']") == []
    assert steps[2].xpath(".//nav//a/@href")[-1] == "../index.html"


def test_lineage_page_draws_the_family_and_lists_what_each_fork_changed(sample: Path) -> None:
    page = sample / "menus/overheard/lineage/index.html"
    tree = lhtml.parse(str(page))
    svg_links = tree.xpath("//svg[@role='group']//a/@href")
    assert sorted(svg_links) == [
        "../../overheard-after-dark/index.html",
        "../../paranoid-listening/index.html",
        "../index.html",
    ]
    assert tree.xpath("//svg//a[@aria-current='page']/@href") == []  # aria-current is on the list
    listed = tree.xpath("//div[@class='tree-list']//a/text()")
    assert listed == ["Paranoid Listening", "Overheard", "Overheard After Dark"]
    diff = tree.xpath("//section[@id='diff-overheard-after-dark']")[0]
    text = " ".join(diff.text_content().split())
    assert "Added Disco Elysium" in text
    assert "Removed Dummy" in text
    assert "OK Computer: from" in text


def test_item_page_shows_typed_attributes_availability_sources_and_menus(sample: Path) -> None:
    tree = lhtml.parse(str(sample / "items/movie/the-conversation/index.html"))
    terms = tree.xpath("//dl[@class='attributes']/dt/text()")
    assert "Director" in terms and "Runtime" in terms
    rows = tree.xpath("//table[@class='availability']/tbody/tr")
    assert rows and all(
        r.xpath("string(td[4])").endswith("days ago") or "today" in r.xpath("string(td[4])") for r in rows
    )
    assert tree.xpath("//section[@aria-labelledby='menus-title']//a")
    # Sources by their own names, linked to the record, never "wikidata: Q…".
    tree = lhtml.parse(str(sample / "items/movie/blade-runner/index.html"))
    sources = tree.xpath("//section[@aria-labelledby='sources-title']//li/a")
    names = {a.text_content(): a.get("href") for a in sources}
    assert names.get("Wikidata", "").startswith("https://www.wikidata.org/wiki/Q"), names
    assert not [n for n in names if ":" in n]


def test_source_names_and_links() -> None:
    from generator.site.sourcenames import source_label, source_link

    assert [source_label(n) for n in ("openlibrary", "musicbrainz", "tmdb", "letterboxd", "other")] == [
        "Open Library",
        "MusicBrainz",
        "TMDB",
        "Letterboxd",
        "other",
    ]
    assert source_link("openlibrary", "OL15832982W") == "https://openlibrary.org/works/OL15832982W"
    assert source_link("openlibrary", "OL22951843M") == "https://openlibrary.org/books/OL22951843M"
    assert source_link("letterboxd", "2a38") is None
    assert source_link("letterboxd", "2a38", "https://boxd.it/2a38") == "https://boxd.it/2a38"
    assert source_link("goodreads", "123") == "https://www.goodreads.com/book/show/123"


def test_curator_page_has_menus_taste_chart_and_timeline(sample: Path) -> None:
    tree = lhtml.parse(str(sample / "curators/ada/index.html"))
    assert tree.xpath("//svg[@role='img']//rect[@class='bar-rect']")
    assert tree.xpath("//ol[@class='timeline']/li")
    assert tree.xpath("//section[@aria-labelledby='menus-title']//article")
    html_text = (sample / "curators/ada/index.html").read_text()
    assert "bad week at work" not in html_text  # a private note
    assert "ada@example.org" not in html_text


DRAFT = MENU.format(title="Secret Draft", curator="ada", status="draft", extra="")


def test_drafts_appear_in_no_listing_feed_sitemap_or_json_ld(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site", {"content/menus/secret-draft.md": DRAFT.replace("[conspiracy]", "[only-in-draft]")}
    )
    out = built(root)
    assert not (out / "menus/secret-draft").exists()
    assert not (out / "tags/only-in-draft").exists()
    for path in out.rglob("*"):
        if path.is_file():
            # Every file, binary ones too (the open-data database, the gzipped search index).
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            assert b"Secret Draft" not in data and b"secret-draft" not in data, path


def test_a_fork_of_a_draft_links_to_the_nearest_published_ancestor(tmp_path: Path) -> None:
    files = {
        "content/menus/secret-draft.md": DRAFT.replace(
            "courses:", "forked_from: paranoid-seventies\ncourses:"
        ),
        "content/menus/paranoid-remix.md": MENU.format(
            title="Paranoid Remix", curator="bruno", status="published", extra="forked_from: secret-draft\n"
        ),
    }
    out = built(make_site(tmp_path / "site", files))
    page = (out / "menus/paranoid-remix/index.html").read_text()
    assert "../paranoid-seventies/index.html" in page and "Secret Draft" not in page
    lineage = (out / "menus/paranoid-seventies/lineage/index.html").read_text()
    assert "Paranoid Remix" in lineage and "Secret Draft" not in lineage


def test_fork_diffs_are_derived_into_the_database(tmp_path: Path) -> None:
    fork = MENU.format(
        title="Paranoid Remix", curator="bruno", status="published", extra="forked_from: paranoid-seventies\n"
    )
    fork = fork.replace("Watch it with *headphones*.", "Watch it twice.")
    fork = fork.replace(
        "      - item: book/the-crying-of-lot-49\n",
        "  - title: Second\n    items:\n      - item: book/the-crying-of-lot-49\n",
    )
    root = make_site(tmp_path / "site", {"content/menus/paranoid-remix.md": fork})
    out = built(root)
    conn = sqlite3.connect(root / "data/omakase.sqlite")
    rows = conn.execute("""
        SELECT d.change, i.slug, d.old_course_title, d.new_course_title FROM menu_fork_diffs d
        JOIN media_items i ON i.id = d.media_item_id JOIN menus m ON m.id = d.menu_id
        WHERE m.slug = 'paranoid-remix' ORDER BY d.change""").fetchall()
    assert rows == [
        ("annotation", "the-conversation", "Aperitif", "Aperitif"),
        ("moved", "the-crying-of-lot-49", "Aperitif", "Second"),
    ]
    text = " ".join(
        lhtml.parse(str(out / "menus/paranoid-remix/lineage/index.html")).getroot().text_content().split()
    )
    assert "Moved The Crying of Lot 49: from Aperitif to Second" in text
    assert "Before: Watch it with headphones." in text and "After: Watch it twice." in text


def test_fork_diffs_name_added_and_removed_items(tmp_path: Path) -> None:
    fork = MENU.format(
        title="Paranoid Remix", curator="bruno", status="published", extra="forked_from: paranoid-seventies\n"
    )
    fork = fork.replace(
        "      - item: book/the-crying-of-lot-49\n", "      - item: movie/the-parallax-view\n"
    )
    fork = fork[: fork.index("pairings:")] + fork[fork.index("---\nAn introduction") :]
    root = make_site(
        tmp_path / "site",
        {
            "content/menus/paranoid-remix.md": fork,
            "content/items/movie/the-parallax-view.md": MOVIE.format(title="The Parallax View"),
        },
    )
    built(root)
    conn = sqlite3.connect(root / "data/omakase.sqlite")
    rows = conn.execute("""
        SELECT d.change, i.slug, d.old_course_position, d.new_course_position,
               d.old_annotation, d.new_annotation
        FROM menu_fork_diffs d JOIN media_items i ON i.id = d.media_item_id
        JOIN menus m ON m.id = d.menu_id WHERE m.slug = 'paranoid-remix'
        ORDER BY d.change""").fetchall()
    assert rows == [
        ("added", "the-parallax-view", None, 1, None, ""),
        ("removed", "the-crying-of-lot-49", 1, None, "", None),
    ]


def test_a_site_override_extends_the_default_template(tmp_path: Path) -> None:
    override = (
        '{% extends "default:menu.html" %}\n{% block main %}<p class="house">House style'
        "</p>{{ super() }}{% endblock %}\n"
    )
    root = make_site(tmp_path / "site", {"overrides/menu.html": override})
    page = (built(root) / "menus/paranoid-seventies/index.html").read_text()
    assert '<p class="house">House style</p>' in page
    assert "Paranoid Seventies</h1>" in page  # the default's content is still there


def test_pages_escape_everything_from_content(tmp_path: Path) -> None:
    menu = MENU.format(title='Quote " & <tag>', curator="ada", status="published", extra="")
    out = built(make_site(tmp_path / "site", {"content/menus/paranoid-seventies.md": menu}))
    page = (out / "menus/paranoid-seventies/index.html").read_text()
    assert "<tag>" not in page and "&lt;tag&gt;" in page
    data = jsonld_blocks(out / "menus/paranoid-seventies/index.html")[0]
    assert data["name"] == 'Quote " & <tag>'
    assert "<tag>" not in (out / "feed.xml").read_text()


def test_share_style_render_with_noindex_hides_page_from_robots(tmp_path: Path) -> None:
    from generator.db.schema import connect
    from generator.site import queries
    from generator.site.pages import Page
    from generator.site.render import Renderer

    root = make_site(tmp_path / "site")
    built(root)
    db = connect(str(root / "data/omakase.sqlite"))
    renderer = Renderer(Settings(root=root).resolve())
    page = Page(
        "/share/abcdefghijklmnopqrstuvwxyz/",
        "menu.html",
        {"menu": queries.menu_detail(db, "paranoid-seventies"), "noindex": True},
    )
    html_text = renderer.render(page).decode()
    assert '<meta name="robots" content="noindex">' in html_text
    assert 'rel="canonical"' not in html_text and "application/ld+json" not in html_text


def test_summary_keeps_punctuation_next_to_emphasis() -> None:
    from generator.site.filters import summary

    assert summary("A fork of *Overheard*, itself.\n\n- one\n- two") == (
        "A fork of Overheard, itself. one two"
    )
    assert summary("word " * 100, limit=20) == "word word word word…"


def test_sql_summary_is_the_filters_cut_and_null_without_text() -> None:
    """Menu cards ask SQLite for the cut of their introduction (sqlfunctions.py)."""
    import sqlite3

    from generator.site.filters import summary
    from generator.site.sqlfunctions import with_functions

    conn = with_functions(sqlite3.connect(":memory:"))
    text = "An *opening* line.\n\n" + "word " * 60
    assert conn.execute("SELECT summary(?, 160)", (text,)).fetchone()[0] == summary(text, 160)
    assert conn.execute("SELECT summary(NULL, 160), summary('', 160)").fetchone() == (None, None)
    # Text with nothing to show still has a (blank) cut, as the filter gives.
    assert conn.execute("SELECT summary('<!-- note -->', 160)").fetchone()[0] == ""


def test_a_tag_on_more_menus_than_a_page_holds_pages_them_newest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.site import tag_queries

    monkeypatch.setattr(tag_queries, "TAG_PAGE_MENUS", 1)
    out = build_sample(tmp_path, BASE)
    tagged = [
        p
        for p in sorted((out / "tags").iterdir())
        if p.is_dir()  # a tag's folder, not the list of tags (tags/index.html)
        and len(lhtml.fromstring((p / "index.html").read_bytes()).xpath('//div[@class="cards"]/article')) == 1
        and "2 menus" in (p / "index.html").read_text()
    ]
    assert tagged, "the sample site has a tag on two menus"
    tag = tagged[0]
    pages = [lhtml.fromstring(f.read_bytes()) for f in (tag / "index.html", tag / "page/2/index.html")]
    cards = [page.xpath('//div[@class="cards"]/article//h3/a')[0].text_content() for page in pages]
    assert cards[0] != cards[1]
    dates = [page.xpath('//div[@class="cards"]/article//time')[0].get("datetime") for page in pages]
    assert dates[0] >= dates[1]
    headings = [page.xpath('//h2[@id="menus-title"]')[0].text_content() for page in pages]
    assert headings == ["Menus 1–1", "Menus 2–2"]
    sitemap = (out / "sitemap.xml").read_text()
    assert f"<loc>{BASE}tags/{tag.name}/page/2/</loc>" in sitemap
    checked, broken = check_site(out, BASE)
    assert broken == []


def test_a_menu_naming_one_tag_twice_counts_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two spellings of a tag share its page: the sitemap counts the tag's pages as the
    pages themselves do, by menu, not by spelling."""
    from generator.engine.build import build
    from generator.site import tag_queries
    from tests.conftest import settings_for
    from tests.sitekit import MENU, make_site

    monkeypatch.setattr(tag_queries, "TAG_PAGE_MENUS", 1)
    root = make_site(
        tmp_path / "site",
        {
            "content/menus/paranoid-seventies.md": MENU.format(
                title="Paranoid Seventies", curator="ada", status="published", extra=""
            ).replace("tags: [conspiracy]", "tags: [conspiracy, Conspiracy!]")
        },
        drop=("content/menus/paranoid-remix.md",),
    )
    build(settings_for(root, base_url=BASE))
    out = root / "output"
    assert (out / "tags/conspiracy/index.html").is_file()
    assert not (out / "tags/conspiracy/page/2").exists()
    assert "tags/conspiracy/page/2/" not in (out / "sitemap.xml").read_text()


def test_a_tag_with_more_items_than_a_page_holds_is_paginated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.site import tag_queries

    monkeypatch.setattr(tag_queries, "TAG_PAGE_ITEMS", 1)
    out = build_sample(tmp_path, BASE)
    first = lhtml.fromstring((out / "tags/surveillance/index.html").read_bytes())
    second = lhtml.fromstring((out / "tags/surveillance/page/2/index.html").read_bytes())
    assert not (out / "tags/surveillance/page/3").exists()
    card = '//ul[contains(@class, "item-grid")]//p[@class="item-title"]/a'
    titles = [[a.text_content() for a in page.xpath(card)] for page in (first, second)]
    assert [len(t) for t in titles] == [1, 1] and titles[0] != titles[1]
    assert titles[0] + titles[1] == sorted(titles[0] + titles[1])
    # Menus are on the first page; both pages count everything and link to each other.
    assert first.xpath('//div[@class="cards"]') and not second.xpath('//div[@class="cards"]')
    for page, number in ((first, 1), (second, 2)):
        byline = page.xpath('//p[@class="byline"]')[0].text_content()
        assert f"2 items · page {number} of 2" in byline
        pager = page.xpath('//nav[@class="pager"]')[0]
        assert pager.get("aria-label") == "Pages tagged surveillance"
        assert pager.xpath('.//a[@aria-current="page"]')[0].text_content() == str(number)
    assert first.xpath('//nav//a[@rel="next"]')[0].get("href") == "page/2/index.html"
    assert second.xpath('//nav//a[@rel="prev"]')[0].get("href") == "../../index.html"
    sitemap = (out / "sitemap.xml").read_text()
    assert f"<loc>{BASE}tags/surveillance/page/2/</loc>" in sitemap
    checked, broken = check_site(out, BASE)
    assert broken == []


def test_the_tag_list_counts_each_tags_items_and_published_menus(tmp_path: Path) -> None:
    """tag_queries.tags, against the same counts made in Python from the tables themselves."""
    import sqlite_utils

    from generator.site import tag_queries

    build_sample(tmp_path, BASE)
    db = sqlite_utils.Database(tmp_path / "omakase.sqlite")
    slug_of = {row["id"]: row["slug"] for row in db.query("SELECT id, slug FROM tags")}
    public_slug = {
        row["name"]: row["slug"] for row in db.query("SELECT name, slug FROM tags WHERE owner_id IS NULL")
    }
    items: dict[str, set[str]] = {}
    for row in db.query("SELECT media_item_id, tag_id FROM media_item_tags"):
        items.setdefault(slug_of[row["tag_id"]], set()).add(row["media_item_id"])
    menus: dict[str, set[str]] = {}
    for row in db.query("SELECT id, tags FROM menus WHERE status = 'published'"):
        for name in json.loads(row["tags"]):
            if name in public_slug:
                menus.setdefault(public_slug[name], set()).add(row["id"])
    expected = [
        (slug, len(items.get(slug, ())), len(menus.get(slug, ()))) for slug in sorted(set(items) | set(menus))
    ]
    listed = [(row["slug"], row["item_count"], row["menu_count"]) for row in tag_queries.tags(db)]
    assert listed == expected
    assert any(m > 0 for _, _, m in listed) and any(i > 1 for _, i, _ in listed)
