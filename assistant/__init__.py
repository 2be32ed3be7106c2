"""pace: assistant."""
