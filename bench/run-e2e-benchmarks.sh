#!/usr/bin/env bash
# End-to-end benchmarks of the gateway against real JVMs (issue 4): overhead against direct attach and a socat relay,
# fan-out and IDE-like attach against node count (1-32 node JVMs), gateway memory per live virtual ID and at 32 nodes.
#
#   bench/run-e2e-benchmarks.sh [--quick] [--only overhead|fanout|memory] [--counts 1,2,4,8,16,32]
#                               [--gateway DLL] [--baseline-gateway DLL]   (another build's jdwp-gateway.dll)
#
# Installs socat (apt-get) if it is missing and needs a JDK 17+ (JAVA_HOME, else /usr/lib/jvm/java-17-openjdk-amd64;
# scripts/prerequisites.sh installs it). The full run takes about 10 minutes on 2 cores and starts up to 33 JVMs
# (about 1.5 GB resident); --quick is a 30-second smoke run with few iterations and up to 4 nodes.
# Results land in artifacts/e2e-benchmarks/<UTC timestamp>/ (git-ignored): report.md (the tables docs/benchmarks.md
# quotes) and machine.txt. Read ratios measured in the same run, not absolute times: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v socat >/dev/null 2>&1; then
  echo "Installing socat (the relay baseline)..."
  apt-get install -y socat >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y socat >/dev/null; }
fi

out=artifacts/e2e-benchmarks/$(date -u +%Y%m%dT%H%M%SZ)
project=bench/Gateway.EndToEnd.Benchmarks/Gateway.EndToEnd.Benchmarks.csproj
mkdir -p "$out"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- Gateway.Routing Gateway.Protocol 2>/dev/null || echo ' (gateway sources modified)')"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(grep -m1 MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}')"
  echo "dotnet sdk: $(dotnet --version)"
  echo "socat: $(socat -V 2>/dev/null | grep -m1 'socat version' || echo unknown)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"

dotnet build -c Release "$project" -nologo -v quiet
dotnet bench/Gateway.EndToEnd.Benchmarks/bin/Release/net10.0/Gateway.EndToEnd.Benchmarks.dll --out "$out" "$@" | tee "$out/console.log"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
echo
cat "$out/machine.txt"
