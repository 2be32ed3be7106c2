"""pace: tools."""
