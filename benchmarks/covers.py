"""`python -m benchmarks.covers`: cover processing timed against Hugo's image processing.

A corpus of items, each with a generated cover (640×960 JPEG, a painting-like gradient with
grain, different for every item). Omakase builds it cold (no cover cache), then again with
nothing changed, then after an edit of one item's text; Hugo resizes the same images, as
page bundles, to the same widths (160, 320, 640, Lanczos) in the formats it supports (WebP
and JPEG: Hugo does not write AVIF), cold (no `resources/` cache). Every command runs as its
own process, in the same run, and the median of the runs is reported. `--write BENCH.md`
replaces the file's "## Covers" section with the result.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
from pathlib import Path

from benchmarks.corpus import generate
from benchmarks.run import (
    PROJECT,
    Sample,
    clean_build,
    edit_item,
    hugo_binary,
    machine,
    omakase,
    set_aside,
    timed,
)

WIDTHS = (160, 320, 640)
SECTION = "## Covers"


def make_cover(path: Path, seed: int) -> None:
    """A 640×960 cover: two colours blended down the page, a disc, and photographic grain."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    top = tuple(rng.randrange(256) for _ in range(3))
    bottom = tuple(rng.randrange(256) for _ in range(3))
    mask = Image.linear_gradient("L").resize((640, 960))
    im = Image.composite(Image.new("RGB", (640, 960), bottom), Image.new("RGB", (640, 960), top), mask)
    draw = ImageDraw.Draw(im)
    x, y, r = rng.randrange(80, 560), rng.randrange(120, 840), rng.randrange(60, 220)
    draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    grain = Image.effect_noise((640, 960), 24).convert("RGB")
    Image.blend(im, grain, 0.18).save(path, "JPEG", quality=90)


def covers_site(site: Path, covers: int, tools: Path | None, trash: Path) -> list[Path]:
    """A corpus of `covers` items, a cover beside each; the item files, in order."""
    set_aside(site, trash)
    generate(site, items=max(covers, 100), menus=max(10, covers // 10), tools=tools)
    shutil.copytree(PROJECT / "templates", site / "templates")
    items = sorted((site / "content/items").glob("*/*.md"))[:covers]
    for n, item in enumerate(items):
        make_cover(item.with_suffix(".jpg"), n)
    return items


HUGO_SINGLE = (
    '{{ $img := .Resources.GetMatch "cover.jpg" }}{{ with $img }}'
    "{{ range slice 160 320 640 }}"
    '{{ $w := $img.Resize (printf "%dx webp q80 Lanczos" .) }}<img src="{{ $w.RelPermalink }}">'
    '{{ $j := $img.Resize (printf "%dx jpg q82 Lanczos" .) }}<img src="{{ $j.RelPermalink }}">'
    "{{ end }}{{ end }}\n"
)


def hugo_site(root: Path, covers: list[Path], trash: Path) -> None:
    """The same images as page bundles; each page resizes its cover as Omakase does."""
    set_aside(root, trash)
    (root / "layouts").mkdir(parents=True)
    (root / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\ntitle = "Covers"\n'
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404", "home", "section"]\n'
    )
    (root / "layouts/single.html").write_text(HUGO_SINGLE)
    for n, cover in enumerate(covers):
        bundle = root / "content/covers" / f"c-{n:05d}"
        bundle.mkdir(parents=True)
        (bundle / "index.md").write_text(f'---\ntitle: "Cover {n}"\n---\n')
        shutil.copyfile(cover, bundle / "cover.jpg")


def encoded_since(cache: Path, moment: float) -> int:
    """Cover cache entries written after `moment`: covers encoded by a build."""
    if not cache.is_dir():
        return 0
    return sum(1 for entry in cache.iterdir() if entry.stat().st_mtime > moment)


def run_covers(workdir: Path, covers: int, runs: int, tools: Path | None) -> dict[str, list[Sample]]:
    trash = workdir / ".trash"
    try:
        return _run_covers(workdir, trash, covers, runs, tools)
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def _run_covers(
    workdir: Path, trash: Path, covers: int, runs: int, tools: Path | None
) -> dict[str, list[Sample]]:
    site = workdir / "site"
    items = covers_site(site, covers, tools, trash)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795651200", "CI": "true"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    samples: dict[str, list[Sample]] = {"cold": [], "noop": [], "item-edit": [], "hugo": []}
    reencoded: list[int] = []
    cache = site / "data/.omakase-covers"
    for n in range(runs):
        clean_build(site, trash)
        samples["cold"].append(timed(omakase(site), env))
        samples["noop"].append(timed(omakase(site), env))
        moment = max(entry.stat().st_mtime for entry in cache.iterdir())
        edit_item(items[n], n)
        samples["item-edit"].append(timed(omakase(site), env))
        reencoded.append(encoded_since(cache, moment))
        done = ", ".join(f"{k} {v[-1].seconds:.2f}s" for k, v in samples.items() if v)
        print(f"run {n + 1}/{runs}: {done}", flush=True)
    binary = hugo_binary(tools)
    if binary is not None:
        hugo_root = workdir / "hugo"
        hugo_site(hugo_root, [item.with_suffix(".jpg") for item in items], trash)
        for _ in range(runs):
            for leftover in ("public", "resources", ".hugo_build.lock"):
                set_aside(hugo_root / leftover, trash)
            samples["hugo"].append(
                timed([str(binary), "--quiet", "-s", str(hugo_root), "-d", str(hugo_root / "public")])
            )
            made = len(list((hugo_root / "public/covers").rglob("*.webp")))
            assert made == len(items) * len(WIDTHS), made
    samples["reencoded"] = [Sample(float(k), 0.0) for k in reencoded]
    return samples


def report(samples: dict[str, list[Sample]], covers: int, runs: int) -> str:
    def med(name: str) -> float:
        return statistics.median(s.seconds for s in samples[name])

    phase = statistics.median(s.phases.get("covers", 0.0) for s in samples["cold"])
    hugo = med("hugo") if samples["hugo"] else None
    ratio = (lambda x: f"{x / hugo:.2f}×") if hugo else (lambda x: "–")
    lines = [
        f"{covers} generated covers (640×960 JPEG), each made into 160, 320 and 640 px wide "
        f"variants. Machine: {machine()}. Medians of {runs} run(s).",
        "",
        "| scenario | median s | ÷ Hugo | what |",
        "|---|---:|---:|---|",
        f"| covers phase, cold | {phase:.3f} | {ratio(phase)} | the build's image step alone "
        "(`--timings`: decode, AVIF + WebP + JPEG, on every core) |",
        f"| omakase cold | {med('cold'):.3f} | {ratio(med('cold'))} | the whole build, pages, "
        "search and cards included, no cover cache |",
        f"| omakase no-op | {med('noop'):.3f} | {ratio(med('noop'))} | rebuild with nothing changed |",
        f"| omakase item-edit | {med('item-edit'):.3f} | {ratio(med('item-edit'))} | one item's text "
        f"edited: covers re-encoded {max(int(s.seconds) for s in samples['reencoded'])} |",
    ]
    if hugo:
        lines.append(
            f"| hugo cold | {hugo:.3f} | 1.00× | the same images resized to the same widths, "
            "WebP q80 and JPEG q82, Lanczos (Hugo writes no AVIF), no resources cache |"
        )
    return "\n".join(lines)


def write_section(path: Path, text: str) -> None:
    """Replace the covers section of BENCH.md (up to the next `## ` heading), or append it."""
    body = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark\n"
    start = body.find(SECTION + "\n")
    if start < 0:
        body = body.rstrip("\n") + "\n\n"
        start = end = len(body)
    else:
        following = body.find("\n## ", start + len(SECTION))
        end = len(body) if following < 0 else following + 1
    notes = ""
    if start < end:  # keep the hand-written notes under "### Notes"
        old = body[start:end]
        if "### Notes" in old:
            notes = "\n" + old[old.index("### Notes") :].rstrip("\n") + "\n"
    section = f"{SECTION}\n\n`python -m benchmarks.covers` (part of `make bench`).\n\n{text}\n{notes}"
    path.write_text(body[:start] + section + ("\n" + body[end:] if end < len(body) else ""), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.covers", description=__doc__)
    parser.add_argument("--covers", type=int, default=1000, help="items with a cover (default 1000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (default 3)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the corpus is built")
    parser.add_argument("--tools", type=Path, default=None, help="the bench's virtual environment")
    parser.add_argument("--write", type=Path, default=None, help="update this Markdown file's covers section")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="omakase-covers-") as tmp:
        samples = run_covers(args.workdir or Path(tmp), args.covers, args.runs, args.tools)
    text = report(samples, args.covers, args.runs)
    print(text)
    if args.write:
        write_section(args.write if args.write.is_absolute() else PROJECT / args.write, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
