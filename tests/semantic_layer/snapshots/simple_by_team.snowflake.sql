WITH "cur_utilization_hourly" AS (
  SELECT
    "utilization_hourly"."team" AS "team",
    CAST(SUM("utilization_hourly"."busy_hours") AS DOUBLE) AS "busy_hours"
  FROM "utilization_hourly" AS "utilization_hourly"
  GROUP BY
    1
)
SELECT
  "team",
  "busy_hours" AS "busy_hours"
FROM "cur_utilization_hourly"
ORDER BY
  "busy_hours" DESC NULLS LAST,
  "team" ASC
