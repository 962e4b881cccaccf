"""A test site whose every text field holds a known XSS vector (tests/data/xss_vectors.txt)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.sitekit import PROJECT

MARKER = "omxss"
VECTORS_FILE = Path(__file__).parent / "data" / "xss_vectors.txt"

# URL fields only accept http(s) addresses without quotes, spaces or angle brackets; these are
# the most hostile values that still pass, so escaping in attributes is exercised too.
HOSTILE_URLS = (
    "https://example.org/omxss?q=javascript:alert(1)&x=<1>".replace("<1>", "1"),
    "https://example.org/omxss/%22onmouseover=alert(1)%22/",
    "http://example.org/omxss/data:text/html,alert(1)#&quot;",
    "https://example.org/omxss?a=1&b=2&amp;c=(alert)",
)

# Values for URL fields that must be refused with a located error.
REFUSED_URLS = (
    "javascript:alert('omxss')",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/omxss",
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/<script>",
    "file:///etc/passwd",
)


def vectors() -> list[str]:
    lines = VECTORS_FILE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def _front(data: dict, body: str) -> str:
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n" + body + "\n"


def _item(kind: str, v: str, n: int) -> dict:
    url = HOSTILE_URLS[n % len(HOSTILE_URLS)]
    data: dict = {
        "title": v,
        "release_date": "1999-01-02",
        "cover_image_url": url,
        "canonical_url": url,
        "tags": [v, f"plain {n}"],
        "metadata": {"genres": [v], "languages": [v], "note": v, v: v},
        "sources": [{"source": "wikidata", "id": f"{kind} {n} {v}", "url": url}],
        "availability": [
            {
                "provider": v,
                "region": v,
                "format": "stream",
                "status": "available",
                "url": url,
                "last_checked": "2026-11-01",
            }
        ],
    }
    if kind == "book":
        data |= {"authors": [v], "isbn": v, "pages": 10, "publisher": v}
    elif kind == "movie":
        data |= {"directors": [v], "runtime_minutes": 90, "cast": [v], "countries": [v]}
    elif kind == "game":
        data |= {"platforms": [v], "developers": [v], "publishers": [v]}
    else:
        data |= {
            "artists": [v],
            "label": v,
            "duration_minutes": 40,
            "tracks": [{"title": v, "duration_seconds": 60}],
        }
    return data


def make_hostile_site(root: Path, *, with_templates: bool = True) -> Path:
    """One curator, four items (one per medium), a menu and a log per vector; menus fork in a
    chain and every other one is a draft, so lineage, drafts and taste all see hostile text."""
    kinds = ("book", "movie", "game", "music")
    files: dict[str, str] = {}
    for n, v in enumerate(vectors()):
        handle = f"c{n}"
        files[f"content/curators/{handle}.yaml"] = yaml.safe_dump(
            {
                "handle": handle,
                "name": v,
                "bio": v,
                "url": HOSTILE_URLS[n % len(HOSTILE_URLS)],
                "email": f"{handle}-{MARKER}@example.org",
            },
            allow_unicode=True,
        )
        refs = []
        for kind in kinds:
            slug = f"{kind}-{n}"
            refs.append(f"{kind}/{slug}")
            files[f"content/items/{kind}/{slug}.md"] = _front(_item(kind, v, n), v)
        menu: dict = {
            "title": v,
            "curator": handle,
            "status": "draft" if n % 5 == 4 else "published",
            "published": "2026-10-02",
            "tags": [v, "hostile"],
        }
        if n > 0:
            menu["forked_from"] = f"menu-{n - 1}"
        menu["courses"] = [
            {"title": v, "intent": v, "items": [{"item": refs[0], "note": v}, {"item": refs[1], "note": v}]},
            {"title": v, "intent": v, "items": [{"item": refs[2], "note": v}, {"item": refs[3], "note": v}]},
        ]
        menu["pairings"] = [
            {"from": refs[0], "to": refs[2], "narrative": v},
            {"from": refs[1], "to": refs[3], "narrative": v},
        ]
        files[f"content/menus/menu-{n}.md"] = _front(menu, v + "\n\n" + v)
        files[f"content/logs/{handle}.yaml"] = yaml.safe_dump(
            {
                "curator": handle,
                "states": [
                    {
                        "item": refs[0],
                        "status": "finished",
                        "rating": 7,
                        "favorite": True,
                        "notes": v,
                        "private_notes": v,
                    }
                ],
                "entries": [
                    {"item": refs[0], "kind": "finished", "date": "2026-09-14", "note": v},
                    {"item": refs[1], "kind": "note", "date": "2026-09-15", "note": v, "private": True},
                ],
            },
            allow_unicode=True,
        )
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if with_templates:
        shutil.copytree(PROJECT / "templates", root / "templates")
    return root


# --- cover images that must be refused ---------------------------------------------------


def _image(size: tuple[int, int], fmt: str, mode: str = "RGB") -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size).save(out, fmt)
    return out.getvalue()


def _claimed_size(png: bytes, width: int, height: int) -> bytes:
    """A PNG whose header claims another size (its CRC fixed): what a decompression bomb says."""
    import struct
    import zlib

    body = b"IHDR" + struct.pack(">II", width, height) + png[24:29]
    return png[:12] + body + struct.pack(">I", zlib.crc32(body)) + png[33:]


def bad_covers() -> dict[str, tuple[str, bytes, str]]:
    """Case -> (cover file name beside the item, its bytes, the message expected)."""
    good = _image((64, 96), "JPEG")
    return {
        "corrupt": ("jpg", good[: len(good) // 2], "error: corrupt image"),
        "not an image": (
            "jpg",
            b"omxss <script>alert(1)</script>",
            "error: not an image this build can read",
        ),
        "unsupported format": ("png", _image((8, 8), "GIF", "P"), "error: unsupported image format GIF"),
        "wrong extension": (
            "jpg",
            _image((8, 8), "PNG"),
            "error: the file holds PNG data, not what .jpg says",
        ),
        "decompression bomb": ("png", _claimed_size(_image((8, 8), "PNG"), 100_000, 100_000), "too large"),
        "over the pixel cap": ("png", _image((8000, 6000), "PNG", "1"), "error: image too large"),
    }
