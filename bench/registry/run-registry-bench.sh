#!/usr/bin/env bash
# Registry benchmark (docs/benchmarks.md, "Registry"): publish the JARs of /usr/share/java into a fresh embedded
# store with the real fabric CLI (then republish: 0 bytes expected), then load small-symbol GETs with wrk.
# Usage: bench/registry/run-registry-bench.sh [wrk seconds, default 20]
#        TELEMETRY=off bench/registry/run-registry-bench.sh ...   # the same with the registry's Prometheus metrics off
set -euo pipefail
cd "$(dirname "$0")/../.."
duration="${1:-20}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (scripts/prerequisites.sh)" >&2; exit 1; }
dotnet build -c Release Fabric.Cli/Fabric.Cli.csproj -nologo -v q >/dev/null
dotnet build -c Release bench/Registry.GrpcLoad/Registry.GrpcLoad.csproj -nologo -v q >/dev/null
fabric="dotnet Fabric.Cli/bin/Release/net10.0/fabric.dll"
work="$(mktemp -d /tmp/fabric-registry-bench.XXXXXX)"
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
$fabric keygen --out "$work/keys" >/dev/null
prometheus=true
[ "${TELEMETRY:-on}" = off ] && prometheus=false
cat > "$work/registry.yaml" <<YAML
telemetry: { prometheus: $prometheus }
storage:
  path: data
listen:
  http: 127.0.0.1:0
  grpc: 127.0.0.1:0
namespaces:
  default:
    anonymousRead: true
    anonymousPublish: true
    trustedKeys: [keys/signing-key.pub.pem]
YAML
$fabric registry serve --config "$work/registry.yaml" > "$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q '^grpc ' "$work/serve.log" && break; sleep 0.1; done
http="$(awk '/^http /{print $2}' "$work/serve.log")"
grpc="$(awk '/^grpc /{print $2}' "$work/serve.log")"
# A set of Debian's JARs whose class closure is complete (about 10,400 symbols); the whole of /usr/share/java
# references classes no package there provides (servlet, logback...), which publish rightly refuses.
jars=()
for j in commons-cli commons-io commons-lang3 guava jsr305 error_prone_annotations icu4j osgi.core osgi.annotation \
         eclipse-osgi slf4j-api slf4j-simple plexus-utils guice aopalliance atinject-jsr330-api maven-resolver-api \
         maven-resolver-util maven-resolver-spi plexus-classworlds jansi icu4j-charset; do
  jars+=("/usr/share/java/$j.jar")
done
echo "publishing ${#jars[@]} JARs"
time_publish() { local start end; start=$(date +%s.%N); $fabric publish "${jars[@]}" --manifest "$1" --key "$work/keys/signing-key.pem" --registry "$grpc" --first-wins | grep -E '^summary|^error' ; end=$(date +%s.%N); echo "seconds $(echo "$end - $start" | bc)"; }
time_publish default/all:1 || true
time_publish default/all:1 || true
curl -s "${http}v1/manifests/default/all/1" > "$work/manifest.txt" || true
# Small symbols: class files under 2 KiB.
awk -F'\t' '$1=="class" && $4 < 2048 {print $3}' "$work/manifest.txt" | head -2000 > "$work/ids.txt" || true
echo "small symbols: $(wc -l < "$work/ids.txt"), classes in manifest: $(grep -c '^class' "$work/manifest.txt")"
cat > "$work/ids.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/v1/blobs/" .. ids[(i % #ids) + 1])
end
LUA
echo "wrk -t2 -c64 -d${duration}s --latency (rotating over the small symbols)"
IDS="$work/ids.txt" wrk -t2 -c64 -d"${duration}s" --latency -s "$work/ids.lua" "${http%/}" | grep -E 'Requests/sec|Latency|50%|90%|99%|requests in'
cat > "$work/batch.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
local bodies = {}
for b = 0, 19 do
  local part = {}
  for k = 1, 100 do part[#part + 1] = ids[(b * 100 + k - 1) % #ids + 1] end
  bodies[#bodies + 1] = table.concat(part, "\n") .. "\n"
end
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "/v1/blobs/batch", nil, bodies[(i % #bodies) + 1])
end
LUA
echo "wrk -t2 -c16 -d${duration}s --latency POST /v1/blobs/batch, 100 small symbols per request"
IDS="$work/ids.txt" wrk -t2 -c16 -d"${duration}s" --latency -s "$work/batch.lua" "${http%/}" | grep -E 'Requests/sec|Latency|99%|requests in'
dotnet bench/Registry.GrpcLoad/bin/Release/net10.0/Registry.GrpcLoad.dll "$grpc" "$work/ids.txt" "$duration" 16 100
echo "baseline: the same wrk against GET /v1/nodes (no storage access)"
wrk -t2 -c64 -d"${duration}s" --latency "${http}v1/nodes" | grep -E 'Requests/sec|Latency|50%|90%|99%'

# The same small-symbol GETs with the memory cache off (blobCacheMegabytes: 0), same store, same run: every read
# opens the blob's file.
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
sed -i 's/^listen:/blobCacheMegabytes: 0\nlisten:/' "$work/registry.yaml"
$fabric registry serve --config "$work/registry.yaml" > "$work/serve-nocache.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q '^grpc ' "$work/serve-nocache.log" && break; sleep 0.1; done
http="$(awk '/^http /{print $2}' "$work/serve-nocache.log")"
echo "wrk -t2 -c64 -d${duration}s --latency, small symbols, memory cache off"
IDS="$work/ids.txt" wrk -t2 -c64 -d"${duration}s" --latency -s "$work/ids.lua" "${http%/}" | grep -E 'Requests/sec|Latency|50%|90%|99%|requests in'
