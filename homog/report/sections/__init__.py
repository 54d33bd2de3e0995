"""Report sections contributed by analysis modules."""
