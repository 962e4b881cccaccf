"""Time `omakase import letterboxd` on a real export: a first import into a fresh site, then
the same export again (which must write nothing).

    python -m benchmarks.imports [EXPORT] [--runs 3]

EXPORT defaults to the real export under ../shared/data/real (or $OMAKASE_REAL_DATA)."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from generator.imports.letterboxd import import_letterboxd
from generator.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent
REAL = Path(os.environ.get("OMAKASE_REAL_DATA") or PROJECT.parent / "shared" / "data" / "real")
EXPORT = REAL / "exports" / "letterboxd" / "patrickmjones"


def _stamps(root: Path) -> dict[Path, tuple[int, int]]:
    return {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in root.rglob("*") if p.is_file()}


def one_run(export: Path) -> tuple[float, float, int, int, int]:
    """(first s, second s, rows, items created, files the second run touched)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        curator = root / "content" / "curators" / "ada.yaml"
        curator.parent.mkdir(parents=True)
        curator.write_text("handle: ada\nname: Ada Okafor\n", encoding="utf-8")
        settings = Settings(root=root).resolve()
        start = time.perf_counter()
        summary = import_letterboxd(settings, export, "ada")
        first = time.perf_counter() - start
        before = _stamps(root)
        start = time.perf_counter()
        import_letterboxd(settings, export, "ada")
        second = time.perf_counter() - start
        after = _stamps(root)
        touched = sum(1 for path, stamp in after.items() if before.get(path) != stamp)
        return first, second, summary.rows, len(summary.created), touched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", nargs="?", type=Path, default=EXPORT)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.export) for _ in range(args.runs)]
    firsts, seconds = [r[0] for r in runs], [r[1] for r in runs]
    rows, created, touched = runs[-1][2], runs[-1][3], max(r[4] for r in runs)
    print(f"{rows} rows, {created} items created; medians of {args.runs} run(s)")
    print("| scenario | median s | min s | max s | files written |")
    print("|---|---:|---:|---:|---:|")
    print(f"| first import | {statistics.median(firsts):.2f} | {min(firsts):.2f} | {max(firsts):.2f} | – |")
    print(
        f"| same export again | {statistics.median(seconds):.2f} | {min(seconds):.2f} | "
        f"{max(seconds):.2f} | {touched} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
