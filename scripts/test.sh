#!/usr/bin/env bash
# The whole test suite, as CI runs it: set up what the tests need, type-check, lint
# (including the layout rules), build, then every Vitest test. The last line is
# "tests: N passed, N failed" from Vitest's own JSON report.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-services.sh || { echo "setup of test services failed"; echo "tests: 0 passed, 1 failed"; exit 1; }

step() { echo "== $1"; shift; "$@"; }
status=0
step "typecheck" npx tsc -p tsconfig.json --noEmit || status=1
step "lint" npm run --silent lint || status=1
step "build" npm run --silent build || status=1

report=$(mktemp)
step "vitest" npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=1

node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  // A test file that fails to load has no failed tests of its own: count it as one failure.
  const brokenFiles = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.every((a) => a.status !== "failed")).length;
  const failed = r.numFailedTests + brokenFiles;
  console.log(`tests: ${r.numPassedTests} passed, ${failed} failed`);
' "$report" 2>/dev/null || echo "tests: 0 passed, 1 failed"
rm -f "$report"
exit $status
