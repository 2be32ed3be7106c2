"""The gate every statement passes before it runs: one read-only SELECT over known tables and columns.

Rules run in order from `DEFAULT_RULES`; the first that objects raises `SQLRefused` with a message that
says exactly what to change. Parsing (never keyword grepping) decides, and DuckDB's own sandbox
settings in `engine` stay on as defence in depth.

The check itself is bounded, because a model or a person can send SQL built to be slow to parse:
statements longer than `MAX_SQL_CHARS` characters, with more than `MAX_NODES` syntax nodes or nested
deeper than `MAX_DEPTH`, are refused before the schema checks (whose cost grows with size times
depth), and a check that has used more than `MAX_CHECK_SECONDS` of CPU is refused between rules. pace's own
queries are a few thousand characters at most. Functions must be on `functions.ALLOWED_FUNCTIONS`.

>>> from semantic_layer.schema_info import ddl_schema
>>> validate_sql("SELECT team FROM jobs", ddl_schema()).sql
'SELECT team FROM jobs LIMIT 10000'
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify

from semantic_layer.errors import SQLRefused, did_you_mean
from semantic_layer.functions import ALLOWED_FUNCTIONS
from semantic_layer.schema_info import Schema
from telemetry.schema import QUERYABLE_TABLES

_WRITE_NODES = tuple(
    getattr(exp, name)
    for name in (
        "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "Command", "Copy", "Attach", "Detach",
        "Pragma", "Set", "Install", "Use", "Transaction", "Commit", "Rollback", "LoadData", "Describe", "Show",
        "Into", "Grant", "Revoke", "Cache", "Uncache", "Refresh", "Analyze", "TruncateTable", "Export",
    )
    if hasattr(exp, name)
)
_DENIED_FUNCTIONS = re.compile(
    r"^(read_.*|.*_scan|glob|getenv|current_setting|duckdb_.*|pragma_.*|sniff_csv|parquet_.*|iceberg_.*|delta_.*|"
    r"query|query_table|system|which_secret|json_execute_serialized_sql|sql_auto_complete|.*substrait.*|enable_.*|"
    r"disable_.*|.*checkpoint|set_variable|getvariable|load_.*|install_.*|http_.*|postgres_.*|mysql_.*|sqlite_.*|"
    r"arrow_.*|pandas_.*|python_.*|summary|test_.*|read_text|read_blob|write_.*|copy_.*|export_.*|import_.*|"
    r"current_database|current_schema|current_catalog|version|pg_.*|has_.*_privilege|file_.*|list_files)$"
)


MAX_SQL_CHARS = 20_000
"""Longest statement the validator reads (pace's compiled and tool SQL stays far below)."""
MAX_NODES = 3_000
"""Most syntax-tree nodes a statement may have."""
MAX_DEPTH = 64
"""Deepest nesting a statement may have (a chain of 1,000 ORs is 1,000 deep)."""
MAX_CHECK_SECONDS = 1.5
"""CPU-time budget for parsing and checking one statement; past it the statement is refused. CPU time
of the checking thread, not wall time, so a busy machine does not refuse pace's own queries."""


@dataclass
class ValidatedSQL:
    """SQL that may run: the normalized text, the tables it reads, and its expression."""

    sql: str
    tables: list[str]
    expression: exp.Expression = field(repr=False)


@dataclass
class _State:
    text: str
    schema: Schema
    row_limit: int
    dialect: str
    expression: exp.Expression | None = None
    tables: list[str] = field(default_factory=list)
    deadline: float = 0.0
    tree: exp.Expression | None = None
    """The expression `text` was rendered from, when pace built it (read instead of parsing `text`)."""


Rule = Callable[[_State], None]


def _refuse(message: str) -> None:
    raise SQLRefused(message)


def bounded(state: _State) -> None:
    """Short enough to check quickly: at most MAX_SQL_CHARS characters."""
    if len(state.text) > MAX_SQL_CHARS:
        _refuse(f"the SQL is {len(state.text):,} characters long; the limit is {MAX_SQL_CHARS:,}. "
                "Send a shorter query (group or filter with IN (...) or a range instead of listing many conditions)")


def one_statement(state: _State) -> None:
    """Exactly one statement that parses, of bounded size and depth."""
    if not state.text.strip():
        _refuse("the SQL is empty; send one SELECT statement")
    if state.tree is not None:  # pace's own tree: a copy is what parsing its rendering would give, at a tenth of the cost
        state.expression = state.tree.copy()
        _check_size(state.expression)
        return
    try:
        parsed = [s for s in sqlglot.parse(state.text, read=state.dialect) if s is not None and not isinstance(s, exp.Semicolon)]
    except SqlglotError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        _refuse(f"the SQL does not parse ({first}); send one valid DuckDB SELECT statement")
    except Exception as exc:  # tokenizer edge cases surface as plain errors
        _refuse(f"the SQL does not parse ({type(exc).__name__}); send one valid DuckDB SELECT statement")
    if len(parsed) != 1:
        _refuse(f"send exactly one statement; found {len(parsed)} (remove everything after the first `;`)")
    state.expression = parsed[0]
    _check_size(parsed[0])


def _check_size(expression: exp.Expression) -> None:
    nodes, stack = 0, [(expression, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            _refuse(f"the query has more than {MAX_NODES:,} parts; simplify it (fewer conditions, columns or subqueries)")
        if depth > MAX_DEPTH:
            _refuse(f"the query nests more than {MAX_DEPTH} levels deep; simplify it (a long chain of AND/OR "
                    "conditions on one column is shorter as IN (...) or BETWEEN)")
        stack.extend((child, depth + 1) for child in node.iter_expressions())


def read_only(state: _State) -> None:
    """Only SELECT (or WITH ... SELECT, set operations of SELECTs); nothing that writes, loads or configures."""
    node = state.expression
    while isinstance(node, exp.Subquery):
        node = node.this
    if not isinstance(node, (exp.Select, exp.SetOperation)):
        kind = node.key.upper() if node is not None else "nothing"
        if isinstance(node, exp.Command):
            kind = str(node.this).upper()
        _refuse(f"only SELECT statements may run; `{kind}` is not allowed. pace reads data and never changes, loads or configures anything: ask with SELECT ... FROM one of {', '.join(QUERYABLE_TABLES)}")
    for sub in state.expression.walk():
        if isinstance(sub, exp.With) and sub.args.get("recursive"):
            _refuse("recursive CTEs are not allowed (they can run without bound); write the query without WITH RECURSIVE")
        if isinstance(sub, _WRITE_NODES):
            _refuse(f"`{sub.key.upper()}` is not allowed inside a query; use a plain SELECT (no INTO, DDL, DML, PRAGMA, SET, COPY, ATTACH)")


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def no_table_functions(state: _State) -> None:
    """No table functions (read_csv, glob, range...) and no functions that read files, settings or the environment."""
    for table in state.expression.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            name = _function_name(table.this) if isinstance(table.this, exp.Func) else table.this.sql()
            _refuse(f"table function `{name}` is not allowed; select FROM one of the warehouse tables: {', '.join(QUERYABLE_TABLES)}")
    for node in state.expression.find_all(exp.Func):
        name = _function_name(node)
        if _DENIED_FUNCTIONS.match(name) or isinstance(node, (exp.GenerateSeries,)) and isinstance(node.parent, exp.Table):
            _refuse(f"function `{name}` is not allowed (it reads files, settings or the environment); remove it and query the warehouse tables")
        if name not in ALLOWED_FUNCTIONS:
            _refuse(f"function `{name}` is not allowed: queries may use arithmetic, text, date, conditional, aggregate "
                    "and window functions, nothing that reveals the server, session or user, changes state or is random")


def _cte_names(expression: exp.Expression) -> set[str]:
    return {cte.alias_or_name.lower() for cte in expression.find_all(exp.CTE)}


def known_tables(state: _State) -> None:
    """Every table is a queryable warehouse table (optionally `main.`), never a file path or a system view."""
    ctes = _cte_names(state.expression)
    allowed = [t for t in QUERYABLE_TABLES if t in state.schema]
    tables: list[str] = []
    for table in state.expression.find_all(exp.Table):
        name = table.name
        if not table.db and name.lower() in ctes:
            continue
        if re.search(r"[./\\:~]", name) or name.lower() in _FILE_SUFFIXES:
            _refuse(f"`{table.sql()}` looks like a file; reading files is not allowed. Query one of: {', '.join(allowed)}")
        if table.catalog or (table.db and table.db.lower() != "main"):
            _refuse(f"`{table.sql()}` is outside the warehouse; use an unqualified table name, one of: {', '.join(allowed)}")
        if name not in allowed:
            lower = {t.lower(): t for t in allowed}
            if name.lower() in lower:
                name = lower[name.lower()]
            else:
                hint = did_you_mean(name, allowed) or f" tables: {', '.join(allowed)}"
                _refuse(f"table `{name}` does not exist or may not be queried;{hint}")
        if name not in tables:
            tables.append(name)
    state.tables = tables


_FILE_SUFFIXES = ("csv", "parquet", "json", "jsonl", "txt", "gz", "tsv", "xlsx", "db", "duckdb", "sqlite")
# Names people (and LLMs) reach for that the warehouse spells differently.
COLUMN_ALIASES: dict[str, str] = {
    "gpu_util": "sm_active", "gpu_utilization": "sm_active", "utilization": "sm_active", "util": "sm_active",
    "sm_activity": "sm_active", "gpu_hours": "allocated_hours", "hours": "allocated_hours", "gpu_type": "accelerator_type",
    "gpu": "accelerator_type", "gpus": "accelerators", "num_gpus": "accelerators", "cost": "EffectiveCost",
    "cost_usd": "EffectiveCost", "spend": "EffectiveCost", "date": "hour", "timestamp": "hour", "status": "state",
    "latency": "latency_p95_ms", "p95_latency": "latency_p95_ms", "memory": "memory_used_gb", "kwh": "energy_kwh",
}
_UNRESOLVED = re.compile(r"Column '?\"?([^'\"]+)\"?'? could not be resolved")


def known_columns(state: _State) -> None:
    """Columns exist: qualify against the schema; unknown names get did-you-mean suggestions."""
    schema = {t: state.schema[t] for t in state.tables}
    try:
        qualify(state.expression.copy(), schema=schema, dialect=state.dialect, validate_qualify_columns=True,
                quote_identifiers=False, identify=False)
    except SqlglotError as exc:
        message = str(exc)
        match = _UNRESOLVED.search(message)
        if match:
            column = match.group(1)
            columns = [c for t in state.tables for c in schema[t]]
            where = f"`{state.tables[0]}`" if len(state.tables) == 1 else "any of " + ", ".join(f"`{t}`" for t in state.tables) if state.tables else "the query (it reads no table)"
            alias = COLUMN_ALIASES.get(column.lower())
            hint = (f" did you mean `{alias}`?" if alias in columns else "") or did_you_mean(column, columns) or (f" its columns: {', '.join(columns)}" if len(state.tables) == 1 else "")
            _refuse(f"column `{column}` does not exist in {where};{hint}")
        _refuse(f"the query does not check out against the warehouse schema ({message.splitlines()[0]}); fix the table or column names")
    except Exception as exc:  # an optimizer corner case is still a refusal, never a crash
        _refuse(f"the query could not be checked ({type(exc).__name__}); simplify it to a plain SELECT over the warehouse tables")


def row_limit(state: _State) -> None:
    """Add LIMIT row_limit when absent; cap a larger literal limit."""
    expression = state.expression
    limit = expression.args.get("limit")
    if limit is None:
        state.expression = expression.limit(state.row_limit, copy=False)  # the tree is the validator's own parse
        return
    value = limit.expression
    if not (isinstance(value, exp.Literal) and value.is_int and int(value.this) <= state.row_limit):
        limit.set("expression", exp.Literal.number(state.row_limit))


DEFAULT_RULES: tuple[Rule, ...] = (bounded, one_statement, read_only, no_table_functions, known_tables, known_columns, row_limit)


def validate_sql(sql: str, schema: Schema, *, row_limit: int = 10_000, dialect: str = "duckdb", rules: tuple[Rule, ...] = DEFAULT_RULES,
                 tree: exp.Expression | None = None) -> ValidatedSQL:
    """Decide whether `sql` may run; raise SQLRefused saying what to change, else return it with a LIMIT.

    `tree` is the expression `sql` was rendered from in `dialect` (the compiler's `CompiledQuery.expression`):
    the rules then check a copy of it instead of parsing `sql` again (parsing was half of a check's cost),
    and what runs is still the checked tree's own rendering. The tree is never changed; the result's
    `expression` is the checked copy (Spark's engine re-validates text, so it never relies on it).
    tests/semantic_layer/test_validator_tree.py shows every shipped metric and dashboard tile gets the
    same SQL, tables and verdict either way.
    """
    state = _State(text=sql, schema=schema, row_limit=row_limit, dialect=dialect,
                   deadline=time.thread_time() + MAX_CHECK_SECONDS, tree=tree)
    for rule in rules:
        if time.thread_time() > state.deadline:
            _refuse(f"the query took longer than {MAX_CHECK_SECONDS:g} s to check; simplify it (fewer conditions, "
                    "columns or subqueries)")
        rule(state)
    assert state.expression is not None
    return ValidatedSQL(sql=state.expression.sql(dialect="duckdb"), tables=state.tables, expression=state.expression)
