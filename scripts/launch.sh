#!/usr/bin/env bash
# Starts the workbench on its default experiment after making sure it is built: the GUI (with
# --demo, so the default experiment runs at once) when it has been built and there is a
# display, otherwise the headless CLI's default run. Arguments replace --demo and pass through
# to whichever binary starts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Setup's progress goes to stderr so the workbench's own stdout stays clean for piping.
bash scripts/setup.sh >&2

APP_DIR="$ROOT/build/${MOE_PRESET:-release}/app"
has_display() { [[ -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" || -n "${QT_QPA_PLATFORM:-}" ]]; }
if [[ -x "$APP_DIR/moe-workbench" ]] && has_display; then
    if [[ $# -eq 0 ]]; then set -- --demo; fi
    exec "$APP_DIR/moe-workbench" "$@"
elif [[ -x "$APP_DIR/moe-workbench" && -x "$APP_DIR/moe-workbench-cli" ]]; then
    echo "launch: no display (DISPLAY is not set): running the default experiment in the CLI" >&2
    exec "$APP_DIR/moe-workbench-cli" run "$@"
elif [[ -x "$APP_DIR/moe-workbench-cli" ]]; then
    exec "$APP_DIR/moe-workbench-cli" run "$@"
fi
echo "launch: no workbench binary in $APP_DIR (did the build produce moe-workbench-cli?)" >&2
exit 1
