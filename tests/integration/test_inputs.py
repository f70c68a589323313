#!/usr/bin/env python3
"""Bad inputs as a user meets them, through the real binary (issue 12 §3):
a missing, unreadable or directory input, or a FIFO, is bad input (exit 1)
naming the file, for every input of `claims run`, `tally`, `distribute` and
`rules check`; an unclosed quote is reported on the line where it opened and
where the parser gave up; a bad ledger value names its column.
Environment: CL_CLAIMS (binary), CL_SAMPLES (tests/data)."""
import os
import shutil
import subprocess
import tempfile
import unittest

CLAIMS = os.environ.get("CL_CLAIMS", "build/engine/claims")
SAMPLE = os.path.join(os.environ.get("CL_SAMPLES", "tests/data"), "xiaoming-mini")


def run(args):
    return subprocess.run([CLAIMS] + args, capture_output=True, text=True, timeout=300)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cl_inputs_")
        self.case = os.path.join(self.tmp, "case")
        shutil.copytree(SAMPLE, self.case, ignore=shutil.ignore_patterns("expected"))
        self.bad = {}
        self.bad["missing"] = os.path.join(self.tmp, "missing.csv")
        self.bad["directory"] = os.path.join(self.tmp, "adir")
        os.mkdir(self.bad["directory"])
        self.bad["fifo"] = os.path.join(self.tmp, "afifo")
        os.mkfifo(self.bad["fifo"])
        if os.geteuid() != 0:   # root reads anything
            self.bad["unreadable"] = os.path.join(self.tmp, "locked.csv")
            with open(self.bad["unreadable"], "w") as f:
                f.write("x\n")
            os.chmod(self.bad["unreadable"], 0)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def c(self, name):
        return os.path.join(self.case, name)

    def run_args(self, **over):
        a = {"--case": self.c("case.conf"), "--submissions": self.c("submissions.csv"),
             "--ledger": self.c("ledger.csv"), "--overrides": self.c("overrides.csv")}
        a.update(over)
        args = ["run", "--out", os.path.join(self.tmp, "out"), "--quiet", "--no-xlsx"]
        for k, v in a.items():
            args += [k, v]
        return args

    def assert_bad_input(self, args, path, what):
        r = run(args)
        self.assertEqual(r.returncode, 1, f"{what}: exit {r.returncode}, stderr: {r.stderr}")
        self.assertIn(path, r.stderr, what)
        self.assertNotIn("internal", r.stderr.lower(), what)
        return r


class UnreadableInputs(Base):
    def test_run_inputs(self):
        # the run works as given, so each failure below is the bad input's
        ok = run(self.run_args())
        self.assertEqual(ok.returncode, 0, ok.stderr)
        shutil.rmtree(os.path.join(self.tmp, "out"))
        for opt in ["--case", "--submissions", "--ledger", "--overrides", "--rules"]:
            for kind, path in self.bad.items():
                self.assert_bad_input(self.run_args(**{opt: path}), path, f"run {opt} {kind}")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out")))

    def test_tally_inputs(self):
        out = os.path.join(self.tmp, "run")
        r = run(["run", "--case", self.c("case.conf"), "--submissions", self.c("submissions.csv"),
                 "--ledger", self.c("ledger.csv"), "--out", out, "--quiet", "--no-xlsx"])
        self.assertEqual(r.returncode, 0, r.stderr)
        meeting = os.path.join(self.tmp, "meeting.conf")
        with open(meeting, "w") as f:
            f.write("meeting_id = M1\nopens_at = 2018-01-01 00:00:00\n"
                    "closes_at = 2018-12-31 23:59:59\nresolution.R1 = general\n")
        ballots = os.path.join(self.tmp, "ballots.csv")
        with open(ballots, "w") as f:
            f.write("ballot_id,meeting_id,resolution_id,creditor_id,group,choice,cast_at,channel\n")
        inputs = {"--roster": os.path.join(out, "roster.csv"), "--meeting": meeting,
                  "--ballots": ballots}
        for opt in inputs:
            for kind, path in self.bad.items():
                a = dict(inputs, **{opt: path})
                args = ["tally", "--out", os.path.join(self.tmp, "t"), "--quiet", "--no-xlsx"]
                for k, v in a.items():
                    args += [k, v]
                self.assert_bad_input(args, path, f"tally {opt} {kind}")

    def test_distribute_input(self):
        for kind, path in self.bad.items():
            self.assert_bad_input(["distribute", "--creditors", path, "--amount", "100",
                                   "--out", os.path.join(self.tmp, "d"), "--quiet",
                                   "--no-xlsx"], path, f"distribute {kind}")

    def test_rules_check_inputs(self):
        here = os.path.dirname(os.path.abspath(__file__))
        rules = os.path.join(here, "..", "..", "rules", "default.rules")
        for kind, path in self.bad.items():
            self.assert_bad_input(["rules", "check", path], path, f"rules check {kind}")
            self.assert_bad_input(["rules", "check", rules, "--case", path], path,
                                  f"rules check --case {kind}")


class Positions(Base):
    def test_unclosed_quote_names_where_it_opened(self):
        path = self.c("submissions.csv")
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        self.assertGreater(len(lines), 60)
        # line 50: the name field's quote is never closed; line 59: a quoted field
        cols = lines[49].split(",")
        cols[3] = '"' + cols[3]
        lines[49] = ",".join(cols)
        cols = lines[58].split(",")
        cols[3] = '"' + cols[3] + '"'
        lines[58] = ",".join(cols)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        r = run(self.run_args())
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"{path}:50:4: field 4 (name): the quoted field opened on this line is "
                      "not closed properly: the parser gave up on line 59", r.stderr)

    def test_ledger_error_names_the_column(self):
        path = self.c("ledger.csv")
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        cols = lines[1].split(",")
        cols[3] = "12x"
        lines[1] = ",".join(cols)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        r = run(self.run_args())
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"{path}:2:4: column 4 (amount): not an amount: '12x'", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
