"""The development server: serve output/, rebuild when sources change, reload open tabs.

The build is a parameter (mkdocs style) so a faster, incremental build can be plugged in.
Only `output/` is served, on 127.0.0.1 by default; live reload is a script added to HTML
responses on the way out (never to the files), which long-polls a build generation."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from watchdog.observers import Observer

from generator.serve.hosts import is_loopback
from generator.serve.http import POLL_TIMEOUT, BuildState, Snapshot, _Server
from generator.serve.rebuilds import ResidentBuild
from generator.serve.watch import _Changes
from generator.settings import Config, Settings

BuildFunction = Callable[[Config], Any]
# A rebuild that rewrote at most this many files, of at most this many bytes in all, is
# served as soon as its pages are written (see DevServer._pages_ready).
EARLY_FILES = 200
EARLY_BYTES = 32 * 1024 * 1024
# How long a failed build whose files were not all closed after writing waits for them to
# be, before it reports its error (watchers without close events: only this long late).
UNCLOSED_GRACE = 1.0


# An absolute path's folders (not a URL's, not a relative path's tail): /dir/…/.
_ABSOLUTE = re.compile(r"(?<![\w.:/~-])/([^\s/:'\"]+)/(?:[^\s/:'\"]+/)*")


def _cut(match: re.Match[str]) -> str:
    # Only a path of this machine (its first folder exists): `/menus/slug/` is a site URL.
    return "…/" if os.path.isdir("/" + match.group(1)) else match.group(0)


def page_error(text: str, root: Path) -> str:
    """A build error as the browser shows it: paths relative to the site's root, any other
    absolute path of this machine cut to its last part (the terminal has the whole message)."""
    for base in dict.fromkeys((str(root.resolve()), str(root))):
        text = text.replace(base.rstrip("/") + "/", "")
    return _ABSOLUTE.sub(_cut, text)


class DevServer:
    """Build, serve, watch, rebuild. `start()` returns once the site is being served."""

    def __init__(  # noqa: PLR0913 - keyword-only options, one per `omakase serve` flag or test hook
        self,
        settings: Settings | Config,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        build: BuildFunction | None = None,
        debounce: float = 0.05,
        poll_timeout: float = POLL_TIMEOUT,
        echo: Callable[[str], None] | None = None,
        timings: bool = False,
    ) -> None:
        self.settings = settings.resolve()
        self.host, self.port = host, port
        self.resident: ResidentBuild | None = None
        # Run while idle after the first build (build.prepare_for_edits; not with a build
        # function of the caller's, whose output it does not know).
        self.prepare: Callable[[Config], Any] | None = None
        if build is None:
            from generator.engine.build import prepare_for_edits

            self.resident = build = ResidentBuild(self._pages_ready)
            self.prepare = prepare_for_edits
        self.build_function: BuildFunction = build
        self._announced = False
        self.debounce = debounce
        self.timings = timings
        self.poll_timeout = poll_timeout
        self.echo = echo or (lambda text: click.echo(text, err=True))
        self.state = BuildState()
        self._dirty = threading.Event()
        self._last_change = 0.0
        # The paths changed since the last build began (None: unknown, scan everything).
        self._changed_paths: set[str] | None = None
        self._writing: set[str] = set()  # changed files not yet closed after writing
        self._paths_lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._observer: Any = None
        self._handler: _Changes | None = None
        self._watching: set[Path] = set()
        self._watch_lock = threading.Lock()
        self._httpd: _Server | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}/"

    def watched(self) -> list[tuple[Path, bool]]:
        """(folder, recursive) for every folder the build reads. data/ is watched for its
        own files only, and data/sources/ within it: the build's caches beside the database
        hold a folder per page, which a recursive watch would each have to follow."""
        s = self.settings
        folders = [(f, True) for f in (s.content_dir, s.templates_dir, s.override_dir) if f.is_dir()]
        if s.data_dir.is_dir():
            folders.append((s.data_dir, False))
            if (s.data_dir / "sources").is_dir():
                folders.append((s.data_dir / "sources", True))
        return folders

    def _watch(self, folder: Path, recursive: bool) -> None:
        with self._watch_lock:
            if folder not in self._watching:
                self._observer.schedule(self._handler, str(folder), recursive=recursive)
                self._watching.add(folder)

    def _new_folder(self, folder: Path) -> None:
        """data/sources/ made while serving (a first import): watch it from now on."""
        if folder == self.settings.data_dir / "sources":
            self._watch(folder, True)

    def _pages_ready(self, tree: Path, written: list[str]) -> None:
        """A rebuild's pages are written: serve them now and tell the tabs to reload (a
        rebuild that rewrote much, a template change, waits for the whole build)."""
        if self._httpd is None or not written or len(written) > EARLY_FILES:
            return
        pages: dict[str, bytes] = {}
        for rel in written:
            try:
                pages[rel] = (tree / rel).read_bytes()
            except OSError:
                return
        if sum(map(len, pages.values())) > EARLY_BYTES:
            return
        self._httpd.early = pages
        self._announced = True
        self.state.record(None)

    def rebuild(self, *, unclosed: bool = False) -> Snapshot:
        """Run the build once; report the outcome to the terminal and to open tabs.
        `unclosed`: a file the build read had not been closed after writing when it began."""
        started = time.perf_counter()
        self._announced = False
        with self._paths_lock:
            hints, self._changed_paths = self._changed_paths, set()
        try:
            if self.resident is not None:
                report = self.resident(self.settings, hints)
            else:
                report = self.build_function(self.settings)
        except click.ClickException as exc:
            error = shown = exc.format_message()
        except Exception as exc:  # a bug must not kill the server; show it like any build error
            error = traceback.format_exc()
            kind = type(exc).__name__
            shown = f"The build stopped on an unexpected error ({kind}: {exc}); see the terminal."
        else:
            for warning in getattr(report, "warnings", []) or []:
                self.echo(warning.format())
            pages = getattr(report, "pages", None)
            done = f"{pages} pages" if pages is not None else "site"
            if self.timings and hasattr(report, "timings"):
                from generator.support.timings import format_timings

                self.echo(format_timings(report.timings, report.seconds, report.marks))
            self.echo(f"Built {done} in {time.perf_counter() - started:.2f}s.")
            self._forget_early()  # published: the output holds the same bytes now
            # Tabs reloaded when the pages were ready; the rest changed no page they show.
            return self.state.record(None, new_version=not self._announced)
        self._forget_early()  # not published: back to the last good site
        if self._superseded(unclosed):
            self.echo("A file changed during the failed build; building again.")
            return self.state.snapshot()
        # What the page shows anyone who can load it: no traceback, no absolute paths. It is
        # recorded before the terminal says so, so that a page asked for then shows it.
        snapshot = self.state.record(page_error(shown, self.settings.root))
        self.echo("Build failed; still serving the last good site.\n" + error)
        return snapshot

    def _superseded(self, unclosed: bool) -> bool:
        """Whether a failed build read files that have changed since, so that its error may
        be a half-written file's: a file changed during the build, or one still open for
        writing when it began is closed (or changed) within the grace time. The next build
        then reports what is still wrong."""
        if self._dirty.is_set():
            return True
        if not unclosed:
            return False
        deadline = time.monotonic() + UNCLOSED_GRACE
        while (left := deadline - time.monotonic()) > 0 and not self._stopping.is_set():
            if self._dirty.wait(min(left, 0.1)):
                return True
        return False

    def _forget_early(self) -> None:
        if self._httpd is not None:
            self._httpd.early = {}

    def _head_start(self, step: Callable[[Config], Any], failed: str) -> None:
        """One step of the work done while idle. It is only a head start: the next build does
        what a failed step did not, so the failure is shown, never raised."""
        try:
            step(self.settings)
        except Exception:
            self.echo(f"Could not {failed} ahead of the next edit:\n" + traceback.format_exc())

    def _changed(self, paths: list[str], full: bool = False, whole: bool = False) -> None:
        with self._paths_lock:
            if full or self._changed_paths is None:
                self._changed_paths = None
            else:
                self._changed_paths.update(paths)
            if whole:
                self._writing.difference_update(paths)
            else:  # a folder's event is never whole: the full wait
                self._writing.update(paths)
        self._last_change = time.monotonic()
        self._dirty.set()

    def _settle_time(self) -> float:
        """How long the files must be quiet before a rebuild: the whole debounce while a
        file may still be being written, a fifth of it once every file written was closed
        (an editor's save: a second file saved with it still joins the same build)."""
        with self._paths_lock:
            return self.debounce if self._writing else self.debounce / 5

    def _verify(self) -> None:
        """A rebuild looked only at the paths the watcher reported: check, while idle, that
        a full scan agrees, and rebuild from one if not (the kernel drops events when its
        queue overflows, and a change before the watch began was never reported)."""
        assert self.resident is not None
        try:
            differs = self.resident.scan_differs(self.settings)
        except Exception:  # the next build scans everything; rebuilding now could loop
            with self._paths_lock:
                self._changed_paths = None
            return
        if differs:
            self._changed([], full=True)

    def _rebuild_loop(self) -> None:
        # While idle, one at a time, each once after a build: check the scan, take the kept
        # parses into memory (once), ready the next build's output tree and copy its database.
        prepared = self.prepare is None
        verified = warmed = spared = self.resident is None
        ready = False  # nothing left to do while idle, and said so (with --timings)
        idle_work = 0.0
        while not self._stopping.is_set():
            if not self._dirty.wait(timeout=0.2):
                started = time.perf_counter()
                if not verified:
                    verified = True
                    self._verify()
                elif not warmed:
                    warmed = True
                    assert self.resident is not None
                    self._head_start(self.resident.warm, "read the kept parses")
                elif not prepared:
                    prepared = True
                    assert self.prepare is not None
                    self._head_start(self.prepare, "prepare the output")
                elif not spared:
                    spared = True
                    assert self.resident is not None
                    self._head_start(self.resident.spare, "copy the database")
                elif not ready:
                    ready = True
                    if self.timings:
                        self.echo(f"Ready for the next edit ({idle_work:.2f}s of work while idle).")
                idle_work += time.perf_counter() - started
                continue
            # Let a burst of saves settle: editors write, rename and touch within a few
            # milliseconds. A burst longer than the wait (a checkout) costs a second
            # rebuild, never a missed change: an event during a build sets _dirty again.
            while (quiet := time.monotonic() - self._last_change) < (settle := self._settle_time()):
                if self._stopping.wait(settle - quiet):  # until quiet long enough
                    return
            self._dirty.clear()
            with self._paths_lock:
                unclosed = bool(self._writing)
                self._writing.clear()
            self.rebuild(unclosed=unclosed)
            prepared = self.prepare is None
            verified = spared = self.resident is None
            ready, idle_work = False, 0.0

    def start(self) -> None:
        self.rebuild()
        self._httpd = _Server((self.host, self.port), self.settings.output_dir, self.state, self.poll_timeout)
        if not is_loopback(self.host):
            self.echo(
                f"WARNING: serving on {self.host}, not on loopback: anyone who can reach this machine "
                f"can read the site at {self.url}, share pages of drafts and build errors included. "
                "Use --host 127.0.0.1 unless you trust every machine on this network."
            )
        self._observer = Observer()
        self._handler = _Changes(self.settings, self._changed, self._new_folder)
        for folder, recursive in self.watched():
            self._watch(folder, recursive)
        self._observer.start()
        for target in (self._httpd.serve_forever, self._rebuild_loop):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop watching and serving; wakes waiting browsers so nothing hangs."""
        self._stopping.set()
        self.state.close()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.resident is not None:
            self.resident.close()

    def serve_forever(self) -> None:
        """Start, then wait for Ctrl-C, or the SIGTERM a service manager or `kill` sends,
        and stop cleanly (the spare copy of the database goes with the server)."""
        self.start()
        self.echo(f"Serving {self.settings.output_dir} at {self.url} — Ctrl-C to stop.")
        self.echo(
            "Watching "
            + ", ".join(str(f) + ("" if recursive else " (its own files)") for f, recursive in self.watched())
        )
        before = _on_sigterm()
        try:
            while not self._stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            self.echo("Stopping.")
        finally:
            if before is not None:
                signal.signal(signal.SIGTERM, before)
            self.stop()


def _on_sigterm() -> Any:
    """Have SIGTERM stop the server as Ctrl-C does; returns the handler it replaced (None
    where no handler can be set: off the main thread, as in tests that serve from one)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
