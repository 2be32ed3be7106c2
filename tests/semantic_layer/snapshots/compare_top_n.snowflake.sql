WITH "cur_cost_daily" AS (
  SELECT
    "cost_daily"."x_team" AS "team",
    CAST(SUM("cost_daily"."EffectiveCost") AS DOUBLE) AS "effective_cost"
  FROM "cost_daily" AS "cost_daily"
  WHERE
    "cost_daily"."ChargePeriodStart" >= CAST('2026-11-16 00:00:00' AS TIMESTAMP)
    AND "cost_daily"."ChargePeriodStart" < CAST('2026-11-23 00:00:00' AS TIMESTAMP)
  GROUP BY
    1
), "prev_cost_daily" AS (
  SELECT
    "cost_daily"."x_team" AS "team",
    CAST(SUM("cost_daily"."EffectiveCost") AS DOUBLE) AS "effective_cost"
  FROM "cost_daily" AS "cost_daily"
  WHERE
    "cost_daily"."ChargePeriodStart" >= CAST('2026-11-09 00:00:00' AS TIMESTAMP)
    AND "cost_daily"."ChargePeriodStart" < CAST('2026-11-16 00:00:00' AS TIMESTAMP)
  GROUP BY
    1
), "current_period" AS (
  SELECT
    "team",
    "effective_cost" AS "effective_cost_usd"
  FROM "cur_cost_daily"
), "previous_period" AS (
  SELECT
    "team",
    "effective_cost" AS "effective_cost_usd"
  FROM "prev_cost_daily"
)
SELECT
  "team",
  "effective_cost_usd",
  "effective_cost_usd__previous",
  "effective_cost_usd__change_pct"
FROM (
  SELECT
    "team",
    "effective_cost_usd",
    "effective_cost_usd__previous",
    "effective_cost_usd__change_pct",
    RANK() OVER (ORDER BY "team" IS NULL, "effective_cost_usd" DESC NULLS LAST) AS "pace_rank"
  FROM (
    SELECT
      "current_period"."team" AS "team",
      "current_period"."effective_cost_usd" AS "effective_cost_usd",
      "previous_period"."effective_cost_usd" AS "effective_cost_usd__previous",
      (
        "current_period"."effective_cost_usd" - "previous_period"."effective_cost_usd"
      ) * 100.0 / NULLIF(ABS("previous_period"."effective_cost_usd"), 0) AS "effective_cost_usd__change_pct"
    FROM "current_period"
    LEFT JOIN "previous_period"
      ON "previous_period"."team" IS NOT DISTINCT FROM "current_period"."team"
  ) AS ranked_rows
) AS ranked
WHERE
  "pace_rank" <= 3
ORDER BY
  "team" IS NULL,
  "effective_cost_usd" DESC NULLS LAST,
  "team" ASC
