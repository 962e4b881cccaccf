"""Cross-cutting machinery of a run: child processes, progress output, phase timings."""
