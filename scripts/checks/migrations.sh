#!/usr/bin/env bash
# npm test check: migrations/ is exactly what `npm run db:sync` would make of
# modules/*/migrations/: every module migration well named, numbered 0001..
# without gaps or duplicates, consolidated, and unchanged since. Fails naming
# the file at fault.
set -euo pipefail
cd "$(dirname "$0")/../.."
tool=build/native/tools/miti-migrations
if [[ ! -x $tool ]]; then
  echo "check migrations: $tool is missing: run \`bash scripts/build.sh native\`" >&2
  exit 1
fi
if ! "$tool" check --root .; then
  echo "check migrations: FAILED (see above; \`npm run db:sync\` consolidates new migrations)" >&2
  exit 1
fi
