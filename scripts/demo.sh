#!/usr/bin/env bash
# Starts a demo cluster (3 node JVMs) behind the gateway and prints how to attach a debugger.
# Extra arguments go to 'jdwp-gateway demo' (e.g. --nodes 2 --listen 127.0.0.1:5006).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prerequisites.sh
dotnet build Gateway/Gateway.csproj -c Release -v quiet -nologo >/dev/null
exec dotnet Gateway/bin/Release/net10.0/jdwp-gateway.dll demo "$@"
