"""An edit's search bundles are indexed into Pagefind's output folder of the last build,
which then writes only the files it lacks; what that folder holds beyond the new bundle
never reaches the site."""

from __future__ import annotations

from pathlib import Path

from generator.engine.build import build
from generator.site import keptbundles, search
from tests.conftest import settings_for
from tests.sitekit import make_site, write
from tests.test_incremental import assert_same_as_full


def test_cbor_strings_are_found_at_every_depth() -> None:
    long = "x" * 30  # a length in the byte after the head
    data = (
        bytes([0x84, 0x61])
        + b"a"
        + bytes([0x01, 0xA1, 0x61])
        + b"b"
        + bytes([0x81, 0x61])
        + b"c"
        + bytes([0xF9, 0x3C, 0x00])  # a half-precision float
        + bytes([0x78, 30])
        + long.encode()
        + bytes([0x19, 0x01, 0x36, 0x43])
        + b"\x00\x01\x02"  # a number, then bytes
    )
    assert keptbundles.cbor_strings(data) == {"a", "b", "c", long}


def test_a_kept_folder_is_used_again_only_after_a_finished_run(tmp_path: Path) -> None:
    files = {"fragment/en_1.pf_fragment": "a", "pagefind.js": "js"}
    folder = write(tmp_path / "output/pagefind-1", files)
    assert not keptbundles.prepare(folder, "1.5.2")  # never marked: a run may have been cut short
    assert not folder.exists()
    write(folder, files)
    keptbundles.settle(folder, "1.5.2", earlier=False)
    assert keptbundles.prepare(folder, "1.5.2")
    assert not (folder / "pagefind.js").exists()  # the run writes it again
    assert (folder / "fragment/en_1.pf_fragment").read_text() == "a"  # named by its hash: kept
    assert not keptbundles.prepare(folder, "1.5.2")  # the run over it did not finish
    write(folder, files)
    keptbundles.settle(folder, "1.5.2", earlier=False)
    assert not keptbundles.prepare(folder, "1.6.0")  # another Pagefind
    assert not folder.exists()


def test_an_edit_adds_only_new_files_to_the_kept_folder_and_publishes_the_bundle(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    build(settings_for(site))
    menu = site / "content/menus/paranoid-seventies.md"
    documents = search.documents_dir(settings_for(site).resolve().db_path)
    last: dict[str, int] = {}
    for n in range(3):
        menu.write_text(menu.read_text().rstrip("\n") + f"\n\nOne more line, {n}.\n")
        assert build(settings_for(site)).mode == "incremental"
        kept = {
            p.relative_to(documents).as_posix(): p.stat().st_ino
            for p in (documents / keptbundles.FOLDER).rglob("*.pf_fragment")
        }
        if n:
            # The fragments of unchanged pages stayed where the last build's run wrote them.
            assert set(kept.items()) & set(last.items())
        last = kept
        assert_same_as_full(site, tmp_path / f"full-{n}")
