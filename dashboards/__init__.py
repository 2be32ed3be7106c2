"""pace: dashboards."""
