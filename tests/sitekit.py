"""Write small sites inline for tests: a few files, each given as text."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

CURATOR = """\
handle: {handle}
name: {name}
bio: Reads *everything*.
email: {handle}@example.org
"""

BOOK = """\
---
title: {title}
release_date: 1966-04-27
authors: [Thomas Pynchon]
pages: 152
isbn: "9780060913076"
tags: [paranoia]
metadata:
  genres: [novel]
sources:
  - source: wikidata
    id: {qid}
---
A short novel about a woman who finds a secret postal system.
"""

MOVIE = """\
---
title: {title}
release_date: 1974-04-07
directors: [Francis Ford Coppola]
runtime_minutes: 113
tags: [paranoia, surveillance]
metadata:
  genres: [thriller]
availability:
  - provider: Public library
    region: US
    format: library
    status: available
    url: https://library.example.org/conversation
    last_checked: 2026-11-01
---
A surveillance expert hears something he should not have.
"""

MENU = """\
---
title: {title}
curator: {curator}
status: {status}
published: 2026-10-02
tags: [conspiracy]
{extra}courses:
  - title: Aperitif
    intent: Set the mood.
    items:
      - item: movie/the-conversation
        note: Watch it with *headphones*.
      - item: book/the-crying-of-lot-49
pairings:
  - from: movie/the-conversation
    to: book/the-crying-of-lot-49
    narrative: Both follow a listener who cannot stop decoding.
---
An introduction.
"""

LOG = """\
curator: {curator}
states:
  - item: movie/the-conversation
    status: finished
    rating: 9
    favorite: true
    notes: Great.
    private_notes: SECRET-NOTE-{curator}
entries:
  - item: movie/the-conversation
    kind: finished
    date: 2026-09-14
    minutes: 113
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def minimal_files() -> dict[str, str]:
    return {
        "content/curators/ada.yaml": CURATOR.format(handle="ada", name="Ada Okafor"),
        "content/curators/bruno.yaml": CURATOR.format(handle="bruno", name="Bruno Lima"),
        "content/items/book/the-crying-of-lot-49.md": BOOK.format(
            title="The Crying of Lot 49", qid="Q1217219"
        ),
        "content/items/movie/the-conversation.md": MOVIE.format(title="The Conversation"),
        "content/menus/paranoid-seventies.md": MENU.format(
            title="Paranoid Seventies", curator="ada", status="published", extra=""
        ),
        "content/menus/paranoid-remix.md": MENU.format(
            title="Paranoid Remix",
            curator="bruno",
            status="published",
            extra="forked_from: paranoid-seventies\n",
        ),
        "content/logs/ada.yaml": LOG.format(curator="ada"),
    }


def make_site(root: Path, extra: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> Path:
    """A small valid site (templates from the project) plus `extra` files."""
    files = minimal_files()
    for name in drop:
        files.pop(name, None)
    files.update(extra or {})
    write(root, files)
    shutil.copytree(PROJECT / "templates", root / "templates")
    return root


def build_sample(out: Path, base_url: str) -> Path:
    """Build the bundled sample site into `out` with the pinned clock; returns its output."""
    import pytest

    from generator.engine.build import build
    from generator.settings import Settings

    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1795651200")
    try:
        build(
            Settings(
                root=PROJECT, output_dir=out / "output", db_path=out / "omakase.sqlite", base_url=base_url
            )
        )
    finally:
        mp.undo()
    return out / "output"


def copy_sample(dest: Path) -> Path:
    """The bundled sample site's content, templates and data (no built database or secret)."""
    for name in ("content", "templates"):
        shutil.copytree(PROJECT / name, dest / name)
    shutil.copytree(
        PROJECT / "data", dest / "data", ignore=shutil.ignore_patterns("*.sqlite*", "secret.key", "*.tmp")
    )
    return dest


def search_index(site: Path) -> dict[str, dict]:
    """Every record of a built site's Pagefind index, by URL, read back from the fragments
    of all its bundles (pagefind/, pagefind-1/, …)."""
    import gzip
    import json

    records = {}
    for fragment in sorted(site.glob("pagefind*/fragment/*.pf_fragment")):
        data = gzip.decompress(fragment.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        record = json.loads(data[len(b"pagefind_dcd") :])
        assert record["url"] not in records, f"{record['url']} is in two bundles"
        records[record["url"]] = record
    return records
