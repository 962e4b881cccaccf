"""The benchmark harness works end to end on a tiny corpus (no timing is asserted)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from benchmarks.__main__ import main
from benchmarks.corpus import catalogue_path, generate
from tests.sitekit import PROJECT

TOOLS = PROJECT / ".venv-bench"

pytestmark = pytest.mark.bench


def _tools() -> Path:
    try:
        catalogue_path(TOOLS)
    except SystemExit:
        pytest.skip("bench tools missing: run `make bench-tools`")
    return TOOLS


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.md")) + sorted(root.rglob("*.yaml")):
        h.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


def test_corpus_is_real_deterministic_and_scales_past_the_catalogue(tmp_path: Path) -> None:
    tools = _tools()
    corpus = generate(tmp_path / "a", items=300, menus=30, tools=tools)
    again = generate(tmp_path / "b", items=300, menus=30, tools=tools)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert corpus.items == 300 and corpus.menus == 30
    items = list((tmp_path / "a/content/items/movie").glob("*.md"))
    assert len(items) == 300 and again.popular == corpus.popular
    assert "source: imdb" in items[0].read_text()  # real films carry their IMDb id
    menu = corpus.menu_paths[0].read_text()
    assert 3 <= menu.count("  - title: Course") <= 5 and "pairings:" in menu
    assert any("forked_from:" in p.read_text() for p in corpus.menu_paths)


def test_bench_runs_every_scenario_on_a_tiny_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tools = _tools()
    report = tmp_path / "BENCH.md"
    assert (
        main(
            [
                "--items",
                "200",
                "--menus",
                "20",
                "--runs",
                "1",
                "--workdir",
                str(tmp_path / "w"),
                "--tools",
                str(tools),
                "--write",
                str(report),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for scenario in (
        "| cold |",
        "| noop |",
        "| menu-edit |",
        "| item-edit |",
        "| hugo |",
        "| serve-menu-edit |",
        "| serve-item-edit |",
        "| pagefind |",
        "| hugo+pagefind |",
    ):
        assert scenario in out
    assert "Machine: " in report.read_text() and "| hugo |" in report.read_text()
    cold = next(line for line in out.splitlines() if line.startswith("| cold |"))
    assert [c.strip()[-1:] for c in cold.split("|")[7:9]] == ["×", "×"]  # ÷ Hugo + Pagefind, ÷ Hugo
    # The phases of each Omakase build, from `build --timings`.
    assert "| phase | cold | noop |" in out and "| render |" in out and "| search, open data |" in out
    menu_edit = next(line for line in out.splitlines() if line.startswith("| menu-edit |"))
    cells = [c.strip() for c in menu_edit.split("|")]
    assert 0 < float(cells[5]) <= float(cells[2])  # pages written before the command ended
    # The dev server's rebuilds: from the save, with that build's phases.
    served = next(line for line in out.splitlines() if line.startswith("| serve-menu-edit |"))
    cells = [c.strip() for c in served.split("|")]
    assert 0 < float(cells[5]) <= float(cells[2]) and float(cells[6]) > 0
    assert "| serve-menu-edit |" in out.split("| phase |", 1)[1].splitlines()[0]
    hugo_pages = list((tmp_path / "w/hugo/public/pages").glob("*/index.html"))
    built = int(out.split("→ ")[1].split(" pages")[0])
    assert len(hugo_pages) == built
    assert not (tmp_path / "w/.trash").exists()  # what the runs set aside is gone at the end


def test_clean_up_sets_trees_aside_without_deleting_a_file(tmp_path: Path) -> None:
    from benchmarks.run import clean_build

    site, trash = tmp_path / "site", tmp_path / ".trash"
    for tree in ("output", "data"):
        (site / tree).mkdir(parents=True)
        (site / tree / "page.html").write_text(tree)
    inodes = {(site / tree / "page.html").stat().st_ino for tree in ("output", "data")}
    clean_build(site, trash)
    assert not (site / "output").exists() and not (site / "data").exists()
    assert {p.stat().st_ino for p in trash.rglob("page.html")} == inodes  # moved, not copied
    clean_build(site, trash)  # nothing left to move


def test_the_covers_scenario_runs_and_re_encodes_nothing_after_an_edit(tmp_path: Path) -> None:
    from benchmarks.covers import main as covers_main

    tools = _tools()
    report = tmp_path / "BENCH.md"
    report.write_text(
        "# Benchmark\n\n## Covers\n\nstale table\n\n### Notes\n\n- kept\n\n## After\n\nkept too\n"
    )
    args = ["--covers", "4", "--runs", "1", "--workdir", str(tmp_path / "w"), "--tools", str(tools)]
    assert covers_main([*args, "--write", str(report)]) == 0
    text = report.read_text()
    assert "| hugo cold |" in text and "covers re-encoded 0 |" in text and "stale table" not in text
    assert "- kept" in text and text.endswith("## After\n\nkept too\n")
