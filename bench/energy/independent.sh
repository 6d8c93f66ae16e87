#!/bin/sh
# Independent figures for bench/energy, straight from the REFIT CSV with sqlite3: no Hearth code.
# Usage: independent.sh <refit_house2_1min_...csv> [unit rate p/kWh] [standby window first day]
# Prints CSV rows "kind,key,value":
#   kwh,<appliance>,<kWh over the file>            sum of 1-minute mean watts / 60 / 1000
#   pence,<appliance>,<round(kWh x rate)>
#   daily_kwh,<appliance>:<YYYY-MM-DD>,<kWh>       per UTC day
#   standby_w,<appliance>,<W>                      median of the minutes below 30 W from the window's first day on
#   baseload_w,<YYYY-MM-DD>,<W>                    10th percentile of the aggregate's minutes that day
# Gap rows (gap=1, zero-filled in the source) are left out of medians and percentiles.
set -eu
csv=${1:?usage: independent.sh refit_house2_1min.csv [rate_p_per_kwh] [standby_from YYYY-MM-DD]}
rate=${2:-22.36}
standby_from=${3:-2014-04-20}
case "$rate" in *[!0-9.]*) echo "rate must be a number" >&2; exit 2 ;; esac
case "$standby_from" in [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;; *) echo "bad date" >&2; exit 2 ;; esac
[ -r "$csv" ] || { echo "cannot read $csv" >&2; exit 2; }

sqlite3 -batch <<SQL
CREATE TABLE m(ts TEXT, unix_s INTEGER, aggregate REAL, kettle REAL, dishwasher REAL, washing_machine REAL,
               microwave REAL, gap INTEGER);
.mode csv
.import --skip 1 "$csv" m
CREATE VIEW plug AS
  SELECT substr(ts, 1, 10) AS day, 'kettle' AS app, kettle AS w, gap FROM m
  UNION ALL SELECT substr(ts, 1, 10), 'dishwasher', dishwasher, gap FROM m
  UNION ALL SELECT substr(ts, 1, 10), 'washing_machine', washing_machine, gap FROM m
  UNION ALL SELECT substr(ts, 1, 10), 'microwave', microwave, gap FROM m;
.mode list
.separator ,
SELECT 'kwh', app, printf('%.6f', SUM(w) / 60000.0) FROM plug GROUP BY app;
SELECT 'pence', app, CAST(ROUND(SUM(w) / 60000.0 * $rate) AS INTEGER) FROM plug GROUP BY app;
SELECT 'daily_kwh', app || ':' || day, printf('%.6f', SUM(w) / 60000.0) FROM plug GROUP BY app, day;
WITH low AS (
  SELECT app, w, ROW_NUMBER() OVER (PARTITION BY app ORDER BY w) AS rn, COUNT(*) OVER (PARTITION BY app) AS n
  FROM plug WHERE gap = 0 AND w < 30 AND day >= '$standby_from')
SELECT 'standby_w', app, printf('%.2f', w) FROM low WHERE rn = (n + 1) / 2;
WITH a AS (
  SELECT substr(ts, 1, 10) AS day, aggregate AS w,
         ROW_NUMBER() OVER (PARTITION BY substr(ts, 1, 10) ORDER BY aggregate) AS rn,
         COUNT(*) OVER (PARTITION BY substr(ts, 1, 10)) AS n
  FROM m WHERE gap = 0)
SELECT 'baseload_w', day, printf('%.2f', w) FROM a WHERE rn = CAST((n + 9) / 10 AS INTEGER);
SQL
