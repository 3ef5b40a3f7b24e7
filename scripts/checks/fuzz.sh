#!/usr/bin/env bash
# npm test check: builds the libFuzzer targets (tests/fuzz, clang + ASan + UBSan) and runs each
# for a fixed number of executions with a fixed seed from the committed corpus, failing on any
# finding. Longer runs: `npm run fuzz` (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash scripts/fuzz.sh --smoke
