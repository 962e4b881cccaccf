"""The Pagefind index: which pages it holds, what it says about them, how it is split into
bundles and when a bundle is rebuilt."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.engine.build import build
from generator.site import pagefind, search, searchdoc
from tests.conftest import settings_for
from tests.sitekit import MENU, make_site, write
from tests.sitekit import search_index as indexed

DRAFT = MENU.format(title="Secret Supper Quokka", curator="ada", status="draft", extra="")


def bundles_indexed(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The numbers of the bundles each later Pagefind pass indexes, one list per pass."""
    runs: list[list[int]] = []
    real = pagefind.run_all
    monkeypatch.setattr(
        pagefind,
        "run_all",
        lambda jobs, meanwhile=None, prepare=None: (
            runs.append([j.number for j in jobs]),
            real(jobs, meanwhile, prepare),
        )[1],
    )
    return runs


def test_build_indexes_menus_and_items_with_type_year_and_menus(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/menus/secret-supper.md": DRAFT})
    build(settings_for(root))
    records = indexed(root / "output")
    assert set(records) == {
        "/menus/paranoid-seventies/index.html",
        "/menus/paranoid-remix/index.html",
        "/items/movie/the-conversation/index.html",
        "/items/book/the-crying-of-lot-49/index.html",
    }
    movie = records["/items/movie/the-conversation/index.html"]
    assert movie["meta"]["title"] == "The Conversation"
    assert movie["meta"]["type"] == "Film" and movie["meta"]["year"] == "1974"
    assert movie["meta"]["menus"] == "Paranoid Remix · Paranoid Seventies"
    # No Pagefind filters: they make its index files differ from run to run.
    assert movie["filters"] == {}
    menu = records["/menus/paranoid-seventies/index.html"]
    assert menu["meta"]["type"] == "Menu" and menu["meta"]["year"] == "2026"
    everything = json.dumps(records)
    assert "Quokka" not in everything and "secret-supper" not in everything
    # The hidden menus line feeds the result's metadata, not its searchable text.
    assert "Paranoid Remix · Paranoid Seventies" not in movie["content"]
    # Covers' letters are decoration and the menu's table of contents repeats its courses:
    # neither is searchable text.
    assert movie["content"].startswith("Film. The Conversation.")
    assert "TC movie" not in movie["content"] and "At a glance" not in menu["content"]
    assert menu["content"].count("Aperitif") == 1


def test_share_redirect_and_noindex_pages_are_never_indexed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    page = (
        '<!DOCTYPE html><html lang="en"><head><title>{t}</title>{head}</head>'
        "<body><main data-pagefind-body><h1>{t}</h1><p>{t} text</p></main></body></html>"
    )
    write(
        site,
        {
            "items/book/kept/index.html": page.format(t="Kept Zebra", head=""),
            "share/abcdefghijklmnopqrstuvwx/index.html": page.format(t="Shared Draft Ocelot", head=""),
            "old/index.html": page.format(
                t="Moved Heron", head='<meta http-equiv="refresh" content="0; url=../items/">'
            ),
            "hidden/index.html": page.format(t="Hidden Lynx", head='<meta name="robots" content="noindex">'),
            "plain/index.html": "<!DOCTYPE html><html lang='en'><title>Plain Gecko</title><p>Plain Gecko",
        },
    )
    assert search.index_site(site)
    records = indexed(site)
    assert list(records) == ["/items/book/kept/index.html"]
    assert not any(name in json.dumps(records) for name in ("Ocelot", "Heron", "Lynx", "Gecko"))


def test_unchanged_pages_reuse_the_previous_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path)
    build(settings_for(site))
    bundle = site / "output" / "pagefind"
    stamp = (bundle / search.STAMP).read_text()
    entry = (bundle / "pagefind-entry.json").read_bytes()
    runs: list[int] = []
    real = pagefind.run_all
    monkeypatch.setattr(
        pagefind,
        "run_all",
        lambda jobs, meanwhile=None, prepare=None: (runs.append(len(jobs)), real(jobs, meanwhile, prepare))[
            1
        ],
    )
    stage = tmp_path / "stage"
    shutil.copytree(site / "output", stage, ignore=shutil.ignore_patterns("pagefind"))
    copied = search.index_site(stage, previous=site / "output")
    assert runs == [0] and "pagefind/pagefind-entry.json" in copied
    assert (stage / "pagefind" / "pagefind-entry.json").read_bytes() == entry
    assert search.index_site(stage, previous=site / "output") == []  # already current
    # Any change to an indexed page rebuilds the index, and old index files go.
    page = stage / "items/movie/the-conversation/index.html"
    page.write_text(page.read_text().replace("A surveillance expert", "A wiretapper"))
    before = {p.relative_to(stage).as_posix() for p in (stage / "pagefind").rglob("*") if p.is_file()}
    touched = search.index_site(stage, previous=site / "output")
    after = {p.relative_to(stage).as_posix() for p in (stage / "pagefind").rglob("*") if p.is_file()}
    assert runs == [0, 1] and set(touched) >= (before - after) and before - after
    assert (stage / "pagefind" / search.STAMP).read_text() != stamp
    assert "wiretapper" in json.dumps(indexed(stage)["/items/movie/the-conversation/index.html"])
    assert len(indexed(stage)) == 4


def test_a_large_site_is_split_into_bundles_rebuilt_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "PAGES_PER_BUNDLE", 1)  # two items: two bundles
    monkeypatch.setattr(search, "PAGES_PER_MENU_BUNDLE", 1)  # two menus: two more
    site = make_site(tmp_path)
    build(settings_for(site))
    out = site / "output"
    records = indexed(out)
    assert len(records) == 4
    more = json.loads((out / "pagefind" / search.BUNDLES_FILE).read_text())["more"]
    filled = search.split(dict.fromkeys((url.lstrip("/") for url in records), b""))
    assert len(filled) == 4 and more == [f"pagefind-{n}/" for n in range(1, 4) if filled[n]]
    assert sorted(p.name for p in out.glob("pagefind-*")) == [m.rstrip("/") for m in more]
    assert all((out / name / "pagefind-entry.json").is_file() for name in more)
    # Each page is in the bundle its path hashes to, so an edit re-indexes one bundle only.
    runs = bundles_indexed(monkeypatch)
    movie = site / "content/items/movie/the-conversation.md"
    movie.write_text(movie.read_text().replace("A surveillance expert", "A wiretapper"))
    assert build(settings_for(site)).mode == "incremental"
    relpath = "items/movie/the-conversation/index.html"
    bundles = search.split(dict.fromkeys((url.lstrip("/") for url in records), b""))
    assert runs == [[next(n for n, pages in enumerate(bundles) if relpath in pages)]]
    assert "wiretapper" in json.dumps(indexed(out)["/" + relpath])
    # A smaller split removes the bundles it no longer has: one for the items, one for the menus.
    monkeypatch.setattr(search, "PAGES_PER_BUNDLE", 1000)
    monkeypatch.setattr(search, "PAGES_PER_MENU_BUNDLE", 250)
    assert build(settings_for(site), full=True).mode == "full"
    assert [p.name for p in out.glob("pagefind-*")] == ["pagefind-1"] and len(indexed(out)) == 4
    assert json.loads((out / "pagefind" / search.BUNDLES_FILE).read_text())["more"] == ["pagefind-1/"]


def test_a_menu_note_edit_re_indexes_the_menu_bundle_not_the_item_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path)
    build(settings_for(site))
    out = site / "output"
    item_page = (out / "items/movie/the-conversation/index.html").read_bytes()
    assert b"headphones" in item_page and b"headphones" not in search.search_document(item_page)
    bundles = search.split(dict.fromkeys((url.lstrip("/") for url in indexed(out)), b""))
    home = {relpath: n for n, pages in enumerate(bundles) for relpath in pages}
    # Menus and the other pages go in bundles of their own.
    assert home["menus/paranoid-seventies/index.html"] != home["items/movie/the-conversation/index.html"]
    runs = bundles_indexed(monkeypatch)
    menu = site / "content/menus/paranoid-seventies.md"
    menu.write_text(menu.read_text().replace("with *headphones*", "with *earmuffs*"))
    assert build(settings_for(site)).mode == "incremental"
    item_page = (out / "items/movie/the-conversation/index.html").read_bytes()
    assert b"earmuffs" in item_page  # the page changed; its search document did not
    assert runs == [[home["menus/paranoid-seventies/index.html"]]]
    assert "earmuffs" in json.dumps(indexed(out)["/menus/paranoid-seventies/index.html"])


def test_incremental_builds_keep_index_and_open_data_current(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    assert build(settings_for(site)).mode == "full"
    out = site / "output"
    assert build(settings_for(site)).mode == "unchanged"
    movie = site / "content/items/movie/the-conversation.md"
    movie.write_text(movie.read_text().replace("A surveillance expert", "A wiretapper"))
    assert build(settings_for(site)).mode == "incremental"
    assert "wiretapper" in json.dumps(indexed(out)["/items/movie/the-conversation/index.html"])
    assert len(indexed(out)) == 4
    public = sqlite3.connect(out / "data/omakase.sqlite")
    assert (
        "wiretapper"
        in public.execute("SELECT description FROM media_items WHERE slug = 'the-conversation'").fetchone()[0]
    )
    public.close()
    # A change no page shows (a curator's email) still reaches the database and the copy,
    # which stays free of it.
    curator = site / "content/curators/ada.yaml"
    curator.write_text(curator.read_text().replace("ada@example.org", "ada@new.example.org"))
    assert build(settings_for(site)).mode == "incremental"
    assert b"new.example.org" not in (out / "data/omakase.sqlite").read_bytes()
    # A second build of the same content elsewhere gives the same public copy.
    again = make_site(tmp_path / "again")
    shutil.copytree(site / "content", again / "content", dirs_exist_ok=True)
    build(settings_for(again))
    assert (again / "output/data/omakase.sqlite").read_bytes() == (out / "data/omakase.sqlite").read_bytes()


def test_every_page_has_a_search_form_that_works_without_javascript(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    build(settings_for(root))
    out = root / "output"
    for relpath, action in (
        ("index.html", "search/index.html"),
        ("items/movie/the-conversation/index.html", "../../../search/index.html"),
        ("404.html", "search/index.html"),
    ):
        html = (out / relpath).read_text()
        form = (
            '<form class="search-form" role="search" aria-label="Site search" '
            f'action="{action}" method="get">'
        )
        assert form in html
        assert '<label for="site-search-input">Search</label>' in html
        assert '<input id="site-search-input" type="search" name="q"' in html
    search_page = (out / "search/index.html").read_text()
    # Without JavaScript the search page leads to the browse pages, which lead to everything
    # (it does not list every item itself: that weighed 365 KB at 3,800 items).
    for target in (
        "../menus/index.html",
        "../items/index.html",
        "../items/book/index.html",
        "../items/music/index.html",
        "../curators/index.html",
        "../tags/index.html",
    ):
        assert f'href="{target}"' in search_page
    assert "the-conversation" not in search_page
    assert 'href="paranoid-seventies/index.html"' in (out / "menus/index.html").read_text()
    assert 'href="the-conversation/index.html"' in (out / "items/movie/index.html").read_text()
    assert "omakase serve" in search_page  # what the page says when opened from disk
    for asset in ("search.js", "pagefind/pagefind-ui.js", "pagefind/pagefind-ui.css"):
        assert (out / asset).is_file(), asset


def test_a_shared_draft_and_a_redirect_stay_out_of_the_built_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OMAKASE_SHARE_SECRET", raising=False)
    renamed = MENU.format(
        title="Paranoid Seventies", curator="ada", status="published", extra="aliases: [old-paranoia]\n"
    )
    root = make_site(
        tmp_path, {"content/menus/secret-supper.md": DRAFT, "content/menus/paranoid-seventies.md": renamed}
    )
    result = CliRunner().invoke(main, ["share", "secret-supper", "--root", str(root)])
    assert result.exit_code == 0, result.output
    build(settings_for(root))
    out = root / "output"
    shared = list((out / "share").glob("*/index.html"))
    assert len(shared) == 1 and "Secret Supper Quokka" in shared[0].read_text()
    assert (out / "menus/old-paranoia/index.html").is_file()
    records = indexed(out)
    assert not any(url.startswith(("/share/", "/menus/old-paranoia/")) for url in records)
    assert "Quokka" not in json.dumps(records)
    assert "/menus/paranoid-seventies/index.html" in records
    assert "data-pagefind-body" not in shared[0].read_text()


def test_work_files_of_a_killed_build_are_removed(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    dead = 2**22 + 12345  # above the kernel's largest pid: no process has it
    (site / f".omakase-search-{dead}-x1").mkdir(parents=True)
    (site / f".omakase-opendata-{dead}.sqlite").write_bytes(b"partial")
    build(settings_for(site))
    assert not list(site.glob(".omakase-*"))


def test_pagefind_is_given_only_what_it_indexes_and_builds_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path / "site")
    build(settings_for(site))
    page = (site / "output/menus/paranoid-seventies/index.html").read_bytes()
    document = search.search_document(page)
    assert document.startswith(b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>')
    assert b"data-pagefind-body" in document and b"<nav" not in document
    assert b'<script type="application/ld+json">' not in document and len(document) < len(page)
    assert search.search_document(b"<p>no marked element</p>") == b"<p>no marked element</p>"
    # Indexing the cut documents gives exactly the index of the whole pages.
    bundles = {}
    for name, cut in (("cut", search.search_document), ("whole", lambda html: html)):
        monkeypatch.setattr(search, "search_document", cut)
        stage = tmp_path / name
        shutil.copytree(site / "output", stage, ignore=shutil.ignore_patterns("pagefind*"))
        search.index_site(stage)
        # Every bundle's files but the stamp, which names the documents' digests.
        bundles[name] = {
            p.relative_to(stage).as_posix(): p.read_bytes()
            for p in sorted(stage.glob("pagefind*/**/*"))
            if p.is_file() and p.name != search.STAMP
        }
    assert len(bundles["cut"]) > 20 and bundles["cut"] == bundles["whole"]


def test_search_documents_are_kept_and_only_changed_pages_are_cut_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path)
    build(settings_for(site))
    documents = search.documents_dir(settings_for(site).resolve().db_path)
    kept = sorted(p.relative_to(documents).as_posix() for p in documents.rglob("*.html"))
    assert len(kept) == 4 and all(rel.startswith(("pagefind/items/", "pagefind-1/menus/")) for rel in kept)
    cut: list[int] = []
    real = search.search_document
    monkeypatch.setattr(search, "search_document", lambda html: (cut.append(1), real(html))[1])
    movie = site / "content/items/movie/the-conversation.md"
    movie.write_text(movie.read_text().replace("A surveillance expert", "A wiretapper"))
    assert build(settings_for(site)).mode == "incremental"
    assert len(cut) == 1  # the one page that changed
    document = documents / "pagefind/items/movie/the-conversation/index.html"
    assert b"wiretapper" in document.read_bytes()
    assert "wiretapper" in json.dumps(indexed(site / "output")["/items/movie/the-conversation/index.html"])
    # A folder left half-updated (no manifest) is rebuilt whole; the index stays the same.
    (documents / "pagefind" / search.MANIFEST).unlink()
    (documents / "pagefind/items/movie/the-conversation/index.html").write_bytes(b"stale")
    before = indexed(site / "output")
    assert build(settings_for(site), full=True).mode == "full"
    assert indexed(site / "output") == before


@pytest.mark.parametrize("where", ["file", "environment"])
def test_pagefind_never_reads_the_users_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    site = make_site(tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Settings a searchable Hugo site's folder or shell might hold: both would change the index.
    if where == "file":
        (elsewhere / "pagefind.yml").write_text('force_language: "fr"\nexclude_selectors: ["p"]\n')
    else:
        monkeypatch.setenv("PAGEFIND_FORCE_LANGUAGE", "fr")
        monkeypatch.setenv("PAGEFIND_EXCLUDE_SELECTORS", "p")
    monkeypatch.chdir(elsewhere)
    assert build(settings_for(site)).mode == "full"
    movie = site / "content/items/movie/the-conversation.md"
    movie.write_text(movie.read_text().replace("A surveillance expert", "A wiretapper"))
    assert build(settings_for(site)).mode == "incremental"
    started_there = indexed(site / "output")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PAGEFIND_FORCE_LANGUAGE", raising=False)
    monkeypatch.delenv("PAGEFIND_EXCLUDE_SELECTORS", raising=False)
    for made in ("output", "data"):
        shutil.rmtree(site / made)
    assert build(settings_for(site)).mode == "full"
    assert indexed(site / "output") == started_there
    assert "wiretapper" in json.dumps(started_there)


@pytest.mark.parametrize(
    "html",
    [
        b"<html><body><main data-pagefind-body><p>x</p></main></body></html>",
        b'<p>Mark it data-pagefind-body.</p><div class="a" data-pagefind-body="">x</div>',
        b"<div data-pagefind-bodyx><p>data-pagefind-body </p><section\tdata-pagefind-body>y</section>",
        b'<!-- data-pagefind-body --><article id="a" data-pagefind-body data-x="1">z</article>',
        b'<p title="no">text</p> data-pagefind-body <b>no tag holds it</b>',
        b'<div xdata-pagefind-body>no</div><span lang="en"\ndata-pagefind-body\n>yes</span>',
        b"<main data-pagefind-body",  # never closed
        b"no mark at all",
    ],
)
def test_the_marked_element_is_found_as_a_search_of_the_whole_page_finds_it(html: bytes) -> None:
    found, everywhere = searchdoc.body_start(html), searchdoc._BODY_START.search(html)
    assert (found and (found.start(), found.end())) == (everywhere and (everywhere.start(), everywhere.end()))
    assert search.indexable("a/index.html", html) == (everywhere is not None)


def test_each_bundles_documents_are_written_while_the_bundles_before_it_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_popen = subprocess.Popen

    def popen(command: list[str], **options: object) -> subprocess.Popen[bytes]:
        if "--site" in command:  # not another program the child's set-up starts
            events.append("start " + Path(command[command.index("--site") + 1]).name)
        return real_popen(command, **options)  # type: ignore[call-overload,no-any-return]

    fake_pagefind = (
        "import pathlib, sys; "
        "out = pathlib.Path(sys.argv[sys.argv.index('--output-path') + 1]); "
        "out.mkdir(parents=True); (out / 'pagefind.js').write_text('')"
    )
    monkeypatch.setattr(pagefind, "command", lambda: [sys.executable, "-c", fake_pagefind])
    monkeypatch.setattr(pagefind.subprocess, "Popen", popen)
    monkeypatch.setattr(pagefind.os, "cpu_count", lambda: 2)
    runs = [pagefind.Run(tmp_path / f"documents-{n}", tmp_path / f"bundle-{n}", "", n, {}) for n in range(4)]
    pagefind.run_all(runs, prepare=lambda run: events.append("write " + run.pages.name))
    # Two indexing at once: the third bundle's documents are written while they run.
    assert events == [
        "write documents-0",
        "start documents-0",
        "write documents-1",
        "start documents-1",
        "write documents-2",
        "start documents-2",
        "write documents-3",
        "start documents-3",
    ]
    assert all((run.bundle / "pagefind.js").is_file() for run in runs)


def test_a_new_bundle_moves_in_whole_with_the_same_paths_reported(tmp_path: Path) -> None:
    def fresh(name: str) -> Path:
        folder = tmp_path / name
        write(
            folder,
            {
                "pagefind.js": "js",
                "fragment/a.pf_fragment": "a",
                "index/b.pf_index": "b",
                "pagefind-entry.json": "{}",
            },
        )
        return folder

    (tmp_path / "site-a/pagefind").mkdir(parents=True)  # there, empty: moved file by file
    one_by_one = search._replace_bundle(fresh("fresh-a"), tmp_path / "site-a/pagefind")
    (tmp_path / "site-b").mkdir()  # not there: the folder moves in whole
    whole = search._replace_bundle(fresh("fresh-b"), tmp_path / "site-b/pagefind")
    assert (
        whole
        == one_by_one
        == [
            "pagefind/fragment/a.pf_fragment",
            "pagefind/index/b.pf_index",
            "pagefind/pagefind-entry.json",
            "pagefind/pagefind.js",
        ]
    )
    trees = [
        sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
        for root in (tmp_path / "site-a", tmp_path / "site-b")
    ]
    assert trees[0] == trees[1] and not (tmp_path / "fresh-b").exists()


def test_pagefinds_version_is_the_installed_distributions() -> None:
    """Read from the name of the wheel's metadata folder: the same answer as the metadata."""
    from importlib import metadata

    assert pagefind.version() == metadata.version("pagefind")
