"""Note attachments through the API, stored by Django's default storage (issue 13, item 2).

The real gunicorn + Django serve POST /api/notes/<id>/attachment/ (multipart,
bearer token); the settings choose storages.backends.s3.S3Storage because
AWS_STORAGE_BUCKET_NAME is set, which here is tests/s3shim (Debian's
django-storages has no backends) writing to the fake S3 with credentials from
a stand-in of the ECS container credentials endpoint, as the task role
provides them. The detail answer carries a presigned URL that expires in
AWS_QUERYSTRING_EXPIRE seconds; the test reads the file back through it.
"""
import hashlib
import os
import unittest
import urllib.parse
import urllib.request

from . import support

MIB = 1024 * 1024
MEMORY_BOUND_MIB = 128  # as in test_api_limits: 3 workers fit a 512 MiB task

SERVER = None
CREDS = None
LIMITS = {}


def setUpModule():
    global SERVER, CREDS
    support.ensure_built()
    names = ["NOTES_ATTACHMENT_MAX_BYTES", "AWS_QUERYSTRING_EXPIRE", "API_MAX_REQUEST_BYTES"]
    LIMITS.update({k: v["value"] for k, v in support.settings_values(support.service_env(), names).items()})
    CREDS = support.ContainerCredentials()
    SERVER = support.Gunicorn("attach", WEB_CONCURRENCY="1", **CREDS.env())


def tearDownModule():
    if SERVER is not None:
        SERVER.stop()
    if CREDS is not None:
        CREDS.stop()


def call(path, **kw):
    return support.request_json(SERVER.port, path, **kw)


def new_note(title):
    status, _, doc, body = call("/api/notes/", method="POST", headers=support.AUTH, body={"title": title})
    assert status == 201, f"create note: got {status}; {body[:200]!r}"
    return doc["id"]


def upload(note_id, data, filename="report.bin", ctype="application/octet-stream", headers=None):
    body, content_type = support.multipart(files=[("file", filename, data, ctype)])
    all_headers = {"Content-Type": content_type, **(support.AUTH if headers is None else headers)}
    return call(f"/api/notes/{note_id}/attachment/", method="POST", body=body, headers=all_headers, timeout=120)


def fetch(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=60) as resp:
        return resp.status, resp.read()


class AttachmentTest(unittest.TestCase):
    def test_file_above_2_5_mb_round_trips_through_s3(self):
        note_id = new_note("attachment round trip")
        data = os.urandom(3 * MIB + 12345)  # above Django's 2.5 MiB in-memory upload default
        status, _, doc, body = upload(note_id, data, filename="big report.pdf", ctype="application/pdf")
        self.assertEqual(status, 201, f"upload: got {status}, want 201; {body[:300]!r}")
        attachment = doc.get("attachment") or {}
        self.assertEqual(attachment.get("name"), "big_report.pdf", f"attachment: got {attachment}")
        self.assertEqual(attachment.get("size"), len(data), f"attachment size: got {attachment.get('size')}")

        status, _, detail, _ = call(f"/api/notes/{note_id}/")
        self.assertEqual(status, 200)
        url = detail["attachment"]["url"]
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        self.assertEqual(query.get("X-Amz-Expires"), [str(LIMITS["AWS_QUERYSTRING_EXPIRE"])],
                         f"presigned URL expiry: got {query.get('X-Amz-Expires')}, want {LIMITS['AWS_QUERYSTRING_EXPIRE']}")
        self.assertLessEqual(int(LIMITS["AWS_QUERYSTRING_EXPIRE"]), 900, "a short-lived URL: at most 15 minutes")
        self.assertIn("X-Amz-Signature", query, f"URL is not presigned: {url}")
        self.assertIn("X-Amz-Security-Token", query, "the URL must be signed with the task role's session credentials")
        self.assertEqual(query["X-Amz-Credential"][0].split("/")[0], "ASIATESTTASKROLE",
                         f"signing key: got {query['X-Amz-Credential']}, want the container credentials' key")
        self.assertGreater(CREDS.requests, 0, "the app never asked the container credentials endpoint")

        status, got = fetch(url)
        self.assertEqual(status, 200)
        self.assertEqual(hashlib.sha256(got).hexdigest(), hashlib.sha256(data).hexdigest(),
                         f"object read back through the URL: got {len(got)} bytes, want the {len(data)} uploaded")

        # The object sits in the configured bucket under attachments/, with the upload's type.
        import boto3

        key = urllib.parse.unquote(urllib.parse.urlsplit(url).path.split("/", 2)[2])
        client = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test").client(
            "s3", region_name=support.BUCKET_REGION, endpoint_url=os.environ["TEST_FAKES3_ENDPOINT"])
        head = client.head_object(Bucket=os.environ["TEST_FAKES3_BUCKET"], Key=key)
        self.assertTrue(key.startswith("attachments/"), f"key: got {key!r}")
        self.assertEqual((head["ContentLength"], head["ContentType"]), (len(data), "application/pdf"))

        status, _, listing, _ = call("/api/notes/?page_size=100")
        entry = next(n for n in listing["results"] if n["id"] == note_id)
        self.assertIs(entry.get("has_attachment"), True, f"list entry: got {entry}")

    def test_replacing_deletes_the_old_object(self):
        note_id = new_note("attachment replaced")
        status, _, first, body = upload(note_id, b"first version\n", filename="a.txt", ctype="text/plain")
        self.assertEqual(status, 201, f"first upload: got {status}; {body[:200]!r}")
        status, _, second, body = upload(note_id, b"second version\n", filename="a.txt", ctype="text/plain")
        self.assertEqual(status, 201, f"second upload: got {status}; {body[:200]!r}")
        self.assertEqual(fetch(second["attachment"]["url"])[1], b"second version\n")
        with self.assertRaises(urllib.error.HTTPError, msg="the replaced object must be deleted"):
            fetch(first["attachment"]["url"])

    def test_upload_needs_the_token(self):
        note_id = new_note("attachment anonymous")
        status, _, doc, body = upload(note_id, b"x" * 100, headers={})
        self.assertEqual(status, 401, f"anonymous upload: got {status}, want 401; {body[:200]!r}")

    def test_bad_uploads_are_json_errors(self):
        note_id = new_note("attachment errors")
        body, ctype = support.multipart(fields=[("title", "no file")])
        status, _, doc, raw = call(f"/api/notes/{note_id}/attachment/", method="POST", body=body,
                                   headers={"Content-Type": ctype, **support.AUTH})
        self.assertEqual(status, 400, f"no file: got {status}, want 400; {raw[:200]!r}")
        self.assertIn("file", doc["errors"], f"errors: got {doc['errors']}")
        status, _, doc, raw = upload(999999999, b"x")
        self.assertEqual(status, 404, f"unknown note: got {status}, want 404; {raw[:200]!r}")
        too_big = LIMITS["NOTES_ATTACHMENT_MAX_BYTES"] + 1
        status, _, doc, raw = upload(note_id, b"\0" * too_big)
        self.assertIn(status, (400, 413), f"{too_big} bytes: got {status}, want 400 or 413; {raw[:200]!r}")
        self.assertIsNotNone(doc, f"not JSON: {raw[:200]!r}")

    def test_largest_attachment_within_memory_bound(self):
        note_id = new_note("attachment largest")
        (worker,) = support.worker_pids(SERVER.proc.pid)
        data = os.urandom(LIMITS["NOTES_ATTACHMENT_MAX_BYTES"])
        status, _, doc, body = upload(note_id, data)
        self.assertEqual(status, 201, f"upload of {len(data)} bytes: got {status}; {body[:200]!r}")
        peak_kib = support.peak_rss_kib(worker)
        print(f"\n  MEASURE worker VmHWM after a {len(data)}-byte attachment: {peak_kib / 1024:.1f} MiB "
              f"(bound {MEMORY_BOUND_MIB} MiB)", flush=True)
        self.assertLessEqual(peak_kib, MEMORY_BOUND_MIB * 1024,
                             f"worker peak RSS: got {peak_kib / 1024:.1f} MiB, want <= {MEMORY_BOUND_MIB} MiB")


if __name__ == "__main__":
    unittest.main()
