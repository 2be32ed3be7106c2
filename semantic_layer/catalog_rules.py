"""Catalog validation: one small function per rule, run in order from `DEFAULT_RULES`.

Each rule returns issues naming file, line, key and fix; a rule that crashes becomes a reported error
instead of a traceback (the MetricFlow way), so one broken definition never hides the others.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from semantic_layer.errors import Issue, did_you_mean
from semantic_layer.events import check_durations
from semantic_layer.graph import expr_columns, expr_identifiers, join_path, metric_refs
from semantic_layer.models import Definition
from semantic_layer.schema_info import Schema, ddl_schema
from core.errors import PaceError

if TYPE_CHECKING:
    from semantic_layer.catalog_types import CatalogView as Catalog

Rule = Callable[["Catalog", Schema], list[Issue]]


def _issue(defn: Definition, key: str, message: str, fix: str) -> Issue:
    return Issue("error", message, fix, defn.loc.file, defn.loc.key_lines.get(key, defn.loc.line), key)


def entity_columns(catalog: Catalog, name: str, schema: Schema) -> dict[str, str]:
    """Columns of an entity: its table's, or the named outputs of its SELECT."""
    entity = catalog.entities[name]
    if entity.sql:
        return {c: "?" for c in sqlglot.parse_one(entity.sql, read="duckdb").named_selects}
    return schema.get(entity.source_table, {})


def _unknown_column(defn: Definition, key: str, entity: str, column: str, cols: dict[str, str]) -> Issue:
    return _issue(
        defn, key, f"column `{column}` does not exist in `{entity}`",
        "use an existing column;" + (did_you_mean(column, cols) or f" columns: {', '.join(cols)}"),
    )


def check_entities(catalog: Catalog, schema: Schema) -> list[Issue]:
    """Tables exist; keys, time columns and join columns exist; many-to-one joins land on a key."""
    issues = []
    for entity in catalog.entities.values():
        if not entity.sql and entity.source_table not in schema:
            issues.append(_issue(entity, "table", f"entity `{entity.name}`: table `{entity.source_table}` does not exist",
                                 "name a warehouse table;" + did_you_mean(entity.source_table, schema)))
            continue
        cols = entity_columns(catalog, entity.name, schema)
        for col in entity.primary_key + ([entity.time_column] if entity.time_column else []):
            if col not in cols:
                key = "time_column" if col == entity.time_column else "primary_key"
                issues.append(_unknown_column(entity, key, entity.name, col, cols))
        for join in entity.joins:
            if join.to not in catalog.entities:
                issues.append(_issue(entity, "joins", f"entity `{entity.name}` joins unknown entity `{join.to}`",
                                     "join a declared entity;" + did_you_mean(join.to, catalog.entities)))
                continue
            target = catalog.entities[join.to]
            target_cols = entity_columns(catalog, join.to, schema)
            for local, remote in join.on.items():
                if local not in cols:
                    issues.append(_unknown_column(entity, "joins", entity.name, local, cols))
                if remote not in target_cols:
                    issues.append(_unknown_column(entity, "joins", join.to, remote, target_cols))
            if join.cardinality != "one_to_many" and sorted(join.on.values()) != sorted(target.primary_key):
                issues.append(_issue(entity, "joins", f"join {entity.name} -> {join.to} is declared {join.cardinality} but "
                                     f"does not land on {join.to}'s primary key {target.primary_key}",
                                     "join on the target's full primary key or declare cardinality one_to_many"))
    return issues


def check_dimensions(catalog: Catalog, schema: Schema) -> list[Issue]:
    """Categorical dimensions have sources on existing entity columns; time dimensions have none."""
    issues = []
    for dim in catalog.dimensions.values():
        if dim.kind == "time":
            continue
        if not dim.sources:
            issues.append(_issue(dim, "sources", f"dimension `{dim.name}` has no sources", "add `sources: [{entity: ..., column: ...}]`"))
        for source in dim.sources:
            if source.entity not in catalog.entities:
                issues.append(_issue(dim, "sources", f"dimension `{dim.name}`: unknown entity `{source.entity}`",
                                     "use a declared entity;" + did_you_mean(source.entity, catalog.entities)))
                continue
            cols = entity_columns(catalog, source.entity, schema)
            if source.column not in cols:
                issues.append(_unknown_column(dim, "sources", source.entity, source.column, cols))
    return issues


def check_measures(catalog: Catalog, schema: Schema) -> list[Issue]:
    """Measures sit on known entities and read existing columns, joined entities only through declared joins."""
    issues = []
    for m in catalog.measures.values():
        if m.entity not in catalog.entities:
            issues.append(_issue(m, "entity", f"measure `{m.name}`: unknown entity `{m.entity}`",
                                 "use a declared entity;" + did_you_mean(m.entity, catalog.entities)))
            continue
        if m.expr is None and m.agg == "count":
            continue
        for table, column in expr_columns(m.expr or m.name):
            owner = table or m.entity
            if owner not in catalog.entities:
                issues.append(_issue(m, "expr", f"measure `{m.name}` reads unknown entity `{owner}`",
                                     "prefix columns with a declared entity;" + did_you_mean(owner, catalog.entities)))
                continue
            if owner != m.entity and join_path(catalog, m.entity, owner) is None:
                issues.append(_issue(m, "expr", f"measure `{m.name}`: `{m.entity}` has no declared join to `{owner}`",
                                     f"declare a many_to_one join from `{m.entity}` to `{owner}`"))
            cols = entity_columns(catalog, owner, schema)
            if column not in cols:
                issues.append(_unknown_column(m, "expr" if m.expr else "name", owner, column, cols))
    return issues


_KIND_FIELDS = {"simple": ("measure",), "ratio": ("numerator", "denominator"), "derived": ("expr",), "cumulative": ("metric",)}


def check_metric_references(catalog: Catalog, schema: Schema) -> list[Issue]:
    """Each kind has its fields; measures and metrics referred to exist."""
    issues = []
    for metric in catalog.metrics.values():
        for key in _KIND_FIELDS[metric.kind]:
            if not getattr(metric, key):
                issues.append(_issue(metric, "kind", f"{metric.kind} metric `{metric.name}` needs `{key}`", f"add `{key}:`"))
        for key in ("measure", "numerator", "denominator"):
            ref = getattr(metric, key)
            if ref and ref not in catalog.measures:
                issues.append(_issue(metric, key, f"metric `{metric.name}`: unknown measure `{ref}`",
                                     "name a declared measure;" + did_you_mean(ref, catalog.measures)))
        if metric.kind in ("derived", "cumulative"):
            key = "expr" if metric.kind == "derived" else "metric"
            for ref in metric_refs(metric):
                if ref not in catalog.metrics:
                    issues.append(_issue(metric, key, f"metric `{metric.name}` refers to unknown metric `{ref}`",
                                         "name a declared metric;" + did_you_mean(ref, catalog.metrics)))
        try:
            format(1234.5, metric.format)
        except ValueError:
            issues.append(_issue(metric, "format", f"metric `{metric.name}`: bad format `{metric.format}`", "use a Python format spec such as ',.1f'"))
    return issues


def check_cycles(catalog: Catalog, schema: Schema) -> list[Issue]:
    """Derived and cumulative metrics must not refer to themselves, directly or through others."""
    issues = []
    for name, metric in catalog.metrics.items():
        stack = [(name, (name,))]
        while stack:
            current, path = stack.pop()
            refs = metric_refs(catalog.metrics[current]) if current in catalog.metrics else []
            if name in refs:
                cycle = " -> ".join(path + (name,))
                issues.append(_issue(metric, "expr", f"metric `{name}` is part of a cycle: {cycle}", "break the cycle by referring to a measure-based metric"))
                break
            stack.extend((r, path + (r,)) for r in refs if r not in path)
    return issues


def check_synonyms(catalog: Catalog, schema: Schema) -> list[Issue]:
    """A synonym points at one metric (or one dimension) only, and never shadows another's name."""
    issues = []
    for kind, store in (("metric", catalog.metrics), ("dimension", catalog.dimensions)):
        owner: dict[str, str] = {n.lower(): n for n in store}
        for name, defn in store.items():
            for syn in defn.synonyms:
                key = syn.strip().lower()
                if key in owner and owner[key] != name and not _unit_forms(store, name, owner[key]):
                    issues.append(_issue(defn, "synonyms", f"{kind} synonym `{syn}` of `{name}` is already used by `{owner[key]}`",
                                         f"remove `{syn}` from one of the two {kind}s"))
                owner.setdefault(key, name)
    return issues


def _unit_forms(store: dict[str, Any], a: str, b: str) -> bool:
    """Two metrics of one quantity in two units (`unit_form_of`) share synonyms on purpose: a tie the question's words break."""
    return b in getattr(store[a], "unit_form_of", []) or a in getattr(store.get(b), "unit_form_of", [])


_ANY_DAY = date(2026, 1, 5)


def check_verified_queries(catalog: Catalog, schema: Schema) -> list[Issue]:
    """Every verified query compiles against this catalog."""
    from semantic_layer.compiler import compile_query

    issues = []
    for vq in catalog.verified_queries:
        try:
            compile_query(catalog, vq.query_on(_ANY_DAY)[0])  # the period resolved on any day: only the shape is checked
        except PaceError as exc:
            issues.append(_issue(vq, "query", f"verified query {vq.question!r} does not compile: {exc}", "fix the query's metric or dimension names"))
    return issues


def check_parseable(catalog: Catalog, schema: Schema) -> list[Issue]:
    """Entity SQL and measure expressions parse."""
    issues = []
    for defn, text, key in [(e, e.sql, "sql") for e in catalog.entities.values()] + [(m, m.expr, "expr") for m in catalog.measures.values()]:
        if text:
            try:
                sqlglot.parse_one(text, read="duckdb")
            except sqlglot.errors.ParseError as exc:
                issues.append(_issue(defn, key, f"`{defn.name}`: {key} does not parse ({str(exc).splitlines()[0]})", "write valid DuckDB SQL"))
    _ = exp
    return issues


DEFAULT_RULES: tuple[Rule, ...] = (
    check_parseable,
    check_entities,
    check_dimensions,
    check_measures,
    check_metric_references,
    check_cycles,
    check_synonyms,
    check_durations,
    check_verified_queries,
)


def validate_catalog(
    catalog: Catalog, rules: tuple[Rule, ...] = DEFAULT_RULES, schema: Schema | None = None, *, prior_errors: bool = False
) -> list[Issue]:
    """Run every rule; skip the verified-query check when earlier errors would only echo there."""
    schema = schema or ddl_schema()
    issues: list[Issue] = []
    for rule in rules:
        if rule is check_verified_queries and (prior_errors or any(i.level == "error" for i in issues)):
            continue
        try:
            issues.extend(rule(catalog, schema))
        except Exception as exc:  # a crashing rule is a finding, not a traceback
            issues.append(Issue("error", f"rule {rule.__name__} crashed: {exc!r}", "fix the definition it names", "<catalog>", 0, rule.__name__))
    return issues
