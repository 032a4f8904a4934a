#!/usr/bin/env bash
# Runs INSIDE the image under test, as root, started by
# scripts/test-app-image.sh: the app's unittest suite (app/tests, mounted at
# /suite/tests) against the image's own Python, Django, psycopg and gunicorn
# and its /app, as scripts/test-app.sh runs it on Debian's packages.
#
# What test-app.sh gives the suite, this gives it here: a root-owned copy of
# /app that gunicorn runs from as nobody; the fake S3 (a static Go binary,
# /suite/fakes3); PostgreSQL, reached through scripts/image-suite/pgproxy.py
# so that the outage test's pg_ctl stop/start switches it off and on
# (TEST_PG_BIN points at a pg_ctl stand-in). The database itself is
# TEST_DB_HOST:TEST_DB_PORT (a service container); every other TEST_*
# variable is passed through unchanged.
set -euo pipefail

# Where test-app-image.sh mounts the suite, and the image's app (both
# overridable to try this script outside a container).
SUITE="${SUITE_DIR:-/suite}"
APP_SRC="${APP_SRC:-/app}"

log() { printf 'image-suite: %s\n' "$*" >&2; }
for name in TEST_DB_HOST TEST_DB_PORT TEST_DB_NAME TEST_DB_USER TEST_DB_PASSWORD; do
  [[ -n "${!name:-}" ]] || { log "$name is not set"; exit 2; }
done

# The suite calls /usr/bin/python3, Debian's; the image's Python is the
# first python3 on PATH (/usr/local/bin in the official images). This
# container is thrown away after the run.
PYTHON="$(command -v python3)"
[[ -x /usr/bin/python3 ]] || ln -s "$PYTHON" /usr/bin/python3
"$PYTHON" - <<'VERSIONS' >&2
import importlib, sys
found = ["python " + sys.version.split()[0]]
for name in ("django", "gunicorn", "psycopg", "psycopg2", "whitenoise", "storages", "boto3"):
    try:
        found.append(name + " " + getattr(importlib.import_module(name), "__version__", "?"))
    except ImportError:
        pass
print("image-suite: testing " + ", ".join(found))
VERSIONS
id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres

WORK="$(mktemp -d)"
chmod 755 "$WORK"
PIDS=()
# Stops the proxy and the fake S3 (the container's end stops them anyway).
cleanup() {
  local status=$?
  ((${#PIDS[@]})) && kill "${PIDS[@]}" 2>/dev/null
  [[ -f "$WORK/pg/state.pid" ]] && kill "$(cat "$WORK/pg/state.pid")" 2>/dev/null
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
mkdir -p "$WORK/run" "$WORK/pg/bin" "$WORK/pg/data"
chown nobody:nogroup "$WORK/run"
chown -R postgres "$WORK/pg"

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- PostgreSQL, behind its switch ------------------------------------------
PROXY_PORT="$(free_port)"
runuser -u postgres -- "$PYTHON" "$SUITE/pgproxy.py" 127.0.0.1 "$PROXY_PORT" \
  "$TEST_DB_HOST" "$TEST_DB_PORT" "$WORK/pg/state" >"$WORK/pg/proxy.log" 2>&1 &
PIDS+=($!)
cat >"$WORK/pg/bin/pg_ctl" <<SHIM
#!/usr/bin/env bash
# pg_ctl stand-in: 'stop' and 'start' (the last argument) switch the proxy.
set -euo pipefail
pid="\$(cat "$WORK/pg/state.pid")"
case "\${!#}" in
  stop) kill -USR1 "\$pid"; want=down ;;
  start) kill -USR2 "\$pid"; want=up ;;
  *) echo "pg_ctl stand-in: only stop and start" >&2; exit 2 ;;
esac
for _ in \$(seq 1 100); do
  [[ "\$(cat "$WORK/pg/state" 2>/dev/null)" == "\$want" ]] && exit 0
  sleep 0.1
done
echo "pg_ctl stand-in: the proxy did not go \$want" >&2
exit 1
SHIM
chmod 755 "$WORK/pg/bin/pg_ctl"
for _ in $(seq 1 50); do
  [[ "$(cat "$WORK/pg/state" 2>/dev/null)" == up ]] && break
  sleep 0.1
done
[[ "$(cat "$WORK/pg/state" 2>/dev/null)" == up ]] || { cat "$WORK/pg/proxy.log" >&2; exit 1; }
log "postgresql $TEST_DB_HOST:$TEST_DB_PORT through 127.0.0.1:$PROXY_PORT"

# --- fake S3 -----------------------------------------------------------------
"$SUITE/fakes3" -addr 127.0.0.1:0 -bucket media-test >"$WORK/fakes3.addr" 2>"$WORK/fakes3.log" &
PIDS+=($!)
for _ in $(seq 1 50); do
  [[ -s "$WORK/fakes3.addr" ]] && break
  sleep 0.1
done
FAKES3_ADDR="$(head -n1 "$WORK/fakes3.addr")"
[[ -n "$FAKES3_ADDR" ]] || { cat "$WORK/fakes3.log" >&2; exit 1; }

# --- the image's app, and the suite beside a copy of it ----------------------
mkdir "$WORK/app" "$WORK/suite"
cp -a "$APP_SRC/." "$WORK/app/"
cp -a "$APP_SRC/." "$WORK/suite/"
rm -rf "$WORK/app/tests" "$WORK/suite/tests"
cp -a "$SUITE/tests" "$WORK/suite/tests"
chown -R root:root "$WORK/app" "$WORK/suite"

export TEST_APP_DIR="$WORK/app" TEST_RUN_DIR="$WORK/run" TEST_WORK_DIR="$WORK"
export TEST_PG_BIN="$WORK/pg/bin" TEST_PGDATA="$WORK/pg/data" TEST_PG_LOG="$WORK/pg/server.log"
export TEST_DB_HOST=127.0.0.1 TEST_DB_PORT="$PROXY_PORT"
export TEST_FAKES3_ENDPOINT="http://$FAKES3_ADDR" TEST_FAKES3_BUCKET=media-test
export PYTHONDONTWRITEBYTECODE=1
cd "$WORK/suite"
"$PYTHON" -m tests.run
