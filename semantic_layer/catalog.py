"""Load the YAML definitions into a validated `Catalog` (see semantic_layer/__init__.py for the contract)."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlglot import exp

from semantic_layer import catalog_cache
from semantic_layer.errors import CatalogError, Issue, did_you_mean
from semantic_layer.events import DurationEvent
from semantic_layer.graph import dimension_source, metric_entities, reachable_dimensions, reachable_from  # noqa: F401 (re-exported)
from semantic_layer.models import Dimension, Entity, Location, Measure, Metric, VerifiedQuery
from semantic_layer.rollups import RollupInfo, available
from semantic_layer.yaml_loader import LineDict, load_yaml_file
from core.errors import UserError

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
SECTIONS: dict[str, type[BaseModel]] = {
    "entities": Entity,
    "dimensions": Dimension,
    "measures": Measure,
    "metrics": Metric,
    "verified_queries": VerifiedQuery,
    "events": DurationEvent,
}
__all__ = ["Catalog", "CatalogError", "Dimension", "Metric", "VerifiedQuery", "build_catalog", "load_catalog"]


@dataclass
class Catalog:
    """Every definition by name, plus the verified queries; read-only once built."""

    entities: dict[str, Entity] = field(default_factory=dict)
    dimensions: dict[str, Dimension] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    verified_queries: list[VerifiedQuery] = field(default_factory=list)
    events: dict[str, DurationEvent] = field(default_factory=dict)
    """Events whose durations metrics time (`duration: {event: ...}`), with the words that name them."""
    rollups: tuple[RollupInfo, ...] = ()
    """Rollups current in the warehouse `with_values` read (none for a catalog read from the files alone)."""

    def metric(self, name: str) -> Metric:
        """The metric called `name`, or a UserError with the closest names."""
        if name not in self.metrics:
            raise UserError(f"unknown metric `{name}`;{did_you_mean(name, self.metrics) or ' run `pace metrics` to list them.'}")
        return self.metrics[name]

    def dimension(self, name: str) -> Dimension:
        """The dimension called `name`, or a UserError with the closest names."""
        if name not in self.dimensions:
            hint = did_you_mean(name, self.dimensions) or f" known dimensions: {', '.join(sorted(self.dimensions))}."
            raise UserError(f"unknown dimension `{name}`;{hint}")
        return self.dimensions[name]

    def dimensions_for(self, metric: str) -> list[str]:
        """Dimensions every entity behind `metric` reaches through declared joins."""
        entities = metric_entities(self, metric)
        if not entities:
            return []
        common = [d for d in reachable_dimensions(self, entities[0])]
        for entity in entities[1:]:
            reach = set(reachable_dimensions(self, entity))
            common = [d for d in common if d in reach]
        return common

    def with_values(self, engine_or_con: Any, *, max_values: int = 500) -> Catalog:
        """A copy whose categorical dimensions carry the distinct values found in the warehouse.

        DuckDB reads every dimension's values in one statement (one plan, one validation) rather than one
        `SELECT DISTINCT` each, from the warehouse's own rows, and keeps them in the user's cache keyed by
        the warehouse file's version (a writer's swap makes a new key), so later processes skip it; values of request columns that only the
        governance store holds are added from it with sqlite3 (no Arrow overlay to import and build).
        Other engines go dimension by dimension.
        """
        sources = {name: src for name, dim in self.dimensions.items()
                   if dim.kind == "categorical" and (src := _value_source(self, dim)) is not None}
        also = _extra_value_sources(self)
        sources.update(also)
        present = _present_columns(engine_or_con)
        if present is not None:  # a warehouse from an older pace may lack a table or column: no values, no failure
            sources = {name: (t, c) for name, (t, c) in sources.items() if c in present.get(t, {})}
        found = _values_at_once(sources, engine_or_con, max_values) if _is_duckdb(engine_or_con) else None
        if found is None:
            found = {name: _distinct_values(table, column, engine_or_con, max_values) for name, (table, column) in sources.items()}
        for key in also:  # a second source's values join the first's (one sorted list, still cut to the limit)
            name = key.split("__also")[0]
            merged = set(found.get(name) or []) | set(found.pop(key, None) or [])
            found[name] = sorted(merged, key=str)[:max_values]
        out = copy.copy(self)
        out.dimensions = {name: dim.model_copy(update={"values": list(found.get(name) or [])}) for name, dim in self.dimensions.items()}
        out.rollups = available(engine_or_con) if _is_duckdb(engine_or_con) else ()
        return out


def _value_source(catalog: Catalog, dim: Dimension) -> tuple[str, str] | None:
    """(table, column) a categorical dimension's values are read from; None for SQL-defined entities."""
    if not dim.sources:
        return None
    source = dim.sources[0]
    entity = catalog.entities[source.entity]
    return None if entity.sql else (entity.source_table, source.column)


def _extra_value_sources(catalog: Catalog) -> dict[str, tuple[str, str]]:
    """{'dimension__also<i>': (table, column)} for later sources marked `values: true` (plain tables only)."""
    out = {}
    for name, dim in catalog.dimensions.items():
        for i, source in enumerate(dim.sources[1:], start=1):
            entity = catalog.entities[source.entity]
            if source.values and not entity.sql:
                out[f"{name}__also{i}"] = (entity.source_table, source.column)
    return out


def _present_columns(engine_or_con: Any) -> dict[str, dict[str, str]] | None:
    """{table: {column: type}} the warehouse has, where the engine can say (None: assume the DDL's)."""
    schema = getattr(engine_or_con, "schema", None)
    return schema() if callable(schema) else None


def _is_duckdb(engine_or_con: Any) -> bool:
    return bool(getattr(engine_or_con, "runs_duckdb", False)) or type(engine_or_con).__module__.startswith("duckdb")


def _values_at_once(sources: dict[str, tuple[str, str]], engine_or_con: Any, limit: int) -> dict[str, list[Any]] | None:
    """One row: per dimension, the sorted distinct non-null values as a typed list, cut to `limit` here
    (the validator allows no list functions)."""
    if not sources:
        return {}
    from semantic_layer import live_requests

    columns = []
    for name, (table, column) in sources.items():
        col = exp.column(column, quoted=True)
        values = exp.Filter(
            this=exp.ArrayAgg(this=exp.Order(this=exp.Distinct(expressions=[col]), expressions=[exp.Ordered(this=col.copy())])),
            expression=exp.Where(this=col.copy().is_(exp.null()).not_()),
        )
        columns.append(exp.Subquery(this=exp.select(values).from_(exp.to_table(table))).as_(exp.to_identifier(name, quoted=True)))
    sql = exp.select(*columns).sql(dialect="duckdb")
    settings = getattr(engine_or_con, "settings", None)
    key = _values_key(settings, f"{sql}\0{limit}")  # kept cut to `limit`: on `large` the uncut lists pickle to 63 MB
    found = catalog_cache.load(key) if key else None
    if found is None:
        if hasattr(engine_or_con, "run_sql"):
            with live_requests.warehouse_only():  # the store's values come below, without an Arrow overlay
                result = engine_or_con.run_sql(sql)
            names, rows = result.columns, result.rows
        else:
            cur = engine_or_con.execute(sql)
            rows, names = cur.fetchall(), [d[0] for d in cur.description or []]
        if len(rows) != 1:
            return None
        found = {name: list(values or [])[:limit] for name, values in zip(names, rows[0])}
        if key and key == _values_key(settings, f"{sql}\0{limit}"):  # no writer swapped a new version in meanwhile
            catalog_cache.store(key, found)
    live = {name: column for name, (table, column) in sources.items() if table == live_requests.TABLE}
    if settings is not None and live:  # requests governance holds beyond the warehouse's (see live_requests.py)
        stored = live_requests.store_values(settings, sorted(set(live.values())))
        for name, column in live.items():
            found[name] = sorted(set(found[name]) | set(stored.get(column, [])))
    return {name: values[:limit] for name, values in found.items()}


def _values_key(settings: Any, sql: str) -> str | None:
    """Cache key of a warehouse version's values: the file's path and version (inode, size, mtime, which
    every writer's swap changes) and the statement; None without a file to key on."""
    from telemetry.warehouse import version

    if settings is None or getattr(settings, "engine", "duckdb") != "duckdb":
        return None
    path = Path(settings.db).resolve()
    now = version(path)
    if now is None:
        return None
    h = hashlib.sha256(f"{path}\0{now}\0{sql}".encode())
    return "values-" + h.hexdigest()[:32]


def _distinct_values(table: str, column: str, engine_or_con: Any, limit: int) -> list[Any]:
    col = exp.column(column, quoted=True)
    query = (
        exp.select(col).distinct().from_(exp.to_table(table))
        .where(col.is_(exp.null()).not_()).order_by(col).limit(limit)
    )
    sql = query.sql(dialect="duckdb")
    if hasattr(engine_or_con, "run_sql"):
        rows = engine_or_con.run_sql(sql).rows
    else:
        rows = engine_or_con.execute(sql).fetchall()
    return [r[0] for r in rows]


def _issue_from_validation(exc: ValidationError, item: LineDict, file: str, section: str) -> list[Issue]:
    issues = []
    for err in exc.errors():
        key = str(err["loc"][0]) if err["loc"] else ""
        line = item.line_of(key) if isinstance(item, LineDict) else 0
        name = item.get("name", item.get("question", "?")) if isinstance(item, dict) else "?"
        path = ".".join(str(p) for p in err["loc"])
        fix = "remove it" if err["type"] == "extra_forbidden" else f"set `{path}` to a valid value ({err['msg']})"
        issues.append(Issue("error", f"{section} `{name}`: field `{path}`: {err['msg']}", fix, file, line, path))
    return issues


def build_catalog(documents: list[tuple[str, Any]]) -> tuple[Catalog, list[Issue]]:
    """Parse (file name, YAML data) pairs into a catalog plus the issues found (does not raise)."""
    from semantic_layer.catalog_rules import validate_catalog

    catalog = Catalog()
    issues: list[Issue] = []
    for file, data in documents:
        if data is None:
            continue
        if not isinstance(data, dict):
            issues.append(Issue("error", "top level must be a mapping of sections", f"use keys {', '.join(SECTIONS)}", file, 1))
            continue
        for section, items in data.items():
            line = data.line_of(section) if isinstance(data, LineDict) else 0
            if section not in SECTIONS:
                fix = f"rename it to one of {', '.join(SECTIONS)}" + did_you_mean(str(section), SECTIONS)
                issues.append(Issue("error", f"unknown section `{section}`", fix, file, line, str(section)))
                continue
            for item in items or []:
                issues.extend(_add(catalog, section, item, file))
    issues.extend(validate_catalog(catalog, prior_errors=any(i.level == "error" for i in issues)))
    return catalog, issues


def _add(catalog: Catalog, section: str, item: Any, file: str) -> list[Issue]:
    model = SECTIONS[section]
    loc = Location(file=file, line=getattr(item, "line", 0), key_lines=dict(getattr(item, "key_lines", {})))
    if not isinstance(item, dict):
        return [Issue("error", f"{section} entries must be mappings, got {item!r}", "write `- name: ...` items", file, loc.line)]
    try:
        obj = model.model_validate({**item, "loc": loc})
    except ValidationError as exc:
        return _issue_from_validation(exc, item, file, section)
    if isinstance(obj, VerifiedQuery):
        catalog.verified_queries.append(obj)
        return []
    store: dict[str, Any] = getattr(catalog, section)
    if obj.name in store:
        first = store[obj.name].loc.at("name")
        return [Issue("error", f"{section} `{obj.name}` is defined twice (first at {first})", "rename or remove one", file, loc.line, "name")]
    store[obj.name] = obj
    return []


def load_catalog(definitions_dir: Path | str | None = None, *, strict: bool = True) -> Catalog:
    """Load every *.yaml under the definitions folder; raise CatalogError listing every error."""
    folder = Path(definitions_dir) if definitions_dir else DEFINITIONS_DIR
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise UserError(f"no definitions (*.yaml) found in {folder}")
    key = catalog_cache.digest(files)
    cached = catalog_cache.load(key)
    if isinstance(cached, Catalog):
        return cached
    documents = []
    issues: list[Issue] = []
    for path in files:
        try:
            documents.append((path.name, load_yaml_file(path)))
        except Exception as exc:  # a YAML syntax error names its own line
            issues.append(Issue("error", f"YAML does not parse: {exc}", "fix the YAML syntax", path.name, 0))
    catalog, found = build_catalog(documents)
    errors = [i for i in issues + found if i.level == "error"]
    if errors and strict:
        raise CatalogError(errors)
    if not errors:
        catalog_cache.store(key, catalog)
    return catalog


