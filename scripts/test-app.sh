#!/usr/bin/env bash
# Tests the reference Django app (app/) for real, on Debian's packages:
# PostgreSQL 15, Django, gunicorn, whitenoise, psycopg2 and boto3, plus an
# in-memory fake S3 (internal/tools/fakes3). It installs what is missing
# (apt-get, as root), starts PostgreSQL and the fake S3 on loopback ports in a
# temporary directory, runs the unittest suite in app/tests (which starts and
# stops gunicorn itself), and stops everything on any exit.
#
# Usage: bash scripts/test-app.sh [tests.MODULE ...]
#   as root; prints "N passed, N failed". Naming modules runs only those.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
PG_BIN=/usr/lib/postgresql/15/bin
PACKAGES=(python3-django gunicorn python3-whitenoise python3-psycopg2 python3-boto3 postgresql)

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
for tool in "$PG_BIN/initdb" "$PG_BIN/pg_ctl" go; do
  command -v "$tool" >/dev/null || { log "missing $tool"; exit 2; }
done

WORK="$(mktemp -d)"
chmod 755 "$WORK"
FAKES3_PID=""
TESTS_PID=""
PGDATA="$WORK/pg/data"

cleanup() {
  local status=$?
  set +e
  if [[ -n "$TESTS_PID" ]]; then
    kill -TERM "$TESTS_PID" 2>/dev/null
    wait "$TESTS_PID" 2>/dev/null
  fi
  # gunicorn masters started by the tests write their pid files here; each
  # master leads its own process group, so its workers go with it.
  local groups=() pid
  for pidfile in "$WORK"/run/*.pid; do
    [[ -f "$pidfile" ]] || continue
    pid="$(cat "$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] && groups+=("$pid")
  done
  for pid in "${groups[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  if [[ -f "$PGDATA/postmaster.pid" ]]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
  fi
  if [[ -n "$FAKES3_PID" ]]; then
    kill -TERM "$FAKES3_PID" 2>/dev/null
    wait "$FAKES3_PID" 2>/dev/null
  fi
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

# --- PostgreSQL 15 -----------------------------------------------------------
PGPORT="$(free_port)"
DB_PASSWORD="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')"
mkdir -p "$WORK/pg/sock" "$WORK/run"
chown -R postgres:postgres "$WORK/pg"
chown nobody:nogroup "$WORK/run"
runuser -u postgres -- "$PG_BIN/initdb" -D "$PGDATA" -U postgres \
  --auth-local=peer --auth-host=scram-sha-256 -E UTF8 >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; exit 1; }
cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$WORK/pg/sock'
fsync = off
synchronous_commit = off
CONF
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg/server.log" -w start >/dev/null \
  || { cat "$WORK/pg/server.log" >&2; exit 1; }
runuser -u postgres -- psql -q -h "$WORK/pg/sock" -p "$PGPORT" -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE app LOGIN PASSWORD '$DB_PASSWORD'" \
  -c "CREATE DATABASE app OWNER app" >/dev/null
log "postgresql on 127.0.0.1:$PGPORT"

# --- fake S3 -----------------------------------------------------------------
(cd "$ROOT" && go build -o "$WORK/fakes3" ./internal/tools/fakes3)
"$WORK/fakes3" -addr 127.0.0.1:0 -bucket media-test >"$WORK/fakes3.addr" 2>"$WORK/fakes3.log" &
FAKES3_PID=$!
for _ in $(seq 1 50); do
  [[ -s "$WORK/fakes3.addr" ]] && break
  sleep 0.1
done
FAKES3_ADDR="$(head -n1 "$WORK/fakes3.addr")"
[[ -n "$FAKES3_ADDR" ]] || { cat "$WORK/fakes3.log" >&2; exit 1; }
log "fake S3 on $FAKES3_ADDR"

# --- the app under test: a root-owned copy, like the image -------------------
# gunicorn runs as nobody against this copy, so any write outside /tmp and
# /dev/shm fails as it would on the read-only container filesystem.
mkdir "$WORK/app"
tar -C "$ROOT/app" --exclude=__pycache__ --exclude=./staticfiles --exclude=./media --exclude=./tests -cf - . \
  | tar -C "$WORK/app" -xf -

# The tests' stand-in for django-storages' S3 backend (Debian's package has
# none): only the test servers get it on PYTHONPATH; the app copy has no tests/.
cp -r "$ROOT/app/tests/s3shim" "$WORK/s3shim"
export TEST_S3SHIM_DIR="$WORK/s3shim"
export TEST_APP_DIR="$WORK/app" TEST_RUN_DIR="$WORK/run" TEST_WORK_DIR="$WORK"
export TEST_PG_BIN="$PG_BIN" TEST_PGDATA="$PGDATA" TEST_PG_LOG="$WORK/pg/server.log"
export TEST_DB_HOST=127.0.0.1 TEST_DB_PORT="$PGPORT" TEST_DB_NAME=app TEST_DB_USER=app
export TEST_DB_PASSWORD="$DB_PASSWORD" TEST_FAKES3_ENDPOINT="http://$FAKES3_ADDR" TEST_FAKES3_BUCKET=media-test
export PYTHONDONTWRITEBYTECODE=1

cd "$ROOT/app"
# In the background and waited for, so a TERM to this script runs the trap at
# once instead of after the test run.
"$PY" -m tests.run "$@" &
TESTS_PID=$!
wait "$TESTS_PID"
TESTS_PID=""
