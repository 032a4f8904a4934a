"""Background tasks end to end (issue 17, item 3): API -> broker -> Celery worker -> database -> API.

scripts/test-app.sh starts a real Redis (Debian's redis-server, on a private
port and directory) and gives each leg its own database number in
TEST_REDIS_URL. This module starts the app under the real gunicorn and a real
`celery -A config worker` process, both as nobody on the root-owned app copy
with the service's environment (the worker service runs the same image with
the same environment), enqueues through POST /api/notes/<id>/word-count/ and
polls GET /api/notes/<id>/ until the worker's effect, the note's word_count,
is there. On AWS the broker is SQS (CELERY_BROKER_URL=sqs://); the
Redis-backed run here proves the app's half of the contract: settings,
task discovery, the enqueue, the worker's Django and database access.

Without a broker configured the endpoint answers a JSON 503 saying so (the
task never runs inline in a web worker); with a broker that does not answer,
a JSON 503 within a bounded time.
"""
import os
import signal
import subprocess
import time
import unittest

from . import support

WEB = None
WORKER = None
BROKER = None


def worker_env(**overrides):
    return support.service_env(CELERY_BROKER_URL=BROKER, **overrides)


class CeleryWorker:
    """`celery -A config worker` as the worker service runs it (DefaultWorkerCommand), as nobody."""

    def __init__(self, name):
        self.stdout_path = support.WORK_DIR / f"celery-{name}.stdout"
        self.stderr_path = support.WORK_DIR / f"celery-{name}.stderr"
        argv = [support.PY, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", "--concurrency=1"]
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(argv, cwd=support.APP_DIR, env=worker_env(), stdout=out, stderr=err,
                                         start_new_session=True, user=support.NOBODY_UID,
                                         group=support.NOBODY_GID, extra_groups=[])

    def logs(self):
        out = self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""
        err = self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
        return f"--- stdout ---\n{out[-3000:]}\n--- stderr ---\n{err[-3000:]}"

    def stop(self, timeout=30):
        """SIGTERM (ECS's stop): Celery's warm shutdown; returns the exit status."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode


def setUpModule():
    global WEB, WORKER, BROKER
    BROKER = support.require_env("TEST_REDIS_URL")
    support.ensure_built()
    WEB = support.Gunicorn("worker-web", WEB_CONCURRENCY="1", CELERY_BROKER_URL=BROKER)
    WORKER = CeleryWorker("worker")


def tearDownModule():
    if WEB is not None:
        WEB.stop()
    if WORKER is not None:
        WORKER.stop()


def call(server, path, **kw):
    return support.request_json(server.port, path, **kw)


def new_note(server, title, body):
    status, _, doc, raw = call(server, "/api/notes/", method="POST", headers=support.AUTH, body={"title": title, "body": body})
    assert status == 201, f"create note: got {status}; {raw[:200]!r}"
    return doc["id"]


class WorkerTest(unittest.TestCase):
    def test_task_enqueued_through_the_api_runs_on_the_worker(self):
        body = "one two  three\nfour\tfive six seven"
        note = new_note(WEB, "to count", body)
        status, _, doc, _ = call(WEB, f"/api/notes/{note}/")
        self.assertEqual((status, doc["word_count"]), (200, None), "word_count before any task ran")

        started = time.monotonic()
        status, headers, doc, raw = call(WEB, f"/api/notes/{note}/word-count/", method="POST", headers=support.AUTH, body=b"")
        self.assertEqual(status, 202, f"enqueue: got {status}; {raw[:300]!r}")
        self.assertEqual(doc["task"], "notes.count_words")
        self.assertEqual(headers.get("Location"), f"/api/notes/{note}/")

        deadline = started + 60
        word_count = None
        while time.monotonic() < deadline:
            _, _, doc, _ = call(WEB, f"/api/notes/{note}/")
            word_count = doc["word_count"]
            if word_count is not None:
                break
            if WORKER.proc.poll() is not None:
                self.fail(f"the celery worker exited {WORKER.proc.returncode}:\n{WORKER.logs()}")
            time.sleep(0.2)
        self.assertEqual(word_count, 7, f"word_count after the task (worker logs below)\n{WORKER.logs()}")
        print(f"\n  enqueue -> word_count visible through the API: {time.monotonic() - started:.2f} s")
        self.assertIn("notes.count_words", WORKER.logs(), "the worker's log names the task it ran")

    def test_writes_need_the_token(self):
        note = new_note(WEB, "guarded", "a b")
        status, _, doc, _ = call(WEB, f"/api/notes/{note}/word-count/", method="POST", body=b"")
        self.assertEqual(status, 401)
        status, _, doc, _ = call(WEB, "/api/notes/999999999/word-count/", method="POST", headers=support.AUTH, body=b"")
        self.assertEqual((status, doc), (404, {"errors": {"__all__": ["not found"]}}))

    def test_without_a_broker_the_endpoint_says_so(self):
        server = support.Gunicorn("worker-nobroker", WEB_CONCURRENCY="1")
        try:
            note = new_note(server, "no broker", "a b c")
            status, _, doc, _ = call(server, f"/api/notes/{note}/word-count/", method="POST", headers=support.AUTH, body=b"")
        finally:
            server.stop()
        self.assertEqual(status, 503)
        self.assertIn("CELERY_BROKER_URL", doc["errors"]["__all__"][0])

    def test_a_broker_that_does_not_answer_is_a_bounded_503(self):
        # A port nothing listens on: the enqueue gives up after its retries.
        dead = f"redis://127.0.0.1:{support.free_port()}/0"
        server = support.Gunicorn("worker-deadbroker", WEB_CONCURRENCY="1", CELERY_BROKER_URL=dead)
        try:
            note = new_note(server, "dead broker", "a b c")
            started = time.monotonic()
            status, headers, doc, _ = call(server, f"/api/notes/{note}/word-count/", method="POST",
                                           headers=support.AUTH, body=b"", timeout=30)
            seconds = time.monotonic() - started
        finally:
            server.stop()
        self.assertEqual(status, 503, doc)
        self.assertEqual(headers.get("Retry-After"), "5")
        self.assertLess(seconds, 15, "the enqueue must not hold a web worker long")

    def test_worker_stops_cleanly_on_sigterm(self):
        # Runs last (unittest sorts names): ECS stops a worker task with
        # SIGTERM; Celery's warm shutdown exits 0 well inside stopTimeout.
        started = time.monotonic()
        status = WORKER.stop(timeout=30)
        self.assertEqual(status, 0, f"celery worker exit status on SIGTERM\n{WORKER.logs()}")
        self.assertLess(time.monotonic() - started, 30)


class BrokerSettingsTest(unittest.TestCase):
    """The SQS settings the stack's environment produces (no SQS here: the settings only)."""

    QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/prod-worker"

    def sqs_env(self, **overrides):
        env = dict(CELERY_BROKER_URL="sqs://", CELERY_QUEUE_NAME="prod-worker", CELERY_QUEUE_URL=self.QUEUE_URL,
                   CELERY_VISIBILITY_TIMEOUT="600")
        env.update(overrides)
        return support.service_env(**env)

    def test_sqs_broker_consumes_one_predefined_queue(self):
        names = ["CELERY_BROKER_TRANSPORT_OPTIONS", "CELERY_TASK_DEFAULT_QUEUE", "CELERY_WORKER_ENABLE_REMOTE_CONTROL",
                 "CELERY_TASK_ACKS_LATE"]
        got = {k: v["value"] for k, v in support.settings_values(self.sqs_env(), names).items()}
        self.assertEqual(got["CELERY_BROKER_TRANSPORT_OPTIONS"], {
            "region": support.REGION, "predefined_queues": {"prod-worker": {"url": self.QUEUE_URL}},
            "visibility_timeout": 600, "wait_time_seconds": 20})
        self.assertEqual(got["CELERY_TASK_DEFAULT_QUEUE"], "prod-worker")
        self.assertIs(got["CELERY_WORKER_ENABLE_REMOTE_CONTROL"], False)
        self.assertIs(got["CELERY_TASK_ACKS_LATE"], True)

    def test_sqs_broker_without_its_queue_refuses_to_start(self):
        with self.assertRaises(AssertionError) as ctx:
            support.settings_values(self.sqs_env(CELERY_QUEUE_URL=None), ["CELERY_BROKER_URL"])
        self.assertIn("CELERY_QUEUE_URL is not set", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
