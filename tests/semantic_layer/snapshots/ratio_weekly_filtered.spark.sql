WITH `cur_utilization_hourly` AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', `utilization_hourly`.`hour`) AS TIMESTAMP) AS `time__week`,
    CAST(SUM(`utilization_hourly`.`busy_hours`) AS DOUBLE) AS `busy_hours`,
    CAST(SUM(
      CASE
        WHEN NOT `utilization_hourly`.`busy_hours` IS NULL
        THEN `utilization_hourly`.`allocated_hours`
      END
    ) AS DOUBLE) AS `activity_measured_hours`
  FROM `utilization_hourly` AS `utilization_hourly`
  LEFT JOIN `teams` AS `teams`
    ON `utilization_hourly`.`team` = `teams`.`team`
  WHERE
    `utilization_hourly`.`hour` >= CAST('2026-10-26 00:00:00' AS TIMESTAMP)
    AND `utilization_hourly`.`hour` < CAST('2026-11-23 00:00:00' AS TIMESTAMP)
    AND `teams`.`org` = 'research'
  GROUP BY
    1
)
SELECT
  `time__week`,
  CAST(CAST(`busy_hours` AS DOUBLE) * 100.0 AS DOUBLE) / NULLIF(`activity_measured_hours`, 0) AS `utilization_pct`
FROM `cur_utilization_hourly`
ORDER BY
  `time__week` ASC NULLS LAST
