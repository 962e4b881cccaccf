"""The menu side (content/menuside.py) in the build state: read by a command-line build
before its load, saved after it with the content hash of each menu file. Its checks count
only against the item side's inputs they were made with (itemstate.side_inputs)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from generator.content.assembly import NOTHING_KEPT, Kept
from generator.content.menuside import MenuSide, decode, encode
from generator.engine.itemstate import read_side
from generator.engine.state import IndexEntry
from generator.settings import Config
from generator.support.statepaths import StatePaths


def kept_sides(
    state: sqlite3.Connection, settings: Config, files: Mapping[str, IndexEntry], inputs: str | None
) -> Kept:
    """The item and menu sides the state keeps, for a load of `files` whose item side's
    inputs are `inputs` (None: not worked out, nothing is taken)."""
    if inputs is None:
        return NOTHING_KEPT
    return Kept(read_side(state, settings, inputs), read_menu_side(state, settings, files, inputs))


def read_menu_side(
    state: sqlite3.Connection, settings: Config, files: Mapping[str, IndexEntry], inputs: str
) -> MenuSide | None:
    """The side the state keeps, its entries matched against the content hashes of
    `files` (the scan); its checks taken only when made against `inputs`."""
    row = state.execute("SELECT made_from, value FROM menu_side").fetchone()
    if row is None:
        return None
    side = decode(row[1], StatePaths(settings.root).path)
    if side is not None:
        side.checked = row[0] == inputs
        side.hash_of = lambda path: _hash(files, path)
    return side


def save_menu_side(
    state: sqlite3.Connection,
    settings: Config,
    files: Mapping[str, IndexEntry],
    inputs: str | None,
    side: MenuSide | None,
) -> None:
    """Keep `side`, made by this build's load against `inputs` (without a side, the kept
    one stays: it describes files by their content). Without inputs, none is kept."""
    if side is None:
        return
    state.execute("DELETE FROM menu_side")
    blob = encode(side, StatePaths(settings.root).key, lambda path: _hash(files, path))
    if inputs is not None and blob is not None:
        state.execute("INSERT INTO menu_side VALUES (?, ?)", (inputs, blob))


def _hash(files: Mapping[str, IndexEntry], path: str) -> bytes | None:
    entry = files.get(path)
    return entry[2] if entry is not None else None
