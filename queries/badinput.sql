-- Checks of a run's inputs against earlier runs and the as-of date.

-- name: LastGoodSourceRows
-- Rows each source loaded in the latest successful run that loaded it.
SELECT i.source, i.run_id, coalesce(any_value(s.rows_loaded), sum(i.rows_loaded)) AS rows
FROM run_inputs i
LEFT JOIN run_sources s ON s.run_id = i.run_id AND s.source = i.source
JOIN (SELECT i2.source, max(i2.run_id) AS run_id
      FROM run_inputs i2 JOIN runs r ON r.run_id = i2.run_id
      WHERE r.status = 'succeeded'
      GROUP BY i2.source) last ON last.source = i.source AND last.run_id = i.run_id
GROUP BY i.source, i.run_id;
