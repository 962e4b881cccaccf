"""Cover images: found beside their item, made into hashed variants once, shown in a <picture>."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html
from PIL import Image

import generator.engine.covers as covers
from generator.cli import main
from generator.content.model import Cover
from generator.engine.build import build
from tests.conftest import settings_for
from tests.test_incremental import assert_same_as_full, sample_site

ITEM = "content/items/book/frankenstein"
PAGE = "output/items/book/frankenstein/index.html"


def jpeg(size: tuple[int, int], colour: tuple[int, int, int] = (200, 40, 40), **options: object) -> bytes:
    """A JPEG of one colour with a white top-left square (to tell which way is up)."""
    im = Image.new("RGB", size, colour)
    im.paste((255, 255, 255), (0, 0, size[0] // 4, size[1] // 4))
    out = io.BytesIO()
    im.save(out, "JPEG", **options)
    return out.getvalue()


def site_with_cover(root: Path, data: bytes) -> Path:
    sample_site(root)
    (root / f"{ITEM}.jpg").write_bytes(data)
    return root


def picture(root: Path) -> html.HtmlElement:
    doc = html.fromstring((root / PAGE).read_bytes())
    (found,) = doc.xpath("//header//picture")
    return found


def variant_files(root: Path) -> list[Path]:
    """The variant files of the Frankenstein page's cover (the sample has other covers)."""
    key = picture(root).xpath(".//img")[0].get("src").rsplit("/", 1)[1].split("-")[0]
    return sorted((root / "output/covers").glob(f"{key}-*"))


def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The covers each build hands to the encoders (in this process or its workers)."""
    calls: list[str] = []
    real = covers._run

    def run(todo: list[tuple[Cover, str]], root: Path) -> object:
        calls.extend(cover.display for cover, _key in todo)
        return real(todo, root)

    monkeypatch.setattr(covers, "_run", run)
    return calls


def test_an_item_with_a_cover_gets_a_picture_of_hashed_variants(tmp_path: Path) -> None:
    root = site_with_cover(tmp_path / "site", jpeg((800, 1200)))
    build(settings_for(root))
    pic = picture(root)
    sources = {s.get("type"): s for s in pic.xpath(".//source")}
    assert set(sources) == ({"image/avif", "image/webp"} if covers.avif_available() else {"image/webp"})
    (img,) = pic.xpath(".//img")
    assert img.get("alt") == "Cover of Frankenstein; or, The Modern Prometheus"
    assert (img.get("width"), img.get("height")) == ("640", "960")
    assert img.get("decoding") == "async" and img.get("loading") == "eager"
    assert re.fullmatch(r"#[0-9a-f]{6}", pic.get("style").split(": ")[1])
    for source in [*sources.values(), img]:
        for entry in source.get("srcset").split(", "):
            url, width = entry.split(" ")
            name = url.rsplit("/", 1)[1]
            assert re.fullmatch(r"[0-9a-f]{20}-\d+\.(avif|webp|jpg)", name), name
            with Image.open(root / "output/covers" / name) as variant:
                assert f"{variant.width}w" == width
    assert img.get("src").endswith("-640.jpg")
    text = (root / PAGE).read_text()
    assert '<dt>Cover</dt><dd><a href="https://standardebooks.org/' in text  # cover_credit, as Markdown
    # Cards further down a page load their cover lazily, sized as shown.
    listing = html.fromstring((root / "output/items/book/index.html").read_bytes())
    (card,) = listing.xpath("//picture//img[contains(@alt, 'Frankenstein')]")
    assert card.get("loading") == "lazy" and card.get("sizes") == "4rem" and card.get("width") == "640"
    # An item without a cover keeps its typographic tile.
    other = html.fromstring((root / "output/items/book/solaris/index.html").read_bytes())
    assert not other.xpath("//picture") and other.xpath("//header//span[contains(@class, 'cover')]")


def test_a_small_cover_is_never_upscaled(tmp_path: Path) -> None:
    root = site_with_cover(tmp_path / "site", jpeg((100, 150)))
    build(settings_for(root))
    widths = sorted({Image.open(p).width for p in variant_files(root)})
    assert widths == [100]
    (img,) = picture(root).xpath(".//img")
    assert (img.get("width"), img.get("height")) == ("100", "150")


def test_orientation_is_applied_and_metadata_stripped(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS
    exif[0x010F] = "Camera maker"
    source = jpeg((300, 200), exif=exif.tobytes())
    with Image.open(io.BytesIO(source)) as check:
        assert check.getexif()[0x0112] == 6 and check.getexif().get_ifd(0x8825)
    root = site_with_cover(tmp_path / "site", source)
    build(settings_for(root))
    (img,) = picture(root).xpath(".//img")
    assert (img.get("width"), img.get("height")) == ("200", "300")  # upright: taller than wide
    for path in variant_files(root):
        data = path.read_bytes()
        assert b"Camera maker" not in data and b"Exif\x00\x00" not in data
        with Image.open(path) as variant:
            assert variant.height > variant.width
            assert not variant.getexif() and "icc_profile" not in variant.info
            if path.suffix == ".jpg":
                # The white square was top-left of the stored pixels: shown, it is top-right.
                rgb = variant.convert("RGB")
                assert rgb.getpixel((variant.width - 3, 3))[1] > 200
                assert rgb.getpixel((3, 3))[1] < 100


def test_a_rebuild_encodes_nothing_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counted(monkeypatch)
    root = site_with_cover(tmp_path / "site", jpeg((400, 600)))
    build(settings_for(root))
    assert f"{ITEM}.jpg" in calls
    first = sorted(calls)
    item = root / f"{ITEM}.md"
    item.write_text(item.read_text().replace("gothic", "gothic, horror"))
    assert build(settings_for(root)).mode == "incremental"
    assert build(settings_for(root), full=True).mode == "full"
    assert sorted(calls) == first


def test_a_cover_edit_re_renders_its_item_page_as_a_full_build_would(tmp_path: Path) -> None:
    root = sample_site(tmp_path / "site")
    build(settings_for(root))
    assert "<picture" in (root / PAGE).read_text()  # the sample's own cover
    cover = root / f"{ITEM}.jpg"
    for step in ("edit", "remove", "add named"):
        if step == "edit":
            cover.write_bytes(jpeg((320, 480), (10, 90, 200)))
        elif step == "remove":
            cover.unlink()
        else:
            (root / "content/items/book/portrait.png").write_bytes(_png((200, 300)))
            item = root / f"{ITEM}.md"
            item.write_text(
                item.read_text().replace("slug: frankenstein\n", "slug: frankenstein\ncover: portrait.png\n")
            )
        before = (root / PAGE).read_bytes()
        report = build(settings_for(root))
        assert report.mode == "incremental", step
        assert (root / PAGE).read_bytes() != before, step
        assert ("<picture" in (root / PAGE).read_text()) == (step != "remove")
        assert_same_as_full(root, tmp_path)
    shutil.rmtree(tmp_path / "cold-out")


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 120, 0, 128)).save(out, "PNG")
    return out.getvalue()


def test_an_uppercase_extension_is_found(tmp_path: Path) -> None:
    """Cameras and some exports write `.JPG`: it counts as `.jpg`, beside the item or named."""
    root = sample_site(tmp_path / "site")
    (root / f"{ITEM}.jpg").rename(root / f"{ITEM}.JPG")
    build(settings_for(root))
    (img,) = picture(root).xpath(".//img")
    assert img.get("src").endswith("-640.jpg")
    # Two files that differ only in case are two covers for one item: refused.
    (root / f"{ITEM}.jpg").write_bytes(jpeg((40, 60)))
    result = CliRunner().invoke(main, ["build", "--root", str(root)])
    assert result.exit_code == 1 and "two covers for book/frankenstein" in result.output


def test_the_cover_cache_keeps_only_the_covers_in_use(tmp_path: Path) -> None:
    root = site_with_cover(tmp_path / "site", jpeg((400, 600)))
    build(settings_for(root))
    cache = root / "data/.omakase-covers"
    before = {p.name for p in cache.iterdir()}
    (root / f"{ITEM}.jpg").write_bytes(jpeg((400, 600), (20, 200, 20)))
    build(settings_for(root))
    after = {p.name for p in cache.iterdir()}
    assert len(after) == len(before) and len(after - before) == 1
    (root / f"{ITEM}.jpg").unlink()
    build(settings_for(root))
    assert {p.name for p in cache.iterdir()} == after & before
