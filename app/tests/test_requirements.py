"""The image's Python dependencies are pinned with hashes (issue 13, item 4).

When app/requirements.lock exists, the Dockerfile installs only from it,
with pip's --require-hashes; without it, from requirements.txt (exact
top-level pins, no hashes: the state today). check_lock() is what a lock must satisfy: every
requirement pinned with == and carrying at least one sha256 hash, no
unpinned or hashless line, and every pin of requirements.txt present at the
same version. It is tested on small locks that break it one way at a time,
then applied to the real lock, which app/lock-requirements.sh writes
(pip-compile --generate-hashes in the image's base; it needs PyPI, which the
machine that wrote this has not: when the lock is absent, that test is
skipped with the command to run, and the image builds from requirements.txt).
"""
import pathlib
import re
import unittest

APP = pathlib.Path(__file__).resolve().parent.parent
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}$")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def logical_lines(text):
    """Requirement lines with their backslash continuations joined, comments dropped."""
    out, current = [], ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        out.append((current + line).strip())
        current = ""
    if current.strip():
        out.append(current.strip())
    return out


def top_level_pins(text):
    pins = {}
    for line in logical_lines(text):
        match = PIN.match(line)
        if not match:
            raise ValueError(f"requirements.txt: {line!r} is not pinned with ==")
        pins[_canonical(match.group(1))] = match.group(3)
    return pins


def check_lock(lock_text, requirements_text):
    """A list of problems; empty when the lock is complete and hash-pinned."""
    problems, locked = [], {}
    for line in logical_lines(lock_text):
        if line.startswith("-"):
            problems.append(f"option line {line!r}: the lock holds requirements only")
            continue
        match = PIN.match(line)
        if not match:
            problems.append(f"{line.split()[0]!r} is not pinned with ==")
            continue
        hashes = [part for part in line.split() if part.startswith("--hash=")]
        if not hashes or not all(HASH.match(h) for h in hashes):
            problems.append(f"{match.group(1)}=={match.group(3)} has no sha256 hash (got {hashes})")
        locked[_canonical(match.group(1))] = match.group(3)
    for name, version in top_level_pins(requirements_text).items():
        if locked.get(name) != version:
            problems.append(f"requirements.txt pins {name}=={version}, the lock has {locked.get(name)}")
    return problems


H1, H2 = "a" * 64, "b" * 64
GOOD_REQS = "Django==5.2.11\ngunicorn==23.0.0\n"
GOOD_LOCK = f"""# generated
asgiref==3.8.1 \\
    --hash=sha256:{H1}
django==5.2.11 \\
    --hash=sha256:{H1} \\
    --hash=sha256:{H2}
    # via -r requirements.txt
gunicorn==23.0.0 \\
    --hash=sha256:{H2}
"""


class CheckLockTest(unittest.TestCase):
    def test_good_lock_passes(self):
        self.assertEqual(check_lock(GOOD_LOCK, GOOD_REQS), [])

    def test_each_breakage_is_caught(self):
        cases = {
            "a line without a hash": GOOD_LOCK.replace(f"asgiref==3.8.1 \\\n    --hash=sha256:{H1}", "asgiref==3.8.1"),
            "an unpinned requirement": GOOD_LOCK + "sqlparse>=0.5\n",
            "a short hash": GOOD_LOCK.replace(f"sha256:{H2}\n", "sha256:abc\n", 1),
            "a top-level pin at another version": GOOD_LOCK.replace("gunicorn==23.0.0", "gunicorn==22.0.0"),
            "a top-level pin missing": GOOD_LOCK.replace(f"gunicorn==23.0.0 \\\n    --hash=sha256:{H2}\n", ""),
            "an index option": "--index-url https://example.invalid/simple\n" + GOOD_LOCK,
        }
        for what, lock in cases.items():
            with self.subTest(what):
                self.assertNotEqual(check_lock(lock, GOOD_REQS), [], f"{what}: got no problem, want one")


class RealLockTest(unittest.TestCase):
    def test_requirements_txt_pins_every_line(self):
        # The image installs it when the lock is absent: every line must be name==version.
        text = (APP / "requirements.txt").read_text()
        try:
            pins = top_level_pins(text)
        except ValueError as exc:
            self.fail(str(exc))
        self.assertIn("django", pins, f"requirements.txt: got pins {sorted(pins)}, want Django among them")

    def test_requirements_lock_is_complete_and_hashed(self):
        lock = APP / "requirements.lock"
        if not lock.exists():
            self.skipTest("app/requirements.lock is missing: run `bash app/lock-requirements.sh` "
                          "(Docker + PyPI); until then the image installs requirements.txt without hashes")
        problems = check_lock(lock.read_text(), (APP / "requirements.txt").read_text())
        self.assertEqual(problems, [], "requirements.lock:\n" + "\n".join(problems))


if __name__ == "__main__":
    unittest.main()
