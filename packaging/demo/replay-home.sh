#!/usr/bin/env bash
# Interim home simulator for the demo (the full hearth-sim arrives with the firmware/simulator
# issue): replays REFIT House 2 (real UK smart-plug data, CC BY 4.0, Murray et al. 2017) from
# $HEARTH_SHARED as Tasmota plug traffic at SPEED data-minutes per second, plus Zigbee room
# sensors. Without the dataset it plays a built-in synthetic day. Loops until killed.
set -euo pipefail
URL_HOST="${1:?usage: replay-home.sh HOST PORT}"
PORT="${2:?usage: replay-home.sh HOST PORT}"
SPEED="${SPEED:-1}"
DATA="${HEARTH_SHARED:-../shared}/datasets/refit_house2/refit_house2_1min_2014-04-14_to_2014-04-27.csv"

pub() { mosquitto_pub -h "$URL_HOST" -p "$PORT" -t "$1" -m "$2" ${3:-} || true; }

for plug in kettle dishwasher washing_machine microwave house_meter; do
  pub "tele/$plug/LWT" "Online" "-r"
done

source_rows() {
  if [ -f "$DATA" ]; then
    echo "replay-home: replaying $DATA" >&2
    tail -n +2 "$DATA"
  else
    echo "replay-home: dataset not found ($DATA); playing a synthetic day" >&2
    awk 'BEGIN { for (m = 0; m < 1440; m++) {
      k = (m % 240 == 420 % 240 && m > 400) ? 2800 : 0; mw = (m % 300 == 0) ? 900 : 0;
      printf "synthetic,%d,%d,%d,0,0,%d,0\n", 1397433600 + m * 60, 150 + k + mw, k, mw } }'
  fi
}

declare -A total=([kettle]=0 [dishwasher]=0 [washing_machine]=0 [microwave]=0 [house_meter]=0)
while true; do
  while IFS=, read -r _ unix agg kettle dish wash micro gap; do
    [ "${gap:-0}" = "1" ] && continue
    pubs=()
    for pair in "house_meter:$agg" "kettle:$kettle" "dishwasher:$dish" "washing_machine:$wash" "microwave:$micro"; do
      plug="${pair%%:*}"; watts="${pair#*:}"
      total[$plug]=$(awk -v t="${total[$plug]}" -v w="$watts" 'BEGIN { printf "%.4f", t + w / 60000 }')
      pub "tele/$plug/SENSOR" "{\"Time\":\"$(date -u -d @"$unix" +%Y-%m-%dT%H:%M:%S)\",\"ENERGY\":{\"TotalStartTime\":\"2014-04-01T00:00:00\",\"Total\":${total[$plug]},\"Yesterday\":0,\"Today\":0,\"Power\":${watts%.*},\"Voltage\":240,\"Current\":$(awk -v w="$watts" 'BEGIN { printf "%.3f", w / 240 }')}}" &
      pubs+=($!)
    done
    # Room sensors: a gently varying living room and a colder bedroom.
    hour=$(( (unix / 3600) % 24 ))
    pub "zigbee2mqtt/living_room/climate" "{\"battery\":87,\"humidity\":52,\"linkquality\":140,\"temperature\":$(awk -v h="$hour" 'BEGIN { printf "%.1f", 18.5 + 2.5 * sin((h - 9) / 24 * 6.283) }')}" &
    pubs+=($!)
    pub "zigbee2mqtt/bedroom/climate" "{\"battery\":91,\"humidity\":58,\"linkquality\":120,\"temperature\":$(awk -v h="$hour" 'BEGIN { printf "%.1f", 16.0 + 1.5 * sin((h - 10) / 24 * 6.283) }')}" &
    pubs+=($!)
    # Only the publishers: a bare `wait` would also wait for the input process substitution.
    wait "${pubs[@]}"
    sleep "$(awk -v s="$SPEED" 'BEGIN { printf "%.3f", 1 / s }')"
  done < <(source_rows)
done
