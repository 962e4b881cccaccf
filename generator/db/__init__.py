"""The SQLite database: schema, stable ids, and storing a loaded site."""
