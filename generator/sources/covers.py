"""Cover images for imported items: fetch (or read) one, check and decode it, save it beside the item.

A cover is `content/items/<type>/<slug>.<ext>`. The import records where it came from in the
item's `cover_credit` (a Markdown link to the source), so a later import can tell its own
cover from one the curator put there: the curator's is never replaced, its own is not fetched
again.
"""

from __future__ import annotations

import html
import io
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from PIL import Image

from generator.content.catalog import ItemFile
from generator.errors import ContentError
from generator.publish.atomic import write_atomic
from generator.sources.http import FetchError, HttpClient
from generator.sources.mapped import Mapped, as_dict

MAX_BYTES = 10_000_000
MAX_PIXELS = 40_000_000  # about 6300 × 6300: far above any cover, far below a decompression bomb
CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp", "image/avif")
EXTENSIONS = ("jpg", "jpeg", "png", "webp", "avif")
FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif"}
COMMONS_URL = "https://commons.wikimedia.org"
FILEPATH = "/wiki/Special:FilePath/"
CREDITS = {
    "openlibrary": "Cover: Open Library",
    "musicbrainz": "Cover Art Archive",
    "tmdb": "TMDB",
    "igdb": "IGDB",
}
MIN_INTERVAL = 1.0
FETCH_HINT = "fetch it later with --cover, or save the image and pass --cover-from-file PATH"


@dataclass(frozen=True)
class CoverRef:
    """Where a cover comes from: the image URL, the page credited, the credit text, the licence."""

    url: str
    page: str
    credit: str
    license: str | None = None

    def credit_link(self) -> str:
        return f"[{self.credit}]({self.page})"


def cover_ref(mapped: Mapped) -> CoverRef | None:
    """The cover a mapped payload offers, before any request (Commons credits come later)."""
    url = mapped.cover_image_url
    if not url:
        return None
    if mapped.source == "tmdb":
        url = url.replace("/t/p/w500/", "/t/p/w780/")  # w780 is sharp at twice the card width
    if FILEPATH in url:
        name = unquote(url.split(FILEPATH, 1)[1])
        return CoverRef(url, f"{COMMONS_URL}/wiki/File:{quote(name)}", "Wikimedia Commons")
    return CoverRef(url, url, CREDITS.get(mapped.source, mapped.source))


@dataclass
class CoverFetcher:
    """Fetches covers through the polite client; `mirror` replaces the scheme and host of every
    cover and Commons URL (tests and mirrors), keeping the path."""

    client: HttpClient
    mirror: str | None = None

    def locate(self, url: str) -> str:
        if not self.mirror:
            return url
        parts = urlsplit(url)
        return self.mirror.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")

    def image(self, url: str) -> bytes:
        """The image's bytes, checked for size and declared content type."""
        where = self.locate(url)
        try:
            body = self.client.get_bytes(
                where,
                source="covers",
                min_interval=MIN_INTERVAL,
                headers={"Accept": ", ".join(CONTENT_TYPES)},
                max_bytes=MAX_BYTES,
            )
        except FetchError as exc:
            raise ContentError(where, None, str(exc.message).removeprefix(f"{where}: "), FETCH_HINT) from None
        if body.content_type not in CONTENT_TYPES:
            raise ContentError(
                where,
                None,
                f"served as {body.content_type!r}, not an image (expected {', '.join(CONTENT_TYPES)})",
                FETCH_HINT,
            )
        return body.data

    def credited(self, ref: CoverRef) -> CoverRef:
        """A Commons cover with its author and licence from the file's extmetadata."""
        if not ref.page.startswith(f"{COMMONS_URL}/wiki/File:"):
            return ref
        title = "File:" + unquote(ref.page.rsplit("/wiki/File:", 1)[1])
        url = self.locate(
            f"{COMMONS_URL}/w/api.php?action=query&format=json&prop=imageinfo"
            f"&iiprop=extmetadata&titles={quote(title)}"
        )
        try:
            text = self.client.get(url, source="commons", min_interval=MIN_INTERVAL)
            meta = _extmetadata(text)
        except (FetchError, ValueError) as exc:
            raise ContentError(url, None, f"no licence for {title}: {exc}", FETCH_HINT) from None
        license_name, artist = _meta_text(meta, "LicenseShortName"), _meta_text(meta, "Artist")
        if not license_name:
            raise ContentError(url, None, f"Wikimedia Commons gives no licence for {title}", FETCH_HINT)
        credit = f"{artist + ', ' if artist else ''}{license_name}, via Wikimedia Commons"
        return CoverRef(ref.url, ref.page, credit, license_name)


def _extmetadata(text: str) -> dict[str, Any]:
    pages = as_dict(as_dict(json.loads(text).get("query")).get("pages"))
    for page in pages.values():
        info = as_dict(page).get("imageinfo")
        if isinstance(info, list) and info:
            return as_dict(as_dict(info[0]).get("extmetadata"))
    raise ValueError("the file has no imageinfo")


def _meta_text(meta: dict[str, Any], key: str) -> str:
    """A plain-text extmetadata value: Commons gives HTML (an artist is often a link)."""
    value = as_dict(meta.get(key)).get("value")
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", value)).split())


def decode(data: bytes, where: str) -> str:
    """The file extension of a decodable cover image; a ContentError for anything else."""
    hint = "use a JPEG, PNG, WebP or AVIF image, as an image viewer opens it"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise ContentError(
                        where,
                        None,
                        f"the image is {width}×{height} pixels, more than {MAX_PIXELS} "
                        "(a decompression bomb?)",
                        "use a smaller image; covers are shown at a few hundred pixels",
                    )
                kind = probe.format or ""
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except Image.UnidentifiedImageError:
        raise ContentError(where, None, "not a readable image: no image format recognised", hint) from None
    except Image.DecompressionBombWarning as exc:
        # Raised as an error above once the pixels pass Pillow's Image.MAX_IMAGE_PIXELS,
        # before the size check here can see them.
        raise ContentError(
            where, None, f"{exc} (a decompression bomb?)", "use a smaller image; covers are shown small"
        ) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ContentError(where, None, f"not a readable image: {exc}", hint) from None
    if kind not in FORMATS:
        raise ContentError(where, None, f"a {kind} image; covers are JPEG, PNG, WebP or AVIF", hint)
    return FORMATS[kind]


def existing_covers(item: ItemFile) -> list[Path]:
    return [p for ext in EXTENSIONS if (p := item.path.with_name(f"{item.path.stem}.{ext}")).is_file()]


def save(item: ItemFile, data: bytes, ext: str) -> Path:
    """Write the cover beside the item, replacing any other cover file of it."""
    target = item.path.with_name(f"{item.path.stem}.{ext}")
    write_atomic(target, data)
    for other in existing_covers(item):
        if other != target:
            other.unlink()
    return target


def fetch_cover(item: ItemFile, mapped: Mapped, fetcher: CoverFetcher) -> str:
    """Fetch the payload's cover for `item` unless it has one; a line saying what happened."""
    ref = cover_ref(mapped)
    if ref is None:
        return f"no cover offered by {mapped.source}:{mapped.external_id}"
    credit = str(item.front.get("cover_credit") or "")
    existing = existing_covers(item)
    if existing:
        if f"({ref.page})" in credit:
            return f"cover {existing[0].name} already imported from {ref.page}"
        return f"kept the curator's cover {existing[0].name}"
    ref = fetcher.credited(ref)
    data = fetcher.image(ref.url)
    target = save(item, data, decode(data, fetcher.locate(ref.url)))
    _set_credit(item, ref, credit)
    return f"saved cover {target.name} from {ref.url}"


def cover_from_file(item: ItemFile, path: Path) -> str:
    """The curator's own image for `item`: checked like a fetched one, credit left to them."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ContentError(path, None, f"the file is {size} bytes, more than the {MAX_BYTES} allowed")
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(path, None, f"cannot read the cover: {exc.strerror}") from None
    target = save(item, data, decode(data, str(path)))
    return f"saved cover {target.name} from {path}"


def _set_credit(item: ItemFile, ref: CoverRef, credit: str) -> None:
    """Record the credit (and licence) of the imported cover next to cover_image_url; a credit
    the curator wrote stays, as every value the curator wrote does."""
    values = {"cover_credit": ref.credit_link()} if not credit else {}
    if ref.license and not item.front.get("cover_license"):
        values["cover_license"] = ref.license
    if not values:
        return
    front: dict[str, Any] = {}
    anchor = "cover_image_url" if "cover_image_url" in item.front else None
    for key, value in item.front.items():
        if key in values:
            continue
        if anchor is None and key in ("metadata", "tags", "sources", "availability"):
            front.update(values)
            anchor = key
        front[key] = value
        if key == anchor and key == "cover_image_url":
            front.update(values)
    front.update({k: v for k, v in values.items() if k not in front})
    item.front = front
