"""`python -m benchmarks`: build a generated corpus with Omakase and Hugo, print a table."""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.run import PROJECT, machine, phase_table, run, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--items", type=int, default=10_000, help="item files (default 10000)")
    parser.add_argument("--menus", type=int, default=None, help="menus (default max(1000, items/10))")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (default 3)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the corpus is built")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    parser.add_argument(
        "--tools",
        type=Path,
        default=None,
        help="virtual environment holding bokeh-sampledata and hugo (.venv-bench)",
    )
    parser.add_argument(
        "--write",
        type=Path,
        default=None,
        help="write the table to this Markdown file (make bench: BENCH.md)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="omakase-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        scenarios, corpus, pages = run(
            workdir, args.items, args.menus, args.runs, not args.no_hugo, args.tools
        )
    result = table(scenarios, args.runs)
    phases = phase_table(scenarios)
    if phases:
        result += "\n\n### Where the time goes\n\n" + phases
    head = (
        f"{corpus.items} items, {corpus.menus} menus, {corpus.curators} curators → "
        f"{pages} pages. Machine: {machine()}."
    )
    print(head)
    print(result)
    if args.write:
        path = args.write if args.write.is_absolute() else PROJECT / args.write
        path.write_text(
            "# Benchmark\n\n`make bench` (`python -m benchmarks`) regenerates this file: a corpus "
            "built from the real film catalogue of `bokeh-sampledata`, built by Omakase and by "
            "Hugo in the same run.\n\n"
            f"Last run {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC. {head}\n\n{result}\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
