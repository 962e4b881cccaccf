"""Run Pagefind over folders of search documents, as many at once as there are cores."""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.errors import BuildError
from generator.support.procs import spawn


@dataclass
class Run:
    """One Pagefind run: the folder of pages it indexes and the bundle it writes."""

    pages: Path
    bundle: Path
    stamp: str
    number: int
    members: Mapping[str, bytes]  # its pages (relpath -> digest), whose documents go in `pages`
    prepared: bool = False


@functools.cache
def version() -> str:
    """The installed Pagefind's version ('missing' without it). Read from the name of its
    wheel's metadata folder beside the package when there is one: importing
    importlib.metadata would add about 15 ms to every build."""
    spec = importlib.util.find_spec("pagefind")
    if spec is None or not spec.submodule_search_locations:
        return "missing"
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).parent.glob("pagefind-*.dist-info"))
        if len(found) == 1:
            return found[0].name.removeprefix("pagefind-").removesuffix(".dist-info")
    from importlib import metadata  # another layout (an egg, a zip): ask the metadata machinery

    try:
        return metadata.version("pagefind")
    except metadata.PackageNotFoundError:
        return "missing"


@functools.cache
def command() -> list[str]:
    """The Pagefind binary shipped in the `pagefind[bin]` wheel, started directly (its
    `python -m pagefind` wrapper costs a Python start per bundle); the wrapper otherwise.
    The binary is looked for beside the package first, where its wheel puts it: importing
    the package sets up logging, on every build that indexes."""
    spec = importlib.util.find_spec("pagefind_bin")
    folders = (spec.submodule_search_locations or []) if spec is not None else []
    suffixes = ("", ".exe") if sys.platform == "win32" else ("",)
    for folder in folders:
        for name in ("pagefind_extended", "pagefind"):
            for suffix in suffixes:
                binary = Path(folder) / (name + suffix)
                if binary.is_file():
                    return [str(binary)]
    try:
        from pagefind_bin import get_executable

        return [str(get_executable())]
    except (ImportError, FileNotFoundError):
        return [sys.executable, "-m", "pagefind"]


def run_all(
    runs: list[Run],
    meanwhile: Callable[[], None] | None = None,
    prepare: Callable[[Run], None] | None = None,
) -> None:
    """Index every run's pages, as many at once as there are cores (processes started from
    this thread only: a fork from a worker thread could inherit a held lock); `meanwhile`
    runs once the first ones are started. `prepare` writes a run's documents: just before
    it starts, or for the next run while the others index, so that no core waits for all
    the documents to be written first."""

    def ready(run: Run) -> None:
        if not run.prepared and prepare is not None:
            prepare(run)
        run.prepared = True

    if not runs:
        if meanwhile is not None:
            meanwhile()
        return
    base = command()
    limit = max(1, os.cpu_count() or 1)
    waiting = list(runs)
    running: list[tuple[subprocess.Popen[bytes], Run]] = []
    failure: str | None = None
    # Pagefind reads settings from a file (pagefind.json, .yml or .toml) in the folder it
    # runs in and from PAGEFIND_ variables; a searchable Hugo site's must not change the
    # index. So it runs in an empty folder, without those variables.
    neutral = tempfile.TemporaryDirectory(prefix="omakase-pagefind-")
    env = {name: value for name, value in os.environ.items() if not name.startswith("PAGEFIND_")}
    try:
        while waiting or running:
            while waiting and len(running) < limit and failure is None:
                run = waiting.pop(0)
                ready(run)
                running.append((_start(base, run, Path(neutral.name), env), run))
            if meanwhile is not None:
                work, meanwhile = meanwhile, None
                work()
            if waiting and failure is None:
                ready(waiting[0])
            if not running:
                break
            proc, run = running.pop(0)
            failure = failure or _failure(proc, run)
    finally:
        for proc, _ in running:
            proc.kill()
            proc.wait()
        neutral.cleanup()
    if failure is not None:
        raise BuildError(failure)


def _start(base: list[str], run: Run, cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        *base,
        "--site",
        str(run.pages),
        "--output-path",
        str(run.bundle),
        "--keep-index-url",
        "--quiet",
    ]
    try:
        return spawn(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd, env=env)
    except OSError as error:
        raise BuildError(f"search indexing could not start Pagefind: {error}") from error


def _failure(proc: subprocess.Popen[bytes], run: Run) -> str | None:
    """What went wrong with a finished run, or None when it wrote its bundle."""
    output, _ = proc.communicate()
    if proc.returncode == 0 and (run.bundle / "pagefind.js").is_file():
        return None
    detail = output.decode("utf-8", "replace").strip() or f"exit code {proc.returncode}"
    return f"search indexing with Pagefind failed: {detail}"
