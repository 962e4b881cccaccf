"""The build's image step: each cover made into small hashed variants, cached by content.

Runs after the load and before the database is stored, so the renderer finds each cover's
variants (names, sizes, placeholder colour) in the database and never opens an image. A
variant's name carries the hash of its source and of the settings below: published once, it
can be cached forever. The encoded files are kept beside the database (support/caches.py),
so a rebuild or an edit of anything else never encodes an unchanged cover again.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generator.content.coverimages import MAX_PIXELS, decode_cover
from generator.content.model import Cover, Site
from generator.content.parallel import map_on_cores
from generator.errors import ContentErrors, Problem
from generator.support.caches import cache_dir, prune_cache
from generator.support.readonly import connect_readonly
from generator.support.timings import timed

WIDTHS = (160, 320, 640)  # a card, a page's cover, either at twice the pixel density
QUALITY = {"jpeg": 82, "webp": 80, "avif": 55}
# Encoder effort: AVIF speed 8 (of 0-10; Pillow's default 6) and WebP method 2 (of 0-6;
# default 4) encode a cover about twice as fast for files within 2% of the size (BENCH.md,
# covers).
EFFORT = {"webp": {"method": 2}, "avif": {"speed": 8}}
VERSION = 2  # of the processing below: raise it when a change alters the output


def avif_available() -> bool:
    """Whether this Pillow encodes AVIF; without it, covers get WebP and JPEG only."""
    from PIL import features

    return bool(features.check("avif"))


def settings_key() -> str:
    """What besides the source decides the variants' bytes."""
    import PIL

    return json.dumps([VERSION, WIDTHS, QUALITY, EFFORT, MAX_PIXELS, avif_available(), PIL.__version__])


def variant_key(cover: Cover) -> str:
    import hashlib

    return hashlib.blake2b(f"{cover.hash}\0{settings_key()}".encode(), digest_size=10).hexdigest()


@timed("covers")
def process_covers(site: Site, db_path: Path) -> int:
    """Fill each cover's `image` from the cache, encoding the covers it lacks (on every core
    when there are several). Raise ContentErrors for images that cannot be used. Returns how
    many covers were encoded."""
    root = cache_dir(db_path, "covers")
    todo: list[tuple[Cover, str]] = []
    for cover in site.covers.values():
        key = variant_key(cover)
        meta = _cached(root / key)
        if meta is None:
            todo.append((cover, key))
        else:
            cover.image = meta
    problems: list[Problem] = []
    for (cover, _key), got in zip(todo, _run(todo, root), strict=True):
        if isinstance(got, Problem):
            problems.append(got)
        else:
            cover.image = got
    if problems:
        raise ContentErrors(problems)
    # Only the covers of this site stay: a replaced or removed cover's variants leave the
    # cache (an edit that brings it back encodes it again).
    prune_cache(root, {variant_key(cover) for cover in site.covers.values()})
    return len(todo)


def _cached(folder: Path) -> dict[str, Any] | None:
    """A cover's variants as cached, or None when the cache lacks any of them (a deleted
    file is encoded again rather than missing from the site)."""
    try:
        meta: dict[str, Any] = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    names = [v[f] for v in meta.get("variants", ()) for f in ("jpeg", "webp", "avif") if f in v]
    if not names or not all((folder / name.removeprefix("covers/")).is_file() for name in names):
        return None
    return meta


def _run(todo: list[tuple[Cover, str]], root: Path) -> Iterable[dict[str, Any] | Problem]:
    return map_on_cores(encode_cover, [(cover.path, cover.display, key, str(root)) for cover, key in todo])


def encode_cover(path: str, display: str, key: str, root: str) -> dict[str, Any] | Problem:
    """Encode one cover's variants into the cache folder `root/key`; its metadata, or the
    problem that makes the file unusable."""
    picture = decode_cover(path, display, _normalized)
    if isinstance(picture, Problem):
        return picture
    folder = Path(root) / key
    work = Path(root) / f".{key}.{os.getpid()}.tmp"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    meta = _write_variants(picture, key, work)
    (work / "meta.json").write_text(json.dumps(meta))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(work, folder)
    return meta


def _normalized(im: Any) -> Any:
    """The image upright (EXIF orientation applied), in sRGB, without alpha nor metadata."""
    from PIL import Image, ImageCms, ImageOps

    im = ImageOps.exif_transpose(im)
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            im = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: the pixels are taken as sRGB
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        im = flat
    out = im.convert("RGB") if im.mode != "RGB" else im.copy()
    out.info.clear()  # EXIF (GPS included), XMP, ICC, comments: nothing of the source is kept
    return out


def _write_variants(picture: Any, key: str, folder: Path) -> dict[str, Any]:
    """Every variant of one upright sRGB picture, never wider than the picture itself."""
    from PIL import Image

    width, height = picture.size
    avif = avif_available()
    colour = picture.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    variants = []
    for w in sorted({min(w, width) for w in WIDTHS}):
        h = max(1, round(height * w / width))
        scaled = picture if w == width else picture.resize((w, h), Image.Resampling.LANCZOS)
        names: dict[str, Any] = {"width": w, "height": h}
        formats = [("jpeg", "JPEG", ".jpg"), ("webp", "WEBP", ".webp")] + (
            [("avif", "AVIF", ".avif")] if avif else []
        )
        for name, fmt, suffix in formats:
            file = f"{key}-{w}{suffix}"
            options = {"optimize": True, "progressive": True} if fmt == "JPEG" else EFFORT[name]
            scaled.save(folder / file, fmt, quality=QUALITY[name], **options)
            names[name] = f"covers/{file}"
        variants.append(names)
    return {
        "key": key,
        "width": width,
        "height": height,
        "color": "#{:02x}{:02x}{:02x}".format(*colour),
        "avif": avif,
        "variants": variants,
    }


def cover_files(db_file: Path, db_path: Path) -> dict[str, str]:
    """The published path of every variant of the database's covers -> its cached file.
    Every build lists them: SQLite reads the JSON, and the paths stay strings."""
    root = str(cache_dir(db_path, "covers"))
    conn = connect_readonly(db_file)
    try:
        rows = conn.execute(
            "SELECT json_extract(i.cover_image, '$.key'), json_extract(v.value, '$.jpeg'), "
            "json_extract(v.value, '$.webp'), json_extract(v.value, '$.avif') "
            "FROM media_items i, json_each(i.cover_image, '$.variants') v "
            "WHERE i.cover_image IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    return {
        name: os.path.join(root, key, name.removeprefix("covers/"))
        for key, *names in rows
        for name in names
        if name is not None
    }
