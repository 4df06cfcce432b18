#!/bin/bash
# run.sh — the CPU a server that does nothing but answer costs per request over loopback TCP
# (user and kernel time from /proc/<pid>/stat), for a node and a Go floor server in
# alternating rounds under the same node client. See README.md.
#
#   bench/floor/run.sh echo [rounds]     # or conc, fan
set -euo pipefail
mode=${1:-echo}
rounds=${2:-3}
secs=5
here=$(cd "$(dirname "$0")" && pwd)
bin=$(mktemp -d)/floor
trap 'rm -rf "$(dirname "$bin")"' EXIT
(cd "$here" && go build -o "$bin" .)

measure() { # label mode command...
  local label=$1 m=$2; shift 2
  local port=$((56500 + RANDOM % 1000))
  "$@" --port $port &
  local pid=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
  read -r u0 s0 < <(awk '{print $14, $15}' /proc/$pid/stat)
  local ops; ops=$(node "$here/client.js" --port $port --mode "$m" --seconds $secs | sed 's/[^0-9]//g')
  read -r u1 s1 < <(awk '{print $14, $15}' /proc/$pid/stat)
  kill $pid; wait $pid 2>/dev/null || true
  awk -v l="$label" -v n="$ops" -v s=$secs -v u=$((u1-u0)) -v k=$((s1-s0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {
    printf "| %-14s | %8.0f | %8.2f | %8.2f | %8.2f |\n", l, n/s, u*1e6/hz/n, k*1e6/hz/n, (u+k)*1e6/hz/n }'
}

echo "| $mode server | ops/s | user µs/op | kernel µs/op | total µs/op |"
echo "|---|---|---|---|---|"
for _ in $(seq "$rounds"); do
  if [ "$mode" = fan ]; then
    measure node fan node "$here/server.js" --mode fan
    measure go fan "$bin" -mode fan
  elif [ "$mode" = conc ]; then
    measure node conc node "$here/server.js" --mode echo
    measure go conc "$bin" -mode echo
  else
    measure node echo node "$here/server.js" --mode echo
    measure go echo "$bin" -mode echo
    measure go-blocking echo "$bin" -mode echo-block
  fi
done
