"""Nothing wrote into the app directory at run time (it is read-only in the container)."""
import unittest

from . import support


class ReadOnlyTest(unittest.TestCase):
    def test_runtime_wrote_nothing_into_app_dir(self):
        before = support.ensure_built()["snapshot"]
        after = support.snapshot(support.APP_DIR)
        added = sorted(set(after) - set(before))
        changed = sorted(p for p in set(after) & set(before) if after[p] != before[p])
        self.assertEqual((added, changed), ([], []), f"added {added[:20]}, changed {changed[:20]}, want none")


if __name__ == "__main__":
    unittest.main()
