"""Pagefind's output folders kept between builds, so that re-indexing a bundle writes only its new files.

Pagefind names most files of a bundle by a hash of their content (fragments, index chunks,
filters, the metadata) and does not write one its output folder has already. It writes the
others (scripts, styles, WebAssembly) every time, and removes nothing. Given the folder it
wrote a bundle into last time, less those others, it so writes a dozen files for an edit,
not 260: a new file costs the file system several times an overwrite (BENCH.md). The hashed
files the new metadata does not name are then dropped: they are an earlier bundle's.

A run cut short may leave a hashed file half-written under its final name, which the next
run would keep. So a folder is used again only when a marker beside it says that the last
run over it finished, with this version of Pagefind; it is wiped otherwise.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

from generator.errors import BuildError

FOLDER = "output"  # in the search documents' folder (search.documents_dir), one per bundle
_DONE = ".done"  # the marker beside a folder: the Pagefind version its finished run had
_HASHED = (".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter")
_SIGNATURE = b"pagefind_dcd"  # before the metadata's CBOR


def kept_output(documents: Path, bundle: str) -> Path:
    """Where Pagefind writes `bundle` when the site has it already."""
    return documents / FOLDER / bundle


def prepare(folder: Path, version: str) -> bool:
    """Ready `folder` for a run of Pagefind `version`; True when it holds an earlier run's
    files, which `settle` then sorts out."""
    done = folder.with_name(folder.name + _DONE)
    try:
        finished = done.read_text(encoding="utf-8") == version
    except OSError:
        finished = False
    done.unlink(missing_ok=True)
    if not finished:
        shutil.rmtree(folder, ignore_errors=True)
        return False
    for path in _files(folder):
        if not path.endswith(_HASHED):  # the run writes its own
            os.unlink(path)
    return True


def settle(folder: Path, version: str, earlier: bool) -> None:
    """After a run that wrote its bundle into `folder`: drop what is not that bundle (when
    the folder held an `earlier` run's files), then mark the run finished."""
    if earlier:
        try:
            hashes, named = bundle_names(folder)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:  # not marked: wiped next time
            raise BuildError(f"search indexing: cannot read Pagefind's output in {folder}: {exc}") from exc
        for path in _files(folder):
            name = os.path.basename(path)
            if name.endswith(".pf_meta"):
                keep = name.removeprefix("pagefind.").removesuffix(".pf_meta") in hashes
            else:
                keep = not name.endswith(_HASHED) or name.rsplit(".", 1)[0] in named
            if not keep:
                os.unlink(path)
    folder.with_name(folder.name + _DONE).write_text(version, encoding="utf-8")


def bundle_names(folder: Path) -> tuple[set[str], set[str]]:
    """The hashes of the bundle's metadata files (one per language, from its entry file),
    and every name those files hold: the hashes of its fragments, index chunks, filters."""
    entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
    hashes = {language["hash"] for language in entry["languages"].values()}
    named: set[str] = set()
    for digest in hashes:
        data = gzip.decompress((folder / f"pagefind.{digest}.pf_meta").read_bytes())
        if not data.startswith(_SIGNATURE):
            raise ValueError(f"pagefind.{digest}.pf_meta: not Pagefind metadata")
        named |= cbor_strings(data[len(_SIGNATURE) :])
    return hashes, named


def cbor_strings(data: bytes) -> set[str]:
    """Every text string in a sequence of CBOR items (RFC 8949, definite lengths)."""
    found: set[str] = set()
    pos = 0
    pending = 1 if data else 0  # items still to read
    while pending:
        pending -= 1
        major, info = data[pos] >> 5, data[pos] & 31
        pos += 1
        if info < 24:
            value = info
        elif info < 28:
            size = 1 << (info - 24)
            value = int.from_bytes(data[pos : pos + size], "big")
            pos += size
        else:
            raise ValueError("CBOR with an indefinite length")
        if major in (2, 3):
            if major == 3:
                found.add(data[pos : pos + value].decode("utf-8"))
            pos += value
        elif major == 4:
            pending += value
        elif major == 5:
            pending += 2 * value
        elif major == 6:
            pending += 1
        if not pending and pos < len(data):
            pending = 1
    return found


def forget(documents: Path, bundle: str) -> None:
    """Remove the kept folder of a bundle the site no longer has."""
    folder = kept_output(documents, bundle)
    folder.with_name(folder.name + _DONE).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


def _files(folder: Path) -> list[str]:
    found: list[str] = []
    for parent, _, names in os.walk(folder):
        found += [os.path.join(parent, name) for name in names]
    return found
