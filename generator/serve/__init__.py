"""The development server: serve output/, rebuild when sources change, reload open tabs."""
