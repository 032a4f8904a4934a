#!/usr/bin/env bash
# Tests the reference Django app (app/) for real, on Debian's packages:
# PostgreSQL 15, Django, gunicorn, whitenoise, psycopg2 and boto3, plus an
# in-memory fake S3 (internal/tools/fakes3) and a stand-in for the Secrets
# Manager API (internal/tools/fakesecrets). It installs what is missing
# (apt-get, as root), starts PostgreSQL and the stand-ins on loopback ports in
# a temporary directory, runs the unittest suite in app/tests (which starts and
# stops gunicorn itself), and stops everything on any exit.
#
# The database is set up as RDS leaves it: a master user (here a role with
# CREATEROLE and CREATEDB standing in for RDS's rds_superuser member) that
# owns the database, its password in a "master" secret; the owner and app
# secrets hold the passwords the tests' provision_db_roles run gives the
# owner and app roles (CONTRACT-db.md). The temporary directory is under
# /var/tmp, so a test can mount another directory over /tmp (the Fargate
# /tmp emulation) without hiding the app.
#
# Usage: bash scripts/test-app.sh [tests.MODULE...]
#        (as root; prints "N passed, N failed"; modules: only those)
# TEST_APP_SRC=DIR tests another copy of the app (e.g. `git archive` of an
# older commit) with today's tests: how each fix's test was seen failing.
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

WORK="$(mktemp -d -p /var/tmp test-app.XXXXXX)"
chmod 755 "$WORK"
FAKES3_PID=""
FAKESECRETS_PID=""
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
  for pid in "$FAKES3_PID" "$FAKESECRETS_PID"; do
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

# --- PostgreSQL 15 -----------------------------------------------------------
PGPORT="$(free_port)"
new_password() { "$PY" -c 'import secrets; print(secrets.token_urlsafe(24))'; }
MASTER_PASSWORD="$(new_password)"
mkdir -p "$WORK/pg/sock" "$WORK/run"
chown -R postgres:postgres "$WORK/pg"
chown nobody:nogroup "$WORK/run"
runuser -u postgres -- "$PG_BIN/initdb" -D "$PGDATA" -U postgres \
  --auth-local=peer --auth-host=scram-sha-256 -E UTF8 >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; exit 1; }
# TLS like RDS: a server certificate from a CA (here a local one, SAN
# localhost and 127.0.0.1) that the app verifies (sslmode verify-full), and no
# plain TCP connections (rds.force_ssl = 1). A second CA signs nothing: the
# tests use it to show an unverifiable server is refused.
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
cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$WORK/pg/sock'
fsync = off
synchronous_commit = off
ssl = on
ssl_cert_file = '$WORK/tls/server.crt'
ssl_key_file = '$WORK/tls/server.key'
CONF
cat >"$PGDATA/pg_hba.conf" <<HBA
local all all peer
hostssl all all 127.0.0.1/32 scram-sha-256
HBA
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg/server.log" -w start >/dev/null \
  || { cat "$WORK/pg/server.log" >&2; exit 1; }
# The master user as RDS creates it (not a superuser: RDS's master is a member
# of rds_superuser, which this role's CREATEROLE CREATEDB stands in for), and
# the database it owns. The password goes in on stdin, not the command line.
runuser -u postgres -- psql -q -h "$WORK/pg/sock" -p "$PGPORT" -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE ROLE master LOGIN CREATEROLE CREATEDB PASSWORD '$MASTER_PASSWORD';
CREATE DATABASE app OWNER master;
SQL
log "postgresql on 127.0.0.1:$PGPORT"

# --- Secrets Manager stand-in -------------------------------------------------
# Both stand-ins (this one and the fake S3 below) in one build: one link step
# less on a busy machine.
(cd "$ROOT" && go build -o "$WORK/" ./internal/tools/fakes3 ./internal/tools/fakesecrets)
(umask 077 && MASTER_PASSWORD="$MASTER_PASSWORD" OWNER_PASSWORD="$(new_password)" APP_PASSWORD="$(new_password)" \
  "$PY" -c '
import json, os
def login(user, var):
    return json.dumps({"username": user, "password": os.environ[var]})
print(json.dumps({"rds-master": login("master", "MASTER_PASSWORD"),
                  "app-owner": login("app_owner", "OWNER_PASSWORD"),
                  "app": login("app", "APP_PASSWORD")}))' >"$WORK/secrets-seed.json")
"$WORK/fakesecrets" -addr 127.0.0.1:0 -seed "$WORK/secrets-seed.json" >"$WORK/fakesecrets.addr" 2>"$WORK/fakesecrets.log" &
FAKESECRETS_PID=$!
for _ in $(seq 1 50); do
  [[ -s "$WORK/fakesecrets.addr" ]] && break
  sleep 0.1
done
FAKESECRETS_ADDR="$(head -n1 "$WORK/fakesecrets.addr")"
[[ -n "$FAKESECRETS_ADDR" ]] || { cat "$WORK/fakesecrets.log" >&2; exit 1; }
rm -f "$WORK/secrets-seed.json"
log "Secrets Manager stand-in on $FAKESECRETS_ADDR"

# --- fake S3 -----------------------------------------------------------------
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
APP_SRC="${TEST_APP_SRC:-$ROOT/app}"
mkdir "$WORK/app"
tar -C "$APP_SRC" --exclude=__pycache__ --exclude=./staticfiles --exclude=./media --exclude=./tests -cf - . \
  | tar -C "$WORK/app" -xf -

export TEST_APP_DIR="$WORK/app" TEST_RUN_DIR="$WORK/run" TEST_WORK_DIR="$WORK"
export TEST_PG_BIN="$PG_BIN" TEST_PGDATA="$PGDATA" TEST_PG_LOG="$WORK/pg/server.log"
export TEST_PG_SOCK="$WORK/pg/sock" TEST_SRC_APP_DIR="$ROOT/app"
export TEST_PG_CA="$WORK/tls/ca.pem" TEST_PG_WRONG_CA="$WORK/tls/other-ca.pem"
export TEST_DB_HOST=127.0.0.1 TEST_DB_PORT="$PGPORT" TEST_DB_NAME=app
export TEST_SECRETS_ENDPOINT="http://$FAKESECRETS_ADDR" TEST_FAKES3_ENDPOINT="http://$FAKES3_ADDR" TEST_FAKES3_BUCKET=media-test
export PYTHONDONTWRITEBYTECODE=1

cd "$ROOT/app"
# In the background and waited for, so a TERM to this script runs the trap at
# once instead of after the test run.
"$PY" -m tests.run "$@" &
TESTS_PID=$!
wait "$TESTS_PID"
TESTS_PID=""
