# shellcheck shell=bash
# Shared helpers of the bench/ scripts: sourced, never run. They follow
# scripts/test-app.sh's approach (Debian packages, a throwaway PostgreSQL 15
# cluster on a loopback port, gunicorn as nobody on a root-owned copy of the
# app) and add what benchmarks need: CPU pinning with taskset, process
# groups that a trap stops, memory sampling from /proc and the results files.
#
# Every process the scripts start is recorded in BENCH_GROUPS (process group
# ids), in BENCH_PIDS (single processes) or in the PostgreSQL data directory,
# and bench_cleanup (the EXIT trap bench_init installs) stops exactly those,
# never anything by name.

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_RESULTS="$BENCH_ROOT/bench/results"
BENCH_PY=/usr/bin/python3
BENCH_PG_BIN=/usr/lib/postgresql/15/bin
BENCH_HOST=api.example.test
BENCH_NAME=bench
BENCH_WORK=""
BENCH_PGDATA=""
BENCH_GROUPS=()
BENCH_PIDS=()

bench_log() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
bench_die() {
  bench_log "$*"
  exit 1
}

# bench_init NAME makes the work directory and installs the traps.
bench_init() {
  BENCH_NAME=$1
  BENCH_WORK="$(mktemp -d "/tmp/bench-$BENCH_NAME.XXXXXX")"
  chmod 755 "$BENCH_WORK"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# bench_track PID records a process group (its leader's pid) to stop on exit.
bench_track() { BENCH_GROUPS+=("$1"); }

# bench_track_pid PID records a single process (a background subshell of the
# script, e.g. a sampler or wrk) to stop on exit.
bench_track_pid() { BENCH_PIDS+=("$1"); }

# bench_stop_group PID [SECONDS] sends TERM to a process group, waits up to
# SECONDS (default 35: gunicorn's graceful timeout fits) and then KILLs it.
bench_stop_group() {
  local pid=$1 wait=${2:-35} i
  kill -TERM -- "-$pid" 2>/dev/null || return 0
  for ((i = 0; i < wait * 10; i++)); do
    kill -0 -- "-$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
}

bench_cleanup() {
  local status=$? pid
  set +e
  trap - EXIT INT TERM
  for pid in "${BENCH_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${BENCH_GROUPS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  if [[ -n "$BENCH_PGDATA" && -f "$BENCH_PGDATA/postmaster.pid" ]]; then
    runuser -u postgres -- "$BENCH_PG_BIN/pg_ctl" -D "$BENCH_PGDATA" -m immediate -w stop >/dev/null 2>&1
  fi
  for pid in "${BENCH_GROUPS[@]}"; do bench_stop_group "$pid" 5; done
  if [[ -n "$BENCH_WORK" && -z "${BENCH_KEEP:-}" ]]; then
    rm -rf "$BENCH_WORK"
  elif [[ -n "$BENCH_WORK" ]]; then
    bench_log "kept $BENCH_WORK (BENCH_KEEP is set)"
  fi
  exit "$status"
}

# bench_need_root exits unless root: the scripts install Debian packages and
# run PostgreSQL as the postgres user.
bench_need_root() {
  [[ "$(id -u)" -eq 0 ]] || {
    bench_log "run as root: it installs Debian packages and runs PostgreSQL as the postgres user"
    exit 2
  }
}

# bench_ensure_debs PKG... installs the Debian packages that are missing. On
# a machine without a policy-rc.d that denies service starts, installing
# nginx starts the system nginx on port 80: it is stopped again, since these
# scripts run their own on loopback.
bench_ensure_debs() {
  local pkg missing=() had_nginx=0
  for pkg in "$@"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" != "installed" ]]; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} > 0)) || return 0
  [[ -f /run/nginx.pid ]] && had_nginx=1
  bench_log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if ((!had_nginx)) && [[ -f /run/nginx.pid ]]; then
    bench_log "stopping the system nginx the package started"
    /usr/sbin/nginx -s quit 2>/dev/null || true
  fi
}

# bench_free_port prints a free TCP port on 127.0.0.1.
bench_free_port() {
  "$BENCH_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bench_loadavg prints the 1, 5 and 15 minute load averages.
bench_loadavg() {
  local one five fifteen _
  read -r one five fifteen _ </proc/loadavg
  printf '%s %s %s\n' "$one" "$five" "$fifteen"
}

# bench_machine prints one line describing this machine.
bench_machine() {
  local model
  model="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  printf '%s, %s CPUs, %s MiB RAM, Linux %s\n' "${model:-unknown CPU}" "$(nproc --all)" \
    "$(awk '/^MemTotal/ {printf "%d", $2 / 1024}' /proc/meminfo)" "$(uname -r)"
}

# bench_need_cpus N exits unless CPUs 0..N-1 exist (taskset pins to them).
bench_need_cpus() {
  (($(nproc --all) >= $1)) || bench_die "needs $1 CPUs to pin the app, the load generator and the database apart; this machine has $(nproc --all)"
}

# bench_pg_start CPU starts PostgreSQL 15 in the work directory, pinned to
# CPU, on a loopback port, creates the role and database app, and starts the
# Secrets Manager stand-in (internal/tools/fakesecrets, also on CPU) holding
# the app's login as the secret "app": the app reads its credentials from
# Secrets Manager as on ECS (production refuses DB_PASSWORD). Sets
# BENCH_PGPORT and BENCH_SECRETS_ADDR. fsync is off: the benchmarks measure
# the app server, not the disk of this machine.
bench_pg_start() {
  local cpu=$1
  BENCH_PGPORT="$(bench_free_port)"
  local password
  password="$("$BENCH_PY" -c 'import secrets; print(secrets.token_urlsafe(24))')"
  BENCH_PGDATA="$BENCH_WORK/pg/data"
  mkdir -p "$BENCH_WORK/pg/sock"
  chown -R postgres:postgres "$BENCH_WORK/pg"
  runuser -u postgres -- "$BENCH_PG_BIN/initdb" -D "$BENCH_PGDATA" -U postgres \
    --auth-local=peer --auth-host=scram-sha-256 -E UTF8 >"$BENCH_WORK/initdb.log" 2>&1 \
    || { cat "$BENCH_WORK/initdb.log" >&2; exit 1; }
  cat >>"$BENCH_PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $BENCH_PGPORT
unix_socket_directories = '$BENCH_WORK/pg/sock'
max_connections = 200
fsync = off
synchronous_commit = off
CONF
  # The postmaster inherits the affinity, and every backend it forks too.
  taskset -c "$cpu" runuser -u postgres -- "$BENCH_PG_BIN/pg_ctl" -D "$BENCH_PGDATA" \
    -l "$BENCH_WORK/pg/server.log" -w start >/dev/null \
    || { cat "$BENCH_WORK/pg/server.log" >&2; exit 1; }
  runuser -u postgres -- psql -q -h "$BENCH_WORK/pg/sock" -p "$BENCH_PGPORT" -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE app LOGIN PASSWORD '$password'" \
    -c "CREATE DATABASE app OWNER app" >/dev/null
  (cd "$BENCH_ROOT" && go build -o "$BENCH_WORK/" ./internal/tools/fakesecrets) || bench_die "cannot build fakesecrets"
  (umask 077 && PASSWORD="$password" "$BENCH_PY" -c '
import json, os
print(json.dumps({"app": json.dumps({"username": "app", "password": os.environ["PASSWORD"]})}))' >"$BENCH_WORK/secrets-seed.json")
  taskset -c "$cpu" "$BENCH_WORK/fakesecrets" -addr 127.0.0.1:0 -seed "$BENCH_WORK/secrets-seed.json" \
    >"$BENCH_WORK/fakesecrets.addr" 2>"$BENCH_WORK/fakesecrets.log" &
  bench_track_pid $!
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s "$BENCH_WORK/fakesecrets.addr" ]] && break
    sleep 0.1
  done
  BENCH_SECRETS_ADDR="$(head -1 "$BENCH_WORK/fakesecrets.addr")"
  [[ -n "$BENCH_SECRETS_ADDR" ]] || bench_die "fakesecrets did not start: $(cat "$BENCH_WORK/fakesecrets.log")"
  rm -f "$BENCH_WORK/secrets-seed.json"
  bench_log "postgresql on 127.0.0.1:$BENCH_PGPORT, Secrets Manager stand-in on $BENCH_SECRETS_ADDR, CPU $cpu"
}

# bench_app_env prints, one per line, the environment the ECS service gives
# the container (app/tests/support.py's service_env), pointed at the local
# database. No media bucket: no endpoint measured here touches S3.
bench_app_env() {
  printf '%s\n' \
    PATH=/usr/bin:/bin LANG=C.UTF-8 HOME=/tmp TMPDIR=/tmp \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    "DJANGO_SECRET_KEY=$BENCH_SECRET_KEY" \
    "DJANGO_ALLOWED_HOSTS=$BENCH_HOST" \
    "DJANGO_CSRF_TRUSTED_ORIGINS=https://$BENCH_HOST" \
    DB_HOST=127.0.0.1 "DB_PORT=$BENCH_PGPORT" DB_NAME=app \
    DB_SECRET_ARN=app AWS_REGION=eu-west-1 "AWS_ENDPOINT_URL_SECRETS_MANAGER=http://$BENCH_SECRETS_ADDR" \
    AWS_ACCESS_KEY_ID=bench-not-a-key AWS_SECRET_ACCESS_KEY=bench-not-a-secret \
    DB_SSLMODE=disable HEALTH_CHECK_PATH=/healthz
}

# bench_app_prepare NOTES copies app/ into the work directory (root-owned,
# like the image), collects static files, migrates and seeds NOTES notes.
bench_app_prepare() {
  local notes=$1 env
  BENCH_SECRET_KEY="$("$BENCH_PY" -c 'import secrets; print(secrets.token_urlsafe(64))')"
  BENCH_APP="$BENCH_WORK/app"
  BENCH_RUN="$BENCH_WORK/run"
  mkdir -p "$BENCH_APP" "$BENCH_RUN"
  chown nobody:nogroup "$BENCH_RUN"
  tar -C "$BENCH_ROOT/app" --exclude=__pycache__ --exclude=./staticfiles --exclude=./media --exclude=./tests -cf - . \
    | tar -C "$BENCH_APP" -xf -
  mapfile -t env < <(bench_app_env)
  (cd "$BENCH_APP" && env -i "${env[@]}" "$BENCH_PY" manage.py collectstatic --noinput >/dev/null) \
    || bench_die "collectstatic failed"
  (cd "$BENCH_APP" && env -i "${env[@]}" "$BENCH_PY" manage.py migrate --noinput >/dev/null) \
    || bench_die "migrate failed"
  (cd "$BENCH_APP" && env -i "${env[@]}" "$BENCH_PY" manage.py shell -c "
from notes.models import Note
Note.objects.bulk_create(Note(title=f'note {i}', body='lorem ipsum dolor sit amet ' * 8) for i in range($notes))
") || bench_die "seeding failed"
  bench_log "app copied to $BENCH_APP, $notes notes seeded"
}

# bench_gunicorn_start NAME CPU PORT [VAR=VALUE...] starts gunicorn with
# app/gunicorn.conf.py as nobody, pinned to CPU, on 127.0.0.1:PORT, in its
# own process group, with the service's environment plus VAR=VALUE. Sets
# BENCH_GUNICORN_PID (the master's pid, also its process group id).
# GUNICORN_CMD_ARGS in the extra variables is appended to the bind and pid
# arguments (gunicorn applies it over the config file).
bench_gunicorn_start() {
  local name=$1 cpu=$2 port=$3 env extra=() cmd_args="" kv
  shift 3
  for kv in "$@"; do
    if [[ "$kv" == GUNICORN_CMD_ARGS=* ]]; then
      cmd_args=" ${kv#GUNICORN_CMD_ARGS=}"
    else
      extra+=("$kv")
    fi
  done
  mapfile -t env < <(bench_app_env)
  env+=("${extra[@]}" "GUNICORN_CMD_ARGS=--bind 127.0.0.1:$port --pid $BENCH_RUN/$name.pid$cmd_args")
  # setsid makes the master a process group leader (no fork: the subshell
  # is not one); setpriv drops to nobody without forking, like USER 10001.
  (cd "$BENCH_APP" && exec taskset -c "$cpu" setsid setpriv --reuid=65534 --regid=65534 --clear-groups \
    env -i "${env[@]}" "$BENCH_PY" -m gunicorn -c gunicorn.conf.py config.wsgi:application \
    >"$BENCH_WORK/gunicorn-$name.log" 2>&1) &
  BENCH_GUNICORN_PID=$!
  bench_track "$BENCH_GUNICORN_PID"
}

# bench_wait_healthy PORT [SECONDS] waits until /healthz on PORT answers 200,
# as the ALB health check and ECS wait for a new task.
bench_wait_healthy() {
  local port=$1 wait=${2:-60} i code
  for ((i = 0; i < wait * 10; i++)); do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/healthz" || true)"
    [[ "$code" == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

# bench_cpu_ticks MASTER prints the CPU time (utime + stime, clock ticks) of
# gunicorn MASTER and its current workers.
bench_cpu_ticks() {
  local master=$1 pid total=0 stat
  local -a kids f
  kids=()
  read -ra kids 2>/dev/null <"/proc/$master/task/$master/children" || true
  for pid in "$master" "${kids[@]}"; do
    read -r stat 2>/dev/null <"/proc/$pid/stat" || continue
    read -ra f <<<"${stat##*) }"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}

# bench_wait_idle MASTER [SECONDS] waits until gunicorn MASTER and its
# workers use less than 20 % of a CPU over half a second: every worker has
# booted (imported Django), so a measurement does not pay for boots. Gives
# up after SECONDS (default 30).
bench_wait_idle() {
  local master=$1 wait=${2:-30} hz a b i
  hz="$(getconf CLK_TCK)"
  for ((i = 0; i < wait * 2; i++)); do
    a="$(bench_cpu_ticks "$master")"
    sleep 0.5
    b="$(bench_cpu_ticks "$master")"
    ((b - a < hz / 10)) && return 0
  done
  return 1
}

# bench_memsample MASTER OUT [INTERVAL] runs in the background until killed
# and keeps OUT holding "peak_worker_rss_kb peak_total_rss_kb
# peak_total_pss_kb workers_seen": the largest VmHWM (peak RSS) of any worker
# of gunicorn MASTER, and the largest sum over master and workers of RSS and
# of PSS (shared pages counted once, what the task's memory limit sees),
# sampled every INTERVAL seconds (default 0.5) from /proc. Workers recycled
# by max_requests are caught at their last sample.
bench_memsample() {
  local master=$1 out=$2 interval=${3:-0.5}
  local peak_worker=0 peak_rss=0 peak_pss=0 pid key value _ rss pss hwm
  local -a kids
  local -A seen=()
  while :; do
    rss=0 pss=0
    kids=()
    read -ra kids 2>/dev/null <"/proc/$master/task/$master/children" || true
    for pid in "$master" "${kids[@]}"; do
      hwm=0
      while read -r key value _; do
        case $key in
          VmRSS:) rss=$((rss + value)) ;;
          VmHWM:) hwm=$value ;;
        esac
      done 2>/dev/null <"/proc/$pid/status" || continue
      while read -r key value _; do
        [[ $key == Pss: ]] && pss=$((pss + value))
      done 2>/dev/null <"/proc/$pid/smaps_rollup" || true
      if [[ $pid != "$master" ]]; then
        seen[$pid]=1
        ((hwm > peak_worker)) && peak_worker=$hwm
      fi
    done
    ((rss > peak_rss)) && peak_rss=$rss
    ((pss > peak_pss)) && peak_pss=$pss
    printf '%d %d %d %d\n' "$peak_worker" "$peak_rss" "$peak_pss" "${#seen[@]}" >"$out.tmp" && mv "$out.tmp" "$out"
    sleep "$interval"
  done
}

# bench_readme_block NAME FILE replaces the part of README.md between
# "<!-- bench:NAME -->" and "<!-- /bench:NAME -->" (inside the "<!-- bench -->"
# ... "<!-- /bench -->" block) with FILE's contents; a missing part is added
# at the end of the block, in the order the scripts first ran.
bench_readme_block() {
  local name=$1 file=$2 readme="$BENCH_ROOT/README.md" tmp
  if ! grep -qx '<!-- bench -->' "$readme" || ! grep -qx '<!-- /bench -->' "$readme"; then
    bench_log "README.md lacks the <!-- bench --> ... <!-- /bench --> lines; results are in $BENCH_RESULTS"
    return 0
  fi
  tmp="$(mktemp)"
  awk -v name="$name" -v file="$file" '
    function emit(  line) {
      print "<!-- bench:" name " -->"
      while ((getline line < file) > 0) print line
      close(file)
      print "<!-- /bench:" name " -->"
      done = 1
    }
    $0 == "<!-- bench:" name " -->" { skip = 1; next }
    skip && $0 == "<!-- /bench:" name " -->" { skip = 0; emit(); next }
    skip { next }
    $0 == "<!-- /bench -->" && !done { emit() }
    { print }
  ' "$readme" >"$tmp"
  cat "$tmp" >"$readme"
  rm -f "$tmp"
  bench_log "README.md: bench:$name block updated"
}

# BENCH_WRK_REPORT is a wrk Lua done() hook that prints one machine-readable
# line: "BENCH requests duration_us p50_ms p99_ms status connect read write
# timeout" (the scripts grep '^BENCH ').
# shellcheck disable=SC2034 # used by the scripts that source this file
BENCH_WRK_REPORT='done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %.2f %.2f %d %d %d %d %d\n",
    summary.requests, summary.duration, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect, e.read, e.write, e.timeout))
end'
