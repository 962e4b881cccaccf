"""Pagefind alone on a built site's search documents, as the build runs it: the part of a cold
build that no renderer, however fast, takes away.

`python -m benchmarks.floor DOCUMENTS OUT` indexes each bundle folder of DOCUMENTS (the
documents a build kept beside its database) into OUT, as many bundles at once as there are
cores, exactly as `omakase build` does."""

from __future__ import annotations

import sys
from pathlib import Path

from generator.site import search


def index_documents(documents: Path, out: Path) -> int:
    """Index every bundle folder of `documents` into `out`; returns how many there were."""
    folders = sorted(p for p in documents.iterdir() if p.is_dir() and p.name.split("-")[0] == search.BUNDLE)
    search.index_folders([(folder, out / folder.name) for folder in folders])
    return len(folders)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    count = index_documents(Path(argv[0]), Path(argv[1]))
    print(f"Indexed {count} bundle(s).")
    return 0 if count else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
