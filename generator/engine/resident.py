"""What a process that builds again and again (the dev server) keeps ready between builds."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from generator.content.loader import LoadMemo, load_site
from generator.engine.inputs import Inputs
from generator.engine.session import Session
from generator.engine.state import FileTable, IndexEntry, StateParseCache, get_meta
from generator.errors import ContentErrors
from generator.settings import Config
from generator.site.render import KeptRenderer


def warm_resident(settings: Config, inputs: Inputs, state: sqlite3.Connection, session: Session) -> None:
    """What a process that builds again and again does before its first edit: assemble and
    check the site (loader.LoadMemo), and load every template (render.KeptRenderer), as
    the next build would. A server started on a built site has done neither (its first
    build found nothing to do), and its first edit would do both."""
    files = inputs.scan(session)
    changed, _ = FileTable(state, settings.root).changes(files, Path("/"))
    session.begin(inputs.fingerprint, files)
    with contextlib.suppress(ContentErrors):  # the next build reports them
        load_site(
            settings,
            cache=StateParseCache(state, settings.root, files, changed, session.parses),
            memo=load_memo(session, files),
        )
    session.follow(get_meta(state, "generation"))
    if session.renderer is None:
        kept_renderer(session).get(settings, True).preload()


def load_memo(session: Session, files: dict[str, IndexEntry]) -> LoadMemo:
    """The loader's session of the process, told this build's scan."""
    if session.load is None:
        session.load = LoadMemo()
    session.load.scanned(files, session.full_scans)
    return session.load


def kept_renderer(session: Session) -> KeptRenderer:
    """The renderer the process keeps between builds (made on first use)."""
    if session.renderer is None:
        session.renderer = KeptRenderer()
    return session.renderer
