#!/usr/bin/env bash
# The ALB benchmark (issue 4): two forum backends (forum -workers 0, access
# log off) and, in front of them in turn, each peer with equivalent
# configuration (HTTP/1.1 upstream keep-alive, round robin over both):
#   direct    wrk straight at one backend (no proxy)
#   nginx     nginx, worker_processes 2, upstream keepalive 64
#   haproxy   HAProxy, nbthread 2, http-reuse always
#   alb       this project's ALB data plane (bench/albproxy): one listener,
#             one forward rule, one target group with both backends healthy
#   albstd    the same with -engine std (net/http)
#   albfast   the same with -engine fast (fasthttp)
#   albrules  alb plus -rules $RULES (100) -extra-targets $EXTRA (1000), to
#             compare with alb in the same run
# wrk -t2 -c64 on /api/users; interleaved rounds, medians, ratios against
# nginx. PEERS selects a subset, e.g. PEERS="direct nginx". ALBFLAGS go to
# every alb* peer.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
PEERS=${PEERS:-"direct nginx haproxy alb albrules"}
need wrk:wrk curl:curl nginx:nginx haproxy:haproxy

tmp=$(mktemp -d)
pids=()
cleanup() {
	[ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null
	kill "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/forum" ./cmd/forum
B1=127.0.0.1:3401 B2=127.0.0.1:3402
"$tmp/forum" -workers 0 -access-log=false -addr $B1 2>/dev/null & pids+=($!)
"$tmp/forum" -workers 0 -access-log=false -addr $B2 2>/dev/null & pids+=($!)

declare -A port
port[direct]=3401; port[nginx]=3410; port[haproxy]=3411; port[alb]=3412
port[albstd]=3413; port[albfast]=3414; port[albrules]=3415
declare -A albflags
albflags[alb]=""; albflags[albstd]="-engine std"; albflags[albfast]="-engine fast"
albflags[albrules]="-rules ${RULES:-100} -extra-targets ${EXTRA:-1000}"

for peer in $PEERS; do
	case $peer in
	direct) ;;
	nginx)
		cat >"$tmp/nginx.conf" <<CONF
worker_processes 2;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 4096; }
http {
	access_log off;
	upstream forum { server $B1; server $B2; keepalive 64; }
	server {
		listen 127.0.0.1:${port[nginx]};
		location / {
			proxy_pass http://forum;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
		}
	}
}
CONF
		nginx -c "$tmp/nginx.conf"
		;;
	haproxy)
		cat >"$tmp/haproxy.cfg" <<CONF
global
	nbthread 2
	maxconn 4096
defaults
	mode http
	timeout connect 10s
	timeout client 60s
	timeout server 60s
	option http-keep-alive
	option forwardfor
	http-reuse always
frontend fe
	bind 127.0.0.1:${port[haproxy]}
	default_backend forum
backend forum
	balance roundrobin
	server b1 $B1
	server b2 $B2
CONF
		haproxy -f "$tmp/haproxy.cfg" 2>"$tmp/haproxy.log" & pids+=($!)
		;;
	alb | albstd | albfast | albrules)
		[ -x "$tmp/albproxy" ] || go build -o "$tmp/albproxy" ./bench/albproxy
		# shellcheck disable=SC2086
		"$tmp/albproxy" -addr 127.0.0.1:${port[$peer]} -targets $B1,$B2 ${albflags[$peer]} ${ALBFLAGS:-} 2>"$tmp/$peer.log" & pids+=($!)
		;;
	*) echo "bench: unknown peer $peer" >&2; exit 2 ;;
	esac
done
for peer in $PEERS; do wait_http "http://127.0.0.1:${port[$peer]}/api/users"; done

for peer in $PEERS; do wrk -t2 -c64 -d1s "http://127.0.0.1:${port[$peer]}/api/users" >/dev/null; done
for r in $(seq 1 "$ROUNDS"); do
	for peer in $PEERS; do
		wrk -t2 -c64 -d"$DURATION" --latency -s bench/wrk-report.lua "http://127.0.0.1:${port[$peer]}/api/users" |
			awk '/^RESULT/ {print $2, $3, $4, $5, $6}' >>"$tmp/$peer.res"
	done
done

ref=nginx
case " $PEERS " in *" nginx "*) ;; *) ref=$(echo $PEERS | cut -d' ' -f1) ;; esac
base=$(cut -d' ' -f1 "$tmp/$ref.res" | median)
echo "## alb: two forum backends, wrk -t2 -c64 -d$DURATION /api/users, median of $ROUNDS interleaved rounds ($(nproc) cores)"
echo
echo "| in front of the backends | req/s | vs $ref | p50 ms | p99 ms | errors |"
echo "|---|---:|---:|---:|---:|---:|"
for peer in $PEERS; do
	rps=$(cut -d' ' -f1 "$tmp/$peer.res" | median)
	p50=$(cut -d' ' -f2 "$tmp/$peer.res" | median)
	p99=$(cut -d' ' -f3 "$tmp/$peer.res" | median)
	errs=$(awk '{s+=$4+$5} END {print s}' "$tmp/$peer.res")
	case $peer in
	direct) label="no proxy (one backend)" ;;
	nginx) label="nginx $(nginx -v 2>&1 | sed 's,.*/,,')" ;;
	haproxy) label="HAProxy $(haproxy -v | awk 'NR==1 {print $3}')" ;;
	alb | albstd | albfast | albrules) label="ecslocal ALB ${albflags[$peer]} ${ALBFLAGS:-}" ;;
	esac
	printf '| %s | %.0f | %.2fx | %.2f | %.2f | %d |\n' "$label" "$rps" "$(echo "$rps $base" | awk '{print $1/$2}')" "$p50" "$p99" "$errs"
done
case " $PEERS " in *" alb "*) ;; *) exit 0 ;; esac
case " $PEERS " in
*" albrules "*)
	one=$(cut -d' ' -f1 "$tmp/alb.res" | median)
	many=$(cut -d' ' -f1 "$tmp/albrules.res" | median)
	echo
	echo "$(echo "$many $one" | awk '{printf "%d rules + %d targets vs 1 rule + 2 targets: %.2fx the throughput (target: a cost of at most 5 %%, i.e. >= 0.95x)", '"${RULES:-100}"', '"${EXTRA:-1000}"', $1/$2}')"
	;;
esac
