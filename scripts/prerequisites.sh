#!/usr/bin/env bash
# Installs what the demo and the tests need, if missing: the .NET 10 SDK is expected on the machine;
# a JDK 17 with jdb and Eclipse's JDI come from Debian's packages.
set -euo pipefail

need_apt=()
if ! command -v dotnet >/dev/null 2>&1; then
  echo "prerequisites: the .NET 10 SDK is required (https://dot.net); 'dotnet' is not on PATH" >&2
  exit 1
fi
if [ ! -x /usr/lib/jvm/java-17-openjdk-amd64/bin/jdb ] && ! command -v jdb >/dev/null 2>&1; then
  need_apt+=(openjdk-17-jdk-headless)
fi
# Eclipse's JDI (what Eclipse and VS Code debug with), run outside OSGi by the JDI client tests.
if [ ! -f /usr/share/java/eclipse-jdt-debug.jar ]; then
  need_apt+=(libeclipse-jdt-debug-java)
fi
if [ ! -f /usr/share/java/eclipse-osgi.jar ]; then
  need_apt+=(libeclipse-osgi-java)
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
