"""SIGTERM to the gunicorn master: in-flight requests finish, then it exits in time.

This is gunicorn's default graceful stop, which ECS triggers on task stop;
the test verifies it with the app's own gunicorn.conf.py.
"""
import json
import signal
import socket
import threading
import time
import unittest

from . import support


class GracefulShutdownTest(unittest.TestCase):
    def test_sigterm_drains_in_flight_request(self):
        support.ensure_built()
        server = support.Gunicorn("drain", WEB_CONCURRENCY="1", DJANGO_TEST_SLOW_VIEW="1")
        self.addCleanup(server.stop)
        graceful = 25  # gunicorn.conf.py default, below ECS stopTimeout 30
        result = {}

        def slow_request():
            result["response"] = support.request(server.port, "/api/_test/slow/?seconds=6", timeout=30)
            result["done"] = time.monotonic()

        thread = threading.Thread(target=slow_request)
        thread.start()
        # Wait until the request is inside the view (the view logs it).
        deadline = time.monotonic() + 15
        while "test slow view: sleeping" not in server.stdout_path.read_text(errors="replace"):
            self.assertLess(time.monotonic(), deadline, f"slow request never reached the view\n{server.logs()}")
            time.sleep(0.05)
        sent = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)

        # The master closes its listener at once, the worker after its next
        # poll (up to ~1 s): new connections must be refused while the
        # in-flight request is still being served.
        refused_at = None
        while refused_at is None and time.monotonic() - sent < 4.5:
            with socket.socket() as s:
                s.settimeout(1)
                if s.connect_ex(("127.0.0.1", server.port)) != 0:
                    refused_at = time.monotonic()
                    break
            time.sleep(0.1)
        self.assertIsNotNone(refused_at, "new connections still accepted 4.5 s after SIGTERM, want refused")

        thread.join(timeout=30)
        self.assertIn("response", result, "slow request did not finish")
        status, _, body = result["response"]
        self.assertEqual(status, 200, f"in-flight request: got {status}, want 200; body {body[:200]!r}")
        self.assertEqual(json.loads(body), {"slept": 6.0})
        self.assertLess(refused_at, result["done"], "listener closed only after the in-flight request ended")

        code = server.proc.wait(timeout=graceful + 5)
        exited = time.monotonic()
        self.assertEqual(code, 0, f"master exit status: got {code}, want 0\n{server.logs()}")
        self.assertLess(exited - sent, graceful, f"master exit after {exited - sent:.1f}s, want < {graceful}s")
        self.assertGreaterEqual(exited, result["done"] - 0.05, "master exited before the in-flight request finished")


if __name__ == "__main__":
    unittest.main()
