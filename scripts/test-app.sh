#!/usr/bin/env bash
# Tests the reference Django app (app/) for real, on Debian's packages, twice:
# bookworm's Django 3.2, psycopg2 and gunicorn 20.1 (installed), then trixie's
# Django 4.2, psycopg 3 and gunicorn 23 (unpacked into a private prefix, see
# trixie_prefix; TEST_APP_STACKS=bookworm runs one leg), with PostgreSQL 15,
# whitenoise and boto3, plus an in-memory fake S3 (internal/tools/fakes3) and a
# stand-in for the Secrets Manager API (internal/tools/fakesecrets). It
# installs what is missing (apt-get, as root), starts PostgreSQL and the
# stand-ins on loopback ports in a temporary directory, runs the unittest
# suite in app/tests once per leg (which starts and stops gunicorn itself),
# and stops everything on any exit.
#
# The database is set up as RDS leaves it: a master user (here a role with
# CREATEROLE and CREATEDB standing in for RDS's rds_superuser member) that
# owns each leg's database, its password in a "master" secret; the owner and
# app secrets hold the passwords the tests' provision_db_roles run gives the
# owner and app roles (CONTRACT-db.md). The temporary directory is under
# /var/tmp, so a test can mount another directory over /tmp (the Fargate
# /tmp emulation) without hiding the app.
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
# each leg's database it owns (run_leg). The password goes in on stdin, not the command line.
runuser -u postgres -- psql -q -h "$WORK/pg/sock" -p "$PGPORT" -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE ROLE master LOGIN CREATEROLE CREATEDB PASSWORD '$MASTER_PASSWORD';
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
export TEST_S3SHIM_DIR="$WORK/s3shim" TEST_RUN_DIR="$WORK/run"
export TEST_PG_BIN="$PG_BIN" TEST_PGDATA="$PGDATA" TEST_PG_LOG="$WORK/pg/server.log"
export TEST_PG_SOCK="$WORK/pg/sock" TEST_SRC_APP_DIR="$ROOT/app"
export TEST_PG_CA="$WORK/tls/ca.pem" TEST_PG_WRONG_CA="$WORK/tls/other-ca.pem"
export TEST_DB_HOST=127.0.0.1 TEST_DB_PORT="$PGPORT"
export TEST_SECRETS_ENDPOINT="http://$FAKESECRETS_ADDR" TEST_FAKES3_ENDPOINT="http://$FAKES3_ADDR" TEST_FAKES3_BUCKET=media-test
export PYTHONDONTWRITEBYTECODE=1

# run_leg NAME PYTHONPATH: the whole suite on one stack, against its own app
# copy and its own database (owned by the master, as RDS creates it; the
# leg's provision_db_roles run hands it to the owner role); writes
# "passed failed" to $WORK/NAME.result.
run_leg() {
  local name=$1 pypath=$2 status=0
  shift 2
  mkdir "$WORK/$name" "$WORK/$name/app"
  chmod 755 "$WORK/$name"
  tar -C "$APP_SRC" --exclude=__pycache__ --exclude=./staticfiles --exclude=./media --exclude=./tests -cf - . \
    | tar -C "$WORK/$name/app" -xf -
  runuser -u postgres -- psql -q -h "$WORK/pg/sock" -p "$PGPORT" -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE app_$name OWNER master" >/dev/null
  log "$name: $(cd "$WORK/$name/app" && PYTHONPATH="$pypath" "$PY" -c '
from importlib.metadata import version
import django
db = "psycopg " + version("psycopg") if django.VERSION >= (4, 2) else "psycopg2 " + version("psycopg2")
print("Django " + version("Django") + ", " + db + ", gunicorn " + version("gunicorn") + ", whitenoise " + version("whitenoise"))' 2>&1)"
  # In the background and waited for, so a TERM to this script runs the trap
  # at once instead of after the test run.
  (
    cd "$ROOT/app"
    export TEST_APP_DIR="$WORK/$name/app" TEST_WORK_DIR="$WORK/$name" TEST_DB_NAME="app_$name"
    export TEST_PYTHONPATH="$pypath" PYTHONPATH="$pypath" TEST_STACK="$name" TEST_RESULT_FILE="$WORK/$name.result"
    "$PY" -m tests.run "$@"
  ) &
  TESTS_PID=$!
  wait "$TESTS_PID" || status=$?
  TESTS_PID=""
  return "$status"
}

read -ra LEGS <<<"${TEST_APP_STACKS:-bookworm trixie}"
overall=0 passed=0 failed=0
for leg in "${LEGS[@]}"; do
  start=$SECONDS
  case $leg in
    bookworm) pypath="" ;;
    trixie) pypath="$(trixie_prefix "$WORK/trixie-pkgs")" || { log "trixie: could not unpack the packages"; exit 1; } ;;
    *) log "unknown stack $leg (TEST_APP_STACKS takes bookworm and trixie)"; exit 2 ;;
  esac
  run_leg "$leg" "$pypath" "$@" || overall=1
  read -r p f <"$WORK/$leg.result" || { p=0; f=1; }
  passed=$((passed + p)) failed=$((failed + f))
  log "$leg: $p passed, $f failed in $((SECONDS - start)) s"
done
echo "$passed passed, $failed failed"
((overall == 0))
