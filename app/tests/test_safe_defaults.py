"""Safe defaults of the reference app (issue 13, item 3), each tested for real.

- production (DEBUG off) refuses to start without DJANGO_ALLOWED_HOSTS, or
  with "*", instead of deploying healthy and answering 400 to everything;
- HSTS: a one-day max-age by default; includeSubDomains and preload only when
  the stack opts in (preload also needs includeSubDomains and a year);
- the API speaks only JSON: unsafe methods, 404, 405, a bad page number (400)
  and CSRF failures answer JSON, never Django's HTML pages;
- a request for a host the app does not serve is logged once at WARNING,
  never as an ERROR or with a traceback.
"""
import json
import os
import re
import signal
import subprocess
import time
import unittest

from . import support

SERVER = None


def setUpModule():
    global SERVER
    support.ensure_built()
    SERVER = support.Gunicorn("defaults", WEB_CONCURRENCY="1")


def tearDownModule():
    if SERVER is not None:
        SERVER.stop()


def deploy_check_ids(env):
    proc = support.manage("check", "--deploy", env=env)
    output = proc.stdout + proc.stderr
    return sorted(set(re.findall(r"\(([a-z_0-9]+\.[EW]\d{3})\)", output))), proc


class AllowedHostsTest(unittest.TestCase):
    def test_production_refuses_empty_or_wildcard_hosts(self):
        for value in (None, "", " , ", "*", "api.example.test,*"):
            with self.subTest(DJANGO_ALLOWED_HOSTS=value):
                proc = support.manage("check", env=support.service_env(DJANGO_ALLOWED_HOSTS=value))
                self.assertNotEqual(proc.returncode, 0, f"exit: got 0, want non-zero\n{proc.stdout}")
                self.assertIn("DJANGO_ALLOWED_HOSTS", proc.stderr, f"stderr: got {proc.stderr[-600:]}")

    def test_gunicorn_does_not_start_without_hosts(self):
        env = support.service_env(DJANGO_ALLOWED_HOSTS=None, WEB_CONCURRENCY="1",
                                  GUNICORN_CMD_ARGS=f"--bind 127.0.0.1:{support.free_port()}")
        proc = subprocess.Popen([support.PY, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"],
                                cwd=support.APP_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, user=support.NOBODY_UID, group=support.NOBODY_GID, extra_groups=[],
                                start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
            self.fail(f"gunicorn still running after 30 s without DJANGO_ALLOWED_HOSTS, want a refusal:\n{output[-800:]}")
        self.assertNotEqual(proc.returncode, 0, "gunicorn: got exit 0, want a refusal to start")
        self.assertIn("DJANGO_ALLOWED_HOSTS", output, f"gunicorn output: got {output[-800:]}")

    def test_development_may_leave_hosts_empty(self):
        proc = support.manage("check", env=support.service_env(DJANGO_ALLOWED_HOSTS=None, DJANGO_DEBUG="1"))
        self.assertEqual(proc.returncode, 0, f"exit: got {proc.returncode}, want 0\n{proc.stderr[-600:]}")


class HstsTest(unittest.TestCase):
    NAMES = ["SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD"]

    def test_default_is_one_day_without_subdomains_or_preload(self):
        got = support.settings_values(support.service_env(), self.NAMES)
        got = tuple(got[n]["value"] for n in self.NAMES)
        self.assertEqual(got, (86400, False, False), f"HSTS settings: got {got}, want (86400, False, False)")
        status, headers, _ = support.request(SERVER.port, "/api/notes/")
        self.assertEqual(status, 200)
        hsts = headers.get("Strict-Transport-Security")
        self.assertEqual(hsts, "max-age=86400", f"header: got {hsts!r}, want 'max-age=86400'")

    def test_opt_in(self):
        env = support.service_env(DJANGO_SECURE_HSTS_SECONDS="31536000", DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
                                  DJANGO_SECURE_HSTS_PRELOAD="1")
        got = support.settings_values(env, self.NAMES)
        got = tuple(got[n]["value"] for n in self.NAMES)
        self.assertEqual(got, (31536000, True, True), f"HSTS settings: got {got}")
        ids, proc = deploy_check_ids(support.service_env(DB_SSLMODE=None, WEB_CONCURRENCY=None, **{
            k: env[k] for k in env if k.startswith("DJANGO_SECURE_HSTS")}))
        self.assertEqual(ids, ["security.W008"], f"check --deploy opted in: got {ids}\n{proc.stdout}{proc.stderr}")

    def test_preload_needs_subdomains_and_a_year(self):
        cases = [
            ({"DJANGO_SECURE_HSTS_PRELOAD": "1", "DJANGO_SECURE_HSTS_SECONDS": "31536000"}, "INCLUDE_SUBDOMAINS"),
            ({"DJANGO_SECURE_HSTS_PRELOAD": "1", "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "1"}, "31536000"),
            ({"DJANGO_SECURE_HSTS_SECONDS": "-1"}, "DJANGO_SECURE_HSTS_SECONDS"),
        ]
        for overrides, words in cases:
            with self.subTest(env=overrides):
                proc = support.manage("check", env=support.service_env(**overrides))
                self.assertNotEqual(proc.returncode, 0, "exit: got 0, want a clear refusal")
                self.assertIn(words, proc.stderr, f"stderr: got {proc.stderr[-600:]}, want it to mention {words}")


class JsonErrorsTest(unittest.TestCase):
    def assertJsonError(self, method, path, want_status, **kw):
        status, headers, body = support.request(SERVER.port, path, method=method, **kw)
        self.assertEqual(status, want_status, f"{method} {path}: got {status}, want {want_status}; {body[:200]!r}")
        ctype = headers.get("Content-Type", "")
        self.assertEqual(ctype, "application/json", f"{method} {path}: Content-Type got {ctype!r}; {body[:200]!r}")
        doc = json.loads(body)
        self.assertIsInstance(doc.get("errors"), dict, f"{method} {path}: got {doc}, want an errors object")
        return headers, doc

    def test_unsafe_methods_on_a_note_are_json_405(self):
        status, _, body = support.request(SERVER.port, "/api/notes/", method="POST", headers=support.AUTH,
                                          body={"title": "defaults note"})
        self.assertEqual(status, 201, f"create: got {status}; {body[:200]!r}")
        note_id = json.loads(body)["id"]
        for method in ("PUT", "PATCH", "DELETE"):
            with self.subTest(method=method):
                headers, _ = self.assertJsonError(method, f"/api/notes/{note_id}/", 405, headers=support.AUTH,
                                                  body={"title": "x"})
                self.assertEqual(headers.get("Allow"), "GET, HEAD", f"Allow: got {headers.get('Allow')!r}")
        with self.subTest(method="DELETE collection"):
            self.assertJsonError("DELETE", "/api/notes/", 405)

    def test_not_found_is_json(self):
        for path in ("/nope", "/api/notes/999999999/", "/api/notes/abc/", "/static/none.css"):
            with self.subTest(path=path):
                self.assertJsonError("GET", path, 404)

    def test_bad_page_number_is_json_400(self):
        for query in ("page=abc", "page=0", "page=-1", "page=99999", "page_size=x"):
            with self.subTest(query=query):
                self.assertJsonError("GET", f"/api/notes/?{query}", 400)

    def test_csrf_failure_is_json(self):
        # The API views are csrf_exempt (bearer token), so a CSRF failure can only
        # come from a view added later: a plain view, mounted for this test, run
        # through Django's full middleware stack with the service's settings.
        code = (
            "import json, sys, types, django\n"
            "django.setup()\n"
            "from django.http import JsonResponse\n"
            "from django.test import Client, override_settings\n"
            "from django.urls import path\n"
            "urls = types.ModuleType('csrf_probe_urls')\n"
            "urls.urlpatterns = [path('form/', lambda r: JsonResponse({'ok': True}))]\n"
            "sys.modules['csrf_probe_urls'] = urls\n"
            "with override_settings(ROOT_URLCONF='csrf_probe_urls'):\n"
            f"    r = Client(enforce_csrf_checks=True).post('/form/', {{'a': '1'}}, HTTP_HOST={support.ALLOWED_HOST!r})\n"
            "print(json.dumps({'status': r.status_code, 'type': r['Content-Type'], 'body': r.content.decode()}))\n"
        )
        proc = subprocess.run([support.PY, "-c", code], cwd=support.APP_DIR, env=support.service_env(),
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, f"probe failed: {proc.stderr[-800:]}")
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        self.assertEqual((got["status"], got["type"]), (403, "application/json"), f"CSRF failure: got {got}")
        self.assertIn("errors", json.loads(got["body"]), f"CSRF failure body: got {got['body'][:200]!r}")


class UnknownHostLogTest(unittest.TestCase):
    def test_unknown_host_is_json_400_logged_below_error(self):
        marker = f"scanner-{time.monotonic_ns()}.example.com"
        status, headers, body = support.request(SERVER.port, "/api/notes/", host=marker)
        self.assertEqual(status, 400, f"status: got {status}, want 400")
        self.assertEqual(headers.get("Content-Type"), "application/json", f"got {headers.get('Content-Type')!r}")
        time.sleep(0.5)
        records = []
        for line in SERVER.stdout_path.read_text().splitlines():
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if marker in line and not doc.get("logger", "").startswith("gunicorn.access"):
                records.append(doc)
        self.assertTrue(records, "no log record names the unknown host")
        for doc in records:
            self.assertNotIn(doc["level"], ("ERROR", "CRITICAL"), f"logged at {doc['level']}: {doc}")
            self.assertNotIn("exc_info", doc, f"logged with a traceback: {doc}")
        loggers = {d["logger"] for d in records}
        self.assertEqual(loggers, {"django.security.DisallowedHost"}, f"loggers: got {loggers}")
        # And nothing at ERROR anywhere for that request (Django's request logger included).
        errors = [line for line in SERVER.stdout_path.read_text().splitlines() if '"level": "ERROR"' in line]
        self.assertEqual(errors, [], f"ERROR lines: got {errors[:3]}")


if __name__ == "__main__":
    unittest.main()
