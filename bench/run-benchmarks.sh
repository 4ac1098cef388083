#!/usr/bin/env bash
# Runs the Gateway.Protocol codec benchmarks (BenchmarkDotNet, Release) and prints the path of the results table.
#
#   bench/run-benchmarks.sh [BENCHMARKDOTNET ARGS...]
#
# Without arguments every benchmark runs (about 5 minutes on 2 cores). Arguments go to BenchmarkDotNet, e.g.
#   bench/run-benchmarks.sh --filter '*RewriteTranslate*'
# Results land in artifacts/benchmarks/<UTC timestamp>/ (git-ignored): results/*-report-github.md is the table that
# docs/benchmarks.md quotes, machine.txt the machine it ran on. Read the Ratio column, not absolute times: they are
# measured against the CopyBody baseline of the same run.
# End-to-end benchmarks with real JVMs (direct vs socat relay vs gateway, 1-32 nodes, memory): bench/run-e2e-benchmarks.sh
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/benchmarks/$(date -u +%Y%m%dT%H%M%SZ)
project=bench/Gateway.Benchmarks/Gateway.Benchmarks.csproj
mkdir -p "$out"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- Gateway.Protocol 2>/dev/null || echo ' (Gateway.Protocol modified)')"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(grep -m1 MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}')"
  echo "dotnet sdk: $(dotnet --version)"
  echo "dotnet runtime: $(dotnet --list-runtimes | grep Microsoft.NETCore.App | tail -1 | cut -d' ' -f2)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"

dotnet build -c Release "$project" -nologo -v quiet
if [ $# -eq 0 ]; then
  set -- --filter '*'
fi
dotnet bench/Gateway.Benchmarks/bin/Release/net10.0/Gateway.Benchmarks.dll --artifacts "$out" "$@" | tee "$out/console.log"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"

echo
cat "$out/machine.txt"
echo
for table in "$out"/results/*-report-github.md; do
  [ -e "$table" ] || { echo "no results table was written under $out/results" >&2; exit 1; }
  echo "Results table: $table"
done
