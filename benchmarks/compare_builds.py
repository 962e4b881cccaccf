"""Compare what two commits of Omakase build from the same content: every output file and the database.

Usage (from the repository root):

    python benchmarks/compare_builds.py [--site sample|bench] [--items N] BASE [HEAD]

BASE and HEAD are git revisions; HEAD defaults to the working tree. Each side's code and theme
come from its own checkout (a temporary git worktree), the content is the same for both: the
sample site of HEAD, or a bench corpus of N items. Builds run with a fixed SOURCE_DATE_EPOCH, so
any difference is the code's. Prints the differing paths and exits 1 when there are any.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
EPOCH = "1795651200"


def manifest(site: Path) -> dict[str, str]:
    """sha256 of every file under output/, and of the database, keyed by relative path."""
    found: dict[str, str] = {}
    for path in sorted((site / "output").rglob("*")):
        if path.is_file():
            found[path.relative_to(site).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    db = site / "data" / "omakase.sqlite"
    found["data/omakase.sqlite"] = hashlib.sha256(db.read_bytes()).hexdigest()
    return found


def differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """Paths present on one side only or with different bytes, sorted."""
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def checkout(rev: str | None, into: Path) -> Path:
    """The code of `rev` (a detached worktree), or the working tree itself when rev is None."""
    if rev is None:
        return PROJECT
    subprocess.run(
        ["git", "-C", str(PROJECT), "worktree", "add", "--detach", "--force", str(into), rev],
        check=True,
        capture_output=True,
    )
    return into


def prepare_site(code: Path, content: Path, data: Path | None, dest: Path) -> Path:
    """A site folder holding `content` and the theme of the checkout `code`."""
    shutil.copytree(content, dest / "content", copy_function=shutil.copy)
    shutil.copytree(code / "templates", dest / "templates", copy_function=shutil.copy)
    if data is not None:
        shutil.copytree(
            data,
            dest / "data",
            copy_function=shutil.copy,
            ignore=shutil.ignore_patterns("*.sqlite*", "secret.key", "*.tmp", ".*"),
        )
    (dest / "data").mkdir(exist_ok=True)
    # The site's config goes along; a revision that predates omakase.yaml ignores it.
    config = content.parent / "omakase.yaml"
    if config.is_file():
        shutil.copy(config, dest / "omakase.yaml")
    return dest


def build(code: Path, site: Path) -> None:
    """One cold build of `site` with the package found in `code`."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "CI": "true", "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--root", str(site)],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"build with {code} failed:\n{done.stdout}\n{done.stderr}")


def bench_content(items: int, dest: Path) -> Path:
    """A bench corpus of `items` films, made by the working tree's generator."""
    sys.path.insert(0, str(PROJECT))
    from benchmarks.corpus import generate

    tools = PROJECT / ".venv-bench"
    generate(dest, items=items, menus=max(10, items // 10), tools=tools if tools.exists() else None)
    return dest / "content"


def compare(base: str, head: str | None, site: str, items: int) -> list[str]:
    """Build the chosen content with both revisions; the paths whose bytes differ."""
    with tempfile.TemporaryDirectory(prefix="omakase-compare-") as tmp:
        work = Path(tmp)
        if site == "sample":
            content, data = PROJECT / "content", PROJECT / "data"
        else:
            content, data = bench_content(items, work / "corpus"), None
        sides = []
        for name, rev in (("base", base), ("head", head)):
            code = checkout(rev, work / f"code-{name}")
            target = prepare_site(code, content, data, work / f"site-{name}")
            build(code, target)
            sides.append(manifest(target))
            if rev is not None:
                subprocess.run(
                    ["git", "-C", str(PROJECT), "worktree", "remove", "--force", str(code)],
                    check=False,
                    capture_output=True,
                )
        print(f"{len(sides[0])} files built by {base}, {len(sides[1])} by {head or 'the working tree'}")
        return differences(*sides)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base", help="git revision to compare against")
    parser.add_argument("head", nargs="?", default=None, help="git revision (default: the working tree)")
    parser.add_argument("--site", choices=("sample", "bench"), default="sample")
    parser.add_argument("--items", type=int, default=2000, help="bench corpus size (default 2000)")
    args = parser.parse_args(argv)
    differ = compare(args.base, args.head, args.site, args.items)
    for path in differ:
        print(f"differs: {path}")
    print("identical" if not differ else f"{len(differ)} paths differ")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
