"""TLS that verifies the database server, and a time limit on every query (issue 13 item 3).

scripts/test-app.sh gives the test PostgreSQL a server certificate from a
local CA (SAN localhost and 127.0.0.1) and, like RDS with rds.force_ssl,
refuses connections without TLS. The other live tests already connect with
the default sslmode (verify-full) and DB_SSLROOTCERT = that CA; these check
that verification is really on: a server certificate from another CA, or no
CA bundle at all, is refused; and that every query stops at
DB_STATEMENT_TIMEOUT_MS (default 30 s, below gunicorn's 60 s timeout).
"""
import json
import unittest

from . import support

PROBE = (
    "import json\n"
    "from django.db import connection\n"
    "with connection.cursor() as c:\n"
    "    c.execute(\"SELECT current_setting('statement_timeout'), "
    "(SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())\")\n"
    "    timeout, ssl = c.fetchone()\n"
    "print(json.dumps({'statement_timeout': timeout, 'ssl': ssl}))\n"
)


def probe(**overrides):
    """Connect as the app does (manage.py shell, as nobody) and report the session; returns the process."""
    return support.manage("shell", "-c", PROBE, env=support.service_env(**overrides))


class DatabaseTlsTest(unittest.TestCase):
    def setUp(self):
        build = support.ensure_built()
        self.assertEqual(build["migrate"].returncode, 0, build["migrate"].stderr)

    def test_default_is_verify_full_and_connects_with_tls(self):
        got = support.settings_values(support.service_env(DB_SSLMODE=None, DB_SSLROOTCERT=None), ["DATABASES"])
        options = got["DATABASES"]["value"]["default"]["OPTIONS"]
        self.assertEqual((options["sslmode"], options["sslrootcert"]),
                         ("verify-full", "/etc/ssl/rds/global-bundle.pem"),
                         f"defaults: got {options['sslmode']}, {options.get('sslrootcert')}")
        proc = probe(DB_SSLMODE=None)
        self.assertEqual(proc.returncode, 0, f"connect with verify-full and the test CA: {proc.stderr[-800:]}")
        self.assertTrue(json.loads(proc.stdout.strip().splitlines()[-1])["ssl"], "session: got no TLS")

    def test_unverifiable_server_is_refused(self):
        cases = [
            ("a CA that did not sign the server certificate",
             {"DB_SSLMODE": None, "DB_SSLROOTCERT": support.require_env("TEST_PG_WRONG_CA")}, "certificate verify failed"),
            ("no DB_SSLROOTCERT (the image's RDS bundle is absent here)",
             {"DB_SSLMODE": None, "DB_SSLROOTCERT": None}, "root certificate file"),
        ]
        for label, overrides, want in cases:
            with self.subTest(label):
                proc = probe(**overrides)
                self.assertNotEqual(proc.returncode, 0, f"{label}: connected, want refused\n{proc.stdout}")
                self.assertIn(want, proc.stderr, f"{label}: stderr {proc.stderr[-600:]}")

    def test_server_refuses_plain_connections(self):
        # The test server is set up like RDS with rds.force_ssl = 1.
        proc = probe(DB_SSLMODE="disable")
        self.assertNotEqual(proc.returncode, 0, "connected without TLS, want the server to refuse")
        self.assertIn("no pg_hba.conf entry", proc.stderr, proc.stderr[-600:])


class StatementTimeoutTest(unittest.TestCase):
    def setUp(self):
        support.ensure_built()

    def test_every_session_has_the_limit(self):
        proc = probe()
        self.assertEqual(proc.returncode, 0, proc.stderr[-800:])
        got = json.loads(proc.stdout.strip().splitlines()[-1])["statement_timeout"]
        self.assertEqual(got, "30s", f"statement_timeout: got {got!r}, want '30s' (below gunicorn's 60 s)")
        # The migration task's opt-out for long migrations.
        proc = probe(DB_STATEMENT_TIMEOUT_MS="0")
        self.assertEqual(proc.returncode, 0, proc.stderr[-800:])
        got = json.loads(proc.stdout.strip().splitlines()[-1])["statement_timeout"]
        self.assertEqual(got, "0", f"statement_timeout with DB_STATEMENT_TIMEOUT_MS=0: got {got!r}, want '0'")

    def test_a_slow_query_is_cancelled(self):
        code = ("from django.db import connection\n"
                "with connection.cursor() as c:\n"
                "    c.execute('SELECT pg_sleep(3)')\n")
        proc = support.manage("shell", "-c", code, env=support.service_env(DB_STATEMENT_TIMEOUT_MS="500"))
        self.assertNotEqual(proc.returncode, 0, "pg_sleep(3) finished, want it cancelled at 500 ms")
        self.assertIn("canceling statement due to statement timeout", proc.stderr, proc.stderr[-600:])


if __name__ == "__main__":
    unittest.main()
