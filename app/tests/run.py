"""Runs the app's unittest suite in a fixed order and prints "N passed, N failed".

Usage (from app/): /usr/bin/python3 -m tests.run [-q] [tests.MODULE ...]
Naming modules (e.g. tests.test_rotation) runs only those, in the order given
(for development; the test command runs all).
The order matters for the live modules: the database outage and the
read-only check come last. Exit status is non-zero on any failure or error.
"""
import os
import signal
import sys
import time
import unittest

MODULES = [
    "tests.test_gunicorn_conf",
    "tests.test_requirements",
    "tests.test_settings",
    "tests.test_live",
    "tests.test_api_limits",
    "tests.test_safe_defaults",
    "tests.test_attachments",
    "tests.test_worker",
    "tests.test_shutdown",
    "tests.test_provision",
    "tests.test_dbsafety",
    "tests.test_rotation",
    "tests.test_tmpmount",
    "tests.test_outage",
    "tests.test_readonly",
]


def _on_term(signum, frame):
    # scripts/test-app.sh sends TERM on interrupt: take the gunicorn process
    # groups down with us, even one whose pid file is not written yet.
    from tests import support

    support.stop_all_servers(signal.SIGTERM)
    time.sleep(1)
    support.stop_all_servers(signal.SIGKILL)
    sys.stdout.flush()
    os._exit(128 + signum)  # not SystemExit: unittest would catch it and go on


class TimedResult(unittest.TextTestResult):
    """Records each test's wall time, to print the slowest ones."""

    def startTest(self, test):
        self._started = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        self.durations = getattr(self, "durations", [])
        self.durations.append((time.monotonic() - self._started, test.id()))


def main(argv):
    signal.signal(signal.SIGTERM, _on_term)
    verbosity = 1 if "-q" in argv else 2
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    only = [a for a in argv if a.startswith("tests.")]
    for name in only or MODULES:
        suite.addTests(loader.loadTestsFromName(name))
    result = unittest.TextTestRunner(verbosity=verbosity, stream=sys.stdout, resultclass=TimedResult).run(suite)
    print("slowest tests:")
    for seconds, name in sorted(getattr(result, "durations", []), reverse=True)[:8]:
        print(f"  {seconds:6.1f}s  {name}")
    # Count tests, not failing subtests: a test with three failing subtests is one failure.
    failing = {getattr(test, "test_case", test).id() for test, _ in result.failures + result.errors}
    failing |= {test.id() for test in result.unexpectedSuccesses}
    failed = len(failing)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    if skipped:
        print(f"{skipped} skipped")
    stack = os.environ.get("TEST_STACK", "")
    print(f"{stack + ': ' if stack else ''}{passed} passed, {failed} failed", flush=True)
    if os.environ.get("TEST_RESULT_FILE"):
        with open(os.environ["TEST_RESULT_FILE"], "w") as f:
            f.write(f"{passed} {failed}\n")
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
