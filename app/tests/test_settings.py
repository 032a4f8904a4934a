"""Settings under the service's environment: deploy checks, errors, and the media bucket."""
import json
import logging
import os
import re
import sys
import unittest
import uuid
from unittest import mock

from . import support

sys.path.insert(0, str(support.APP_DIR))


class DeployCheckTest(unittest.TestCase):
    def test_check_deploy_only_w008(self):
        # The production-like environment: DEBUG unset (off), a long random key,
        # allowed hosts, and the service's variables; DB_SSLMODE left at its default.
        env = support.service_env(DB_SSLMODE=None, WEB_CONCURRENCY=None)
        proc = support.manage("check", "--deploy", env=env)
        output = proc.stdout + proc.stderr
        ids = sorted(set(re.findall(r"\(([a-z_0-9]+\.[EW]\d{3})\)", output)))
        self.assertEqual(ids, ["security.W008"], f"check --deploy IDs: got {ids}, want ['security.W008']\n{output}")
        self.assertEqual(proc.returncode, 0, f"exit: got {proc.returncode}, want 0\n{output}")

    def test_missing_secret_key_is_a_clear_error(self):
        env = support.service_env(DJANGO_SECRET_KEY=None)
        proc = support.manage("check", env=env)
        self.assertNotEqual(proc.returncode, 0, "exit: got 0, want non-zero without DJANGO_SECRET_KEY")
        self.assertIn("DJANGO_SECRET_KEY is not set", proc.stderr, f"stderr: got {proc.stderr[-800:]}")

    def test_debug_needs_no_secret_key(self):
        env = support.service_env(DJANGO_SECRET_KEY=None, DJANGO_DEBUG="1")
        proc = support.manage("check", env=env)
        self.assertEqual(proc.returncode, 0, f"exit: got {proc.returncode}, want 0\n{proc.stderr}")

    def test_csrf_origin_without_scheme_is_an_error(self):
        env = support.service_env(DJANGO_CSRF_TRUSTED_ORIGINS="api.example.test")
        proc = support.manage("check", env=env)
        self.assertNotEqual(proc.returncode, 0, "exit: got 0, want non-zero")
        self.assertIn("need a scheme", proc.stderr, f"stderr: got {proc.stderr[-800:]}")

    def test_service_values_reach_settings(self):
        env = support.service_env(DB_SSLMODE=None, HEALTH_CHECK_PATH="/_health")
        got = support.settings_values(env, ["DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASES",
                                            "HEALTH_CHECK_PATH", "SECURE_PROXY_SSL_HEADER", "MIDDLEWARE"])
        self.assertFalse(got["DEBUG"]["value"], "DEBUG: got on, want off by default")
        self.assertEqual(got["ALLOWED_HOSTS"]["value"], [support.ALLOWED_HOST])
        self.assertEqual(got["CSRF_TRUSTED_ORIGINS"]["value"], [f"https://{support.ALLOWED_HOST}"])
        db = got["DATABASES"]["value"]["default"]
        self.assertEqual(db["OPTIONS"]["sslmode"], "verify-full",
                         f"sslmode: got {db['OPTIONS']['sslmode']}, want verify-full")
        self.assertEqual(db["OPTIONS"]["connect_timeout"], 2)
        self.assertEqual(db["OPTIONS"]["options"], "-c statement_timeout=30000")
        self.assertEqual(db["ENGINE"], "config.postgresql")
        self.assertEqual((db["HOST"], db["NAME"]), (env["DB_HOST"], env["DB_NAME"]))
        self.assertEqual((db["SECRET_ARN"], db["SECRET_REGION"], db["SECRET_ENDPOINT"]),
                         (env["DB_SECRET_ARN"], env["AWS_REGION"], env["AWS_ENDPOINT_URL_SECRETS_MANAGER"]))
        self.assertEqual((db["USER"], db["PASSWORD"]), ("", ""), "credentials must come from the secret only")
        self.assertEqual(got["HEALTH_CHECK_PATH"]["value"], "/_health")
        self.assertEqual(got["SECURE_PROXY_SSL_HEADER"]["value"], ["HTTP_X_FORWARDED_PROTO", "https"])
        first = got["MIDDLEWARE"]["value"][0]
        self.assertEqual(first, "config.health.HealthCheckMiddleware", f"first middleware: got {first}")


class DatabaseSettingsTest(unittest.TestCase):
    """The database environment contract: secret in production, env only for development."""

    def check(self, **overrides):
        return support.manage("check", env=support.service_env(**overrides))

    def test_password_in_environment_refused_in_production(self):
        cases = [
            ({"DB_PASSWORD": "x"}, "DB_PASSWORD is set together with DB_SECRET_ARN"),
            ({"DB_USER": "app"}, "DB_USER is set together with DB_SECRET_ARN"),
            ({"DB_SECRET_ARN": None, "DB_USER": "app", "DB_PASSWORD": "x"}, "DB_PASSWORD is set but DB_SECRET_ARN is not"),
            ({"DB_STATEMENT_TIMEOUT_MS": "60000"}, "DB_STATEMENT_TIMEOUT_MS must be 0 (no limit, migration task"),
            ({"DB_STATEMENT_TIMEOUT_MS": "-1"}, "DB_STATEMENT_TIMEOUT_MS must be 0 (no limit, migration task"),
            ({"DB_CONNECT_TIMEOUT": "30"}, "DB_CONNECT_TIMEOUT must be 1..10"),
            ({"AWS_REGION": None, "DB_SECRET_ARN": "not-an-arn"}, "AWS_REGION is not set"),
            ({"HEALTH_CHECK_PATH": "/readyz"}, "must not be the readiness path"),
        ]
        for overrides, want in cases:
            with self.subTest(overrides=overrides):
                proc = self.check(**overrides)
                self.assertNotEqual(proc.returncode, 0, "exit: got 0, want non-zero")
                self.assertIn(want, proc.stderr, f"stderr: got {proc.stderr[-600:]}")

    def test_region_from_arn_and_dev_fallback(self):
        env = support.service_env(AWS_REGION=None)
        got = support.settings_values(env, ["DATABASES"])["DATABASES"]["value"]["default"]
        self.assertEqual(got["SECRET_REGION"], support.REGION, f"region from the ARN: got {got['SECRET_REGION']}")
        env = support.service_env(DB_SECRET_ARN=None, DJANGO_DEBUG="1", DB_USER="dev", DB_PASSWORD="devpw")
        got = support.settings_values(env, ["DATABASES"])["DATABASES"]["value"]["default"]
        self.assertEqual((got["USER"], got["PASSWORD"], got["SECRET_ARN"], got["REQUIRE_SECRET"]),
                         ("dev", "devpw", "", False), "DEBUG: DB_USER/DB_PASSWORD honoured")

    def test_production_without_secret_cannot_connect(self):
        env = support.service_env(DB_SECRET_ARN=None)
        proc = support.manage("migrate", "--check", env=env)
        self.assertNotEqual(proc.returncode, 0, "exit: got 0, want non-zero")
        self.assertIn("DB_SECRET_ARN is not set", proc.stderr, f"stderr: got {proc.stderr[-600:]}")


class MediaBucketTest(unittest.TestCase):
    """The media path against the fake S3.

    Debian's django-storages package ships no S3 backend, so this exercises the
    path with boto3 directly, using exactly the bucket, region and endpoint the
    settings module exposes, and the default credential chain (here: dummy
    AWS_* variables set only in this test process; on ECS: the task role).
    """

    def test_put_and_get_with_settings_values(self):
        env = support.service_env(AWS_S3_ENDPOINT_URL=os.environ["TEST_FAKES3_ENDPOINT"],
                                  AWS_ACCESS_KEY_ID="AKIDSHOULDNOTLEAK", AWS_SECRET_ACCESS_KEY="should-not-leak")
        names = ["AWS_STORAGE_BUCKET_NAME", "AWS_S3_REGION_NAME", "AWS_S3_ENDPOINT_URL", "AWS_DEFAULT_ACL",
                 "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_S3_ACCESS_KEY_ID", "AWS_S3_SECRET_ACCESS_KEY",
                 "AWS_SESSION_TOKEN", "DEFAULT_FILE_STORAGE", "STORAGES"]
        got = support.settings_values(env, names)
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_S3_ACCESS_KEY_ID",
                    "AWS_S3_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            self.assertFalse(got[key]["set"], f"settings.{key}: got set, want absent (credentials come from the task role)")
        backend = (got["STORAGES"]["value"] or {}).get("default", {}).get("BACKEND") if got["STORAGES"]["set"] \
            else got["DEFAULT_FILE_STORAGE"]["value"]
        self.assertEqual(backend, "storages.backends.s3.S3Storage", f"default storage: got {backend}")
        bucket = got["AWS_STORAGE_BUCKET_NAME"]["value"]
        region = got["AWS_S3_REGION_NAME"]["value"]
        endpoint = got["AWS_S3_ENDPOINT_URL"]["value"]
        self.assertEqual((bucket, region, endpoint),
                         (os.environ["TEST_FAKES3_BUCKET"], support.BUCKET_REGION, os.environ["TEST_FAKES3_ENDPOINT"]))
        self.assertIsNone(got["AWS_DEFAULT_ACL"]["value"], "AWS_DEFAULT_ACL: want None (no ACLs)")

        import boto3

        dummy = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
        with mock.patch.dict(os.environ, dummy):
            client = boto3.session.Session().client("s3", region_name=region, endpoint_url=endpoint)
            key = f"uploads/{uuid.uuid4()}.txt"
            payload = b"hello media bucket\n"
            client.put_object(Bucket=bucket, Key=key, Body=payload, ContentType="text/plain")
            body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="uploads/").get("Contents", [])]
        self.assertEqual(body, payload, f"object body: got {body!r}, want {payload!r}")
        self.assertIn(key, keys, f"listing: got {keys}, want it to contain {key}")

    def test_no_bucket_means_local_storage(self):
        env = support.service_env(AWS_STORAGE_BUCKET_NAME=None)
        got = support.settings_values(env, ["DEFAULT_FILE_STORAGE", "STORAGES"])
        backend = got["STORAGES"]["value"]["default"]["BACKEND"] if got["STORAGES"]["set"] \
            else got["DEFAULT_FILE_STORAGE"]["value"]
        self.assertEqual(backend, "django.core.files.storage.FileSystemStorage", f"got {backend}")


class JsonFormatterTest(unittest.TestCase):
    def test_one_json_object_per_line(self):
        from config.jsonlog import JsonFormatter

        formatter = JsonFormatter()
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            record = logging.getLogger("t").makeRecord("notes.views", logging.ERROR, __file__, 1,
                                                       "failed %s", ("x",), sys.exc_info(), extra={"status_code": 500})
        line = formatter.format(record)
        self.assertNotIn("\n", line, f"got a multi-line record: {line!r}")
        doc = json.loads(line)
        for key, want in {"level": "ERROR", "logger": "notes.views", "message": "failed x", "status_code": 500}.items():
            self.assertEqual(doc.get(key), want, f"{key}: got {doc.get(key)!r}, want {want!r}")
        self.assertIn("time", doc)
        self.assertIn("ValueError", doc["exc_info"])


if __name__ == "__main__":
    unittest.main()
