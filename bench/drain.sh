#!/usr/bin/env bash
# Drain: does a rolling replacement of the app, as ECS does it behind the
# ALB, lose requests? nginx stands in for the ALB:
#   - upstream keepalive pool (keepalive 128, proxy_http_version 1.1,
#     Connection ""), idle timeout to the upstream 60 s (keepalive_timeout
#     60s in the upstream block), as the ALB's idle timeout;
#   - no retry of a failed upstream request (proxy_next_upstream off): the
#     ALB does not retry either, its client sees the 502;
#   - loopback ports only.
# The replacement, as ECS does it: start a new gunicorn (B) on another port,
# wait until its /healthz answers 200, switch nginx's upstream to B (reload:
# the ALB registers B and deregisters A), wait the deregistration delay, then
# SIGTERM A's master (what ECS sends, through the task's init process).
#
# Load: wrk, 64 connections in waves. Every connection sends one request,
# then all of them pause the same time, so each wave of 64 requests reuses
# the 64 upstream connections nginx pooled in the wave before, after they sat
# idle for the pause. The pauses (1 to 3 s, cycling) straddle gunicorn's
# default keepalive (2 s), so pooled connections are reused just as gunicorn
# times them out: the ALB's keep-alive race, which needs connections idle
# longer than gunicorn's keepalive and then reused. A steady stream would
# reuse only the few most recent connections (nginx's pool is LIFO) and
# hardly ever show it. Clients send "Connection: close", so nginx's reload
# never closes a client's idle keep-alive connection under it: every error
# counted is between the load balancer and gunicorn.
#
# Scenarios: the shipped chain (GUNICORN_KEEPALIVE 75 > idle 60,
# GUNICORN_GRACEFUL_TIMEOUT 25 < stopTimeout 30) and gunicorn's defaults
# (keepalive 2, graceful_timeout 30); both 2 workers x 4 threads gthread (what shipped for 1 vCPU when it was measured), the
# rest of app/gunicorn.conf.py as shipped (max_requests 0: no recycling); and
# the shipped chain with worker recycling (max_requests 1000 and 50), which
# drops requests on kept-alive connections. Pinning: gunicorn A and B on CPU 0;
# nginx, wrk and PostgreSQL on CPU 1.
#
# Usage: bash bench/drain.sh [-quick]
#   default: 10 s of load before the switch, the shipped 30 s deregistration
#   delay, 10 s after SIGTERM (about 5 minutes for the four rows)
#   -quick:  5 s, 5 s, 5 s
# Needs root and 2 CPUs; installs nginx-light, wrk, PostgreSQL 15 and the
# app's Debian packages when missing. Writes bench/results/drain.md and the
# bench:drain part of README.md. Exits 1 when the shipped configuration
# fails any request.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PRE=10 DEREG=30 POST=10 CONNS=64
ARGS="$*"
while (($#)); do
  case $1 in
    -quick) PRE=5 DEREG=5 POST=5 ;;
    -h | -help | --help) sed -n '2,/^# shellcheck source-path/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "drain.sh: unknown argument $1 (try -help)" >&2; exit 2 ;;
  esac
  shift
done
APP_CPU=0 LB_CPU=1

bench_need_root
bench_need_cpus 2
bench_ensure_debs python3-django gunicorn python3-whitenoise python3-psycopg2 postgresql wrk nginx-light curl
bench_init drain
LOAD_START="$(bench_loadavg)"
bench_pg_start "$LB_CPU"
bench_app_prepare 300

NGX="$BENCH_WORK/nginx"
mkdir -p "$NGX/tmp"
LB_PORT="$(bench_free_port)"

cat >"$BENCH_WORK/waves.lua" <<'LUA'
-- Waves: each connection's k-th request waits pauses[k], so all connections
-- fire together and pause together (one thread, calls counted per wave).
local conns, calls = 64, 0
local pauses = { 1000, 2100, 2300, 2500, 2700, 2900 }
init = function(args) conns = tonumber(args[1]) or conns end
delay = function()
  calls = calls + 1
  return pauses[math.floor(calls / conns) % #pauses + 1]
end
LUA
printf '%s\n' "$BENCH_WRK_REPORT" >>"$BENCH_WORK/waves.lua"

# nginx_conf SCENARIO writes the load balancer's configuration; its upstream
# server comes from upstream.conf, which switch_to rewrites.
nginx_conf() {
  cat >"$NGX/nginx.conf" <<CONF
daemon off;
worker_processes 1;
user nobody nogroup;
pid $NGX/nginx.pid;
error_log $NGX/error-$1.log warn;
events { worker_connections 1024; }
http {
  log_format lb '\$msec \$status \$upstream_addr \$upstream_status \$request_time';
  access_log $NGX/access-$1.log lb;
  client_body_temp_path $NGX/tmp/body;
  proxy_temp_path $NGX/tmp/proxy;
  fastcgi_temp_path $NGX/tmp/fastcgi;
  uwsgi_temp_path $NGX/tmp/uwsgi;
  scgi_temp_path $NGX/tmp/scgi;
  upstream app {
    include $NGX/upstream.conf;
    keepalive 128;            # idle connections pooled per worker, as the ALB reuses them
    keepalive_timeout 60s;    # the ALB's idle timeout
  }
  server {
    listen 127.0.0.1:$LB_PORT;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $BENCH_HOST;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_next_upstream off;  # the ALB does not retry a failed request
      proxy_read_timeout 60s;
    }
  }
}
CONF
}

# switch_to PORT points the upstream at 127.0.0.1:PORT.
switch_to() { echo "server 127.0.0.1:$1 max_fails=0;" >"$NGX/upstream.conf"; }

now() { printf '%s\n' "$EPOCHREALTIME"; }

RESULTS=()

# scenario NAME KEEPALIVE GRACEFUL MAXREQ runs one rolling replacement under
# load; MAXREQ is GUNICORN_MAX_REQUESTS (0, as shipped, never recycles).
scenario() {
  local name=$1 keepalive=$2 graceful=$3 maxreq=$4
  local port_a port_b pid_a pid_b nginx_pid wrk_pid t0 t_switch t_term t_exit out line
  local -a env=(WEB_CONCURRENCY=2 GUNICORN_THREADS=4 "GUNICORN_KEEPALIVE=$keepalive" "GUNICORN_GRACEFUL_TIMEOUT=$graceful"
    "GUNICORN_MAX_REQUESTS=$maxreq" "GUNICORN_MAX_REQUESTS_JITTER=$((maxreq / 10))")
  bench_log "scenario $name: keepalive $keepalive s, graceful timeout $graceful s, max_requests $maxreq"
  port_a="$(bench_free_port)"
  bench_gunicorn_start "$name-a" "$APP_CPU" "$port_a" "${env[@]}"
  pid_a=$BENCH_GUNICORN_PID
  bench_wait_healthy "$port_a" 60 || bench_die "gunicorn A not healthy: $(tail -n 20 "$BENCH_WORK/gunicorn-$name-a.log")"
  switch_to "$port_a"
  nginx_conf "$name"
  taskset -c "$LB_CPU" setsid nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/error-$name.log" &
  nginx_pid=$!
  bench_track "$nginx_pid"
  bench_wait_healthy "$LB_PORT" 10 || bench_die "nginx not up: $(cat "$NGX/error-$name.log")"

  t0="$(now)"
  taskset -c "$LB_CPU" wrk -t1 -c "$CONNS" -d "$((PRE + DEREG + POST + 5))s" --timeout 30s -H "Connection: close" \
    -s "$BENCH_WORK/waves.lua" "http://127.0.0.1:$LB_PORT/api/notes/" -- "$CONNS" >"$BENCH_WORK/wrk-$name.out" 2>&1 &
  wrk_pid=$!
  bench_track_pid "$wrk_pid"
  sleep "$PRE"

  # ECS: start the new task, wait for its health check, register it and
  # deregister the old one, wait the deregistration delay, stop the old one.
  port_b="$(bench_free_port)"
  bench_gunicorn_start "$name-b" "$APP_CPU" "$port_b" "${env[@]}"
  pid_b=$BENCH_GUNICORN_PID
  bench_wait_healthy "$port_b" 60 || bench_die "gunicorn B not healthy: $(tail -n 20 "$BENCH_WORK/gunicorn-$name-b.log")"
  switch_to "$port_b"
  kill -HUP "$nginx_pid"
  t_switch="$(now)"
  sleep "$DEREG"
  t_term="$(now)"
  kill -TERM "$pid_a"
  while kill -0 "$pid_a" 2>/dev/null; do sleep 0.1; done
  t_exit="$(now)"
  wait "$wrk_pid" || true
  bench_stop_group "$nginx_pid" 10
  bench_stop_group "$pid_b" 35
  bench_stop_group "$pid_a" 1

  out="$(cat "$BENCH_WORK/wrk-$name.out")"
  line="$(grep '^BENCH ' <<<"$out")" || bench_die "wrk printed no result: $out"
  local requests duration p50 p99 status connect read write timeout
  read -r _ requests duration p50 p99 status connect read write timeout <<<"$line"
  : "$duration" "$p50"
  # nginx's access log: every request, its status and upstream, by phase.
  local counts
  counts="$(awk -v ts="$t_switch" -v tt="$t_term" -v a="127.0.0.1:$port_a" '
    { n++; bad = ($2 < 200 || $2 > 299)
      if (bad) { fail++; if ($1 < ts) pre++; else if ($1 < tt) mid++; else post++ }
      if ($1 >= ts && index($3, a)) toa++ }
    END { printf "%d %d %d %d %d %d\n", n, fail, pre, mid, post, toa }' "$NGX/access-$name.log")"
  local n fail pre mid post toa resets closed
  read -r n fail pre mid post toa <<<"$counts"
  resets="$(grep -c 'reset by peer' "$NGX/error-$name.log" || true)"
  closed="$(grep -c 'prematurely closed' "$NGX/error-$name.log" || true)"
  local stop_s
  stop_s="$(awk -v a="$t_term" -v b="$t_exit" 'BEGIN { printf "%.1f", b - a }')"
  bench_log "$name: $n requests through nginx, $fail failed ($pre before the switch, $mid during the delay, $post after SIGTERM); wrk: $requests responses, $status non-2xx, socket errors $connect/$read/$write/$timeout"
  local recycled
  recycled="$(cat "$BENCH_WORK/gunicorn-$name-a.log" "$BENCH_WORK/gunicorn-$name-b.log" | grep -c 'Autorestarting worker' || true)"
  RESULTS+=("| $name | $keepalive | $graceful | $maxreq ($recycled) | $n | $fail | $pre / $mid / $post | $resets / $closed | $status | $((connect + read + write + timeout)) | $toa | $stop_s | $p99 |")
  # nginx logs every request wrk sees as non-2xx; socket errors are not in it.
  if [[ $name == shipped ]]; then
    SHIPPED_FAILED=$((fail + connect + read + write + timeout))
    SHIPPED_RECYCLED=$recycled
  fi
  : "$t0"
}

SHIPPED_FAILED=0 SHIPPED_RECYCLED=0
START=$SECONDS
# As app/gunicorn.conf.py ships it: the timeout chain, no worker recycling.
scenario shipped 75 25 0
# gunicorn's own defaults: keepalive 2 s, graceful 30 s, no recycling.
scenario defaults 2 30 0
# The shipped chain with the recycling the image shipped before (1000), and
# with workers recycled every ~50 requests, so a worker's replacement by
# max_requests happens during the test.
scenario recycling-1000 75 25 1000
scenario recycling 75 25 50
LOAD_END="$(bench_loadavg)"
TOOK=$((SECONDS - START))

COMMAND="bash bench/drain.sh${ARGS:+ $ARGS}"
TABLE="$(
  echo "| chain | keepalive s | graceful s | max_requests (workers recycled) | requests (nginx log) | failed (non-2xx at nginx) | failed before switch / during delay / after SIGTERM | nginx: reset by peer / prematurely closed | wrk non-2xx | wrk socket errors | requests to A after the switch | A's exit after SIGTERM, s | p99 ms |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${RESULTS[@]}"
)"
VERDICT="The shipped configuration failed no request."
if ((SHIPPED_FAILED > 0)); then
  VERDICT="**The shipped configuration FAILED $SHIPPED_FAILED requests**, with $SHIPPED_RECYCLED worker(s) recycled by max_requests during its run: see the recycling rows."
fi

mkdir -p "$BENCH_RESULTS"
{
  echo "# Drain"
  echo
  echo "- command: \`$COMMAND\` (took ${TOOK}s)"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(bench_machine)"
  echo "- load average (1, 5, 15 min): $LOAD_START at the start, $LOAD_END at the end"
  echo "- versions: gunicorn $(dpkg-query -W -f='${Version}' gunicorn), nginx $(dpkg-query -W -f='${Version}' nginx-light), wrk $(dpkg-query -W -f='${Version}' wrk)"
  echo "- timeline per chain: ${PRE}s of load on A; B started, healthy, nginx switched to B (reload); ${DEREG}s deregistration delay; SIGTERM to A's master; ${POST}s more"
  echo "- load: \`wrk -t1 -c $CONNS -H 'Connection: close'\` in waves through nginx to \`GET /api/notes/\`, pauses of 1.0 to 3.0 s between waves (bench/drain.sh explains why)"
  echo "- nginx as the ALB: upstream keepalive 128 with keepalive_timeout 60s, HTTP/1.1 with Connection \"\", proxy_next_upstream off"
  echo
  echo "$TABLE"
  echo
  echo "$VERDICT"
} >"$BENCH_RESULTS/drain.md"

{
  echo "**Drain** (\`$COMMAND\`, $(date -u '+%Y-%m-%d'), load average $LOAD_START -> $LOAD_END; nginx as the ALB, rolling replacement under waves of keep-alive reuse; details in [bench/results/drain.md](bench/results/drain.md)):"
  echo
  echo "$TABLE"
  echo
  echo "$VERDICT"
} >"$BENCH_WORK/readme.md"
bench_readme_block drain "$BENCH_WORK/readme.md"

echo
echo "$TABLE"
echo
echo "$VERDICT"
((SHIPPED_FAILED == 0))
