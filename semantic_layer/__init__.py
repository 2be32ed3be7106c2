"""pace's semantic layer: curated metric definitions compiled to validated, sandboxed SQL.

The public surface other packages use (assistant, tools, dashboards, evals); keep these names stable:

- `semantic_layer.query`: `MetricQuery`, `GroupBy`, `Filter`, `TimeRange`, `OrderBy`.
- `semantic_layer.catalog`: `load_catalog(definitions_dir=None) -> Catalog` parses the YAML under
  `semantic_layer/definitions/`; `Catalog.metrics: dict[str, Metric]`, `Catalog.dimensions:
  dict[str, Dimension]`, `Catalog.verified_queries: list[VerifiedQuery]`, and
  `Catalog.with_values(engine_or_con) -> Catalog` which fills each categorical dimension's `values`
  from the warehouse. `Metric` has name, label, description, unit, format, synonyms, kind,
  higher_is_better, default_time_dimension; `Dimension` has name, label, description, synonyms,
  kind ('categorical' | 'time'), values. `VerifiedQuery` has question and query (a MetricQuery).
  `CatalogError` (a `UserError`) names file, line, key and fix.
- `semantic_layer.compiler`: `compile_query(catalog, query, dialect="duckdb") -> CompiledQuery`
  with `.sql` (str), `.expression` (sqlglot), `.columns` (output column names), `.metrics`.
- `semantic_layer.validator`: `validate_sql(sql, schema, *, row_limit=10_000) -> ValidatedSQL`
  (`.sql`, `.tables`), raising `SQLRefused` (a `Refused`) whose message says what to change.
- `semantic_layer.engine`: `Engine(settings)`; `engine.run_sql(sql) -> QueryResult` validates, then
  runs on a read-only hardened connection (`.columns`, `.rows`, `.elapsed_ms`, `.sql`);
  `engine.run_query(catalog, query) -> QueryResult` compiles, validates, runs and applies result checks
  (`.warnings`). `engine.schema()` gives {table: {column: type}} for the queryable tables.

Also available (additions, same stability): `Catalog.metric(name)` / `Catalog.dimension(name)` (a
`UserError` with did-you-mean), `Catalog.dimensions_for(metric)`, `build_catalog(documents)` (non-raising,
returns issues), `compiler.DIALECTS`, `CompiledQuery.period` / `.previous_period`,
`QueryResult.compiled`, `semantic_layer.checks.check_result`, `semantic_layer.schema_info.ddl_schema()`
(the schema from the DDL, no warehouse needed). See docs/semantic-layer.md.
"""
