"""A test site whose every text field holds a known XSS vector (tests/data/xss_vectors.txt)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import yaml

from generator.content.files import invalid_char
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


_NUMERIC_REF = re.compile(r"&#(?:[xX][0-9a-fA-F]+|[0-9]+);?")


def site_vectors() -> list[str]:
    """The vectors as the hostile site carries them. A numeric reference to a character XML
    cannot hold is refused by the loader (`REFUSED` below has such a vector), so here it
    names a tab instead: the vector keeps its shape, a scheme hidden behind whitespace."""

    def tab(match: re.Match[str]) -> str:
        return "&#9;" if invalid_char(match.group(), "") is not None else match.group()

    return [_NUMERIC_REF.sub(tab, v) for v in vectors()]


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
        # Its TMDB payload's watch providers become availability rows: hostile names, links.
        data["sources"].append({"source": "tmdb", "id": str(n)})
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


def _hostile_payload(v: str, n: int) -> str:
    """A TMDB payload whose provider names and region key are the vector, and whose link is
    one of the most hostile URLs that still pass."""
    offers = {
        "link": HOSTILE_URLS[n % len(HOSTILE_URLS)],
        "flatrate": [{"provider_name": v}],
        "rent": [{"provider_name": f"{v} {MARKER} rent"}],
    }
    return json.dumps({"id": n, "title": v, "watch/providers": {"results": {v: offers}}})


def make_hostile_site(root: Path, *, with_templates: bool = True) -> Path:
    """One curator, four items (one per medium), a menu and a log per vector; menus fork in a
    chain and every other one is a draft, so lineage, drafts and taste all see hostile text."""
    kinds = ("book", "movie", "game", "music")
    files: dict[str, str] = {}
    for n, v in enumerate(site_vectors()):
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
        files[f"data/sources/tmdb/{n}.json"] = _hostile_payload(v, n)
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


# --- stored payloads: what a pull request adding a file under data/sources/ can carry -------


def tmdb_payload(link: str, region: str = "US", provider: str = "Criterion Channel") -> str:
    """A TMDB movie payload whose watch providers become availability rows of its item."""
    offers = {"link": link, "flatrate": [{"provider_name": provider, "provider_id": 258}]}
    return json.dumps(
        {"id": 592, "title": "The Conversation", "watch/providers": {"results": {region: offers}}}
    )


TMDB_ITEM = "content/items/movie/the-conversation.md"
TMDB_FILE = "data/sources/tmdb/592.json"
TMDB_SOURCE = "sources:\n  - source: tmdb\n    id: '592'\n"


def with_tmdb_source(text: str) -> str:
    """An item file's text with a `sources:` entry naming the TMDB payload above."""
    return text.replace("---\n", "---\n" + TMDB_SOURCE, 1)


# --- content that `omakase check` and `omakase build` must both refuse, at the same place ----

LONG = "a" * 260


def _menu(slug_line: str = "", tags: str = "[conspiracy]", body: str = "An introduction.") -> str:
    from tests.sitekit import MENU

    text = MENU.format(title="Refused", curator="ada", status="published", extra=slug_line)
    return text.replace("tags: [conspiracy]", f"tags: {tags}").replace("An introduction.", body)


def _book(extra: str = "", body: str = "A short novel.") -> str:
    return f"---\ntitle: Refused\n{extra}---\n{body}\n"


# name -> (files to write over the small site, the error expected as "path:line: error: text").
# A file's text may be bytes. Each class of refusal has its examples here; the tests run
# `check` and `build` on each and compare every located error they print.
REFUSED: dict[str, tuple[dict[str, str | bytes], str]] = {
    # Payloads: a link, region or provider name must pass what a curator's would.
    **{
        f"payload link {url}": (
            {TMDB_FILE: tmdb_payload(url)},
            f"{TMDB_FILE}:1: error: watch-provider link of region 'US' must be an http(s) URL",
        )
        for url in REFUSED_URLS
        if '"' not in url
    },
    "payload link javascript, the original report": (
        {TMDB_FILE: tmdb_payload("javascript:alert(document.domain)//")},
        f"{TMDB_FILE}:1: error: watch-provider link of region 'US' must be an http(s) URL",
    ),
    "payload region with a control character": (
        {TMDB_FILE: tmdb_payload("https://www.themoviedb.org/movie/592/watch", region="U\u0007S")},
        f"{TMDB_FILE}:1: error: control character U+0007 in a payload value",
    ),
    # JSON writes U+0008 and U+000C with the short escapes \b and \f, not \u.
    "payload region with a form feed, escaped short": (
        {TMDB_FILE: tmdb_payload("https://www.themoviedb.org/movie/592/watch", region="\f")},
        f"{TMDB_FILE}:1: error: control character U+000C in a payload value",
    ),
    "payload provider with a backspace, escaped short": (
        {TMDB_FILE: tmdb_payload("https://www.themoviedb.org/movie/592/watch", provider="Crit\berion")},
        f"{TMDB_FILE}:1: error: control character U+0008 in a payload value",
    ),
    "payload provider with an escaped NUL": (
        {TMDB_FILE: tmdb_payload("https://www.themoviedb.org/movie/592/watch", provider="Crit\u0000")},
        f"{TMDB_FILE}:1: error: control character U+0000 in a payload value",
    ),
    "payload provider with U+FFFF written raw": (
        {
            TMDB_FILE: json.dumps(
                json.loads(tmdb_payload("https://example.org/", provider="X\uffff")), ensure_ascii=False
            )
        },
        f"{TMDB_FILE}:1: error: invalid character U+FFFF in the payload",
    ),
    "payload provider with a lone surrogate": (
        {TMDB_FILE: tmdb_payload("https://example.org/").replace("Criterion", "Crit\\ud800erion")},
        f"{TMDB_FILE}:1: error: invalid character U+D800 in a payload value",
    ),
    # XML-invalid text: in Markdown bodies, and U+FFFE/U+FFFF anywhere.
    "control character in an item's body": (
        {"content/items/book/refused.md": _book(body="line one\nbell \x07 here")},
        "content/items/book/refused.md:5: error: control character U+0007 in the text",
    ),
    "form feed in a menu's introduction": (
        {"content/menus/refused.md": _menu(body="Intro.\n\nA page\x0cbreak.")},
        "content/menus/refused.md:21: error: control character U+000C in the text",
    ),
    "U+FFFE in a body": (
        {"content/items/book/refused.md": _book(body="odd \ufffe char")},
        "content/items/book/refused.md:4: error: invalid character U+FFFE in the text",
    ),
    "character reference to a control character in a body": (
        {"content/items/book/refused.md": _book(body="Bell &#7; here.")},
        "content/items/book/refused.md:4: error: character reference &#7; names a character",
    ),
    "the vector hiding a javascript: link behind &#14;": (
        {"content/items/book/refused.md": _book(body=next(v for v in vectors() if "&#14;" in v))},
        "content/items/book/refused.md:4: error: character reference &#14; names a character",
    ),
    "character reference to U+FFFF in a course note": (
        {"content/menus/refused.md": _menu().replace("note: Watch it", "note: Odd &#xFFFF; Watch it")},
        "content/menus/refused.md:12: error: character reference &#xFFFF; names a character",
    ),
    "U+FFFF in a YAML value": (
        {"content/items/book/refused.md": _book(extra='publisher: "Pub\\uffff"\n')},
        "content/items/book/refused.md:3: error: invalid character U+FFFF in a value",
    ),
    "DEL in a curator's bio": (
        {"content/curators/zed.yaml": "handle: zed\nname: Zed\nbio: a\x7fb\n"},
        "content/curators/zed.yaml:3: error: control character U+007F in the text",
    ),
    # Long names: every slug, handle, alias and tag names a file or folder.
    "260-character tag": (
        {"content/items/book/refused.md": _book(extra=f"tags: [{LONG}]\n")},
        f"content/items/book/refused.md:2: error: the URL of tag '{LONG[:40]}…' is 260 characters long",
    ),
    "260-character menu tag": (
        {"content/menus/refused.md": _menu(tags=f"[{LONG}]")},
        "content/menus/refused.md:6: error: the URL of tag",
    ),
    "150-character file name": (
        {f"content/items/book/{'b' * 150}.md": _book()},
        f"content/items/book/{'b' * 150}.md:2: error: file name '{'b' * 40}…' is 150 characters long",
    ),
    "150-character alias": (
        {"content/menus/refused.md": _menu(slug_line=f"aliases: [{'c' * 150}]\n")},
        f"content/menus/refused.md:7: error: alias '{'c' * 40}…' is 150 characters long",
    ),
    "150-character handle": (
        {f"content/curators/{'d' * 150}.yaml": f"handle: {'d' * 150}\nname: D\n"},
        f"content/curators/{'d' * 150}.yaml:1: error: 'handle' '{'d' * 40}…' is 150 characters long",
    ),
    "slug unlike its file name": (
        {"content/items/book/refused.md": _book(extra="slug: other-name\n")},
        "content/items/book/refused.md:3: error: slug 'other-name' does not match the file name 'refused'",
    ),
    "menu slug unlike its file name": (
        {"content/menus/refused.md": _menu(slug_line="slug: other-menu\n")},
        "content/menus/refused.md:7: error: slug 'other-menu' does not match the file name 'refused'",
    ),
    "item named con": (
        {"content/items/book/con.md": _book()},
        "content/items/book/con.md:2: error: file name 'con' is a name Windows reserves for a device",
    ),
    "menu named lpt1": (
        {"content/menus/lpt1.md": _menu()},
        "content/menus/lpt1.md:2: error: file name 'lpt1' is a name Windows reserves for a device",
    ),
    "curator named aux": (
        {"content/curators/aux.yaml": "handle: aux\nname: Aux\n"},
        "content/curators/aux.yaml:1: error: 'handle' 'aux' is a name Windows reserves for a device",
    ),
    "tag named nul": (
        {"content/items/book/refused.md": _book(extra="tags: [NUL]\n")},
        "content/items/book/refused.md:2: error: the URL of tag 'NUL' is a name Windows reserves",
    ),
    "alias com9": (
        {"content/menus/refused.md": _menu(slug_line="aliases: [com9]\n")},
        "content/menus/refused.md:7: error: alias 'com9' is a name Windows reserves for a device",
    ),
    "tags differing only in case": (
        {"content/items/book/x-refused.md": _book(extra="tags: [Paranoia]\n")},
        "content/items/book/x-refused.md:2: error: tag 'Paranoia' differs only in case from 'paranoia'",
    ),
}

# Where a special file (a named pipe) is put; each is a located error, never opened.
SPECIAL_PLACES = (
    "content/items/book/pipe.md",
    "content/menus/pipe.md",
    "content/curators/pipe.yaml",
    "content/items/book/the-crying-of-lot-49.jpg",
    TMDB_FILE,
    "data/shares.yaml",
    "data/published-slugs.txt",
    "data/secret.key",
)
