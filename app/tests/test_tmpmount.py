"""A writable /tmp for the non-root user on Fargate (issue 12 item 3).

On Fargate (platform 1.4+) a task volume mounted at a container path is a
bind mount created root-owned with mode 0755, unless the image declares
VOLUME at that path, in which case the image's content (and the directory's
owner and mode) is copied into it. AWS ECS Developer Guide, "Use bind mounts
with Amazon ECS", considerations: "the Amazon ECS data plane looks for a VOLUME
directive. If the absolute path ... is the same as the containerPath ..., the
data in the VOLUME directive path is copied to the data volume";
aws/containers-roadmap#938 and #863: without it the mount is root-owned and a
non-root user cannot write to it.

These tests emulate that mount: gunicorn runs as nobody in a private mount
namespace whose root filesystem is read-only (readonlyRootFilesystem) and
whose /tmp is a fresh directory, either the one Fargate would create for
app/Dockerfile as it is (mode from its VOLUME and RUN lines, else root 0755)
or a plain root-owned 0755 one. A 5 MiB multipart upload (above Django's
2.5 MB FILE_UPLOAD_MAX_MEMORY_SIZE, so it spools to a temporary file) goes
through Django's request handling.
"""
import hashlib
import json
import os
import re
import shlex
import time
import unittest
import uuid

from . import support

UPLOAD_SIZE = 5 * 1024 * 1024


def fargate_tmp_mode(dockerfile_text):
    """The mode Fargate gives a /tmp volume for this Dockerfile: (mode, why).

    The final stage's VOLUME lines decide whether the image's /tmp is copied;
    its mode is the one a RUN line sets (install -d -m MODE /tmp, chmod MODE
    /tmp). No VOLUME /tmp: a fresh root-owned 0755 directory.
    """
    text = re.sub(r"\\\n", " ", dockerfile_text)
    stages = re.split(r"(?im)^\s*FROM\s", text)
    final = stages[-1]
    declared = False
    mode = None
    for line in final.splitlines():
        line = line.strip()
        m = re.match(r"(?i)^VOLUME\s+(.*)$", line)
        if m:
            arg = m.group(1).strip()
            paths = json.loads(arg) if arg.startswith("[") else arg.split()
            declared = declared or "/tmp" in [p.rstrip("/") or "/" for p in paths]
        if re.match(r"(?i)^RUN\s", line):
            for cmd in re.split(r"&&|;", line[4:]):
                words = shlex.split(cmd)
                if not words:
                    continue
                if words[0] == "install" and "-d" in words and "-m" in words and "/tmp" in words:
                    mode = int(words[words.index("-m") + 1], 8)
                if words[0] == "chmod" and len(words) >= 3 and words[-1] == "/tmp":
                    mode = int(words[1], 8)
    if not declared:
        return 0o755, "no VOLUME /tmp in the final stage: Fargate mounts a root-owned 0755 directory"
    if mode is None:
        raise AssertionError("VOLUME /tmp is declared but no RUN line sets the mode of /tmp explicitly")
    return mode, f"VOLUME /tmp declared: Fargate copies the image's /tmp, mode {mode:o}"


def multipart(field, filename, payload):
    boundary = "----djangofargate" + uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + payload + tail, f"multipart/form-data; boundary={boundary}"


class FargateTmpTest(unittest.TestCase):
    def setUp(self):
        support.ensure_built()

    def fresh_tmp(self, mode):
        path = support.WORK_DIR / f"fargate-tmp-{uuid.uuid4().hex[:8]}"
        path.mkdir()
        os.chown(path, 0, 0)
        os.chmod(path, mode)
        return path

    def test_upload_spools_to_the_tmp_fargate_mounts_for_this_image(self):
        mode, why = fargate_tmp_mode((support.APP_DIR / "Dockerfile").read_text())
        server = support.Gunicorn("fargate-tmp", tmp_dir=self.fresh_tmp(mode), DJANGO_TEST_UPLOAD_VIEW="1",
                                  WEB_CONCURRENCY="1")
        self.addCleanup(server.stop)
        payload = os.urandom(UPLOAD_SIZE)
        body, content_type = multipart("file", "big.bin", payload)
        try:
            status, _, raw = support.request(server.port, "/api/_test/upload/", method="POST", body=body,
                                             headers={"Content-Type": content_type}, timeout=60)
        except OSError as exc:  # the server answered (an error) before reading the whole body
            time.sleep(0.5)
            self.fail(f"5 MiB upload ({why}): got {exc!r}, want 200\n{server.logs()}")
        self.assertEqual(status, 200, f"5 MiB upload ({why}): got {status}, want 200; {raw[:300]!r}\n{server.logs()}")
        doc = json.loads(raw)
        want = {"size": UPLOAD_SIZE, "sha256": hashlib.sha256(payload).hexdigest(), "spooled_to_disk": True}
        self.assertEqual(doc, want, f"upload seen by Django: got {doc}, want {want}")

    def test_serves_without_a_writable_dev_shm(self):
        # gunicorn's heartbeat files go to /dev/shm when the runtime gives a
        # writable one, else to /tmp: never a path the image does not declare.
        mode, _ = fargate_tmp_mode((support.APP_DIR / "Dockerfile").read_text())
        server = support.Gunicorn("fargate-noshm", tmp_dir=self.fresh_tmp(mode), no_shm=True, WEB_CONCURRENCY="1")
        self.addCleanup(server.stop)
        status, _, body = support.request(server.port, "/livez", host="10.0.1.23:8000")
        self.assertEqual(status, 200, f"/livez without a writable /dev/shm: got {status}; {body[:200]!r}")

    def test_root_owned_tmp_stops_the_server_at_start(self):
        # What an image without VOLUME /tmp gets: fail at boot with a clear
        # message (the deployment's circuit breaker rolls back), not a 500 on
        # the first large upload.
        server = support.Gunicorn("fargate-tmp-0755", tmp_dir=self.fresh_tmp(0o755), wait=False,
                                  DJANGO_TEST_UPLOAD_VIEW="1", WEB_CONCURRENCY="1")
        self.addCleanup(server.stop)
        deadline = time.monotonic() + 30
        while server.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        code = server.proc.poll()
        self.assertIsNotNone(code, f"gunicorn still running with a root-owned 0755 /tmp, want an exit at start\n"
                                   f"{server.logs()}")
        self.assertNotEqual(code, 0, "gunicorn exit status: got 0, want non-zero")
        self.assertIn("no writable temporary directory", server.logs(), "want the reason in the logs")


class DockerfileTmpModeTest(unittest.TestCase):
    def test_parser(self):
        cases = [
            ("FROM a\nUSER 1\n", 0o755),
            ("FROM a\nRUN install -d -m 1777 /tmp\nVOLUME [\"/tmp\"]\n", 0o1777),
            ("FROM a\nRUN chmod 1777 /tmp && true\nVOLUME /tmp\n", 0o1777),
            ("FROM a AS b\nVOLUME /tmp\nRUN chmod 1777 /tmp\nFROM c\nUSER 1\n", 0o755),
        ]
        for text, want in cases:
            with self.subTest(text=text):
                got, _ = fargate_tmp_mode(text)
                self.assertEqual(got, want, f"got {got:o}, want {want:o}")


if __name__ == "__main__":
    unittest.main()
