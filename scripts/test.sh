#!/usr/bin/env bash
# Runs every test (unit, property and end-to-end against real JVMs and jdb) and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/prerequisites.sh || exit 1

results=$(mktemp -d)
dotnet test JdwpGateway.sln -c Release --logger "trx" --results-directory "$results" -nologo 2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}

# Totals come from the TRX result files, one per test assembly.
read -r passed failed skipped < <(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    p += int(c.get("passed")); f += int(c.get("failed")) + int(c.get("error")) + int(c.get("timeout")) + int(c.get("aborted"))
    s += int(c.get("notExecuted"))
print(p, f, s)
PY
)
if [ "${passed:-0}" -eq 0 ] && [ "$status" -ne 0 ]; then
  echo "the build or test run failed before any test ran (see above)"
  failed=$(( ${failed:-0} + 1 ))
fi
if [ "${skipped:-0}" -gt 0 ]; then
  echo "${passed:-0} passed, ${failed:-0} failed, ${skipped} skipped"
else
  echo "${passed:-0} passed, ${failed:-0} failed"
fi
[ "$status" -eq 0 ] && [ "${failed:-0}" -eq 0 ]
