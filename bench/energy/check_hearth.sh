#!/bin/sh
# The ctest energy_eval_hearth_replay (label corpus): REFIT House 2 as Tasmota traffic through
# hearthd's own pipeline and EnergyService (`hearth replay --energy`: driver, validation, energy
# counter, registry, store, ledger, on a simulated clock), then per-appliance kWh against the
# independent sqlite3 figures (within 1%). Exit 77 (skipped) when the excerpt or sqlite3 is absent.
# Usage: check_hearth.sh <hearth_energy_eval> <hearth> <shared dir>
set -eu
eval_bin=${1:?usage: check_hearth.sh hearth_energy_eval hearth shared_dir}
hearth_bin=${2:?usage: check_hearth.sh hearth_energy_eval hearth shared_dir}
shared=${3:?usage: check_hearth.sh hearth_energy_eval hearth shared_dir}
csv="$shared/datasets/refit_house2/refit_house2_1min_2014-04-14_to_2014-04-27.csv"
if [ ! -r "$csv" ]; then
  echo "skipped: $csv not found (set HEARTH_SHARED to the folder holding datasets/)"
  exit 77
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
  echo "skipped: sqlite3 (the independent computation) is not installed"
  exit 77
fi
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/independent.sh" "$csv" 22.36 2014-04-20 >"$tmp/independent.csv"
"$eval_bin" --shared "$shared" --emit-traffic "$tmp/traffic.jsonl" --emit-config "$tmp/hearth.yaml"
"$hearth_bin" replay --input "$tmp/traffic.jsonl" --config "$tmp/hearth.yaml" --energy "$tmp/energy.json" \
  >"$tmp/alerts.jsonl" 2>"$tmp/replay.log" || { cat "$tmp/replay.log"; exit 1; }
tail -n 1 "$tmp/replay.log"
"$eval_bin" --shared "$shared" --independent "$tmp/independent.csv" --hearth-energy "$tmp/energy.json" --check
