"""The benchmark: a realistic generated corpus, Omakase's builds timed against Hugo's."""
