#!/usr/bin/env bash
# npm start: everything needed to talk to the bot on this machine.
#   1. install what is missing (apt packages, npm ci)
#   2. build the wasm Worker and the native tools (miti-manifest, miti-migrations,
#      miti-crons); the unit tests are not built (npm test does that)
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

# Progress goes to stderr so that stdout is the conversation alone; each step
# says how long it took.
started=$SECONDS
step() { echo "start: ${*:2} ($1/4)" >&2; }
took() { echo "start:   took $((SECONDS - started)) s" >&2; started=$SECONDS; }

step 1 "checking the toolchain"
bash scripts/setup.sh --quiet </dev/null >&2
took

step 2 "building the wasm Worker and the native tools"
bash scripts/build.sh wasm tools </dev/null >&2
took

# Only the console may read stdin: piped chat lines belong to it.
migrate=(--local)
[[ -n "${MITI_PERSIST_TO:-}" ]] && migrate+=(--persist-to "$MITI_PERSIST_TO")
step 3 "applying D1 migrations to the local database"
node scripts/db-migrate.mjs "${migrate[@]}" </dev/null >&2
took

step 4 "starting wrangler dev and the chat console"

exec node scripts/chat-console.mjs "$@"
