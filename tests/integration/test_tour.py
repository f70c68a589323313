#!/usr/bin/env python3
"""README's "A short tour", run as written: the sh block under that heading
is read from README.md and each command run in a temporary directory (the
only changes: `claims` is the built binary, --scale 1 becomes a small scale,
and rules/ is the source tree's). Every command must exit 0 and write its
outputs; the generated ballots must name creditors of the run's roster.
Environment: CL_CLAIMS (binary), CL_SOURCE_DIR (the source tree)."""
import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

CLAIMS = os.environ.get("CL_CLAIMS", "build/engine/claims")
SRC = os.environ.get("CL_SOURCE_DIR", ".")

# what each command must leave behind, relative to its --out
OUTPUTS = {
    "gen": ["case.conf", "submissions.csv", "ledger.csv", "overrides.csv", "meeting.conf",
            "ballots.csv", "README.txt"],
    "run": ["claims.csv", "creditors.csv", "roster.csv", "manifest.json", "report.xlsx"],
    "tally": ["tally.csv", "ballots_rejected.csv", "tally.xlsx"],
    "distribute": ["distribution.csv", "distribution_summary.csv", "distribution.xlsx"],
}


def tour_commands():
    with open(os.path.join(SRC, "README.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^## A short tour\n+```sh\n(.*?)^```", text, re.S | re.M)
    assert m, "README.md has no '## A short tour' sh block"
    joined = re.sub(r"\\\n\s*", "", m.group(1))
    cmds = []
    for line in joined.splitlines():
        line = line.split("#", 1)[0].strip() if " #" in line or line.startswith("#") else line.strip()
        if line:
            cmds.append(shlex.split(line))
    return cmds


class Tour(unittest.TestCase):
    def test_tour_runs_as_written(self):
        tmp = tempfile.mkdtemp(prefix="cl_tour_")
        self.addCleanup(shutil.rmtree, tmp, True)
        os.symlink(os.path.join(SRC, "rules"), os.path.join(tmp, "rules"))
        cmds = tour_commands()
        self.assertTrue(any(c[1:2] == ["tally"] for c in cmds), "the tour has no tally")
        self.assertTrue(any(c[1:2] == ["distribute"] for c in cmds), "the tour has no distribute")
        outs = {}
        for argv in cmds:
            self.assertEqual(argv[0], "claims", argv)
            args = [CLAIMS] + ["0.02" if a == "1" and i > 0 and argv[i] == "--scale" else a
                               for i, a in enumerate(argv[1:])]
            r = subprocess.run(args, cwd=tmp, capture_output=True, text=True, timeout=600)
            self.assertEqual(r.returncode, 0, "%s: exit %d\n%s" % (" ".join(argv), r.returncode,
                                                                  r.stderr))
            outs[argv[1]] = r.stdout
            if "--out" in argv:
                out = os.path.join(tmp, argv[argv.index("--out") + 1])
                for f in OUTPUTS.get(argv[1], []):
                    self.assertTrue(os.path.isfile(os.path.join(out, f)),
                                    "%s wrote no %s" % (argv[1], f))
        # the ballots gen wrote name creditors the run put on the roster
        m = re.search(r"(\d+) ballots, (\d+) counted, (\d+) rejected", outs["tally"])
        self.assertTrue(m, outs["tally"])
        total, counted, rejected = map(int, m.groups())
        self.assertGreater(total, 0)
        self.assertGreater(counted, total * 3 // 4, outs["tally"])
        self.assertGreater(rejected, 0, "no bad ballots at all is not realistic")
        for reason in ("NOT_ON_ROSTER", "UNKNOWN_RESOLUTION", "OUTSIDE_WINDOW"):
            self.assertIn(reason, outs["tally"])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
