"""The real gunicorn + Django + PostgreSQL over HTTP: build steps, health, API, static, hosts, logs."""
import json
import os
import re
import unittest

from . import support

SERVER = None


def setUpModule():
    global SERVER
    build = support.ensure_built()
    for step in ("collectstatic", "migrate"):
        proc = build[step]
        if proc.returncode != 0:
            raise AssertionError(f"{step} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    SERVER = support.Gunicorn("main")


def tearDownModule():
    if SERVER is not None:
        SERVER.stop()


def get_json(path, **kw):
    return support.request_json(SERVER.port, path, **kw)


class BuildStepsTest(unittest.TestCase):
    def test_collectstatic_succeeded(self):
        proc = support.ensure_built()["collectstatic"]
        self.assertEqual(proc.returncode, 0, f"collectstatic: got exit {proc.returncode}\n{proc.stderr}")
        manifest = json.loads((support.APP_DIR / "staticfiles" / "staticfiles.json").read_text())
        hashed = manifest["paths"].get("notes/notes.css", "")
        self.assertRegex(hashed, r"^notes/notes\.[0-9a-f]{12}\.css$", f"manifest entry: got {hashed!r}")
        self.assertTrue((support.APP_DIR / "staticfiles" / hashed).is_file(), f"{hashed} missing")
        self.assertTrue((support.APP_DIR / "staticfiles" / (hashed + ".gz")).is_file(), f"{hashed}.gz missing")

    def test_migrate_succeeded(self):
        proc = support.ensure_built()["migrate"]
        self.assertEqual(proc.returncode, 0, f"migrate: got exit {proc.returncode}\n{proc.stderr}")
        plan = support.manage("showmigrations", "notes")
        for name in ("0001_initial", "0002_attachment"):
            self.assertIn(f"[X] {name}", plan.stdout, f"showmigrations: got {plan.stdout}{plan.stderr}")


class HealthTest(unittest.TestCase):
    def test_healthz_with_task_ip_as_host(self):
        status, headers, doc, body = get_json("/healthz", host="10.0.1.23:8000")
        self.assertEqual(status, 200, f"status: got {status}, want 200; body {body[:300]!r}")
        self.assertEqual(doc, {"status": "ok"}, f"body: got {doc}")
        self.assertEqual(headers.get("Cache-Control"), "no-store")

    def test_liveness_and_readiness_with_task_ip_as_host(self):
        for path, want in (("/livez", {"status": "ok"}), ("/readyz", {"status": "ok", "checks": {"database": "ok"}})):
            status, headers, doc, body = get_json(path, host="10.0.1.23:8000")
            self.assertEqual(status, 200, f"{path}: got {status}, want 200; body {body[:300]!r}")
            self.assertEqual(doc, want, f"{path} body: got {doc}")
            self.assertEqual(headers.get("Cache-Control"), "no-store")

    def test_app_connects_as_the_app_role_only(self):
        get_json("/api/notes/")
        users = support.psql("SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database()"
                             " AND backend_type = 'client backend' AND pid <> pg_backend_pid()").split()
        self.assertEqual(users, ["app"], f"database sessions: got users {users}, want only the app role")

    def test_healthz_head(self):
        status, _, _, _ = get_json("/healthz", method="HEAD", host="10.0.1.23")
        self.assertEqual(status, 200, f"status: got {status}, want 200")

    def test_task_ip_host_is_rejected_elsewhere(self):
        status, _, _, body = get_json("/api/notes/", host="10.0.1.23:8000")
        self.assertEqual(status, 400, f"status: got {status}, want 400; body {body[:300]!r}")

    def test_unknown_host_on_api_is_400(self):
        status, _, _, body = get_json("/api/notes/", host="evil.example.com")
        self.assertEqual(status, 400, f"status: got {status}, want 400; body {body[:300]!r}")


class NotesApiTest(unittest.TestCase):
    def test_round_trip(self):
        status, headers, created, body = get_json("/api/notes/", method="POST", headers=support.AUTH,
                                                   body={"title": "first note", "body": "hello"})
        self.assertEqual(status, 201, f"create: got {status}, want 201; body {body[:300]!r}")
        note_id = created["id"]
        self.assertEqual(headers.get("Location"), f"/api/notes/{note_id}/")
        self.assertEqual((created["title"], created["body"]), ("first note", "hello"))

        status, _, listing, _ = get_json("/api/notes/?page_size=100")
        self.assertEqual(status, 200, f"list: got {status}, want 200")
        ids = [n["id"] for n in listing["results"]]
        self.assertIn(note_id, ids, f"list ids: got {ids}, want to contain {note_id}")
        summary = next(n for n in listing["results"] if n["id"] == note_id)
        want = {"id": note_id, "title": "first note", "excerpt": "hello", "truncated": False,
                "created_at": created["created_at"], "has_attachment": False, "url": f"/api/notes/{note_id}/"}
        self.assertEqual(summary, want, f"list entry: got {summary}, want {want}")
        self.assertGreaterEqual(listing["count"], 1)

        status, _, detail, _ = get_json(f"/api/notes/{note_id}/")
        self.assertEqual(status, 200, f"detail: got {status}, want 200")
        self.assertEqual(detail, created, f"detail: got {detail}, want {created}")

    def test_unknown_id_404(self):
        status, _, doc, body = get_json("/api/notes/999999999/")
        self.assertEqual(status, 404, f"status: got {status}, want 404")
        self.assertIsNotNone(doc, f"404 body is not JSON: {body[:200]!r}")

    def test_invalid_note_400_names_field(self):
        cases = [
            ({"body": "no title"}, "title"),
            ({"title": ""}, "title"),
            ({"title": "x" * 201}, "title"),
            ({"title": 42}, "title"),
            ({"title": "ok", "body": ["not", "a", "string"]}, "body"),
        ]
        for payload, field in cases:
            with self.subTest(payload=str(payload)[:40]):
                status, _, doc, body = get_json("/api/notes/", method="POST", body=payload, headers=support.AUTH)
                self.assertEqual(status, 400, f"status: got {status}, want 400; body {body[:300]!r}")
                self.assertIn(field, doc["errors"], f"errors: got {doc['errors']}, want key {field!r}")

    def test_malformed_json_400(self):
        for raw in (b"{not json", b"[1, 2]", b"\xff\xfe"):
            with self.subTest(raw=raw):
                status, _, doc, body = get_json("/api/notes/", method="POST", body=raw, headers=support.AUTH)
                self.assertEqual(status, 400, f"status: got {status}, want 400; body {body[:300]!r}")
                self.assertIn("__all__", doc["errors"])

    def test_pagination(self):
        for i in range(3):
            get_json("/api/notes/", method="POST", body={"title": f"page note {i}"}, headers=support.AUTH)
        status, _, page1, _ = get_json("/api/notes/?page_size=2&page=1")
        self.assertEqual(status, 200)
        self.assertEqual(len(page1["results"]), 2, f"page size: got {len(page1['results'])}, want 2")
        self.assertEqual(page1["next"], 2)
        for query, want in (("page_size=0", 400), ("page_size=1000", 400), ("page=abc", 400), ("page=99999", 400), ("page=0", 400)):
            with self.subTest(query=query):
                status, _, _, _ = get_json(f"/api/notes/?{query}")
                self.assertEqual(status, want, f"{query}: got {status}, want {want}")

    def test_method_not_allowed(self):
        status, _, _, _ = get_json("/api/notes/", method="DELETE")
        self.assertEqual(status, 405, f"status: got {status}, want 405")

    def test_slow_view_absent_without_flag(self):
        status, _, _, _ = get_json("/api/_test/slow/?seconds=0")
        self.assertEqual(status, 404, f"status: got {status}, want 404 (test-only view must be off)")

    def test_security_headers(self):
        status, headers, _, _ = get_json("/api/notes/")
        self.assertEqual(status, 200)
        want = {
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Strict-Transport-Security": "max-age=86400",
            "Referrer-Policy": "same-origin",
        }
        for name, value in want.items():
            self.assertEqual(headers.get(name), value, f"{name}: got {headers.get(name)!r}, want {value!r}")


class StaticFilesTest(unittest.TestCase):
    def test_hashed_file_is_immutable(self):
        manifest = json.loads((support.APP_DIR / "staticfiles" / "staticfiles.json").read_text())
        hashed = manifest["paths"]["notes/notes.css"]
        status, headers, _, body = get_json(f"/static/{hashed}")
        self.assertEqual(status, 200, f"status: got {status}, want 200")
        self.assertIn(b"font-family", body)
        cache = headers.get("Cache-Control", "")
        self.assertIn("immutable", cache, f"Cache-Control: got {cache!r}, want immutable")
        max_age = int(re.search(r"max-age=(\d+)", cache).group(1))
        self.assertGreaterEqual(max_age, 31536000, f"max-age: got {max_age}, want >= 1 year")

    def test_compressed_variant(self):
        manifest = json.loads((support.APP_DIR / "staticfiles" / "staticfiles.json").read_text())
        hashed = manifest["paths"]["notes/notes.css"]
        status, headers, _, _ = get_json(f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("Content-Encoding"), "gzip", f"got {headers.get('Content-Encoding')!r}")


class StackTest(unittest.TestCase):
    """The servers run on the stack scripts/test-app.sh names (TEST_STACK), not on whatever is installed."""

    def test_server_runs_the_stack_under_test(self):
        code = ("from importlib.metadata import version\n"
                "from django.db import connection\n"
                "connection.ensure_connection()\n"
                "print(version('Django'), version('gunicorn'), type(connection.connection).__module__.split('.')[0])\n")
        proc = support.manage("shell", "-c", code)
        self.assertEqual(proc.returncode, 0, f"manage.py shell: {proc.stderr[-600:]}")
        # The last line: the app's JSON log lines (e.g. the secret read when
        # the connection opens) also go to stdout.
        django_version, gunicorn_version, driver = proc.stdout.strip().splitlines()[-1].split()
        want = {"bookworm": ("3.2.", "20.1.", "psycopg2"), "trixie": ("4.2.", "23.", "psycopg")}.get(
            os.environ.get("TEST_STACK", ""))
        if want:
            got = (django_version, gunicorn_version, driver)
            self.assertTrue(django_version.startswith(want[0]) and gunicorn_version.startswith(want[1])
                            and driver == want[2], f"stack: got {got}, want {want}")
        logs = SERVER.stdout_path.read_text()
        self.assertIn(f"Starting gunicorn {gunicorn_version}", logs, "the server is not the gunicorn of this stack")


class LogsTest(unittest.TestCase):
    def test_stdout_is_json_lines(self):
        get_json("/api/notes/", host="evil.example.com")  # a django.security log line
        get_json("/api/notes/")  # an access log line
        import time

        time.sleep(0.5)
        lines = [line for line in SERVER.stdout_path.read_text().splitlines() if line.strip()]
        self.assertTrue(lines, "gunicorn wrote nothing to stdout")
        loggers = set()
        for line in lines:
            try:
                doc = json.loads(line)
            except ValueError:
                self.fail(f"stdout line is not JSON: {line[:300]!r}")
            for key in ("time", "level", "logger", "message"):
                self.assertIn(key, doc, f"log line lacks {key}: {line[:300]}")
            loggers.add(doc["logger"])
        for want in ("gunicorn.error", "gunicorn.access", "django.security.DisallowedHost"):
            self.assertIn(want, loggers, f"loggers seen: {sorted(loggers)}, want {want}")


if __name__ == "__main__":
    unittest.main()
