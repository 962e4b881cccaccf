"""Pagefind alone on a built site's searchable pages, as a full build runs it: the part of a
cold build that no renderer, however fast, takes away.

`python -m benchmarks.floor SITE OUT` splits the searchable pages of SITE into the build's
bundles and indexes each into OUT, reading the pages where they are, as many bundles at once
as there are cores, exactly as `omakase build` does. It prints the seconds the indexing took:
finding the pages (which a build knows from rendering them) is not timed."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from generator.site import search


def index_pages(site: Path, out: Path) -> tuple[int, float]:
    """Index the searchable pages of `site` into bundles in `out`: how many bundles, and
    the seconds that took."""
    bundles = [pages for pages in search.split(search.pages_on_disk(site)) if pages]
    started = time.perf_counter()
    search.index_in_place(site, out, bundles)
    return len(bundles), time.perf_counter() - started


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    count, seconds = index_pages(Path(argv[0]), Path(argv[1]))
    print(f"Indexed {count} bundle(s) in {seconds:.3f}s.")
    return 0 if count else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
