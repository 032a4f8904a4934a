"""Credential rotation under steady load: no failed request, no worker restart (issue 12 item 1).

The app runs as the service runs it (gunicorn, DB_SECRET_ARN = the app
secret in the Secrets Manager stand-in) with DB_CONN_MAX_AGE=0, so every
request opens a new connection and meets the password the database has at
that moment. While a steady load runs, the test rotates the app role's
password twice, through the Secrets Manager API (boto3, the stand-in) and
ALTER ROLE as the master user:

  1. the order of RDS / Secrets Manager single-user rotation (Lambda steps
     createSecret, setSecret, finishSecret): put the new value as AWSPENDING,
     change the database, then move AWSCURRENT to it;
  2. the secret first: put a new AWSCURRENT, and only later change the
     database (a second server started in that window reads a value the
     database does not accept yet).

Every request must succeed, and the worker pids must be the same at the end.
"""
import json
import secrets
import threading
import time
import unittest
import urllib.request

from . import support


class Load:
    """Threads sending GET (and some POST) requests until stopped; counts outcomes."""

    def __init__(self, port, threads=3):
        self.port = port
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failures = []
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def _run(self, index):
        n = 0
        while not self.stop_event.is_set():
            n += 1
            try:
                if n % 5 == 0:
                    status, _, body = support.request(self.port, "/api/notes/", method="POST",
                                                      body={"title": f"rotation {index}-{n}"},
                                                      headers=support.AUTH, timeout=15)
                    good = status == 201
                else:
                    status, _, body = support.request(self.port, "/api/notes/?page_size=1", timeout=15)
                    good = status == 200
            except OSError as exc:
                status, body, good = None, repr(exc).encode(), False
            with self.lock:
                if good:
                    self.ok += 1
                else:
                    self.failures.append((time.strftime("%H:%M:%S"), status, body[:200]))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=30)

    def count(self):
        with self.lock:
            return self.ok + len(self.failures)


def set_db_password(username, password):
    """ALTER ROLE as the master user, as a rotation does (the password as a bound parameter)."""
    conn = support.connect_as(support.secret_value(support.MASTER_SECRET))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'ALTER ROLE "{username}" PASSWORD %s', [password])
    finally:
        conn.close()


def secret_reads():
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(support.require_env("TEST_SECRETS_ENDPOINT") + "/_calls", timeout=5) as resp:
        return json.loads(resp.read()).get("GetSecretValue", 0)


class RotationTest(unittest.TestCase):
    def setUp(self):
        build = support.ensure_built()
        for step in ("provision_db_roles", "migrate"):
            self.assertEqual(build[step].returncode, 0, f"{step}: {build[step].stdout}{build[step].stderr}")

    def wait_for_requests(self, load, n):
        """Let the load run until n more requests have finished (each opens a connection)."""
        target = load.count() + n
        deadline = time.monotonic() + 30
        while load.count() < target and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(load.count(), target, "the load stalled")

    def test_rotation_under_load_fails_no_request(self):
        server = support.Gunicorn("rotation", DB_CONN_MAX_AGE="0", WEB_CONCURRENCY="2")
        self.addCleanup(server.stop)
        client = support.secrets_client()
        arn = support.secret_arn(support.APP_SECRET)
        username = support.secret_value(support.APP_SECRET)["username"]
        pids_before = server.worker_pids()
        self.assertEqual(len(pids_before), 2, f"workers: got {pids_before}, want 2")
        reads_before = secret_reads()
        late_failures = []

        with Load(server.port) as load:
            self.wait_for_requests(load, 15)

            # 1. Single-user rotation, RDS / Secrets Manager order.
            old_version = client.get_secret_value(SecretId=arn)["VersionId"]
            password1 = secrets.token_urlsafe(24)
            pending = client.put_secret_value(SecretId=arn, VersionStages=["AWSPENDING"],
                                              SecretString=json.dumps({"username": username, "password": password1}))
            self.wait_for_requests(load, 10)
            set_db_password(username, password1)  # setSecret: the DB has AWSPENDING's value
            self.wait_for_requests(load, 25)
            client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT",
                                               MoveToVersionId=pending["VersionId"],
                                               RemoveFromVersionId=old_version)  # finishSecret
            self.wait_for_requests(load, 25)

            # 2. The secret changes first; the database follows later.
            password2 = secrets.token_urlsafe(24)
            client.put_secret_value(SecretId=arn,
                                    SecretString=json.dumps({"username": username, "password": password2}))
            self.wait_for_requests(load, 10)
            # A task that starts now reads AWSCURRENT, which the DB refuses.
            late = support.Gunicorn("rotation-late", DB_CONN_MAX_AGE="0", WEB_CONCURRENCY="1")
            self.addCleanup(late.stop)
            for _ in range(10):
                status, _, body = support.request(late.port, "/api/notes/?page_size=1")
                if status != 200:
                    late_failures.append((status, body[:200]))
            set_db_password(username, password2)
            self.wait_for_requests(load, 25)
            for _ in range(10):
                status, _, body = support.request(late.port, "/api/notes/?page_size=1")
                if status != 200:
                    late_failures.append((status, body[:200]))

        total = load.ok + len(load.failures)
        self.assertEqual(load.failures, [], f"failed requests during rotation: got {len(load.failures)} of {total}, "
                                            f"want 0; first: {load.failures[:3]}\n{server.logs()}")
        self.assertEqual(late_failures, [], f"server started mid-rotation: got failures {late_failures[:3]}, want none"
                                            f"\n{late.logs()}")
        self.assertGreaterEqual(total, 110, f"requests: got {total}, want >= 110")
        pids_after = server.worker_pids()
        self.assertEqual(pids_after, pids_before, f"worker pids: got {pids_after}, want {pids_before} (no restart)")
        self.assertIsNone(server.proc.poll(), "gunicorn master exited")
        # The secret is read on a refusal, not on every connection (these calls
        # include the test's own few).
        reads = secret_reads() - reads_before
        self.assertLess(reads, total // 4, f"GetSecretValue calls: got {reads} for {total} requests, want the cache used")


if __name__ == "__main__":
    unittest.main()
