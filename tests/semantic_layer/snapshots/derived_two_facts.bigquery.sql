WITH `cur_cost_daily` AS (
  SELECT
    `cost_daily`.`x_accelerator_type` AS `accelerator_type`,
    CAST(SUM(`cost_daily`.`EffectiveCost`) AS FLOAT64) AS `effective_cost`
  FROM `cost_daily` AS `cost_daily`
  GROUP BY
    1
), `cur_utilization_hourly` AS (
  SELECT
    `utilization_hourly`.`accelerator_type` AS `accelerator_type`,
    CAST(SUM(`utilization_hourly`.`busy_hours`) AS FLOAT64) AS `busy_hours`
  FROM `utilization_hourly` AS `utilization_hourly`
  GROUP BY
    1
)
SELECT
  `accelerator_type`,
  (
    CAST(`effective_cost` AS FLOAT64) / NULLIF(CAST(`busy_hours` AS FLOAT64), 0)
  ) AS `cost_per_busy_hour_usd`
FROM (
  SELECT
    COALESCE(`cur_cost_daily`.`accelerator_type`, `cur_utilization_hourly`.`accelerator_type`) AS `accelerator_type`,
    `cur_cost_daily`.`effective_cost` AS `effective_cost`,
    `cur_utilization_hourly`.`busy_hours` AS `busy_hours`
  FROM `cur_cost_daily`
  FULL OUTER JOIN `cur_utilization_hourly`
    ON `cur_utilization_hourly`.`accelerator_type` IS NOT DISTINCT FROM `cur_cost_daily`.`accelerator_type`
) AS cur_joined
ORDER BY
  `cost_per_busy_hour_usd` DESC,
  `accelerator_type` ASC NULLS LAST
