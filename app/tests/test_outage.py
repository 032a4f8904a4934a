"""/healthz follows the database: 503 while PostgreSQL is stopped, 200 after it restarts."""
import json
import time
import unittest

from . import support


class DatabaseOutageTest(unittest.TestCase):
    def test_healthz_503_when_db_down_then_200(self):
        support.ensure_built()
        server = support.Gunicorn("outage", WEB_CONCURRENCY="1")
        self.addCleanup(server.stop)
        status, _, body = support.request(server.port, "/healthz", host="10.0.1.23:8000")
        self.assertEqual(status, 200, f"before: got {status}, want 200; {body[:200]!r}")

        support.pg_ctl("stop", "-m", "fast")
        try:
            for attempt in range(3):
                start = time.monotonic()
                status, _, body = support.request(server.port, "/healthz", host="10.0.1.23:8000")
                took = time.monotonic() - start
                self.assertEqual(status, 503, f"db down, attempt {attempt}: got {status}, want 503; {body[:200]!r}")
                self.assertEqual(json.loads(body)["status"], "unavailable")
                self.assertLess(took, 8, f"health check took {took:.1f}s with the DB down, want fast failure")
        finally:
            support.pg_ctl("start")

        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline:
            status, _, body = support.request(server.port, "/healthz", host="10.0.1.23:8000")
            if status == 200:
                break
            time.sleep(0.3)
        self.assertEqual(status, 200, f"after restart: got {status}, want 200 within 20s")
        self.assertEqual(json.loads(body), {"status": "ok"})


if __name__ == "__main__":
    unittest.main()
