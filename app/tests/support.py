"""Shared helpers for the live tests: environment, processes, secrets and HTTP.

scripts/test-app.sh starts PostgreSQL, the fake S3 and the Secrets Manager
stand-in and exports TEST_* variables; these helpers start gunicorn (as the
unprivileged user nobody, on a root-owned copy of the app, like the read-only
container) and talk to it over real HTTP with urllib.

The app connects as the ECS service makes it: DB_SECRET_ARN names the app
secret in the stand-in, which the migration step (provision_db_roles, then
migrate as the owner) has made a role with data access only.

TEST_LEGACY_DB_ENV=1 also passes DB_USER/DB_PASSWORD (the app secret's value
at start), the variables the app read before it read Secrets Manager: only to
run today's tests against an older copy of the app (TEST_APP_SRC).
"""
import json
import os
import pathlib
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

PY = "/usr/bin/python3"
NOBODY_UID = 65534
NOBODY_GID = 65534
ALLOWED_HOST = "api.example.test"
BUCKET_REGION = "eu-west-1"
SECRET_KEY = secrets.token_urlsafe(64)  # 80+ chars, random: passes security.W009
# The write credential the service delivers through the task definition's
# ``secrets`` (API_TOKEN); writes carry it as "Authorization: Bearer <token>".
API_TOKEN = secrets.token_urlsafe(32)
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def require_env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the live tests through scripts/test-app.sh")
    return value


APP_DIR = pathlib.Path(os.environ.get("TEST_APP_DIR", "/nonexistent"))
RUN_DIR = pathlib.Path(os.environ.get("TEST_RUN_DIR", "/nonexistent"))
WORK_DIR = pathlib.Path(os.environ.get("TEST_WORK_DIR", "/nonexistent"))


REGION = "eu-west-1"
MASTER_SECRET = "rds-master"
OWNER_SECRET = "app-owner"
APP_SECRET = "app"
LEGACY_DB_ENV = os.environ.get("TEST_LEGACY_DB_ENV") == "1"
SRC_APP_DIR = pathlib.Path(os.environ.get("TEST_SRC_APP_DIR", "/nonexistent"))
_DUMMY_AWS = {"AWS_ACCESS_KEY_ID": "test-not-a-key", "AWS_SECRET_ACCESS_KEY": "test-not-a-secret"}


def secrets_client():
    """boto3 Secrets Manager client on the stand-in (what a rotation uses)."""
    import boto3

    session = boto3.session.Session(aws_access_key_id=_DUMMY_AWS["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=_DUMMY_AWS["AWS_SECRET_ACCESS_KEY"])
    return session.client("secretsmanager", region_name=REGION, endpoint_url=require_env("TEST_SECRETS_ENDPOINT"))


_ARNS = {}


def secret_arn(name):
    if name not in _ARNS:
        _ARNS[name] = secrets_client().describe_secret(SecretId=name)["ARN"]
    return _ARNS[name]


def secret_value(name, stage="AWSCURRENT"):
    return json.loads(secrets_client().get_secret_value(SecretId=name, VersionStage=stage)["SecretString"])


def service_env(**overrides):
    """The environment the ECS service gives the container, pointed at the local services."""
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": ALLOWED_HOST,
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://{ALLOWED_HOST}",
        "DB_HOST": require_env("TEST_DB_HOST"),
        "DB_PORT": require_env("TEST_DB_PORT"),
        "DB_NAME": require_env("TEST_DB_NAME"),
        "DB_SECRET_ARN": secret_arn(APP_SECRET),
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": require_env("TEST_SECRETS_ENDPOINT"),
        # What the task role's credentials are on ECS; the stand-in ignores them.
        **_DUMMY_AWS,
        # The default sslmode (verify-full) against the test server's CA; the
        # service leaves DB_SSLROOTCERT at the RDS bundle in the image.
        "DB_SSLROOTCERT": require_env("TEST_PG_CA"),
        "AWS_STORAGE_BUCKET_NAME": require_env("TEST_FAKES3_BUCKET"),
        "AWS_S3_REGION_NAME": BUCKET_REGION,
        "HEALTH_CHECK_PATH": "/healthz",
        "WEB_CONCURRENCY": "2",
        "API_TOKEN": API_TOKEN,
    }
    if LEGACY_DB_ENV:
        login = secret_value(APP_SECRET)
        env.update(DB_USER=login["username"], DB_PASSWORD=login["password"])
    if os.environ.get("TEST_PYTHONPATH"):
        # The stack under test (scripts/test-app.sh: trixie's packages in a prefix).
        env["PYTHONPATH"] = os.environ["TEST_PYTHONPATH"]
    env.update({k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        env.pop(key, None)
    return env


def migration_env(**overrides):
    """The migration task's environment (CONTRACT-db.md): owner, master and app secrets."""
    env = service_env(
        DB_SECRET_ARN=secret_arn(OWNER_SECRET),
        DB_ADMIN_SECRET_ARN=secret_arn(MASTER_SECRET),
        DB_APP_SECRET_ARN=secret_arn(APP_SECRET),
        **overrides,
    )
    if LEGACY_DB_ENV:
        login = secret_value(OWNER_SECRET)
        env.update(DB_USER=login["username"], DB_PASSWORD=login["password"])
    return env


def manage(*args, env=None, as_nobody=True, timeout=120, cwd=None):
    """Run manage.py in the app copy (or cwd); returns the CompletedProcess."""
    kwargs = {}
    if as_nobody:
        kwargs = {"user": NOBODY_UID, "group": NOBODY_GID, "extra_groups": []}
    return subprocess.run(
        [PY, "manage.py", *args],
        cwd=cwd or APP_DIR,
        env=env if env is not None else service_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


_BUILD = {}


def ensure_built():
    """collectstatic (as root, like the image build), then the migration task, once.

    The migration task is the contract's command: provision_db_roles (as the
    master) then migrate (as the owner), both as the unprivileged user.
    """
    if not _BUILD:
        build_env = service_env(DJANGO_SECRET_KEY="build-only-not-secret")
        for key in [k for k in build_env if k.startswith(("DB_", "AWS_"))]:
            del build_env[key]  # the image build has no database or bucket
        _BUILD["collectstatic"] = manage("collectstatic", "--noinput", env=build_env, as_nobody=False)
        # An older app copy (TEST_APP_SRC) has no provision_db_roles: the
        # repository's own app provisions the roles for it.
        provision_env = migration_env()
        if LEGACY_DB_ENV:
            provision_env.pop("DB_USER")
            provision_env.pop("DB_PASSWORD")
        _BUILD["provision_db_roles"] = manage("provision_db_roles", env=provision_env,
                                              cwd=SRC_APP_DIR if LEGACY_DB_ENV else None)
        _BUILD["migrate"] = manage("migrate", "--noinput", env=migration_env())
        _BUILD["snapshot"] = snapshot(APP_DIR)
    return _BUILD


def psql(sql, *, database=None, user="postgres", env=None):
    """Run SQL through psql on the test cluster's socket as a PostgreSQL superuser; returns stdout."""
    cmd = ["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
           "-h", require_env("TEST_PG_SOCK"), "-p", require_env("TEST_DB_PORT"),
           "-U", user, "-d", database or require_env("TEST_DB_NAME"), "-c", sql]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise AssertionError(f"psql failed: {proc.stderr.strip()}")
    return proc.stdout


def connect_as(login, database=None):
    """A psycopg2 connection over TCP with a {"username","password"} login."""
    import psycopg2

    return psycopg2.connect(host=require_env("TEST_DB_HOST"), port=require_env("TEST_DB_PORT"),
                            dbname=database or require_env("TEST_DB_NAME"), user=login["username"],
                            password=login["password"], sslmode="verify-full",
                            sslrootcert=require_env("TEST_PG_CA"), connect_timeout=5)


def snapshot(root):
    """Every path under root with its size and mtime."""
    result = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            result[os.path.relpath(path, root)] = (st.st_size, st.st_mtime_ns)
    return result


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request(port, path, *, method="GET", host=ALLOWED_HOST, body=None, headers=None, timeout=15):
    """One HTTP request with an explicit Host; returns (status, headers, body bytes)."""
    data = None
    all_headers = {"Host": host, "X-Forwarded-Proto": "https"}
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=all_headers)
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def request_json(port, path, **kw):
    """request(), with the body also parsed as JSON: (status, headers, doc or None, body bytes)."""
    status, headers, body = request(port, path, **kw)
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        doc = None
    return status, headers, doc, body


_RUNNING = []


def stop_all_servers(sig=signal.SIGTERM):
    """Signal every gunicorn process group these tests started (used on SIGTERM)."""
    for server in list(_RUNNING):
        try:
            os.killpg(server.proc.pid, sig)
        except ProcessLookupError:
            pass


class Gunicorn:
    """The real gunicorn with app/gunicorn.conf.py, run as nobody on a loopback port."""

    def __init__(self, name, *, tmp_dir=None, no_shm=False, wait=True, **env_overrides):
        """Start gunicorn as nobody; with tmp_dir, in a private mount namespace
        where tmp_dir is mounted on /tmp and the root filesystem is read-only
        (how a Fargate task with readonlyRootFilesystem and a /tmp volume sees it);
        with no_shm also, /dev/shm is a root-owned 0755 tmpfs (not writable)."""
        self.name = name
        self.port = free_port()
        self.pidfile = RUN_DIR / f"{name}.pid"
        self.stdout_path = WORK_DIR / f"gunicorn-{name}.stdout"
        self.stderr_path = WORK_DIR / f"gunicorn-{name}.stderr"
        # GUNICORN_CMD_ARGS overrides the config file's bind (0.0.0.0) so the
        # tests listen on loopback only; everything else comes from the file.
        env = service_env(GUNICORN_CMD_ARGS=f"--bind 127.0.0.1:{self.port} --pid {self.pidfile}", **env_overrides)
        argv = [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"]
        as_nobody = {"user": NOBODY_UID, "group": NOBODY_GID, "extra_groups": []}
        if tmp_dir is not None:
            # unshare and mount need root; setpriv drops to nobody for gunicorn.
            # $1: the run dir (pid files) stays writable; $2 goes on /tmp.
            shm = "mount -t tmpfs -o mode=0755 none /dev/shm; " if no_shm else ""
            script = (
                'set -e; mount --bind "$1" "$1"; mount --bind "$2" /tmp; mount -o remount,bind,ro /; shift 2; '
                + shm
                + f'exec setpriv --reuid {NOBODY_UID} --regid {NOBODY_GID} --clear-groups -- "$@"'
            )
            argv = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
                    str(RUN_DIR), str(tmp_dir), *argv]
            as_nobody = {}
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                argv,
                cwd=APP_DIR,
                env=env,
                stdout=out,
                stderr=err,
                # Own process group (pgid = master pid, also in the pid file),
                # so scripts/test-app.sh can stop master and workers together.
                start_new_session=True,
                **as_nobody,
            )
        _RUNNING.append(self)
        if wait:
            self._wait_ready()

    def _wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited {self.proc.returncode}:\n{self.logs()}")
            try:
                status, _, _ = request(self.port, "/healthz", host="10.0.1.23:8000", timeout=5)
                if status in (200, 503):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn {self.name} not ready in {timeout}s:\n{self.logs()}")

    def worker_pids(self):
        """The pids of the master's children (its workers), from /proc."""
        pids = set()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.add(int(entry))
        return pids

    def logs(self):
        out = self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""
        err = self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
        return f"--- stdout ---\n{out[-4000:]}\n--- stderr ---\n{err[-4000:]}"

    def stop(self, timeout=35):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self in _RUNNING:
            _RUNNING.remove(self)
        return self.proc.returncode


def pg_ctl(action, *extra):
    """Run pg_ctl as postgres on the test cluster (stop -m fast / start)."""
    cmd = [
        "runuser", "-u", "postgres", "--",
        os.path.join(require_env("TEST_PG_BIN"), "pg_ctl"),
        "-D", require_env("TEST_PGDATA"),
        "-l", require_env("TEST_PG_LOG"),
        "-w", *extra, action,
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


def settings_values(env, names):
    """Evaluate the settings module in a fresh interpreter and return the named values."""
    code = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        f"names = {list(names)!r}\n"
        "missing = object()\n"
        "out = {}\n"
        "for n in names:\n"
        "    v = getattr(settings, n, missing)\n"
        "    out[n] = {'set': v is not missing, 'value': None if v is missing else v}\n"
        "print(json.dumps(out, default=str))\n"
    )
    proc = subprocess.run([PY, "-c", code], cwd=APP_DIR, env=env, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise AssertionError(f"settings failed to load: {proc.stderr}")
    return json.loads(proc.stdout)


def worker_pids(master_pid):
    """The gunicorn workers of a master: its direct children (from /proc)."""
    pids = []
    for task in pathlib.Path(f"/proc/{master_pid}/task").iterdir():
        children = (task / "children").read_text().split()
        pids.extend(int(pid) for pid in children)
    return sorted(pids)


def peak_rss_kib(pid):
    """VmHWM of a process: the peak resident set size over its lifetime, in KiB."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"/proc/{pid}/status has no VmHWM")


def db_execute(sql, params=()):
    """Run one statement on the test database as the app's role (its secret's login, verify-full TLS)."""
    conn = connect_as(secret_value(APP_SECRET))
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, params)
    finally:
        conn.close()


def multipart(fields=(), files=()):
    """A multipart/form-data body: fields [(name, value)], files [(name, filename, bytes, type)]."""
    boundary = "----apptest" + secrets.token_hex(12)
    out = []
    for name, value in fields:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data, ctype in files:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                   f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


class ContainerCredentials:
    """A stand-in for the ECS container credentials endpoint (the task role).

    boto3's default chain reads AWS_CONTAINER_CREDENTIALS_FULL_URI (a loopback
    URL is allowed) exactly as it reads the RELATIVE_URI ECS sets; the app
    gets temporary credentials from here, never from keys in its settings.
    ``requests`` counts the fetches, so a test can show the chain was used.
    """

    def __init__(self):
        import http.server
        import threading

        owner = self
        self.requests = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests += 1
                expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
                body = json.dumps({"AccessKeyId": "ASIATESTTASKROLE", "SecretAccessKey": "task-role-secret",
                                   "Token": "task-role-session-token", "Expiration": expiry}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v2/credentials/task-role"

    def env(self):
        """What the container sees: the S3 stand-in, its shim on PYTHONPATH, the credentials endpoint."""
        return {
            "AWS_S3_ENDPOINT_URL": require_env("TEST_FAKES3_ENDPOINT"),
            "PYTHONPATH": os.pathsep.join(p for p in (os.environ.get("TEST_PYTHONPATH"), require_env("TEST_S3SHIM_DIR")) if p),
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            # No keys in the environment (boto3's chain would take them
            # before the container endpoint): the task role answers for S3
            # and for the Secrets Manager stand-in alike, as on ECS.
            "AWS_ACCESS_KEY_ID": None,
            "AWS_SECRET_ACCESS_KEY": None,
        }

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
