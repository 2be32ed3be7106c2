"""pace: evals."""
