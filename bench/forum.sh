#!/usr/bin/env bash
# The forum benchmark (issue 3): wrk -t2 -c64 on /api/users against
#   plain      a plain net/http + encoding/json server (bench/plainserver), no log
#   forum w0   forum -workers 0 (one process)
#   forum w2   forum -workers 2 (master + two workers)
# with the access log on (written to a file: the default settings) and off.
# The servers run side by side and are measured in interleaved rounds, so
# noise on a shared machine hits every peer alike; each figure is the median
# of ROUNDS runs of DURATION. Ratios are against the plain server's median.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
need wrk:wrk curl:curl

tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

go build -o "$tmp/forum" ./cmd/forum
go build -o "$tmp/plain" ./bench/plainserver

names=(plain w0-log w2-log w0-nolog w2-nolog)
declare -A port cmd
port[plain]=3201; port[w0-log]=3202; port[w2-log]=3203; port[w0-nolog]=3204; port[w2-nolog]=3205
"$tmp/plain" -addr 127.0.0.1:3201 -data internal/forum/store/db.json 2>/dev/null & pids+=($!); cmd[plain]=$!
"$tmp/forum" -workers 0 -addr 127.0.0.1:3202 >"$tmp/w0.log" 2>/dev/null & pids+=($!); cmd[w0-log]=$!
"$tmp/forum" -workers 2 -addr 127.0.0.1:3203 >"$tmp/w2.log" 2>/dev/null & pids+=($!); cmd[w2-log]=$!
"$tmp/forum" -workers 0 -access-log=false -addr 127.0.0.1:3204 2>/dev/null & pids+=($!); cmd[w0-nolog]=$!
"$tmp/forum" -workers 2 -access-log=false -addr 127.0.0.1:3205 2>/dev/null & pids+=($!); cmd[w2-nolog]=$!
for n in "${names[@]}"; do wait_http "http://127.0.0.1:${port[$n]}/api/users"; done

for n in "${names[@]}"; do # warm up
	wrk -t2 -c64 -d1s "http://127.0.0.1:${port[$n]}/api/users" >/dev/null
done
for r in $(seq 1 "$ROUNDS"); do
	for n in "${names[@]}"; do
		wrk -t2 -c64 -d"$DURATION" --latency -s bench/wrk-report.lua "http://127.0.0.1:${port[$n]}/api/users" |
			awk '/^RESULT/ {print $2, $3, $4, $5, $6}' >>"$tmp/$n.res"
		tree_rss_kb "${cmd[$n]}" >>"$tmp/$n.rss"
	done
done

base=$(cut -d' ' -f1 "$tmp/plain.res" | median)
echo "## forum: wrk -t2 -c64 -d$DURATION /api/users, median of $ROUNDS interleaved rounds ($(nproc) cores)"
echo
echo "| server | access log | req/s | vs plain | p50 ms | p99 ms | errors | RSS MiB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for n in "${names[@]}"; do
	rps=$(cut -d' ' -f1 "$tmp/$n.res" | median)
	p50=$(cut -d' ' -f2 "$tmp/$n.res" | median)
	p99=$(cut -d' ' -f3 "$tmp/$n.res" | median)
	errs=$(awk '{s+=$4+$5} END {print s}' "$tmp/$n.res")
	rss=$(median <"$tmp/$n.rss")
	case $n in
	plain) label="plain net/http + encoding/json"; log=none ;;
	w0-*) label="forum -workers 0" ;;&
	w2-*) label="forum -workers 2 (master + 2)" ;;&
	*-log) log="on, to a file" ;;
	*-nolog) log=off ;;
	esac
	printf '| %s | %s | %.0f | %.2fx | %.2f | %.2f | %d | %.1f |\n' "$label" "$log" "$rps" \
		"$(echo "$rps $base" | awk '{print $1/$2}')" "$p50" "$p99" "$errs" "$(echo "$rss" | awk '{print $1/1024}')"
done
