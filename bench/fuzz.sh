#!/usr/bin/env bash
# Fuzzes Gateway.Protocol (handshake, framing, spec lookup, PacketRewriter) with AFL++ and SharpFuzz for SECONDS seconds.
#
#   bench/fuzz.sh SECONDS [OUT]      OUT defaults to tools/Fuzz/findings/<UTC timestamp>; it must not exist yet.
#
# Needs afl-fuzz (Debian: apt-get install afl++). Installs the SharpFuzz instrumentation tool into tools/Fuzz/.tools.
# The Release build is copied to OUT/target and the copy of Gateway.Protocol.dll is instrumented there, so that
# rebuilding the solution while the fuzzer runs neither replaces the fuzzed assembly nor leaves an instrumented one
# in bin/. Crashes land in OUT/afl/default/crashes; replay them with
#   dotnet OUT/target/Fuzz.dll run OUT/afl/default/crashes
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:?usage: bench/fuzz.sh SECONDS [OUT]}
out=${2:-tools/Fuzz/findings/$(date -u +%Y%m%dT%H%M%SZ)}
tools=tools/Fuzz/.tools
bin=tools/Fuzz/bin/Release/net10.0
seeds=tools/Fuzz/seeds

if ! command -v afl-fuzz >/dev/null; then
  echo "afl-fuzz not found: install AFL++ (Debian: apt-get install -y afl++)" >&2
  exit 1
fi
if [ -e "$out" ]; then
  echo "$out already exists: choose another output directory" >&2
  exit 1
fi
if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi

dotnet build tools/Fuzz/Fuzz.csproj -c Release -nologo -v quiet
mkdir -p "$out"
cp -r "$bin" "$out/target"
"$tools/sharpfuzz" "$out/target/Gateway.Protocol.dll"

# SharpFuzz's fork server runs inside dotnet, which afl-fuzz cannot see instrumented (AFL_SKIP_BIN_CHECK).
# The target is managed code: AFL's memory limit is off (-m none) and a hang only after 10 s (-t 10000).
export AFL_SKIP_BIN_CHECK=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_SKIP_CPUFREQ=1
export AFL_NO_AFFINITY=1
export AFL_NO_UI=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1
echo "fuzzing for ${seconds}s into $out/afl"
afl-fuzz -i "$seeds" -o "$out/afl" -t 10000 -m none -V "$seconds" -- dotnet "$out/target/Fuzz.dll" \
  >"$out/afl-fuzz.log" 2>&1 || { tail -n 40 "$out/afl-fuzz.log" >&2; exit 1; }

stats=$out/afl/default/fuzzer_stats
stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
echo "stats: $stats"
echo "run time:   $(stat run_time) s"
echo "executions: $(stat execs_done) ($(stat execs_per_sec)/s)"
echo "paths:      $(stat corpus_count) (found $(stat corpus_found))"
echo "crashes:    $(stat saved_crashes)"
echo "hangs:      $(stat saved_hangs)"
if [ "$(stat saved_crashes)" != "0" ]; then
  echo "crashing inputs: $out/afl/default/crashes (replay: dotnet $out/target/Fuzz.dll run $out/afl/default/crashes)"
  exit 3
fi
