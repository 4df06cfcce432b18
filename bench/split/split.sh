#!/bin/bash
# split.sh — where a server's CPU goes per operation: user and kernel time (from
# /proc/<pid>/stat) and the system calls it makes (perf stat tracepoints, when perf can
# attach), for happn-3 13.12.1 and the Go server, one after the other, under the same
# happn-3 node client (load.js).
#
#   bench/split/split.sh conc-set [/tmp/happn-go]     # or seq-get, seq-set
set -euo pipefail
case=${1:-conc-set}
bin=${2:-/tmp/happn-go}
here=$(cd "$(dirname "$0")" && pwd)
secs=7
calls='write writev read epoll_pwait futex'

measure() { # label pid port
  local label=$1 pid=$2 port=$3 events="" c
  for c in $calls; do events+="syscalls:sys_enter_$c,"; done
  local out; out=$(mktemp)
  # perf counts 3 s in the middle of the run; the rates are scaled to ops by time.
  ( sleep 2; perf stat -x, -e "${events%,}" -t "$(ls /proc/$pid/task | paste -sd,)" -o "$out" -- sleep 3 2>/dev/null ) &
  local perfjob=$!
  read -r u0 s0 < <(awk '{print $14, $15}' /proc/$pid/stat)
  local ops; ops=$(node "$here/load.js" --port "$port" --case "$case" --seconds $secs | awk '{print $2}')
  read -r u1 s1 < <(awk '{print $14, $15}' /proc/$pid/stat)
  wait $perfjob || true
  local hz; hz=$(getconf CLK_TCK)
  awk -v l="$label" -v n="$ops" -v s=$secs -v u=$((u1-u0)) -v k=$((s1-s0)) -v hz="$hz" 'BEGIN {
    printf "%-8s %8.0f ops/s  user %6.2f µs/op  kernel %6.2f µs/op", l, n/s, u*1e6/hz/n, k*1e6/hz/n }'
  # perf -x, lines: count,,event,...; per op = count / (3 s of ops/s)
  awk -F, -v n="$ops" -v s=$secs 'index($3, "sys_enter_") { sub(/.*sys_enter_/, "", $3); if ($1 ~ /^[0-9]+$/) printf "  %s %.2f", $3, $1/(3*n/s) } END { print "" }' "$out"
  rm -f "$out"
}

port=$((56100 + RANDOM % 500))
node "$here/../../compat/reference-server.js" --port $port >/dev/null 2>&1 &
ref=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
measure happn-3 $ref $port
kill $ref; wait $ref 2>/dev/null || true

port=$((port + 1))
"$bin" -addr 127.0.0.1:$port -data :memory: -log-level warn &
go=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
measure go $go $port
kill $go; wait $go 2>/dev/null || true
