"""Data computed from the stored tables: taste profiles and other summaries."""
