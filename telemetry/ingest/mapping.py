"""The optional `--mapping FILE`: how labels, accounts and partitions name pace's teams and types.

YAML (every section optional):

    cluster: us-west-onprem          # default cluster for dcgm and sacct rows
    teams: {ml-train: atlas}         # k8s namespace or Slurm account -> team
    projects: {ml-train: llm-pretrain}
    partitions: {gpu-h100: H100}     # Slurm partition -> accelerator type
    workloads: {ml-train: training}  # namespace / account / QOS -> workload type

or CSV with a header `source,team[,project,workload_type]` (source = namespace or account).
It becomes the temp table `_mapping(kind, key, value)` that format SQL joins against.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import sqlglot
import yaml
from sqlglot import exp

from core.errors import UserError
from telemetry.ingest.gates import sql, text

SECTIONS: dict[str, str] = {"teams": "team", "projects": "project", "partitions": "partition", "workloads": "workload"}


def load_mapping(path: Path | None) -> list[tuple[str, str, str]]:
    """(kind, key, value) triples from a YAML or CSV mapping file; empty when no file."""
    if path is None:
        return []
    path = Path(path)
    if not path.is_file():
        raise UserError(f"mapping file {path} does not exist; pass a YAML or CSV file to --mapping")
    text = path.read_text(encoding="utf-8", errors="strict")
    if path.suffix.lower() == ".csv":
        return _from_csv(path, text)
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"mapping file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"mapping file {path} must be a YAML mapping with sections {', '.join(SECTIONS)}, cluster")
    out: list[tuple[str, str, str]] = []
    for section, body in data.items():
        if section == "cluster":
            out.append(("cluster", "*", str(body)))
            continue
        if section not in SECTIONS or not isinstance(body, dict):
            raise UserError(
                f"mapping file {path}: unknown or malformed section {section!r}; "
                f"expected a mapping under one of {', '.join(SECTIONS)} or a `cluster:` value"
            )
        out.extend((SECTIONS[section], str(k), str(v)) for k, v in body.items())
    return out


def _from_csv(path: Path, text: str) -> list[tuple[str, str, str]]:
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or "source" not in rows[0] or "team" not in rows[0]:
        raise UserError(f"mapping file {path} needs a header `source,team[,project,workload_type]`")
    out: list[tuple[str, str, str]] = []
    for row in rows:
        for column, kind in (("team", "team"), ("project", "project"), ("workload_type", "workload")):
            if row.get(column):
                out.append((kind, row["source"], row[column]))
    return out


def register(con: duckdb.DuckDBPyConnection, triples: list[tuple[str, str, str]]) -> None:
    """Create `_mapping(kind, key, value)` for the format SQL to look values up in."""
    con.execute("CREATE OR REPLACE TEMP TABLE _mapping (kind VARCHAR, key VARCHAR, value VARCHAR)")
    if triples:
        con.executemany("INSERT INTO _mapping VALUES (?, ?, ?)", triples)


def _mapped(kind: str) -> exp.Select:
    return exp.select("value").from_(exp.to_table("_mapping").as_("m")).where(exp.column("kind", "m").eq(text(kind)))


def lookup(kind: str, key_sql: str) -> str:
    """SQL for the mapped value of `key_sql` (NULL when unmapped); DuckDB turns it into a join."""
    key = sqlglot.parse_one(key_sql, read="duckdb")
    return sql(_mapped(kind).where(exp.column("key", "m").eq(key)).subquery())


def default_cluster() -> str:
    """SQL for the mapping's default cluster, NULL when none was given."""
    return sql(_mapped("cluster").limit(1).subquery())
