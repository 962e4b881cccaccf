"""The kept sides in the build state: the item side (itemstate.py) and the menu side
(content/menuside.py), one row per menu file with the content hash it describes. The
menu rows count as one side made against the item side's inputs and the curators `meta`
notes; an edit writes the rows of the menus it changed, and a side made against other
inputs or curators replaces them all."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from generator.content.assembly import NOTHING_KEPT, Kept
from generator.content.menuside import FORMAT, MenuSide, decode, encode
from generator.engine.itemstate import read_side
from generator.engine.state import IndexEntry, get_meta, set_meta
from generator.settings import Config
from generator.support.statepaths import StatePaths

MADE_FROM = "menu_side"  # in meta: the format, item inputs and curators of the rows


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
    made = get_meta(state, MADE_FROM)
    if not isinstance(made, dict) or made.get("format") != FORMAT:
        return None
    entries = decode(state.execute("SELECT path, entry FROM menu_side"), StatePaths(settings.root).path)
    if entries is None:
        return None
    side = MenuSide(entries, tuple(made["curators"]), checked=made["inputs"] == inputs)
    side.hash_of = lambda path: _hash(files, path)
    return side


def save_menu_side(
    state: sqlite3.Connection,
    settings: Config,
    files: Mapping[str, IndexEntry],
    inputs: str | None,
    sides: tuple[MenuSide | None, MenuSide | None],
) -> None:
    """Keep the side this build's load made against `inputs` (`sides`: the one the load
    took from the state, and that one). Only the entries it did not take are written,
    unless it was made against other inputs or curators. Without a side made, or inputs
    to note, the rows stay: they describe files by their content, and checks by inputs."""
    kept, side = sides
    if side is None or inputs is None:
        return
    made = {"format": FORMAT, "inputs": inputs, "curators": list(side.curators)}
    old = kept.entries if kept is not None and get_meta(state, MADE_FROM) == made else {}
    if not old:
        state.execute("DELETE FROM menu_side")
    key = StatePaths(settings.root).key
    rows, gone = [], [key(path) for path in old if path not in side.entries]
    for path, entry in side.entries.items():
        if old.get(path) is entry:
            continue
        digest = _hash(files, path)
        if digest is None:  # not scanned: its row would describe no file
            gone.append(key(path))
        else:
            rows.append((key(path), encode(entry, digest)))
    state.executemany("INSERT OR REPLACE INTO menu_side VALUES (?, ?)", rows)
    state.executemany("DELETE FROM menu_side WHERE path = ?", [(path,) for path in gone])
    set_meta(state, MADE_FROM, made)


def _hash(files: Mapping[str, IndexEntry], path: str) -> bytes | None:
    entry = files.get(path)
    return entry[2] if entry is not None else None
