"""Publishing mechanics: atomic writes, the staging folder, the output's shadow tree, safe paths."""
