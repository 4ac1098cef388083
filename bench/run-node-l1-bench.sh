#!/usr/bin/env bash
# The node agent's L1 hit time (issue 6: "L1 hit < 5 µs"): SymbolResolver.resolve of a class held in the memory
# cache, against HashMap.get of the same IDs in the same run. Usage: bench/run-node-l1-bench.sh [JAVA_HOME]
set -euo pipefail
cd "$(dirname "$0")/.."
jdk="${1:-/usr/lib/jvm/java-17-openjdk-amd64}"
dotnet build -c Release Fabric.Runtime/Fabric.Runtime.csproj -nologo -v q >/dev/null
agent=Fabric.Runtime/bin/Release/net10.0/fabric-node.jar
out="$(mktemp -d /tmp/node-l1-bench.XXXXXX)"
trap 'rm -rf "$out"' EXIT
"$jdk/bin/javac" -d "$out" -cp "$agent" bench/fabric-node-l1/fabric/node/L1Bench.java
"$jdk/bin/java" -version 2>&1 | head -1
"$jdk/bin/java" -cp "$out:$agent" fabric.node.L1Bench
