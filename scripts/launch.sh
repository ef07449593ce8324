#!/usr/bin/env bash
# Starts the workbench on its default experiment after making sure it is built: the GUI when it
# has been built (Qt found), otherwise the headless CLI's default run. Extra arguments pass
# through to whichever binary starts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Setup's progress goes to stderr so the workbench's own stdout stays clean for piping.
bash scripts/setup.sh >&2

APP_DIR="$ROOT/build/${MOE_PRESET:-release}/app"
if [[ -x "$APP_DIR/moe-workbench" ]]; then
    exec "$APP_DIR/moe-workbench" "$@"
elif [[ -x "$APP_DIR/moe-workbench-cli" ]]; then
    exec "$APP_DIR/moe-workbench-cli" run "$@"
fi
echo "launch: no workbench binary in $APP_DIR (did the build produce moe-workbench-cli?)" >&2
exit 1
