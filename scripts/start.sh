#!/usr/bin/env bash
# npm start: everything needed to talk to the bot on this machine.
#   1. install what is missing (apt packages, npm ci)
#   2. build the wasm Worker and the native tools (miti-manifest)
#   3. apply D1 migrations to the local dev database
#   4. serve the Worker with wrangler dev on 127.0.0.1:8787 and open the chat
#      console (scripts/chat-console.mjs); end of input stops everything.
#
# Environment: MITI_DEV_PORT (default 8787), MITI_PERSIST_TO (default
# wrangler's .wrangler/state), MODULES (overrides wrangler.toml for this run).
# Arguments are passed to the chat console (e.g. --verbose).
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false

# Progress goes to stderr so that stdout is the conversation alone.
step() { echo "start: $*" >&2; }

step "checking the toolchain"
bash scripts/setup.sh --quiet >&2

step "building (wasm + native)"
bash scripts/build.sh all >&2

# Nothing below may read stdin: piped chat lines belong to the console.
migrate=(--local)
[[ -n "${MITI_PERSIST_TO:-}" ]] && migrate+=(--persist-to "$MITI_PERSIST_TO")
step "applying D1 migrations to the local database"
node scripts/db-migrate.mjs "${migrate[@]}" </dev/null >&2

exec node scripts/chat-console.mjs "$@"
