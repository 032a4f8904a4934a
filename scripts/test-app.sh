#!/usr/bin/env bash
# Tests the reference Django app (app/) for real, on Debian's packages, twice:
# bookworm's Django 3.2, psycopg2 and gunicorn 20.1 (installed) and trixie's
# Django 4.2, psycopg 3 and gunicorn 23 (unpacked into a private prefix, see
# trixie_prefix; TEST_APP_STACKS=bookworm runs one leg), with PostgreSQL 15,
# whitenoise and boto3, plus an in-memory fake S3 (internal/tools/fakes3) and a
# stand-in for the Secrets Manager API (internal/tools/fakesecrets). It
# installs what is missing (apt-get, as root), starts the stand-ins and, per
# leg, a PostgreSQL cluster on loopback ports in a temporary directory, runs
# the unittest suite in app/tests on both legs at the same time (each starts
# and stops gunicorn itself), and stops everything on any exit.
#
# Each leg's cluster is set up as RDS leaves it (leg_services): a master user
# owning the database, the owner and app roles made by the tests'
# provision_db_roles run (CONTRACT-db.md), TLS only. The temporary directory
# is under /var/tmp, so a test can mount another directory over /tmp (the
# Fargate /tmp emulation) without hiding the app.
#
# Usage: bash scripts/test-app.sh [tests.MODULE ...]
#   as root; prints "<stack>: N passed, N failed" per leg, then the total as
#   "N passed, N failed". Naming modules runs only those.
# TEST_APP_SRC=DIR tests another copy of the app (e.g. `git archive` of an
# older commit) with today's tests: how each fix's test was seen failing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
PG_BIN=/usr/lib/postgresql/15/bin
# The background-task test (app/tests/test_worker.py) runs bookworm's Celery
# 5.2 and a private Redis (redis-server, started below, never the system
# service) on both legs.
PACKAGES=(python3-django gunicorn python3-whitenoise python3-psycopg2 python3-boto3 postgresql
  python3-celery python3-redis redis-server)

log() { printf 'test-app: %s\n' "$*" >&2; }

if [[ "$(id -u)" -ne 0 ]]; then
  log "run as root: it installs Debian packages and runs PostgreSQL as the postgres user"
  exit 2
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" != "installed" ]]; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} > 0)); then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in "$PG_BIN/initdb" "$PG_BIN/pg_ctl" go redis-server; do
  command -v "$tool" >/dev/null || { log "missing $tool"; exit 2; }
done

WORK="$(mktemp -d -p /var/tmp test-app.XXXXXX)"
chmod 755 "$WORK"
FAKES3_PID=""
REDIS_PID=""
SERVICE_PIDS=() # the Secrets Manager stand-ins, one per leg
PGDATAS=()      # the PostgreSQL clusters, one per leg
LEG_PIDS=()     # the test runners

cleanup() {
  local status=$?
  set +e
  for pid in "${LEG_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${LEG_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  # gunicorn masters started by the tests write their pid files in each
  # leg's run dir; each master leads its own process group, so its workers
  # go with it.
  local groups=() pid pgdata
  for pidfile in "$WORK"/*/run/*.pid; do
    [[ -f "$pidfile" ]] || continue
    pid="$(cat "$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] && groups+=("$pid")
  done
  for pid in "${groups[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  for pgdata in "${PGDATAS[@]}"; do
    if [[ -f "$pgdata/postmaster.pid" ]]; then
      runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1
    fi
  done
  for pid in "$FAKES3_PID" "$REDIS_PID" "${SERVICE_PIDS[@]}"; do
    [[ -n "$pid" ]] || continue
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${groups[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${groups[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
new_password() { "$PY" -c 'import secrets; print(secrets.token_urlsafe(24))'; }

# wait_addr FILE LOG: the address a stand-in printed on its first line.
wait_addr() {
  local file=$1 errlog=$2
  for _ in $(seq 1 50); do
    [[ -s "$file" ]] && break
    sleep 0.1
  done
  [[ -s "$file" ]] || { cat "$errlog" >&2; return 1; }
  head -n1 "$file"
}

# --- TLS, like RDS ------------------------------------------------------------
# A server certificate from a CA (here a local one, SAN localhost and
# 127.0.0.1) that the app verifies (sslmode verify-full); the clusters take
# no plain TCP connections (rds.force_ssl = 1). A second CA signs nothing:
# the tests use it to show an unverifiable server is refused.
mkdir "$WORK/tls"
(
  cd "$WORK/tls"
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -days 2 -subj "/CN=test-app CA" -keyout ca.key -out ca.pem
  openssl req -x509 "${ec[@]}" -days 2 -subj "/CN=test-app other CA" -keyout other-ca.key -out other-ca.pem
  openssl req "${ec[@]}" -subj "/CN=localhost" -keyout server.key -out server.csr
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile server.ext -out server.crt
) >"$WORK/tls.log" 2>&1 || { cat "$WORK/tls.log" >&2; exit 1; }
chmod 644 "$WORK/tls/ca.pem" "$WORK/tls/other-ca.pem"
chown postgres:postgres "$WORK/tls/server.key" "$WORK/tls/server.crt"
chmod 600 "$WORK/tls/server.key"

# --- the stand-ins: Secrets Manager (one per leg) and S3 (shared) -----------
# Both in one build: one link step less on a busy machine.
(cd "$ROOT" && go build -o "$WORK/" ./internal/tools/fakes3 ./internal/tools/fakesecrets)
"$WORK/fakes3" -addr 127.0.0.1:0 -bucket media-test >"$WORK/fakes3.addr" 2>"$WORK/fakes3.log" &
FAKES3_PID=$!
FAKES3_ADDR="$(wait_addr "$WORK/fakes3.addr" "$WORK/fakes3.log")"
log "fake S3 on $FAKES3_ADDR"

# --- Redis, the broker of the background-task test (shared) -------------------
# Debian's redis-server in the foreground as the redis user, on a loopback
# port of its own, with its files in $WORK and no persistence; each leg uses
# its own database number (LEG_REDIS_DB). The system's redis service, if any,
# is left alone.
REDIS_PORT="$(free_port)"
mkdir -p "$WORK/redis"
chown redis:redis "$WORK/redis" 2>/dev/null || chown nobody:nogroup "$WORK/redis"
redis_user=redis
id -u redis >/dev/null 2>&1 || redis_user=nobody
setpriv --reuid "$redis_user" --regid "$(id -g "$redis_user")" --clear-groups -- redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$WORK/redis" \
  --save '' --appendonly no --daemonize no --logfile "$WORK/redis/redis.log" &
REDIS_PID=$!
for _ in $(seq 1 50); do
  "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$REDIS_PORT" 2>/dev/null && break
  sleep 0.1
done
"$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$REDIS_PORT" \
  || { cat "$WORK/redis/redis.log" >&2; log "redis did not start"; exit 1; }
log "redis on 127.0.0.1:$REDIS_PORT"
LEG_REDIS_DB=0

# leg_services NAME: the leg's own PostgreSQL 15 cluster and Secrets Manager
# stand-in, set up as RDS leaves them: a master user (here a role with
# CREATEROLE and CREATEDB standing in for RDS's rds_superuser member, not a
# superuser) owning the database "app", its password in the "rds-master"
# secret; the "app-owner" and "app" secrets hold the passwords the leg's
# provision_db_roles run gives the owner and app roles (CONTRACT-db.md). Each
# leg has its own, so the legs can run at the same time (the outage test
# stops its cluster; the rotation test changes its secrets). Writes the
# leg's TEST_* variables to $WORK/NAME/env.
leg_services() {
  local name=$1 dir="$WORK/$1" port master_password pgdata secrets_pid secrets_addr
  port="$(free_port)"
  master_password="$(new_password)"
  pgdata="$dir/pg/data"
  mkdir -p "$dir/pg/sock" "$dir/run"
  chmod 755 "$dir"
  chown -R postgres:postgres "$dir/pg"
  chown nobody:nogroup "$dir/run"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$pgdata" -U postgres \
    --auth-local=peer --auth-host=scram-sha-256 -E UTF8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  PGDATAS+=("$pgdata")
  cat >>"$pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/pg/sock'
fsync = off
synchronous_commit = off
ssl = on
ssl_cert_file = '$WORK/tls/server.crt'
ssl_key_file = '$WORK/tls/server.key'
CONF
  cat >"$pgdata/pg_hba.conf" <<HBA
local all all peer
hostssl all all 127.0.0.1/32 scram-sha-256
HBA
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pgdata" -l "$dir/pg/server.log" -w start >/dev/null \
    || { cat "$dir/pg/server.log" >&2; return 1; }
  # The password goes in on stdin, not the command line.
  runuser -u postgres -- psql -q -h "$dir/pg/sock" -p "$port" -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE ROLE master LOGIN CREATEROLE CREATEDB PASSWORD '$master_password';
CREATE DATABASE app OWNER master;
SQL
  (umask 077 && MASTER_PASSWORD="$master_password" OWNER_PASSWORD="$(new_password)" APP_PASSWORD="$(new_password)" \
    "$PY" -c '
import json, os
def login(user, var):
    return json.dumps({"username": user, "password": os.environ[var]})
print(json.dumps({"rds-master": login("master", "MASTER_PASSWORD"),
                  "app-owner": login("app_owner", "OWNER_PASSWORD"),
                  "app": login("app", "APP_PASSWORD")}))' >"$dir/secrets-seed.json")
  "$WORK/fakesecrets" -addr 127.0.0.1:0 -seed "$dir/secrets-seed.json" >"$dir/fakesecrets.addr" 2>"$dir/fakesecrets.log" &
  secrets_pid=$!
  SERVICE_PIDS+=("$secrets_pid")
  secrets_addr="$(wait_addr "$dir/fakesecrets.addr" "$dir/fakesecrets.log")" || return 1
  rm -f "$dir/secrets-seed.json"
  cat >"$dir/env" <<ENV
export TEST_RUN_DIR='$dir/run' TEST_WORK_DIR='$dir' TEST_APP_DIR='$dir/app'
export TEST_PGDATA='$pgdata' TEST_PG_LOG='$dir/pg/server.log' TEST_PG_SOCK='$dir/pg/sock'
export TEST_DB_PORT='$port' TEST_DB_NAME=app TEST_SECRETS_ENDPOINT='http://$secrets_addr'
export TEST_REDIS_URL='redis://127.0.0.1:$REDIS_PORT/$LEG_REDIS_DB'
ENV
  LEG_REDIS_DB=$((LEG_REDIS_DB + 1))
  log "$name: postgresql on 127.0.0.1:$port, Secrets Manager stand-in on $secrets_addr"
}

# --- Debian trixie's Django 4.2, psycopg 3, gunicorn 23 in a private prefix ---
# The image ships Django 5.2, psycopg 3 and gunicorn 23; bookworm has Django
# 3.2, psycopg2 and gunicorn 20.1. The second leg runs the same suite on
# trixie's pure-Python packages, unpacked with dpkg -x into $WORK (nothing
# is installed and no apt state of the system changes) and put first on
# PYTHONPATH. They target Python 3.13 but are pure Python and import under
# this machine's 3.11 (Django 4.2 supports 3.8 to 3.12); libpq comes from
# the system. The archive is the Debian archive this machine's apt is
# configured with; no host name is written here.
TRIXIE_PACKAGES=(python3-django python3-asgiref python3-sqlparse python3-psycopg python3-typing-extensions
  python3-gunicorn python3-packaging python3-whitenoise)

# debian_archive prints the URI of the configured Debian archive (the source
# of the system's own release, not -security or -updates).
debian_archive() {
  local codename
  # shellcheck source=/dev/null
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  {
    for f in /etc/apt/sources.list.d/*.sources; do
      [[ -f "$f" ]] || continue
      awk -v want="$codename" '
        /^[[:space:]]*$/ { if (uri != "" && suites ~ ("(^| )" want "( |$)")) { print uri; exit } uri = ""; suites = ""; next }
        /^URIs:/ { uri = $2 }
        /^Suites:/ { $1 = ""; suites = $0 " " }
        END { if (uri != "" && suites ~ ("(^| )" want "( |$)")) print uri }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -f "$f" ]] || continue
      awk -v want="$codename" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == want) { print $i; exit } }' "$f"
    done
  } | head -n1
}

trixie_prefix() {
  local dir=$1 archive apt_opts
  archive="$(debian_archive)"
  [[ -n "$archive" ]] || { log "no Debian archive found in /etc/apt sources"; return 1; }
  mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs" "$dir/prefix"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' "$archive" >"$dir/apt/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$dir/apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache" -o Dir::State::status=/var/lib/dpkg/status
    -o APT::Sandbox::User=root -o Acquire::Languages=none -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false -o Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::CNF::DefaultEnabled=false)
  apt-get "${apt_opts[@]}" -qq update >"$dir/apt.log" 2>&1 || { cat "$dir/apt.log" >&2; return 1; }
  (cd "$dir/debs" && apt-get "${apt_opts[@]}" -qq download "${TRIXIE_PACKAGES[@]}") >>"$dir/apt.log" 2>&1 \
    || { cat "$dir/apt.log" >&2; return 1; }
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/prefix"; done
  echo "$dir/prefix/usr/lib/python3/dist-packages"
}

# --- the app under test: a root-owned copy per leg, like the image -----------
# gunicorn runs as nobody against this copy, so any write outside /tmp and
# /dev/shm fails as it would on the read-only container filesystem.
APP_SRC="${TEST_APP_SRC:-$ROOT/app}"
# The tests' stand-in for django-storages' S3 backend (Debian's package has
# none): only the test servers get it on PYTHONPATH; the app copy has no tests/.
cp -r "$ROOT/app/tests/s3shim" "$WORK/s3shim"
export TEST_S3SHIM_DIR="$WORK/s3shim" TEST_SRC_APP_DIR="$ROOT/app"
export TEST_PG_BIN="$PG_BIN" TEST_PG_CA="$WORK/tls/ca.pem" TEST_PG_WRONG_CA="$WORK/tls/other-ca.pem"
export TEST_DB_HOST=127.0.0.1 TEST_FAKES3_ENDPOINT="http://$FAKES3_ADDR" TEST_FAKES3_BUCKET=media-test
export PYTHONDONTWRITEBYTECODE=1

# start_leg NAME PYTHONPATH [tests.MODULE ...]: the whole suite on one stack,
# against its own app copy, cluster and stand-in, in the background; output
# in $WORK/NAME/log, "passed failed" in $WORK/NAME.result, its seconds in
# $WORK/NAME.seconds.
start_leg() {
  local name=$1 pypath=$2 dir="$WORK/$1"
  shift 2
  leg_services "$name" || return 1
  mkdir "$dir/app"
  tar -C "$APP_SRC" --exclude=__pycache__ --exclude=./staticfiles --exclude=./media --exclude=./tests -cf - . \
    | tar -C "$dir/app" -xf -
  log "$name: $(cd "$dir/app" && PYTHONPATH="$pypath" "$PY" -c '
from importlib.metadata import version
import django
db = "psycopg " + version("psycopg") if django.VERSION >= (4, 2) else "psycopg2 " + version("psycopg2")
print("Django " + version("Django") + ", " + db + ", gunicorn " + version("gunicorn") + ", whitenoise " + version("whitenoise"))' 2>&1)"
  (
    cd "$ROOT/app"
    # shellcheck source=/dev/null
    . "$dir/env"
    export TEST_PYTHONPATH="$pypath" PYTHONPATH="$pypath" TEST_STACK="$name" TEST_RESULT_FILE="$WORK/$name.result"
    start=$SECONDS
    "$PY" -m tests.run "$@" &
    child=$!
    # A TERM from cleanup reaches the runner, which stops its gunicorns.
    trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM
    status=0
    wait "$child" || status=$?
    echo $((SECONDS - start)) >"$WORK/$name.seconds"
    exit "$status"
  ) >"$dir/log" 2>&1 &
  LEG_PIDS+=($!)
}

# The legs run at the same time by default (each waits mostly on sleeps,
# timeouts and the database, not on CPU); TEST_APP_SERIAL=1 runs them one
# after the other.
read -ra LEGS <<<"${TEST_APP_STACKS:-bookworm trixie}"
for leg in "${LEGS[@]}"; do
  case $leg in
    bookworm) pypath="" ;;
    trixie) pypath="$(trixie_prefix "$WORK/trixie-pkgs")" || { log "trixie: could not unpack the packages"; exit 1; } ;;
    *) log "unknown stack $leg (TEST_APP_STACKS takes bookworm and trixie)"; exit 2 ;;
  esac
  start_leg "$leg" "$pypath" "$@" || { log "$leg: could not start its services"; exit 1; }
  if [[ "${TEST_APP_SERIAL:-}" == 1 ]]; then
    wait "${LEG_PIDS[-1]}" || true
  fi
done
overall=0 passed=0 failed=0
for i in "${!LEGS[@]}"; do
  leg=${LEGS[$i]}
  wait "${LEG_PIDS[$i]}" || overall=1
  cat "$WORK/$leg/log"
  read -r p f <"$WORK/$leg.result" || { p=0; f=1; overall=1; }
  passed=$((passed + p)) failed=$((failed + f))
  log "$leg: $p passed, $f failed in $(cat "$WORK/$leg.seconds" 2>/dev/null || echo '?') s"
done
LEG_PIDS=()
echo "$passed passed, $failed failed"
((overall == 0))
