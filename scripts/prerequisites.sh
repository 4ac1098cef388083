#!/usr/bin/env bash
# Installs what the demo and the tests need, if missing: the .NET 10 SDK is expected on the machine;
# a JDK 17 with jdb and Eclipse's JDI come from Debian's packages; so do the PostgreSQL server binaries and node/npm
# that the registry's scale-out storage tests start (s3rver is installed from npm into .tools/s3rver).
# With --demo, only what the demo needs (the SDK check and a JDK 17 with jdb).
set -euo pipefail
demo_only=
if [ "${1:-}" = "--demo" ]; then demo_only=1; fi

need_apt=()
if ! command -v dotnet >/dev/null 2>&1; then
  echo "prerequisites: the .NET 10 SDK is required (https://dot.net); 'dotnet' is not on PATH" >&2
  exit 1
fi
if [ ! -x /usr/lib/jvm/java-17-openjdk-amd64/bin/jdb ] && ! command -v jdb >/dev/null 2>&1; then
  need_apt+=(openjdk-17-jdk-headless)
fi
if [ -n "$demo_only" ]; then
  if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    echo "prerequisites: installing ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
  fi
  exit 0
fi

# Eclipse's JDI (what Eclipse and VS Code debug with), run outside OSGi by the JDI client tests.
if [ ! -f /usr/share/java/eclipse-jdt-debug.jar ]; then
  need_apt+=(libeclipse-jdt-debug-java)
fi
if [ ! -f /usr/share/java/eclipse-osgi.jar ]; then
  need_apt+=(libeclipse-osgi-java)
fi

# The registry's scale-out storage tests run their own PostgreSQL (initdb/pg_ctl) and s3rver (node).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need_apt+=(postgresql)
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  need_apt+=(nodejs npm)
fi

# The registry's symbolizer and closure tests read real Debian JARs (a multi-release one, one that needs another)
# and compare entries with unzip's.
for pkg_jar in libcommons-lang3-java:commons-lang3.jar libcommons-io-java:commons-io.jar libcommons-cli-java:commons-cli.jar \
  libguava-java:guava.jar libguice-java:guice.jar libplexus-utils2-java:plexus-utils2.jar libmaven-resolver-java:maven-resolver-util.jar; do
  if [ ! -f "/usr/share/java/${pkg_jar#*:}" ]; then
    need_apt+=("${pkg_jar%%:*}")
  fi
done
# The registry benchmark (bench/registry/run-registry-bench.sh) loads the server with wrk.
if ! command -v wrk >/dev/null 2>&1; then
  need_apt+=(wrk)
fi
if ! command -v unzip >/dev/null 2>&1; then
  need_apt+=(unzip)
fi

# Temurin 25 runs one node of the mixed-JDK tests (JDK 17 and 25 nodes in one virtual VM); Adoptium's apt repository
# installs it at /usr/lib/jvm/temurin-25-jdk-amd64, where the tests look for it.
need_temurin=
if [ ! -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
  need_temurin=1
fi

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
if [ -n "$need_temurin" ]; then
  echo "prerequisites: installing temurin-25-jdk from Adoptium's apt repository"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wget gpg ca-certificates
  $SUDO install -d -m 0755 /etc/apt/keyrings
  wget -qO - https://packages.adoptium.net/artifactory/api/gpg/key/public | gpg --dearmor | $SUDO tee /etc/apt/keyrings/adoptium.gpg >/dev/null
  echo "deb [signed-by=/etc/apt/keyrings/adoptium.gpg] https://packages.adoptium.net/artifactory/deb $(. /etc/os-release && echo "$VERSION_CODENAME") main" \
    | $SUDO tee /etc/apt/sources.list.d/adoptium.list >/dev/null
  need_apt+=(temurin-25-jdk)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "prerequisites: installing ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

# s3rver: an S3-compatible server for the scale-out blob store tests, kept in the repository's .tools/ (git-ignored).
s3rver_version=3.7.1
root=$(cd "$(dirname "$0")/.." && pwd)
if ! grep -qs "\"version\": \"$s3rver_version\"" "$root/.tools/s3rver/node_modules/s3rver/package.json"; then
  echo "prerequisites: installing s3rver $s3rver_version into .tools/s3rver"
  mkdir -p "$root/.tools/s3rver"
  npm install --prefix "$root/.tools/s3rver" --no-audit --no-fund --loglevel=error "s3rver@$s3rver_version"
fi
