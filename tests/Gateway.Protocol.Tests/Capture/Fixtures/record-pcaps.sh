#!/usr/bin/env bash
# Re-records the pcap/pcapng fixtures of tests/Gateway.Protocol.Tests/Capture with tshark on the loopback interface
# while a real jdb drives one JVM of the demo app directly (no gateway in between):
#   jdb-lo.pcapng    tshark -i lo  (Ethernet link type), pcapng, IPv4
#   jdb-any.pcap     tshark -i any (Linux cooked capture), classic pcap, IPv4
#   jdb-ipv6.pcapng  tshark -i lo, pcapng, the JVM listening on [::1]
# Needs: tshark (apt-get install tshark, answering "no" to non-root capture), a JDK 17 with jdb, root (to capture),
# and the demo classes (run the tests or `dotnet run --project Gateway -- demo` once to build them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
classes="$root/artifacts/demo-classes/jdk17/classes"
[ -d "$classes" ] || { echo "demo classes missing at $classes: build them first" >&2; exit 1; }
line=$(grep -n "@bp:process-entry" "$root/demo/cluster/src/fabric/demo/OrderService.java" | cut -d: -f1)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# record NAME INTERFACE FORMAT AGENT_HOST ATTACH_ARGS... (PORT in an argument is replaced by the JDWP port)
record() {
  local name=$1 iface=$2 format=$3 host=$4; shift 4
  local port app
  port=$(free_port); app=$(free_port)
  # The node exits when its stdin closes: feed it from a fifo held open by fd 3 until the recording is done.
  rm -f "$work/$name.in"; mkfifo "$work/$name.in"
  java -agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address="$host:$port" -cp "$classes" \
    fabric.demo.DemoNode --name node-a --port "$app" < "$work/$name.in" > "$work/$name.jvm.log" 2>&1 &
  local jvm=$!
  exec 3> "$work/$name.in"
  for _ in $(seq 50); do grep -q "ready" "$work/$name.jvm.log" && break; sleep 0.2; done
  tshark -q -i "$iface" -F "$format" -f "tcp port $port" -w "$work/$name" > "$work/$name.tshark.log" 2>&1 &
  local shark=$!
  for _ in $(seq 50); do grep -q "Capturing on" "$work/$name.tshark.log" && break; sleep 0.2; done
  sleep 1
  # A few commands: threads, a breakpoint hit, where, locals, print, cont, exit.
  { echo threads; sleep 2; echo "stop at fabric.demo.OrderService:$line"; sleep 5; echo where; sleep 1
    echo locals; sleep 1; echo "print order.id"; sleep 1; echo "clear fabric.demo.OrderService:$line"; sleep 1
    echo cont; sleep 1; echo exit; } | timeout 60 jdb "${@//PORT/$port}" > "$work/$name.jdb.log" 2>&1 || true
  sleep 2
  kill -INT $shark; wait $shark || true
  exec 3>&-
  wait $jvm || true
  grep -q "Breakpoint hit" "$work/$name.jdb.log" || { echo "$name: jdb did not hit the breakpoint:" >&2; cat "$work/$name.jdb.log" >&2; exit 1; }
  # tshark sometimes starts capturing late on its first run: a capture without the session is retried.
  if [ "$(stat -c %s "$work/$name")" -lt 20000 ]; then
    echo "$name: capture too small ($(stat -c %s "$work/$name") bytes), recording again" >&2
    record "$name" "$iface" "$format" "$host" "$@"
    return
  fi
  cp "$work/$name" "$here/$name"
  chmod 644 "$here/$name"
  echo "$name: $(stat -c %s "$here/$name") bytes"
}

record jdb-lo.pcapng lo pcapng 127.0.0.1 -attach 127.0.0.1:PORT
record jdb-any.pcap any pcap 127.0.0.1 -attach 127.0.0.1:PORT
record jdb-ipv6.pcapng lo pcapng "[::1]" -connect com.sun.jdi.SocketAttach:hostname=::1,port=PORT
