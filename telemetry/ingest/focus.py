"""FinOps FOCUS cost and usage exports (CSV or Parquet) -> `cost_daily`.

Billing lines are money that was really charged, so gates here check types, required columns and
period order only: negative costs (credits, corrections) and BilledCost > 0 with EffectiveCost = 0
load as given. Team, project, cluster and accelerator type come from Tags (or SKU text for the type);
columns pace does not model are kept inside Tags so nothing in the export is dropped.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from telemetry.ingest import gates as g
from telemetry.ingest.accelerators import match_hint_sql, match_name_sql
from telemetry.ingest.gates import q, sql, text
from telemetry.ingest.load import IngestPlan
from telemetry.ingest.staging import raw_ref, raw_type

REQUIRED: tuple[str, ...] = (
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ProviderName",
    "ServiceName",
    "ChargeCategory",
    "ListCost",
    "BilledCost",
    "EffectiveCost",
    "BillingCurrency",
)
TIMESTAMPS: tuple[str, ...] = ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd")
DECIMALS: tuple[str, ...] = (
    "PricingQuantity",
    "ConsumedQuantity",
    "ListUnitPrice",
    "ContractedUnitPrice",
    "ListCost",
    "ContractedCost",
    "BilledCost",
    "EffectiveCost",
)
TEXT: tuple[str, ...] = (
    "BillingAccountId",
    "ProviderName",
    "ServiceName",
    "ServiceCategory",
    "ChargeCategory",
    "ChargeDescription",
    "PricingCategory",
    "ResourceId",
    "ResourceType",
    "RegionId",
    "SkuId",
    "PricingUnit",
    "ConsumedUnit",
    "BillingCurrency",
    "CommitmentDiscountId",
    "CommitmentDiscountType",
    "CommitmentDiscountStatus",
)
MODELLED: frozenset[str] = frozenset(TIMESTAMPS + DECIMALS + TEXT + ("Tags",))
# FOCUS columns read onto the line that also stay inside Tags, as files loaded before kept them, so a
# line's identity (the duplicate key) is unchanged and re-ingesting an older file finds its lines.
ALSO_IN_TAGS: tuple[str, ...] = ("SubAccountId", "SubAccountName", "RegionName")
# Tag keys that carry pace's allocation, most specific first.
TAG_KEYS: dict[str, tuple[str, ...]] = {
    "x_team": ("x_team", "team", "Team", "pace_team"),
    "x_project": ("x_project", "project", "Project", "pace_project"),
    "x_cluster": ("x_cluster", "cluster", "Cluster", "kubernetes_cluster"),
    "x_accelerator_type": ("x_accelerator_type", "accelerator_type", "accelerator", "gpu_type"),
}
# FOCUS files write NULL as a bare word; empty fields are NULL too.
NULLS: tuple[str, ...] = ("", "NULL")


def _tags_sql(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...]) -> tuple[str, str]:
    """(Tags JSON expression, raw tags text expression): extras merged under the file's own tags."""
    if "Tags" in columns:
        dtype = raw_type(con, "Tags")
        tags_text = '_r."Tags"' if dtype in ("VARCHAR", "JSON") else 'CAST(to_json(_r."Tags") AS VARCHAR)'
    else:
        tags_text = "CAST(NULL AS VARCHAR)"
    extras = [c for c in columns if c not in MODELLED]
    own = f"CASE WHEN json_valid({tags_text}) THEN CAST({tags_text} AS JSON) END"
    if not extras:
        return own, tags_text
    pairs = ", ".join(f"{sql(text(c))}, CAST(_r.{q(c)} AS VARCHAR)" for c in extras)  # same text from CSV or Parquet
    # Merging into '{}' drops extra columns that are NULL; the file's own tags win on a clash.
    merged = f"json_merge_patch(json_merge_patch('{{}}', json_object({pairs})), coalesce({own}, '{{}}'))"
    return merged, tags_text


def plan(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...], file: Path) -> IngestPlan:
    """The cost_daily plan for a staged FOCUS file with these columns."""
    cols: dict[str, str] = {}
    for c in TIMESTAMPS:
        cols[c] = f"CAST(TRY_CAST({raw_ref(columns, c)} AS TIMESTAMPTZ) AS TIMESTAMP)"
    for c in TEXT + ALSO_IN_TAGS:
        cols[c] = f"CAST({raw_ref(columns, c)} AS VARCHAR)"
    for c in DECIMALS:
        cols[c] = f"TRY_CAST({raw_ref(columns, c)} AS DECIMAL(18, 6))"
    tags, tags_text = _tags_sql(con, columns)
    cols["Tags"] = tags
    own = f"CASE WHEN json_valid({tags_text}) THEN CAST({tags_text} AS JSON) END"
    for target, keys in TAG_KEYS.items():
        found = ", ".join(f"json_extract_string({own}, {sql(text('$.' + k))})" for k in keys)
        cols[target] = f"coalesce({found})"
    hint_text = " || ' ' || ".join(
        f"coalesce(CAST({raw_ref(columns, c)} AS VARCHAR), '')" for c in ("ChargeDescription", "ResourceType", "SkuId")
    )
    tagged = cols["x_accelerator_type"]
    cols["x_accelerator_type"] = f"coalesce({match_name_sql(con, tagged)}, {match_hint_sql(con, hint_text)})"
    cols["x_source"] = sql(text(f"focus:{file.name}"))
    # The line's provider in pace's terms: its cluster's provider when the tags name a cluster pace
    # knows (one vocabulary with the rest of the fleet), else the bill's FOCUS ProviderName.
    known = (exp.select(exp.column("provider", "c")).from_(exp.to_table("clusters").as_("c"))
             .where(exp.column("cluster", "c").eq(sqlglot.parse_one(cols["x_cluster"], read="duckdb"))).limit(1))
    cols["x_provider"] = sql(exp.func("coalesce", exp.Subquery(this=known), sqlglot.parse_one(cols["ProviderName"], read="duckdb")))
    checks: list[g.Gate] = [g.required(c, raw_ref(columns, c)) for c in REQUIRED]
    checks += [g.typed(c, "timestamp", raw_ref(columns, c)) for c in TIMESTAMPS if c in columns]
    checks += [g.typed(c, "decimal number", raw_ref(columns, c)) for c in DECIMALS if c in columns]
    checks.append(
        g.Gate("type(Tags)", f"{tags_text} IS NOT NULL AND NOT json_valid({tags_text})",
               f"'Tags is not a JSON object: ' || left({tags_text}, 200)")
    )
    checks.append(g.ordered("ChargePeriodStart", "ChargePeriodEnd"))
    derived = ("x_source", "x_provider", *ALSO_IN_TAGS)  # x_provider follows the clusters table; the rest are in Tags
    key = tuple(c for c in cols if c not in derived)
    dims = {"teams": ("x_team",), "projects": ("x_project", "x_team"), "clusters": ("x_cluster",)}
    return IngestPlan("cost_daily", cols, tuple(checks), key, key_window="ChargePeriodStart", dimensions=dims)
