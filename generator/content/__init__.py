"""Loading and validating content files: discover, parse with locations, check, model."""
