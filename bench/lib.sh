# Shared helpers for the benchmark scripts (sourced, not run).

# need installs the Debian packages that provide the given commands.
need() {
	local missing=()
	for pair in "$@"; do
		command -v "${pair%%:*}" >/dev/null || missing+=("${pair##*:}")
	done
	[ ${#missing[@]} -eq 0 ] && return
	echo "bench: installing ${missing[*]}" >&2
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# wait_http URL: poll until URL answers 200 (10 s at most).
wait_http() {
	for _ in $(seq 1 100); do
		curl -fs -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "bench: $1 did not answer" >&2
	return 1
}

# tree_rss_kb PID: resident memory of PID and all its descendants, in KiB.
tree_rss_kb() {
	local total=0 pid
	for pid in $1 $(pgrep -P "$1" 2>/dev/null); do
		total=$((total + $(awk '/^VmRSS/ {print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)))
	done
	echo "$total"
}

# median: the median of the numbers on stdin.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
