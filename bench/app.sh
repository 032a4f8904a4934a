#!/usr/bin/env bash
# App throughput: the reference API under gunicorn with app/gunicorn.conf.py,
# swept over worker class, workers and threads, on a database-bound endpoint
# (the notes list, 300 notes seeded) and on the health check.
#
# Pinning (taskset), as a 1-vCPU Fargate task sees it:
#   CPU 0  gunicorn, master and workers: the task's one vCPU
#   CPU 1  wrk, the memory sampler and PostgreSQL. In AWS the database runs
#          on another machine (RDS), so its CPU must not be charged to the
#          task's vCPU; wrk and PostgreSQL use a fraction of CPU 1 at these
#          rates, so neither limits the app.
# Sweep: sync with 1..5 workers (sync ignores threads: one run each) and
# gthread with 1..5 workers x 1..4 threads; 5 = 4 x CPU + 1 is past the
# seed's (2 x vCPU) + 1 the service uses. Each point: WARMUP s of load, discarded,
# then DURATION s measured by wrk -t1 with a fixed 32 connections: the same
# closed-loop offered load for every configuration (so latencies compare),
# and more than the largest concurrency swept (5 x 4 = 20), so every point
# measures a saturated server, the capacity a task has before autoscaling.
# The shipped configuration (what DjangoService sets for cpu 1024:
# WEB_CONCURRENCY = GunicornWorkers(1024) = 3, GUNICORN_THREADS 2, gthread,
# max_requests 0 as app/gunicorn.conf.py ships it) is compared with the best
# point; one extra point runs it with GUNICORN_MAX_REQUESTS=1000 to price
# worker recycling.
#
# Usage: bash bench/app.sh [-quick] [-points LIST] [-repeat N] [-duration S] [-warmup S] [-connections N]
#   -quick   workers 1,3,5 x threads 1,2,4, 4 s points with 1 s warm-up
#   -points  only these gthread points, e.g. "3x2 3x4 5x4" (plus the shipped one)
#   -repeat  measure every point N times; the tables show the median req/s
# Full run: about 10 minutes. Needs root and 2 CPUs; installs wrk,
# PostgreSQL 15 and the app's Debian packages when missing. Writes
# bench/results/app.md and app.csv and the bench:app part of README.md.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QUICK=0 DURATION=8 WARMUP=2 CONNS=32 REPEAT=1 POINTS=""
ARGS="$*"
while (($#)); do
  case $1 in
    -quick) QUICK=1 DURATION=4 WARMUP=1 ;;
    -duration) DURATION=$2; shift ;;
    -warmup) WARMUP=$2; shift ;;
    -connections) CONNS=$2; shift ;;
    -points) POINTS=$2; shift ;;
    -repeat) REPEAT=$2; shift ;;
    -h | -help | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "app.sh: unknown argument $1 (try -help)" >&2; exit 2 ;;
  esac
  shift
done

APP_CPU=0 LOAD_CPU=1 NOTES=300
# The shipped configuration, as components.GunicornWorkers and
# DjangoService's defaults compute it for a 1024-unit (1 vCPU) task.
SHIPPED_CPU=1024
SHIPPED_WORKERS=$((2 * SHIPPED_CPU / 1024 + 1))
((SHIPPED_WORKERS < 2)) && SHIPPED_WORKERS=2
SHIPPED_THREADS=2
SHIPPED_MAXREQ=0   # app/gunicorn.conf.py's default
RECYCLE_MAXREQ=1000
if ((QUICK)); then
  WORKERS=(1 3 5) THREADS=(1 2 4)
else
  WORKERS=(1 2 3 4 5) THREADS=(1 2 3 4)
fi

bench_need_root
bench_need_cpus 2
bench_ensure_debs python3-django gunicorn python3-whitenoise python3-psycopg2 postgresql wrk curl
bench_init app
LOAD_START="$(bench_loadavg)"
bench_pg_start "$LOAD_CPU"
bench_app_prepare "$NOTES"

# wrk prints one machine-readable line at the end.
printf '%s\n' "$BENCH_WRK_REPORT" >"$BENCH_WORK/report.lua"

CSV="$BENCH_WORK/app.csv"
echo "endpoint,class,workers,threads,max_requests,rps,p50_ms,p99_ms,non2xx,socket_errors,socket_c_r_w_t,peak_worker_rss_mib,peak_total_pss_mib,load1" >"$CSV"

# point ENDPOINT PATH PORT CLASS WORKERS THREADS MAXREQ measures one point.
point() {
  local endpoint=$1 path=$2 port=$3 class=$4 workers=$5 threads=$6 maxreq=$7
  local load1 out line mem sampler
  local -a wrk=(taskset -c "$LOAD_CPU" wrk -t1 -c "$CONNS" --timeout 10s
    -H "Host: $BENCH_HOST" -H "X-Forwarded-Proto: https" -H "X-Forwarded-For: 198.51.100.7")
  read -r load1 _ </proc/loadavg
  "${wrk[@]}" -d "${WARMUP}s" "http://127.0.0.1:$port$path" >/dev/null
  mem="$BENCH_WORK/mem"
  rm -f "$mem"
  bench_memsample "$BENCH_GUNICORN_PID" "$mem" &
  sampler=$!
  bench_track_pid "$sampler"
  taskset -p -c "$LOAD_CPU" "$sampler" >/dev/null
  out="$("${wrk[@]}" -d "${DURATION}s" -s "$BENCH_WORK/report.lua" "http://127.0.0.1:$port$path")"
  kill "$sampler" 2>/dev/null
  wait "$sampler" 2>/dev/null || true
  line="$(grep '^BENCH ' <<<"$out")" || bench_die "wrk printed no result: $out"
  local requests duration p50 p99 status connect read write timeout w_rss t_rss t_pss _n
  read -r _ requests duration p50 p99 status connect read write timeout <<<"$line"
  read -r w_rss t_rss t_pss _n <"$mem" || { w_rss=0 t_pss=0; }
  : "$t_rss"
  awk -v OFS=, -v e="$endpoint" -v c="$class" -v w="$workers" -v t="$threads" -v m="$maxreq" \
    -v n="$requests" -v d="$duration" -v p50="$p50" -v p99="$p99" -v s="$status" \
    -v se="$((connect + read + write + timeout))" -v sd="$connect/$read/$write/$timeout" -v wr="$w_rss" -v tp="$t_pss" -v l="$load1" \
    'BEGIN { print e, c, w, t, m, sprintf("%.0f", n / (d / 1e6)), p50, p99, s, se, sd, sprintf("%.1f", wr / 1024), sprintf("%.1f", tp / 1024), l }' \
    | tee -a "$CSV" >&2
}

# config CLASS WORKERS THREADS [MAXREQ] starts gunicorn and measures both endpoints.
config() {
  local class=$1 workers=$2 threads=$3 maxreq=${4:-$SHIPPED_MAXREQ} port name
  port="$(bench_free_port)"
  name="$class-$workers-$threads-$maxreq"
  local -a env=("WEB_CONCURRENCY=$workers" "GUNICORN_THREADS=$threads" "GUNICORN_MAX_REQUESTS=$maxreq")
  [[ $class == sync ]] && env+=("GUNICORN_CMD_ARGS=--worker-class sync")
  bench_gunicorn_start "$name" "$APP_CPU" "$port" "${env[@]}"
  bench_wait_healthy "$port" 60 || bench_die "gunicorn $name not healthy: $(tail -n 20 "$BENCH_WORK/gunicorn-$name.log")"
  bench_wait_idle "$BENCH_GUNICORN_PID" 30 || bench_log "gunicorn $name still busy after 30 s; measuring anyway"
  point notes /api/notes/ "$port" "$class" "$workers" "$threads" "$maxreq"
  point health /healthz "$port" "$class" "$workers" "$threads" "$maxreq"
  bench_stop_group "$BENCH_GUNICORN_PID" 35
  rm -f "$BENCH_WORK/gunicorn-$name.log"
}

START=$SECONDS
bench_log "sweep: ${WARMUP}s warm-up + ${DURATION}s per point, $CONNS connections, app on CPU $APP_CPU"
for ((rep = 1; rep <= REPEAT; rep++)); do
  if [[ -n $POINTS ]]; then
    for p in $POINTS "${SHIPPED_WORKERS}x$SHIPPED_THREADS"; do config gthread "${p%x*}" "${p#*x}"; done
  else
    for w in "${WORKERS[@]}"; do config sync "$w" 1; done
    for w in "${WORKERS[@]}"; do
      for t in "${THREADS[@]}"; do config gthread "$w" "$t"; done
    done
  fi
  config gthread "$SHIPPED_WORKERS" "$SHIPPED_THREADS" "$RECYCLE_MAXREQ"
done
LOAD_END="$(bench_loadavg)"
TOOK=$((SECONDS - START))

# --- results ---------------------------------------------------------------
mkdir -p "$BENCH_RESULTS"
cp "$CSV" "$BENCH_RESULTS/app.csv"
VERSIONS="gunicorn $(dpkg-query -W -f='${Version}' gunicorn), Django $(dpkg-query -W -f='${Version}' python3-django), $("$BENCH_PY" --version), PostgreSQL $(dpkg-query -W -f='${Version}' postgresql-15), wrk $(dpkg-query -W -f='${Version}' wrk)"
MODE=full
((QUICK)) && MODE="quick (-quick: workers ${WORKERS[*]}, threads ${THREADS[*]})"

# summary.awk prints the comparison of the shipped point with the best one
# per endpoint, and a LOUD line when shipped is more than 10 % below best on
# the database-bound endpoint. Best = highest req/s among the points with the
# shipped max_requests, errors or not (gthread points share the same
# recycling errors, see bench/README.md).
# shellcheck disable=SC2016 # an awk program: $n are its fields
SUMMARY_AWK='
BEGIN { FS = "," }
NR > 1 && $5 == m {
  key = $1
  if ($6 > best[key]) { best[key] = $6; bestcfg[key] = $2 " " $3 "x" $4; bestp99[key] = $8 }
  if ($2 == "gthread" && $3 == sw && $4 == st) { ship[key] = $6; shipp99[key] = $8; shipmem[key] = $13; shiperr[key] = $9 + $10 }
}
NR > 1 && $5 == rm && $2 == "gthread" && $3 == sw && $4 == st { recycle[$1] = $6 }
END {
  print "| endpoint | best (class workers x threads) | best req/s | shipped (gthread " sw "x" st ") req/s | shipped / best | shipped p99 ms | shipped errors | shipped peak PSS MiB | shipped with max_requests " rm ", req/s |"
  print "|---|---|---|---|---|---|---|---|---|"
  for (i = 1; i <= 2; i++) {
    k = (i == 1) ? "notes" : "health"
    r = best[k] > 0 ? ship[k] / best[k] : 0
    printf "| %s | %s | %d | %d | %.2f | %s | %d | %s | %d |\n", (k == "notes" ? "`GET /api/notes/` (DB)" : "`GET /healthz`"), bestcfg[k], best[k], ship[k], r, shipp99[k], shiperr[k], shipmem[k], recycle[k]
    ratio[k] = r
  }
  print ""
  if (ratio["notes"] < 0.90)
    printf "**WARNING: the shipped formula (gthread, %d workers x %d threads) reaches %.1f %% of the best configuration (%s) on the database-bound endpoint: more than 10 %% below. The formula is NOT changed by this script; decide from these numbers.**\n", sw, st, 100 * ratio["notes"], bestcfg["notes"]
  else
    printf "The shipped formula (gthread, %d workers x %d threads) reaches %.1f %% of the best configuration (%s) on the database-bound endpoint: within 10 %%.\n", sw, st, 100 * ratio["notes"], bestcfg["notes"]
}'
# With -repeat, the summary and the grids read the median req/s of each
# point (and the p99 and memory of the run that gave it); "Every point"
# lists every run.
MEDIAN="$BENCH_WORK/median.csv"
head -n1 "$CSV" >"$MEDIAN"
tail -n +2 "$CSV" | sort -t, -k1,1 -k2,2 -k3,3n -k4,4n -k5,5n -k6,6n |
  awk 'BEGIN { FS = OFS = "," }
    function flush() { if (n) print rows[int((n + 1) / 2)]; n = 0 }
    { key = $1 FS $2 FS $3 FS $4 FS $5; if (key != last) { flush(); last = key } rows[++n] = $0 }
    END { flush() }' >>"$MEDIAN"
SUMMARY="$(awk -v sw="$SHIPPED_WORKERS" -v st="$SHIPPED_THREADS" -v m="$SHIPPED_MAXREQ" -v rm="$RECYCLE_MAXREQ" "$SUMMARY_AWK" "$MEDIAN")"

# grid ENDPOINT prints req/s as workers (rows) x class and threads (columns).
grid() {
  awk -v e="$1" -v m="$SHIPPED_MAXREQ" -v OFS=" | " 'BEGIN { FS = "," }
    NR > 1 && $1 == e && $5 == m { v[$3, ($2 == "sync" ? "s" : $4)] = $6 " (" $8 ")"; W[$3] = 1; if ($2 == "gthread") T[$4] = 1 }
    END {
      h = "| workers | sync"; sep = "|---|---"
      for (t = 1; t <= 8; t++) if (t in T) { h = h " | gthread " t "t"; sep = sep "|---" }
      print h " |"; print sep "|"
      for (w = 1; w <= 16; w++) if (w in W) {
        line = "| " w " | " ((w, "s") in v ? v[w, "s"] : "")
        for (t = 1; t <= 8; t++) if (t in T) line = line " | " ((w, t) in v ? v[w, t] : "")
        print line " |"
      }
    }' "$MEDIAN"
}

COMMAND="bash bench/app.sh${ARGS:+ $ARGS}"
{
  echo "# App throughput"
  echo
  echo "- command: \`$COMMAND\` (mode: $MODE; took ${TOOK}s)"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(bench_machine)"
  echo "- load average (1, 5, 15 min): $LOAD_START at the start, $LOAD_END at the end; load1 per point in the last column"
  echo "- versions: $VERSIONS"
  echo "- pinning: gunicorn on CPU $APP_CPU (a 1-vCPU task); wrk, the sampler and PostgreSQL on CPU $LOAD_CPU"
  echo "- each point: ${WARMUP}s warm-up (discarded), then ${DURATION}s of \`wrk -t1 -c $CONNS --timeout 10s\`; $NOTES notes seeded; \`/api/notes/\` lists the first page (20 note summaries with 200-character excerpts cut by the database, a COUNT and a SELECT); \`/healthz\` is the liveness check, no database query (\`/readyz\` is the one that queries)"
  echo "- errors: non-2xx = responses wrk counts as errors (status >= 400); socket = connect + read + write + timeout errors"
  echo "- memory: peak RSS (VmHWM) of any one worker, and peak PSS summed over master and workers (what the task's memory limit sees), sampled every 0.5 s from /proc"
  echo
  echo "## Shipped against best"
  echo
  echo "$SUMMARY"
  echo
  echo "## req/s (p99 ms) on \`GET /api/notes/\`"
  echo
  grid notes
  echo
  echo "## req/s (p99 ms) on \`GET /healthz\`"
  echo
  grid health
  echo
  echo "## Every point"
  echo
  echo "| endpoint | class | workers | threads | max_requests | req/s | p50 ms | p99 ms | non-2xx | socket errors | connect/read/write/timeout | peak worker RSS MiB | peak total PSS MiB | load1 |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  tail -n +2 "$CSV" | sed 's/,/ | /g; s/^/| /; s/$/ |/'
} >"$BENCH_RESULTS/app.md"

{
  echo "**App throughput** (\`$COMMAND\`, $(date -u '+%Y-%m-%d'), load average $LOAD_START -> $LOAD_END; gunicorn on one pinned CPU as a 1-vCPU task; details in [bench/results/app.md](bench/results/app.md)):"
  echo
  echo "$SUMMARY"
  echo
  echo "req/s (p99 ms) on \`GET /api/notes/\`, ${DURATION}s per point, $CONNS connections:"
  echo
  grid notes
} >"$BENCH_WORK/readme.md"
bench_readme_block app "$BENCH_WORK/readme.md"

echo
echo "$SUMMARY"
echo
echo "app.sh: results in bench/results/app.md and app.csv (${TOOK}s)"
