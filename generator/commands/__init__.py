"""CLI commands, one module each; every command hands off to a plain library function."""
