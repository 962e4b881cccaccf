"""A build's inputs: the files of the site's folders, and a fingerprint of all else shaping the output."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import marshal
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from generator.engine.scan import scan_roots
from generator.engine.session import Session
from generator.engine.state import IndexEntry, file_hash, scan_tree
from generator.settings import Config
from generator.support.timings import timed

# shares.SHARES_FILE, shares.SECRET_FILE, published.RECORD_FILE (named here so that a build
# with nothing to do does not import those modules; a test keeps the names in step).
DATA_FILES = ("shares.yaml", "secret.key", "published-slugs.txt")
# In the state's meta: the key (Inputs.scan_key) of the last scan found to match the file index.
SCAN_DIGEST = "scan_digest"


class Inputs:
    """The build's input files and what else decides the output (settings, code)."""

    def __init__(self, settings: Config) -> None:
        self.settings = settings
        self.roots = {
            "content": settings.content_dir,
            "templates": settings.templates_dir,
            "sources": settings.data_dir / "sources",
        }
        self.roots["overrides"] = settings.override_dir
        self.fingerprint = fingerprint(settings)
        self.digest: str | None = None  # of the input folders' last scan without a session or `known`

    def data_files(self) -> list[Path]:
        """Inputs kept in data/ beside the sources: share records, secret, published URLs."""
        return [self.settings.data_dir / name for name in DATA_FILES]

    def record_file(self) -> Path:
        """The record of published menu URLs (content/published.py)."""
        return self.settings.data_dir / DATA_FILES[2]

    @timed("scan")
    def scan(
        self, session: Session | None = None, known: Mapping[str, IndexEntry] | None = None
    ) -> dict[str, IndexEntry]:
        """Every input file with its stat, and its hash where its entry in `known` (the last
        build's file index) has the same stat (scan_tree). A process that builds again and
        again (the dev server) keeps the last scan in `session`; when a file watcher told it
        which paths may have changed since (`session.hints`), only those are looked at again.
        The command line's scan, without `known`, is engine/scan.py's: on two cores at once."""
        folders = tuple(map(str, self.roots.values()))
        if (
            session is not None
            and session.files is not None
            and session.hints is not None
            and session.folders == folders
        ):
            files = dict(session.files)
            for path in session.hints:
                self._restat(files, path)
        elif session is None and known is None:  # the command line
            files = scan_roots(self.roots.values())
        else:
            files = {}
            for root in self.roots.values():
                files.update(scan_tree(root, absolute=True, known=known))
            if session is not None:
                session.full_scans += 1
        # Of the input folders alone: the build rewrites a data file (the URL record) later.
        self.digest = scan_digest(files) if session is None and known is None else None
        for data_file in self.data_files():
            self.rescan(files, data_file)
        if session is not None:
            session.files, session.folders, session.hints = files, folders, None
        return files

    def scan_key(self, files: Mapping[str, IndexEntry]) -> list[Any] | None:
        """What the state keeps of a command-line scan (SCAN_DIGEST): the digest of the input
        folders' scan and the stats of the data files as `files` has them now. None after a
        scan of the dev server's."""
        if self.digest is None:
            return None
        stats = (files.get(str(path)) for path in self.data_files())
        return [self.digest, [None if entry is None else list(entry[:2]) for entry in stats]]

    def _restat(self, files: dict[str, IndexEntry], path: str) -> None:
        """Note one path as a full scan would: a file under an input folder, none of its
        names hidden. A folder is not looked into: the watcher asks for a full scan when
        one is created, moved or deleted."""
        for root in self.roots.values():
            prefix = str(root) + os.sep
            if path.startswith(prefix):
                if any(name.startswith(".") for name in path[len(prefix) :].split(os.sep)):
                    return
                try:
                    st = os.lstat(path)
                except OSError:
                    files.pop(path, None)
                    return
                if not stat.S_ISDIR(st.st_mode):
                    files[path] = (st.st_mtime_ns, st.st_size, None)
                return

    @staticmethod
    def rescan(files: dict[str, IndexEntry], path: Path, *, hashed: bool = False) -> None:
        """Note one file as it is now (used after the build itself rewrote it), with its
        content hash when `hashed`."""
        try:
            st = path.stat()
            digest = file_hash(path) if hashed else None
        except OSError:
            files.pop(str(path), None)
            return
        files[str(path)] = (st.st_mtime_ns, st.st_size, digest)

    def kind(self, path: str) -> str | None:
        """What an input path is: item, menu, curator, log, payload, template, override."""
        if path in {str(p) for p in self.data_files()}:
            return "data"
        for name, root in self.roots.items():
            prefix = str(root) + os.sep
            if path.startswith(prefix):
                rel = path[len(prefix) :].split(os.sep)
                if name == "content":
                    return {"items": "item", "menus": "menu", "curators": "curator", "logs": "log"}.get(
                        rel[0], "content"
                    )
                return {"sources": "payload", "templates": "template", "overrides": "override"}[name]
        return None

    def template_names(self, path: str) -> set[str]:
        """The names a template file answers to when looked up (its `theme:` name too when the
        templates folder is the theme itself, as in the project's sample site)."""
        kind = self.kind(path)
        root = self.roots["templates" if kind == "template" else "overrides"]
        rel = Path(path).relative_to(root).as_posix()
        if kind != "template":
            return {rel}
        names = {rel, f"default:{rel}"}
        return names | {f"theme:{rel}"} if root == self.settings.theme_dir else names

    def display(self, path: str) -> str:
        try:
            return str(Path(path).relative_to(self.settings.root))
        except ValueError:
            return path


def scan_digest(files: dict[str, IndexEntry]) -> str:
    """The digest of a scan: its paths with their stats, in the order found. marshal's
    version 2 writes no back-references (version 3 writes them by reference count), so the
    same scan gives the same bytes in any process. A scan listed in another order only
    gets another digest, which costs the full comparison, never a wrong answer."""
    return hashlib.blake2b(marshal.dumps(files, 2), digest_size=16).hexdigest()


def fingerprint(settings: Config) -> str:
    """Everything besides input files that shapes the output: settings, code, libraries."""
    import importlib.util

    h = hashlib.blake2b(digest_size=16)
    values = {k: _setting_text(settings.root, v) for k, v in vars(settings).items() if k != "build_time"}
    h.update(json.dumps(values, sort_keys=True).encode())
    # Library versions, without importing them: where each is installed, and the names of
    # the distributions installed there (`<name>-<version>.dist-info`). Not file times: a
    # fresh install of the same versions (a CI run) must keep the state usable.
    folders: set[Path] = set()
    for name in ("jinja2", "markdown", "nh3", "yaml", "sqlite_utils", "markupsafe", "PIL"):
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec and spec.origin else ""
        h.update(f"{name}:{origin}".encode())
        if origin:
            top = Path(origin).parent
            folders.add(top.parent if spec and spec.submodule_search_locations else top)
    for folder in sorted(folders):
        with contextlib.suppress(OSError):
            h.update(" ".join(sorted(n for n in os.listdir(folder) if n.endswith(".dist-info"))).encode())
    h.update(hashlib.sha256(os.environ.get("OMAKASE_SHARE_SECRET", "").strip().encode()).digest())
    h.update(_code_digest())
    if settings.theme_dir != settings.templates_dir:  # else scanned, as the site's templates
        h.update(_theme_digest(settings.theme_dir))
    return h.hexdigest()


def _setting_text(root: Path, value: object) -> str:
    """A setting as the fingerprint takes it: a path inside the site's root relative to it
    (the root itself as "."), so that the same site in another folder (another clone of it,
    as in CI) keeps its state; a path outside it (the packaged theme) as it is."""
    if isinstance(value, Path):
        if value == root:
            return "."
        if value.is_relative_to(root):
            return value.relative_to(root).as_posix()
    return str(value)


def made_by_this() -> dict[str, str]:
    """What made a build state: this version of Omakase and the digest of its code. A
    state made by any other is discarded, whatever its fingerprint says."""
    from generator import __version__

    return {"version": __version__, "code": _code_digest().hex()}


@functools.cache
def _code_digest() -> bytes:
    """The digest of the generator's sources, read once per process: the code a process
    runs is the code it imported, so a dev server that keeps running after its sources were
    edited must not record builds as made by the new code."""
    return sources_digest(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def sources_digest(package: str) -> bytes:
    """The digest of the Python sources under `package`: their paths and bytes."""
    sources: list[str] = []
    # os.walk and plain strings: pathlib's globbing and relative paths took most of the time
    # this takes, on every build.
    for folder, _, names in os.walk(package):
        rel = os.path.relpath(folder, package).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        sources.extend(prefix + n for n in names if n.endswith(".py"))
    return _files_digest(package, sources)


@functools.cache
def _theme_digest(theme: Path) -> bytes:
    """The digest of the theme's files, read once per process: the theme ships with the code
    (an installed package's, or the project's templates/) and, like the code, is not
    watched, so a build made with another theme is not taken for this one's."""
    return _files_digest(str(theme), scan_tree(theme))


def _files_digest(base: str, rels: Iterable[str]) -> bytes:
    """The digest of the files `rels` (paths relative to `base`, with /): their paths and bytes."""
    h = hashlib.blake2b(digest_size=16)
    for rel in sorted(rels):
        with open(os.path.join(base, rel), "rb") as file:
            h.update(rel.encode() + b"\0" + file.read())
    return h.digest()
