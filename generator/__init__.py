"""Omakase: content files in git → SQLite → static HTML for curated menus of media."""

__version__ = "0.1.0"
