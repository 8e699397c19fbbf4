#!/usr/bin/env bash
# What massive costs market-redis over a simulated session (issue 7 items 1 and 7): bytes per
# second published per symbol (heatmap model, diffs, replay) and on every channel, market-redis
# used_memory over time, the replay stream's length — and, from the very same diffs, what the
# previous scheme would have cost (the model SET with every diff, every diff kept in a
# MAXLEN ~50000 replay stream). Results: bench/README.md.
#
#   bench/market_budget.sh [--speed 60] [--minutes 7] [--sample 10] [--bin build/release/marketswarm]
#
# Runs the real processes on loopback ports it finds free: two redis-servers (market; system +
# intel), `marketswarm sim` (09:30 of a fixed Thursday, the default rate) and `marketswarm
# massive`, both from the truth of this checkout. Everything it starts is stopped by PID when it
# ends; its files live in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."

speed=60 minutes=7 sample=10 bin=build/release/marketswarm
while (($#)); do
  case "$1" in
    --speed) speed=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --sample) sample=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "usage: $0 [--speed N] [--minutes M] [--sample S] [--bin PATH]" >&2; exit 2 ;;
  esac
done
[[ -x $bin ]] || { echo "market_budget: $bin is not built (make build-release)" >&2; exit 1; }
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || { echo "market_budget: needs redis-server and redis-cli" >&2; exit 1; }

tmp=$(mktemp -d /tmp/ms-budget.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo "market_budget: no free port" >&2; exit 1
}
wait_port() {  # port, what
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return
    sleep 0.1
  done
  echo "market_budget: $2 did not listen on $1" >&2; exit 1
}
http_get() {  # port path
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
  cat <&3
  exec 3<&-
}

market_port=$(free_port) system_port=$(free_port) sim_port=$(free_port) ops_port=$(free_port)
for bus in market system; do
  port_var=${bus}_port
  mkdir -p "$tmp/$bus"
  redis-server --port "${!port_var}" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp/$bus" \
    >"$tmp/$bus.log" 2>&1 &
  pids+=($!)
  wait_port "${!port_var}" "redis ($bus)"
done

"$bin" truth build --dir truth --out "$tmp/truth.json" >/dev/null
export MS_BUS_SYSTEM_REDIS_URL=redis://127.0.0.1:$system_port
export MS_BUS_INTEL_REDIS_URL=redis://127.0.0.1:$system_port
export MS_BUS_MARKET_REDIS_URL=redis://127.0.0.1:$market_port
export MS_SIM_PORT=$sim_port MS_MASSIVE_PORT=$ops_port MS_DATA_DIR=$tmp
unset MASSIVE_API_KEY
"$bin" sim --truth "$tmp/truth.json" --port "$sim_port" --speed "$speed" --first-session 2026-03-05 \
  --start-offset 0m >"$tmp/sim.log" 2>&1 &
pids+=($!)
wait_port "$sim_port" simulator

# Every message on every massive channel, counted per channel (payload bytes).
redis-cli -p "$market_port" --raw psubscribe 'massive:*' 2>/dev/null |
  awk '$0 == "pmessage" { state = 1; next }
       state == 1 { state = 2; next }
       state == 2 { ch = $0; state = 3; next }
       state == 3 { bytes[ch] += length($0); msgs[ch]++; state = 0 }
       END { for (c in bytes) printf "%s %d %d\n", c, bytes[c], msgs[c] }' >"$tmp/channels.txt" &
counter_pid=$!

"$bin" massive --truth "$tmp/truth.json" >"$tmp/massive.log" 2>&1 &
massive_pid=$!
pids+=("$massive_pid")
wait_port "$ops_port" massive

metric() {  # body name{labels}
  awk -v k="$2" 'index($0, k " ") == 1 { print $2; found = 1 } END { if (!found) print 0 }' <<<"$1"
}
rcli() { redis-cli -p "$market_port" "$@"; }

start=$(date +%s)
end=$((start + $(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')))
printf '%8s %-8s %-6s %12s %10s %10s\n' wall_s clock phase used_memory spx_replay ndx_replay
peak=0
while (($(date +%s) < end)); do
  sleep "$sample"
  mem=$(rcli info memory | awk -F: '/^used_memory:/ { print $2 + 0 }')
  ((mem > peak)) && peak=$mem
  clock=$(rcli get massive:clock || true)
  hhmm=$(sed -n 's/.*"ts_ms":\([0-9]*\).*/\1/p' <<<"$clock")
  [[ -n $hhmm ]] && hhmm=$(TZ=America/New_York date -d "@$((hhmm / 1000))" +%H:%M)
  phase=$(sed -n 's/.*"phase":"\([a-z_]*\)".*/\1/p' <<<"$clock")
  printf '%8d %-8s %-6s %12d %10s %10s\n' $(($(date +%s) - start)) "${hhmm:--}" "${phase:--}" "$mem" \
    "$(rcli xlen massive:heatmap:replay:I:SPX)" "$(rcli xlen massive:heatmap:replay:I:NDX)"
done
elapsed=$(($(date +%s) - start))
body=$(http_get "$ops_port" /metrics)
keys=$(rcli --scan | sort | while read -r k; do printf '%-48s %10s bytes\n' "$k" "$(rcli memory usage "$k" samples 0)"; done)
kill "$massive_pid"
wait "$massive_pid" 2>/dev/null || true
kill "${pids[0]}"  # market-redis: the subscriber's connection ends and the counter prints its totals
wait "$counter_pid" 2>/dev/null || true
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=()

echo
echo "speed ${speed}x, ${elapsed} s of wall time; market-redis peak used_memory $peak bytes ($((peak >> 20)) MiB)"
echo
echo "heatmap, per symbol: bytes per wall second written now, and by the previous scheme from the same"
echo "diffs (the model SET with every diff; every diff kept in a MAXLEN ~50000 stream, i.e. all of them"
echo "for the first ~3.5 hours at 4 publications per second):"
printf '| %-6s | %9s | %11s | %11s | %11s | %13s | %14s | %15s |\n' symbol diffs/s "diff B/s" "model B/s" "replay kept" "model B/s, before" "replay, before" "replay/s, before"
total_before_replay=0 total_kept=0
for sym in I:SPX I:NDX; do
  l="service=\"massive\",symbol=\"$sym\""
  model_bytes=$(metric "$body" "marketswarm_massive_heatmap_bytes_total{$l,kind=\"model\"}")
  diff_bytes=$(metric "$body" "marketswarm_massive_heatmap_bytes_total{$l,kind=\"diff\"}")
  model_sets=$(metric "$body" "marketswarm_massive_heatmap_writes_total{$l,kind=\"model\"}")
  diff_count=$(metric "$body" "marketswarm_massive_heatmap_writes_total{$l,kind=\"diff\"}")
  kept=$(metric "$body" "marketswarm_massive_heatmap_replay_bytes{$l}")
  total_before_replay=$(awk -v a="$total_before_replay" -v b="$diff_bytes" 'BEGIN { printf "%.0f", a + b }')
  total_kept=$(awk -v a="$total_kept" -v b="$kept" 'BEGIN { printf "%.0f", a + b }')
  awk -v sym="$sym" -v mb="$model_bytes" -v db="$diff_bytes" -v ms="$model_sets" -v dc="$diff_count" -v kept="$kept" -v t="$elapsed" 'BEGIN {
    mean_model = ms > 0 ? mb / ms : 0
    printf "| %-6s | %9.2f | %11.0f | %11.0f | %11.0f | %13.0f | %14.0f | %15.0f |\n", sym, dc / t, db / t, mb / t, kept, dc * mean_model / t, db, db / t
  }'
done
echo
awk -v peak="$peak" -v kept="$total_kept" -v before="$total_before_replay" 'BEGIN {
  printf "market-redis peak now: %.1f MiB; the previous scheme after the same time (derived: now - replay kept + every diff): %.1f MiB\n", peak / 1048576, (peak - kept + before) / 1048576
}'
echo
echo "every channel (bytes per wall second, messages per second):"
sort "$tmp/channels.txt" | awk -v t="$elapsed" '{ printf "  %-44s %12.0f B/s %8.1f msg/s\n", $1, $2 / t, $3 / t }'
echo
echo "keys at the end (MEMORY USAGE):"
sed 's/^/  /' <<<"$keys" | head -80
