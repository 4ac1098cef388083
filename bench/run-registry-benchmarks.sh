#!/usr/bin/env bash
# Runs the Fabric.Registry symbolizer benchmarks (BenchmarkDotNet, Release) and prints the path of the results table.
#
#   bench/run-registry-benchmarks.sh [BENCHMARKDOTNET ARGS...]
#
# Needs the Debian JARs scripts/prerequisites.sh installs. Results land in artifacts/benchmarks/registry-<UTC time>/
# (git-ignored). Read the Ratio column: times are per class, against hashing the same bytes (HashOnly) in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/benchmarks/registry-$(date -u +%Y%m%dT%H%M%SZ)
project=bench/Fabric.Registry.Benchmarks/Fabric.Registry.Benchmarks.csproj
mkdir -p "$out"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "dotnet sdk: $(dotnet --version)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"

dotnet build -c Release "$project" -nologo -v quiet
if [ $# -eq 0 ]; then
  set -- --filter '*'
fi
dotnet bench/Fabric.Registry.Benchmarks/bin/Release/net10.0/Fabric.Registry.Benchmarks.dll --artifacts "$out" "$@" | tee "$out/console.log"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
cat "$out/machine.txt"
for table in "$out"/results/*-report-github.md; do
  [ -e "$table" ] || { echo "no results table was written under $out/results" >&2; exit 1; }
  echo "Results table: $table"
done
