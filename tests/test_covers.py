"""Cover images: found beside their item, made into hashed variants once, shown in a <picture>."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from lxml import html
from PIL import Image

import generator.engine.covers as covers
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


def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = covers.encode_cover

    def encode(*args: str) -> object:
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(covers, "encode_cover", encode)
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
    (card,) = listing.xpath("//picture//img")
    assert card.get("loading") == "lazy" and card.get("sizes") == "4rem" and card.get("width") == "640"
    # An item without a cover keeps its typographic tile.
    other = html.fromstring((root / "output/items/book/solaris/index.html").read_bytes())
    assert not other.xpath("//picture") and other.xpath("//header//span[contains(@class, 'cover')]")


def test_a_small_cover_is_never_upscaled(tmp_path: Path) -> None:
    root = site_with_cover(tmp_path / "site", jpeg((100, 150)))
    build(settings_for(root))
    widths = sorted({Image.open(p).width for p in (root / "output/covers").iterdir()})
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
    for path in (root / "output/covers").iterdir():
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
    assert calls == [f"{ITEM}.jpg"]
    item = root / f"{ITEM}.md"
    item.write_text(item.read_text().replace("gothic", "gothic, horror"))
    assert build(settings_for(root)).mode == "incremental"
    assert build(settings_for(root), full=True).mode == "full"
    assert calls == [f"{ITEM}.jpg"]


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
