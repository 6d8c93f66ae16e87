#!/bin/sh
# The ctest for bench/energy (label corpus): the independent sqlite3 figures, then hearth_energy_eval
# --check against them. Exit 77 (skipped) with a message when the REFIT excerpt or sqlite3 is absent.
# Usage: check.sh <hearth_energy_eval> <shared dir>
set -eu
eval_bin=${1:?usage: check.sh hearth_energy_eval shared_dir}
shared=${2:?usage: check.sh hearth_energy_eval shared_dir}
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
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$here/independent.sh" "$csv" 22.36 2014-04-20 >"$tmp"
"$eval_bin" --shared "$shared" --independent "$tmp" --check
