"""Recognising accelerator types in free text (DCGM modelName, gres names, SKUs) against the catalog."""

from __future__ import annotations

import re

import duckdb

from telemetry.ingest.gates import sql, text

# Cloud instance families and SKU spellings that imply an accelerator (regex on lower-case text).
INSTANCE_HINTS: tuple[tuple[str, str], ...] = (
    (r"\bp5e", "H200"),
    (r"\bp5\.|\bp5-|\bp5 ", "H100"),
    (r"\bp4de?\b|\bp4de?\.", "A100"),
    (r"\bg6e", "L40S"),
    (r"\binf2", "Inferentia2"),
    (r"a3-ultragpu", "H200"),
    (r"a3-(high|mega|edge)gpu", "H100"),
    (r"a2-(high|ultra|mega)gpu", "A100"),
    (r"tpu.?v5.?(e|lite)", "TPU v5e"),
)


def catalog(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Known accelerator types, longest first (so 'L40S' is tried before a shorter name it contains)."""
    types = [r[0] for r in con.execute("SELECT accelerator_type FROM accelerator_types").fetchall()]
    return sorted(types, key=lambda t: (-len(t), t))


def _word_pattern(name: str) -> str:
    """'TPU v5e' -> a regex matching 'tpu v5e', 'tpu-v5e', 'tpu_v5e' or 'tpuv5e' as a whole word."""
    parts = [re.escape(p) for p in re.split(r"[\s_-]+", name.lower()) if p]
    return r"(^|[^a-z0-9])" + r"[\s_-]?".join(parts) + r"($|[^a-z0-9])"


def match_name_sql(con: duckdb.DuckDBPyConnection, text_sql: str) -> str:
    """SQL: the catalog type whose name appears in `text_sql` ('NVIDIA H100 80GB HBM3' -> 'H100'), else NULL."""
    types = catalog(con)
    if not types:
        return "CAST(NULL AS VARCHAR)"
    whens = " ".join(f"WHEN regexp_matches(lower({text_sql}), {sql(text(_word_pattern(t)))}) THEN {sql(text(t))}" for t in types)
    return f"CASE {whens} END"


def match_hint_sql(con: duckdb.DuckDBPyConnection, text_sql: str) -> str:
    """SQL: a type named in the text or implied by an instance family / SKU, if it is in the catalog."""
    known = set(catalog(con))
    hints = " ".join(
        f"WHEN regexp_matches(lower({text_sql}), {sql(text(pattern))}) THEN {sql(text(t))}"
        for pattern, t in INSTANCE_HINTS
        if t in known
    )
    by_name = match_name_sql(con, text_sql)
    return f"coalesce({by_name}, CASE {hints} END)" if hints else by_name
