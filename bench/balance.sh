#!/usr/bin/env bash
# Balance: how gunicorn's gthread workers share keep-alive connections.
# Every worker accepts from the one listening socket whether or not it has a
# free thread (benoitc/gunicorn#3433, #908, #1364), and a keep-alive
# connection stays with the worker that accepted it. The ALB keeps its
# connections to a target open and reuses them, as wrk does here, so how the
# connections land decides how many of the task's workers serve requests.
#
# For each configuration, TRIALS times: start gunicorn (app/gunicorn.conf.py,
# pinned to CPU 0 as a 1-vCPU task), open CONNS keep-alive connections with
# wrk on GET /api/notes/, and halfway through count the established
# connections per worker pid (ss -tnp). The table gives the counts, busiest
# first, and the busiest worker's share. Throughput is printed for reference
# only: this script does not pin away other load (see bench/app.sh for that).
#
# Usage: bash bench/balance.sh [-trials N] [-connections N] [-configs "3x2 1x4"]
# Needs root and 2 CPUs. Writes bench/results/balance.md and the
# bench:balance part of README.md.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TRIALS=5 CONNS=32 CONFIGS="3x2 5x4 1x4"
ARGS="$*"
while (($#)); do
  case $1 in
    -trials) TRIALS=$2; shift ;;
    -connections) CONNS=$2; shift ;;
    -configs) CONFIGS=$2; shift ;;
    -h | -help | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "balance.sh: unknown argument $1 (try -help)" >&2; exit 2 ;;
  esac
  shift
done

bench_need_root
bench_need_cpus 2
bench_ensure_debs python3-django gunicorn python3-whitenoise python3-psycopg2 postgresql wrk curl iproute2
bench_init balance
LOAD_START="$(bench_loadavg)"
bench_pg_start 1
bench_app_prepare 300

ROWS="$BENCH_WORK/rows.md"
: >"$ROWS"
for cfg in $CONFIGS; do
  workers=${cfg%x*} threads=${cfg#*x}
  for ((trial = 1; trial <= TRIALS; trial++)); do
    port="$(bench_free_port)"
    bench_gunicorn_start "balance-$cfg-$trial" 0 "$port" "WEB_CONCURRENCY=$workers" "GUNICORN_THREADS=$threads"
    bench_wait_healthy "$port" 60 || bench_die "gunicorn $cfg not healthy: $(tail -n 20 "$BENCH_WORK/gunicorn-balance-$cfg-$trial.log")"
    taskset -c 1 wrk -t1 -c "$CONNS" -d 4s -H "Host: $BENCH_HOST" -H "X-Forwarded-Proto: https" \
      "http://127.0.0.1:$port/api/notes/" >"$BENCH_WORK/wrk.txt" &
    wrk_pid=$!
    bench_track_pid "$wrk_pid"
    sleep 2
    # Established connections on the port, by the pid that holds them; a
    # worker holding none is counted as 0.
    counts="$(ss -tnpH state established "( sport = :$port )" | grep -o 'pid=[0-9]*' | sort | uniq -c | awk '{print $1}' | sort -rn)"
    wait "$wrk_pid"
    held=$(wc -l <<<"$counts")
    for ((i = held; i < workers; i++)); do counts+=$'\n0'; done
    rps="$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$BENCH_WORK/wrk.txt")"
    awk -v cfg="$cfg" -v trial="$trial" -v rps="$rps" -v conns="$CONNS" '
      { c[NR] = $1; total += $1 }
      END {
        list = c[1]; for (i = 2; i <= NR; i++) list = list " / " c[i]
        printf "| gthread %s | %d | %s | %.0f %% | %s |\n", cfg, trial, list, 100 * c[1] / (total ? total : 1), rps
      }' <<<"$counts" | tee -a "$ROWS" >&2
    bench_stop_group "$BENCH_GUNICORN_PID" 35
  done
done

RESULT="$BENCH_RESULTS/balance.md"
{
  echo "# Connections per gunicorn worker"
  echo
  echo "- command: \`bash bench/balance.sh $ARGS\`"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(bench_machine)"
  echo "- load average (1, 5, 15 min): $LOAD_START at the start, $(bench_loadavg) at the end"
  echo "- each trial: a fresh gunicorn on CPU 0, \`wrk -t1 -c $CONNS -d 4s\` on \`GET /api/notes/\`, established connections per worker counted after 2 s"
  echo
  echo "| configuration | trial | connections per worker, busiest first | busiest worker's share | req/s (unpinned, reference only) |"
  echo "|---|---|---|---|---|"
  cat "$ROWS"
} >"$RESULT"
{
  echo "**Connections per worker** (\`bash bench/balance.sh $ARGS\`, $(date -u '+%Y-%m-%d'); $CONNS keep-alive connections, details in [bench/results/balance.md](bench/results/balance.md)):"
  echo
  echo "| configuration | trial | connections per worker, busiest first | busiest worker's share | req/s (unpinned, reference only) |"
  echo "|---|---|---|---|---|"
  cat "$ROWS"
} >"$BENCH_WORK/readme.md"
bench_readme_block balance "$BENCH_WORK/readme.md"
bench_log "results in $RESULT"
