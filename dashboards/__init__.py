"""pace's fleet dashboards: YAML definitions on the semantic layer, served or exported (docs/dashboards.md).

- `dashboards.loader`: `load_dashboards(catalog)` parses `definitions/*.yaml` and validates every tile
  against the catalog, raising `DashboardError` whose issues name file:line, tile and fix.
- `dashboards.runner`: `DashboardContext(settings)` (read-only engine, catalog with values, data
  freshness); `.run(dashboard, state)` runs the tiles concurrently -> `TileResult`s.
- `faces.web`: `create_app(settings)`, the ASGI app behind `pace dashboard --serve`.
- `dashboards.export`: `export_html(...)` one self-contained file; `export_png(...)` via Chromium.
"""
