"""Unit tests of app/gunicorn.conf.py: the worker formula and the drain defaults."""
import importlib.util
import os
import pathlib
import tempfile
import unittest
from unittest import mock

CONF_PATH = pathlib.Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
GUNICORN_VARS = (
    "WEB_CONCURRENCY", "PORT", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_KEEPALIVE",
    "GUNICORN_GRACEFUL_TIMEOUT", "GUNICORN_MAX_REQUESTS", "GUNICORN_MAX_REQUESTS_JITTER",
)


def load_conf(**env):
    """Execute gunicorn.conf.py as gunicorn does, with exactly the given gunicorn variables."""
    clean = {k: v for k, v in os.environ.items() if k not in GUNICORN_VARS}
    clean.update(env)
    with mock.patch.dict(os.environ, clean, clear=True):
        spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", CONF_PATH)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


class WorkerFormulaTest(unittest.TestCase):
    def setUp(self):
        self.conf = load_conf()

    def test_formula_table(self):
        # Same table as the Go service: the seed's (2 x vcpu) + 1, floored, at least 2.
        cases = [(0.25, 2), (0.5, 2), (1, 3), (2, 5), (4, 9), (8, 17), (16, 33),
                 (0.75, 2), (1.25, 3), (1.5, 4), (2.5, 6), (3.75, 8)]  # off-grid values pin floor(), not round()/ceil()
        for vcpu, want in cases:
            with self.subTest(vcpu=vcpu):
                got = self.conf.workers_for(vcpu)
                self.assertEqual(got, want, f"workers_for({vcpu}) = {got}, want {want}")

    def test_web_concurrency_overrides(self):
        for raw, want in [("1", 1), ("7", 7), (" 12 ", 12)]:
            with self.subTest(WEB_CONCURRENCY=raw):
                got = self.conf.default_workers({"WEB_CONCURRENCY": raw})
                self.assertEqual(got, want, f"got {got}, want {want}")
        conf = load_conf(WEB_CONCURRENCY="4")
        self.assertEqual(conf.workers, 4, f"workers: got {conf.workers}, want 4")

    def test_bad_threads_is_an_error(self):
        for raw in ("two", "0"):
            with self.subTest(GUNICORN_THREADS=raw), self.assertRaises(SystemExit):
                load_conf(GUNICORN_THREADS=raw)

    def test_bad_web_concurrency_is_an_error(self):
        for raw in ("zero", "0", "-3"):
            with self.subTest(WEB_CONCURRENCY=raw), self.assertRaises(SystemExit):
                self.conf.default_workers({"WEB_CONCURRENCY": raw})

    def _cgroup(self, files):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        for rel, text in files.items():
            path = pathlib.Path(tmp.name, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return tmp.name

    def test_cgroup_v2_quota(self):
        cases = [("25000 100000\n", 0.25, 2), ("50000 100000\n", 0.5, 2), ("100000 100000\n", 1.0, 3),
                 ("200000 100000\n", 2.0, 5), ("400000 100000\n", 4.0, 9)]
        for text, vcpu, workers in cases:
            with self.subTest(cpu_max=text.strip()):
                root = self._cgroup({"cpu.max": text})
                got = self.conf.available_vcpus(root)
                self.assertAlmostEqual(got, vcpu, msg=f"vcpus: got {got}, want {vcpu}")
                got_w = self.conf.default_workers({}, root)
                self.assertEqual(got_w, workers, f"workers: got {got_w}, want {workers}")

    def test_cgroup_v1_quota(self):
        root = self._cgroup({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"})
        got = self.conf.available_vcpus(root)
        self.assertAlmostEqual(got, 2.0, msg=f"vcpus: got {got}, want 2.0")

    def test_unlimited_quota_falls_back_to_affinity(self):
        want = float(len(os.sched_getaffinity(0)))
        for files in ({"cpu.max": "max 100000\n"}, {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, {}):
            with self.subTest(files=files):
                got = self.conf.available_vcpus(self._cgroup(files))
                self.assertEqual(got, want, f"vcpus: got {got}, want affinity {want}")


class DefaultsTest(unittest.TestCase):
    def test_drain_chain_defaults(self):
        conf = load_conf()
        self.assertGreater(conf.keepalive, 60, f"keepalive {conf.keepalive} must exceed the ALB idle timeout 60")
        self.assertLess(conf.graceful_timeout, 30, f"graceful_timeout {conf.graceful_timeout} must be below stopTimeout 30")
        self.assertEqual(conf.keepalive, 75, f"keepalive: got {conf.keepalive}, want 75")
        self.assertEqual(conf.graceful_timeout, 25, f"graceful_timeout: got {conf.graceful_timeout}, want 25")

    def test_other_defaults(self):
        conf = load_conf()
        want = {
            "bind": "0.0.0.0:8000", "worker_class": "gthread", "threads": 2, "timeout": 60,
            "worker_tmp_dir": "/dev/shm", "forwarded_allow_ips": "*", "accesslog": "-",
        }
        for name, value in want.items():
            with self.subTest(setting=name):
                got = getattr(conf, name)
                self.assertEqual(got, value, f"{name}: got {got!r}, want {value!r}")
        self.assertGreaterEqual(conf.workers, 2, f"workers: got {conf.workers}, want >= 2")

    def test_env_overrides(self):
        conf = load_conf(PORT="9000", GUNICORN_THREADS="6", GUNICORN_TIMEOUT="30",
                         GUNICORN_KEEPALIVE="90", GUNICORN_GRACEFUL_TIMEOUT="20")
        got = (conf.bind, conf.threads, conf.timeout, conf.keepalive, conf.graceful_timeout)
        want = ("0.0.0.0:9000", 6, 30, 90, 20)
        self.assertEqual(got, want, f"got {got}, want {want}")


if __name__ == "__main__":
    unittest.main()
