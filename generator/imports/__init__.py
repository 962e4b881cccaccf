"""Importers of user exports (Letterboxd, Goodreads) into items, curator logs and draft menus."""
