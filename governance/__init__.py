"""pace: governance."""
