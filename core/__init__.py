"""The small core every layer may import: settings and the error classes."""
