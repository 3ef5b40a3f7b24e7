#!/usr/bin/env bash
# npm run deploy: build -> preflight checks -> apply migrations remotely ->
# wrangler deploy -> register the webhook and commands.
#
#   scripts/deploy.sh [--dry-run] [--env-file PATH]
#
# --env-file  the register settings (default .env.deploy; see scripts/register.mjs)
# MITI_WRANGLER (environment): the wrangler to run instead of node_modules/.bin/wrangler
#   (the tests use a stand-in; `npm run db:migrate` keeps using the pinned one).
#
# Migrations go FIRST, before the new code is live: the new code may read a
# table or column a migration creates, and a request served by new code on
# the old schema would fail. The price is a moment (between the migration and
# the end of `wrangler deploy`, plus isolates still finishing old requests)
# where the OLD code runs on the NEW schema. So a migration must be additive
# and tolerate the previous code: create tables and indexes, add columns that
# are nullable or have a default; never drop or rename what the running code
# uses in the same deploy (do it in a later deploy, once no code reads it).
# If a migration fails, wrangler rolls that one back and this script stops:
# the old code keeps running on a schema it understands.
#
# Before anything changes remotely, the preflight (step 2) stops a deploy when
# migrations/ is out of sync, a register setting is missing or invalid (a
# webhook secret Telegram would refuse, or shorter than 16 characters),
# wrangler.toml still has placeholder KV/D1 ids, or the Worker lacks the
# TELEGRAM_BOT_TOKEN or TELEGRAM_WEBHOOK_SECRET secret (`wrangler secret list`).
#
# --dry-run contacts neither Cloudflare nor Telegram and needs no .env.deploy:
# it builds, runs the same checks (missing settings and placeholder ids are
# warnings; the Worker's secrets are not checked, that needs Cloudflare), lists
# the migrations and the cron triggers, bundles with `wrangler deploy --dry-run
# --outdir dist` and prints the register payloads (placeholders such as
# <WORKER_URL> for missing settings). It exits 0 unless something other than a
# missing setting or a placeholder id is wrong.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false

usage() { echo "usage: scripts/deploy.sh [--dry-run] [--env-file PATH]" >&2; exit 2; }
dry_run=false
env_file=""
while (($# > 0)); do
  case $1 in
    --dry-run) dry_run=true ;;
    --env-file) (($# >= 2)) || usage; env_file=$2; shift ;;
    --env-file=*) env_file=${1#--env-file=} ;;
    *) usage ;;
  esac
  shift
done
register_args=()
if [[ -n $env_file ]]; then
  if [[ ! -r $env_file ]]; then
    echo "deploy: cannot read --env-file $env_file" >&2
    exit 2
  fi
  register_args=(--env-file "$env_file")
fi

step() { echo "deploy: $*" >&2; }
wrangler=${MITI_WRANGLER:-node_modules/.bin/wrangler}
total=5
warnings=()
errors=()
# The preflight runs every check, then a real deploy stops if any failed.
warn() { warnings+=("$1"); step "  warning: $1"; }
fail() { errors+=("$1"); step "  error: $1"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step "1/$total checking the toolchain and building (wasm + tools)"
bash scripts/setup.sh --quiet
bash scripts/build.sh wasm tools

step "2/$total preflight checks"
# migrations/ must be what the modules say it is.
if ! build/native/tools/miti-migrations check --root . >&2; then
  fail "migrations/ is not in sync with modules/*/migrations/: run \`npm run db:sync\`, review and commit migrations/"
fi

# wrangler.toml ids still at the all-zero placeholders of the template.
# One line per binding table: "<table> <binding> <key> <database_name>".
placeholders=$(awk '
  function flush() {
    if (key != "") print table, (binding == "" ? "?" : binding), key, (name == "" ? "?" : name)
    key = ""; binding = ""; name = ""
  }
  function value(line) { sub(/^[^"]*"/, "", line); sub(/".*$/, "", line); return line }
  /^[[:space:]]*\[/ { flush(); table = $0; sub(/[[:space:]]*#.*$/, "", table); gsub(/[[:space:]]/, "", table) }
  /^[[:space:]]*binding[[:space:]]*=/ { binding = value($0) }
  /^[[:space:]]*database_name[[:space:]]*=/ { name = value($0) }
  /^[[:space:]]*(id|database_id)[[:space:]]*=[[:space:]]*"[0-]+"/ {
    key = $0; sub(/^[[:space:]]*/, "", key); sub(/[[:space:]]*=.*$/, "", key)
  }
  END { flush() }
' wrangler.toml)
while read -r table binding key name; do
  [[ -n $table ]] || continue
  case $table in
    *kv_namespaces*) how="npx wrangler kv namespace create $binding" ;;
    *d1_databases*) how="npx wrangler d1 create $name" ;;
    *) how="create it" ;;
  esac
  message="wrangler.toml $table $binding: $key is still the placeholder (\`$how\` prints the real one; see docs/deploying.md)"
  if $dry_run; then warn "$message"; else fail "$message"; fi
done <<<"$placeholders"

# The register settings (.env.deploy or the environment): checked the way
# register checks them, before anything is deployed.
register_check=(node scripts/register.mjs --dry-run "${register_args[@]}")
$dry_run && register_check+=(--allow-missing)
if "${register_check[@]}" >"$tmp/register.out" 2>"$tmp/register.err"; then
  while IFS= read -r line; do
    case $line in
      "register: warning: set "*) ;; # the summary of the lines before
      "register: warning: "*) warn "${line#register: warning: }" ;;
      *) echo "$line" >&2 ;;
    esac
  done <"$tmp/register.err"
  if $dry_run && grep -q '^register: warning: ' "$tmp/register.err"; then
    example=" (copy .env.deploy.example)"
    [[ -n $env_file ]] && example=""
    step "  settings go in ${env_file:-.env.deploy}$example or the environment: TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET, WORKER_URL"
  fi
else
  # register names what is wrong (never the secret values); warnings, if any, first.
  grep '^register: warning: ' "$tmp/register.err" | sed 's/^register: warning: /  warning: /' >&2 || true
  fail "register settings: $(grep -v '^register: warning: ' "$tmp/register.err" | sed 's/^register: //' | paste -sd ' ' -)"
fi

# The Worker's own secrets: without them it refuses every webhook (or cannot
# call the Bot API), so registering the webhook would point Telegram at a
# Worker that answers 401.
if $dry_run; then
  step "  not checked in a dry run: the Worker's secrets (\`wrangler secret list\` needs Cloudflare)"
else
  missing_secrets=""
  if ! "$wrangler" secret list --format json >"$tmp/secrets.json" 2>"$tmp/secrets.err"; then
    cat "$tmp/secrets.err" >&2
    fail "\`wrangler secret list\` failed (above): log in with \`npx wrangler login\` (or set CLOUDFLARE_API_TOKEN); a Worker that does not exist yet is created by \`npx wrangler secret put TELEGRAM_BOT_TOKEN\`"
    missing_secrets="(unknown)"
  elif ! missing_secrets=$(node -e '
    const text = require("node:fs").readFileSync(process.argv[1], "utf8");
    const start = text.indexOf("[");
    const list = JSON.parse(start < 0 ? text : text.slice(start, text.lastIndexOf("]") + 1));
    const names = new Set(list.map((secret) => secret.name));
    console.log(process.argv.slice(2).filter((name) => !names.has(name)).join(" "));
  ' "$tmp/secrets.json" TELEGRAM_BOT_TOKEN TELEGRAM_WEBHOOK_SECRET 2>"$tmp/parse.err"); then
    cat "$tmp/secrets.json" "$tmp/parse.err" >&2
    fail "could not read the secret names from \`wrangler secret list --format json\` (its output is above)"
    missing_secrets="(unknown)"
  elif [[ -n $missing_secrets ]]; then
    for name in $missing_secrets; do
      fail "the Worker has no secret $name: set it with \`npx wrangler secret put $name\` (the same value as in ${env_file:-.env.deploy})"
    done
  fi
  if [[ -z $missing_secrets ]]; then
    step "  the Worker has both secrets (TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET)"
  fi
fi

if ! $dry_run && ((${#errors[@]} > 0)); then
  step "stopped before changing anything (nothing migrated, deployed or registered):"
  for message in "${errors[@]}"; do step "  - $message"; done
  exit 1
fi

if $dry_run; then
  step "3/$total (dry run) what would be deployed"
  step "  migrations in migrations/ (pending remotely: npm run db:migrate -- --dry-run):"
  shopt -s nullglob
  migrations=(migrations/*.sql)
  shopt -u nullglob
  if ((${#migrations[@]} == 0)); then step "    (none)"; fi
  for file in "${migrations[@]}"; do step "    $file"; done
  # [triggers] crons of wrangler.toml, with the comment crons:sync writes after each.
  crons=$(awk '
    /^[[:space:]]*\[/ { in_triggers = ($0 ~ /^[[:space:]]*\[[[:space:]]*triggers[[:space:]]*\]/); in_crons = 0 }
    in_triggers && /^[[:space:]]*crons[[:space:]]*=/ { in_crons = 1 }
    in_crons {
      # Left to right: quoted strings are crons, a # outside them starts a comment.
      line = $0; outside = ""; note = ""; n = 0
      while (1) {
        q = index(line, "\""); h = index(line, "#")
        if (h > 0 && (q == 0 || h < q)) { note = substr(line, h + 1); outside = outside substr(line, 1, h - 1); break }
        if (q == 0) { outside = outside line; break }
        after = substr(line, q + 1); e = index(after, "\"")
        if (e == 0) { outside = outside line; break }
        outside = outside substr(line, 1, q - 1)
        cron[++n] = substr(after, 1, e - 1); line = substr(after, e + 1)
      }
      gsub(/^[[:space:]]+|[[:space:]]+$/, "", note)
      for (i = 1; i <= n; i++) print cron[i] ((n == 1 && note != "") ? "   (" note ")" : "")
      if (outside ~ /\]/) in_crons = 0
    }
' wrangler.toml)
  step "  cron triggers (wrangler.toml [triggers] crons; wrangler deploy sets exactly these):"
  if [[ -z $crons ]]; then step "    (none: a deploy removes any the Worker had)"; fi
  while IFS= read -r cron; do
    if [[ -n $cron ]]; then step "    $cron"; fi
  done <<<"$crons"

  step "4/$total (dry run) bundling with wrangler deploy --dry-run into dist/"
  if ! "$wrangler" deploy --dry-run --outdir dist; then
    fail "wrangler deploy --dry-run failed (above)"
  fi

  step "5/$total (dry run) register: the Bot API calls a deploy would make"
  if [[ -s $tmp/register.out ]]; then
    cat "$tmp/register.out"
  else
    step "  (not shown: the settings are invalid, see step 2)"
  fi

  if ((${#errors[@]} > 0)); then
    step "dry run FAILED: a real deploy would stop on ${#errors[@]} error(s):"
    for message in "${errors[@]}"; do step "  - $message"; done
    exit 1
  fi
  if ((${#warnings[@]} > 0)); then
    step "dry run complete with ${#warnings[@]} warning(s) (a real deploy needs these settled):"
    for message in "${warnings[@]}"; do step "  - $message"; done
  fi
  step "dry run complete: nothing was deployed, nothing was sent"
  exit 0
fi

step "3/$total applying pending D1 migrations to the remote database (before the code that needs them)"
node scripts/db-migrate.mjs --remote --yes

step "4/$total deploying the Worker"
"$wrangler" deploy

step "5/$total registering the webhook and the command menu"
node scripts/register.mjs "${register_args[@]}"
step "done"
