#!/usr/bin/env bash
# make bench: every benchmark, each printing a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/forum.sh
echo
bash bench/alb.sh
