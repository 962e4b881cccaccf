"""The item side (content/itemside.py) in the build state: taken by a build when it describes
every item file, cover and payload as they are now, on the same day; saved when a load made
a new one. It is content-addressed, so a side another build saved is as good as this one's."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Mapping

from generator.content.itemside import ItemSide, decode, encode
from generator.engine.state import IndexEntry, get_meta, set_meta
from generator.settings import Config
from generator.support.statepaths import StatePaths

INPUTS_KEY = "item_inputs"  # in meta: the `side_inputs` of the files the file index holds


def _prefixes(settings: Config) -> tuple[str, str]:
    return (str(settings.content_dir / "items") + os.sep, str(settings.data_dir / "sources") + os.sep)


def _any_input(settings: Config, paths: Iterable[str]) -> bool:
    """Whether any of `paths` is an item side's input (an item file, cover or payload)."""
    prefixes = _prefixes(settings)
    return any(path.startswith(prefixes) for path in paths)


def side_inputs(
    settings: Config,
    files: Mapping[str, IndexEntry],
    state: sqlite3.Connection | None = None,
    changed: Iterable[str] = (),
) -> str:
    """The digest of every input file an item side depends on: the path (relative to the
    site's root) and content hash of each file under the items folder (item files and
    covers) and under the sources folder (payloads). With the `state` and the paths
    `changed` or removed since its file index was saved, the digest kept for that index
    when none of them is such a file: hashing 100,000 paths again would follow the site's
    size, not the edit's."""
    if state is not None and not _any_input(settings, changed):
        kept = get_meta(state, INPUTS_KEY)
        if kept is not None:
            return str(kept)
    return _digest(settings, files, _prefixes(settings))


def _digest(settings: Config, files: Mapping[str, IndexEntry], prefixes: tuple[str, str]) -> str:
    key = StatePaths(settings.root).key
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(path for path in files if path.startswith(prefixes)):
        h.update(key(path).encode() + b"\0" + (files[path][2] or b"") + b"\n")
    return h.hexdigest()


def read_side(state: sqlite3.Connection, settings: Config, inputs: str) -> ItemSide | None:
    """The side the state keeps, when it was made from exactly `inputs` on this build's day
    (the blob of one that was not is not even read)."""
    row = state.execute(
        "SELECT value FROM item_side WHERE made_from = ?", (_made_from(settings, inputs),)
    ).fetchone()
    return decode(row[0], StatePaths(settings.root).path) if row is not None else None


def save_side(state: sqlite3.Connection, settings: Config, side: ItemSide, inputs: str) -> None:
    """Keep `side`, made from `inputs` (`side_inputs`) on this build's day."""
    state.execute("DELETE FROM item_side")
    made_from = _made_from(settings, inputs)
    state.execute(
        "INSERT INTO item_side VALUES (?, ?)", (made_from, encode(side, StatePaths(settings.root).key))
    )


def _made_from(settings: Config, inputs: str) -> str:
    """What a side depends on besides settings and code (the state's fingerprint): its
    inputs' digest and the build day."""
    return f"{settings.build_time.date().isoformat()} {inputs}"


def keep_inputs(
    state: sqlite3.Connection,
    settings: Config,
    inputs: str | None,
    changed: Iterable[str],
    side: ItemSide | None = None,
) -> None:
    """Note beside the file index a build saves the `side_inputs` of its files (`inputs`,
    when the build worked them out), and keep the item `side` it made. Without inputs, the
    last index's stay while none of the paths `changed` or removed since is an item side's
    input; else none are noted, and the next build hashes."""
    if inputs is not None:
        set_meta(state, INPUTS_KEY, inputs)
        if side is not None:
            save_side(state, settings, side, inputs)
    elif _any_input(settings, changed):
        set_meta(state, INPUTS_KEY, None)
