"""The reader's site: routes, database queries, templates, rendering."""
