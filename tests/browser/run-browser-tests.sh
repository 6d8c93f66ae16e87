#!/usr/bin/env bash
# ctest entry for the dashboard's browser tests (label "browser").
# Usage: run-browser-tests.sh static|dashboard|https [HEARTHD] [ARTEFACT_DIR]
#        run-browser-tests.sh coordinator HEARTH_COORDINATOR ARTEFACT_DIR HEARTH_COORDINATOR_SEED
# Exits 77 (ctest SKIP_RETURN_CODE) with a message when node, npm or chromium is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mode="${1:?static, dashboard, https or coordinator}"
skip() { echo "SKIPPED: $*" >&2; exit 77; }

command -v node >/dev/null 2>&1 || skip "node is not installed (packaging/install-deps.sh installs nodejs)"
if [ "$mode" = dashboard ] || [ "$mode" = https ]; then
  chromium="${HEARTH_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
  [ -n "$chromium" ] && [ -x "$chromium" ] || skip "chromium is not installed (apt-get install chromium)"
  [ -x /usr/sbin/mosquitto ] && command -v mosquitto_pub >/dev/null 2>&1 || skip "mosquitto or mosquitto_pub missing"
  export HEARTH_CHROMIUM="$chromium" HEARTHD="${2:?path to hearthd}" HEARTH_ARTEFACTS="${3:-$here/artefacts}"
fi
if [ "$mode" = coordinator ]; then
  chromium="${HEARTH_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
  [ -n "$chromium" ] && [ -x "$chromium" ] || skip "chromium is not installed (apt-get install chromium)"
  [ -x /usr/sbin/mosquitto ] && command -v mosquitto_sub >/dev/null 2>&1 || skip "mosquitto or mosquitto_sub missing"
  export HEARTH_CHROMIUM="$chromium" HEARTH_COORDINATOR="${2:?path to hearth-coordinator}" \
    HEARTH_ARTEFACTS="${3:-$here/artefacts}" HEARTH_COORDINATOR_SEED="${4:?path to hearth-coordinator-seed}"
fi

# Dependencies are pinned in package-lock.json; install them once. Both tests may start together,
# so the install runs under a lock and is complete only when its marker exists (a half-filled
# node_modules must not look installed to the other test).
done_marker="$here/node_modules/.hearth-npm-ci-done"
if [ ! -f "$done_marker" ]; then
  command -v npm >/dev/null 2>&1 || skip "npm is not installed and tests/browser/node_modules is missing"
  (
    flock 9
    if [ ! -f "$done_marker" ]; then
      cd "$here" && npm ci --no-audit --no-fund --loglevel=error && touch "$done_marker"
    fi
  ) 9>"$here/.npm-ci.lock"
fi

cd "$here"
exec node --test --test-reporter=spec "$mode.test.js"
