"""The build engine: inputs, state between builds, staleness, the steps of a build, the resident session."""
