#!/usr/bin/env bash
# Starts a demo cluster (3 node JVMs) behind the gateway and prints how to attach a debugger.
# Extra arguments go to 'jdwp-gateway demo' (e.g. --nodes 2 --listen 127.0.0.1:5006).
# With --fabric the cluster runs from a fabric registry: the demo app is published to a registry started for the demo,
# the nodes start with 'fabric run --manifest' (no app JAR on them) and the gateway finds them through the registry.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prerequisites.sh --demo
dotnet build Gateway/Gateway.csproj -c Release -v quiet -nologo >/dev/null
for arg in "$@"; do
  if [ "$arg" = "--fabric" ]; then
    dotnet build Fabric.Cli/Fabric.Cli.csproj -c Release -v quiet -nologo >/dev/null
    exec dotnet Gateway/bin/Release/net10.0/jdwp-gateway.dll demo --fabric-cli Fabric.Cli/bin/Release/net10.0/fabric.dll "$@"
  fi
done
exec dotnet Gateway/bin/Release/net10.0/jdwp-gateway.dll demo "$@"
