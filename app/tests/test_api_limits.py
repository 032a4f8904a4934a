"""The API cannot be used to take the service down (issue 20, item 2).

An anonymous caller used to post notes of 2.5 MiB (Django's default
DATA_UPLOAD_MAX_MEMORY_SIZE) and then list 100 of them: one response peaked at
1.76 GiB of worker memory, which kills a 2 GiB production task. These tests
run the real gunicorn + Django + PostgreSQL and check that:

- writes need the bearer credential (API_TOKEN), before any body is read;
- bodies above the limits are refused (413 before reading, 400 naming the
  field), never buffered;
- the largest allowed notes, listed at the largest page size, keep one gunicorn
  worker's peak RSS (VmHWM) under MEMORY_BOUND_MIB and the response under
  LIST_BYTES_BOUND.

MEMORY_BOUND_MIB = 128 is chosen so that the seed's worker count fits the
smallest task: 3 workers (2 x 1 vCPU + 1) x 128 MiB = 384 MiB of a 512 MiB
task, leaving room for the gunicorn master. A worker of this app idles at
about 50 MiB (bench/results/app.md, "peak worker RSS").
"""
import json
import socket
import threading
import time
import unittest

from . import support

MIB = 1024 * 1024
MEMORY_BOUND_MIB = 128
LIST_BYTES_BOUND = 1 * MIB
# The attack of issue 20: just under Django's default 2.5 MiB body limit.
ATTACK_BODY_CHARS = 2621440 - 1024
TITLE_PREFIX = "limits-test"

SERVER = None
LIMITS = {}


def setUpModule():
    global SERVER
    support.ensure_built()
    names = ["NOTES_BODY_MAX_CHARS", "NOTES_EXCERPT_CHARS", "NOTES_PAGE_SIZE_MAX"]
    LIMITS.update({k: v["value"] for k, v in support.settings_values(support.service_env(), names).items()})
    # One worker: every request of the test lands in the process we measure.
    SERVER = support.Gunicorn("limits", WEB_CONCURRENCY="1")


def tearDownModule():
    if SERVER is not None:
        SERVER.stop()
    # Keep the shared database small for the modules that run after this one.
    support.db_execute("DELETE FROM notes_note WHERE title LIKE %s", (TITLE_PREFIX + "%",))


def call(path, **kw):
    return support.request_json(SERVER.port, path, **kw)


def largest_note():
    """The largest note the app accepts, encoded the most expensive way.

    With declared limits: NOTES_BODY_MAX_CHARS characters of a 4-byte UTF-8
    character, sent JSON-escaped (12 bytes a character on the wire, 4 bytes a
    character in a Python str). Without them (the code before the fix): the
    largest body Django's default DATA_UPLOAD_MAX_MEMORY_SIZE lets through.
    """
    body_max = LIMITS.get("NOTES_BODY_MAX_CHARS")
    title_max = 200  # Note.title's max_length
    if body_max is None:
        return {"title": TITLE_PREFIX, "body": "x" * ATTACK_BODY_CHARS}
    title = (TITLE_PREFIX + "\U0001F600" * title_max)[:title_max]
    return {"title": title, "body": "\U0001F600" * body_max}


class WriteCredentialTest(unittest.TestCase):
    def test_anonymous_write_is_refused(self):
        for headers in ({}, {"Authorization": "Bearer wrong-" + support.API_TOKEN},
                        {"Authorization": support.API_TOKEN}, {"Authorization": "Basic " + support.API_TOKEN}):
            with self.subTest(authorization=headers.get("Authorization", "(none)")[:12]):
                status, got_headers, doc, body = call("/api/notes/", method="POST", headers=headers,
                                                      body={"title": TITLE_PREFIX + " anonymous"})
                self.assertEqual(status, 401, f"status: got {status}, want 401; body {body[:200]!r}")
                self.assertIsNotNone(doc, f"401 body is not JSON: {body[:200]!r}")
                self.assertIn("__all__", doc.get("errors", {}), f"401 body: got {doc}")
                self.assertEqual(got_headers.get("WWW-Authenticate"), "Bearer",
                                 f"WWW-Authenticate: got {got_headers.get('WWW-Authenticate')!r}, want 'Bearer'")

    def test_token_write_is_accepted(self):
        status, _, doc, body = call("/api/notes/", method="POST", headers=support.AUTH,
                                    body={"title": TITLE_PREFIX + " with token", "body": "ok"})
        self.assertEqual(status, 201, f"status: got {status}, want 201; body {body[:200]!r}")

    def test_without_api_token_writes_are_disabled(self):
        # Through Django's full request handling with the service's settings,
        # minus API_TOKEN: fail closed (403), never open.
        code = (
            "import json, django\n"
            "django.setup()\n"
            "from django.test import Client\n"
            f"r = Client().post('/api/notes/', {{'title': 'x'}}, content_type='application/json', "
            f"HTTP_HOST={support.ALLOWED_HOST!r}, HTTP_AUTHORIZATION='Bearer ' + 'x' * 40)\n"
            "print(json.dumps({'status': r.status_code, 'body': r.content.decode()}))\n"
        )
        proc = support.subprocess.run([support.PY, "-c", code], cwd=support.APP_DIR,
                                      env=support.service_env(API_TOKEN=None), capture_output=True, text=True,
                                      timeout=60)
        self.assertEqual(proc.returncode, 0, f"probe failed: {proc.stderr[-800:]}")
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        self.assertEqual(got["status"], 403, f"write without API_TOKEN configured: got {got}, want 403")
        self.assertIn("API_TOKEN", got["body"], f"body: got {got['body']!r}, want it to name API_TOKEN")

    def test_short_api_token_is_refused_at_start(self):
        proc = support.manage("check", env=support.service_env(API_TOKEN="too-short-to-be-a-secret"))
        self.assertNotEqual(proc.returncode, 0, "exit: got 0, want a refusal of a short API_TOKEN")
        self.assertIn("API_TOKEN must be at least 32 characters", proc.stderr, f"stderr: got {proc.stderr[-600:]}")

    def test_reads_need_no_token(self):
        status, _, _, body = call("/api/notes/")
        self.assertEqual(status, 200, f"status: got {status}, want 200; body {body[:200]!r}")


class BodyLimitTest(unittest.TestCase):
    def test_attack_sized_body_is_413(self):
        # The server answers 413 before reading the body and closes; a client
        # that only reads after sending everything (urllib) can meet the
        # reset of that close before it reads the answer (seen on both legs of
        # one full run in four: ConnectionResetError in sendall, more likely
        # the faster the server answers). So the body is sent from a
        # thread while this one reads the answer, as a browser or the ALB does.
        payload = json.dumps({"title": TITLE_PREFIX + " attack", "body": "x" * ATTACK_BODY_CHARS}).encode()
        head = (
            "POST /api/notes/ HTTP/1.1\r\n"
            f"Host: {support.ALLOWED_HOST}\r\n"
            "X-Forwarded-Proto: https\r\n"
            f"Authorization: Bearer {support.API_TOKEN}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", SERVER.port), timeout=60) as sock:
            def send():
                try:
                    sock.sendall(head + payload)
                except OSError:
                    pass  # the server stopped reading: expected once it has answered

            sender = threading.Thread(target=send, daemon=True)
            sender.start()
            raw = b""
            try:
                while chunk := sock.recv(65536):
                    raw += chunk
            except ConnectionResetError:
                pass  # after the answer: the server closed with the body unread
            sender.join(timeout=30)
        status_line, _, rest = raw.partition(b"\r\n")
        headers, _, body = rest.partition(b"\r\n\r\n")
        if b"transfer-encoding: chunked" in headers.lower():
            chunks, data = [], body
            while data:
                size_line, _, data = data.partition(b"\r\n")
                size = int(size_line.split(b";")[0] or b"0", 16)
                if size == 0:
                    break
                chunks.append(data[:size])
                data = data[size + 2:]
            body = b"".join(chunks)
        self.assertTrue(status_line.startswith(b"HTTP/1.1 413"), f"status line: got {status_line!r}, want 413")
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        self.assertIsNotNone(doc, f"413 body is not JSON: {body[:200]!r}")

    def test_body_one_over_the_limit_is_400_naming_body(self):
        body_max = LIMITS.get("NOTES_BODY_MAX_CHARS")
        self.assertIsNotNone(body_max, "settings.NOTES_BODY_MAX_CHARS: got unset, want a declared note length limit")
        status, _, doc, body = call("/api/notes/", method="POST", headers=support.AUTH,
                                    body={"title": TITLE_PREFIX + " too long", "body": "x" * (body_max + 1)})
        self.assertEqual(status, 400, f"status: got {status}, want 400; body {body[:200]!r}")
        self.assertIn("body", doc["errors"], f"errors: got {doc['errors']}, want key 'body'")

    def test_declared_length_is_refused_before_the_body_is_read(self):
        # Headers announce 100 MiB and no body follows: a server that waits to
        # read (or buffer) it would time out here; the app answers 413 at once.
        request = (
            "POST /api/notes/ HTTP/1.1\r\n"
            f"Host: {support.ALLOWED_HOST}\r\n"
            f"Authorization: Bearer {support.API_TOKEN}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {100 * MIB}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", SERVER.port), timeout=10) as sock:
            sock.sendall(request)
            try:
                status_line = sock.makefile("rb").readline().decode(errors="replace").strip()
            except socket.timeout:
                status_line = "(no answer in 10 s: the server waited for the body)"
        took = time.monotonic() - start
        self.assertTrue(status_line.startswith("HTTP/1.1 413"), f"status line: got {status_line!r}, want 413")
        self.assertLess(took, 5, f"answered in {took:.1f}s, want < 5s")


class MemoryBoundTest(unittest.TestCase):
    def test_largest_notes_and_largest_page_stay_within_memory_bound(self):
        page_max = LIMITS.get("NOTES_PAGE_SIZE_MAX") or 100  # the code before the fix: views.MAX_PAGE_SIZE
        note = largest_note()
        wire = json.dumps(note).encode()  # ensure_ascii: the most expensive escaping
        master = SERVER.proc.pid
        (worker,) = support.worker_pids(master)
        call("/api/notes/?page_size=1")
        idle_kib = support.peak_rss_kib(worker)

        for i in range(page_max):
            status, _, _, body = call("/api/notes/", method="POST", headers=support.AUTH, body=wire, timeout=60)
            self.assertEqual(status, 201, f"note {i} of {len(wire)} bytes: got {status}, want 201; {body[:200]!r}")
        status, _, listing, list_body = call(f"/api/notes/?page_size={page_max}", timeout=120)
        self.assertEqual(status, 200, f"list: got {status}, want 200")
        note_id = listing["results"][0]["id"]
        status, _, detail, _ = call(f"/api/notes/{note_id}/")
        self.assertEqual(status, 200, f"detail: got {status}, want 200")

        self.assertEqual(support.worker_pids(master), [worker], "the worker was replaced during the test")
        peak_kib = support.peak_rss_kib(worker)
        print(f"\n  MEASURE worker VmHWM: idle {idle_kib / 1024:.1f} MiB, after {page_max} notes of "
              f"{len(wire)} request bytes and a {len(list_body)}-byte page: {peak_kib / 1024:.1f} MiB "
              f"(bound {MEMORY_BOUND_MIB} MiB)", flush=True)
        self.assertLessEqual(len(list_body), LIST_BYTES_BOUND,
                             f"list response: got {len(list_body)} bytes, want <= {LIST_BYTES_BOUND}")
        self.assertLessEqual(peak_kib, MEMORY_BOUND_MIB * 1024,
                             f"worker peak RSS: got {peak_kib / 1024:.1f} MiB, want <= {MEMORY_BOUND_MIB} MiB")
        self.assertEqual(detail["body"], note["body"], "detail: the full body must come back unchanged")
        first = listing["results"][0]
        self.assertNotIn("body", first, f"list entry keys: got {sorted(first)}, want a summary without the body")
        self.assertEqual((len(first["excerpt"]), first["truncated"]), (LIMITS["NOTES_EXCERPT_CHARS"], True),
                         f"list entry excerpt: got {len(first['excerpt'])} chars, truncated {first['truncated']}")


if __name__ == "__main__":
    unittest.main()
