#!/usr/bin/env python3
"""End-to-end tests of the output guards (issue 12, section 1): --out never
replaces a case, an input or a folder claims did not write, for run, tally,
distribute and gen; the shrink guard of `claims run`; changes.csv; no lock or
staging files left beside the outputs.
Environment: CL_CLAIMS (binary), CL_SAMPLES (tests/data), CL_SOURCE_DIR."""
import csv
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import unittest

CLAIMS = os.environ.get("CL_CLAIMS", "build/engine/claims")
SAMPLE = os.path.join(os.environ.get("CL_SAMPLES", "tests/data"), "xiaoming-mini")
TALLY = os.path.join(os.environ.get("CL_SOURCE_DIR", "."), "tests", "tally")


def run(args):
    return subprocess.run([CLAIMS] + args, capture_output=True, text=True)


def run_case(case, out, *extra, submissions=None):
    return run(["run", "--case", os.path.join(case, "case.conf"),
                "--submissions", submissions or os.path.join(case, "submissions.csv"),
                "--ledger", os.path.join(case, "ledger.csv"),
                "--overrides", os.path.join(case, "overrides.csv"),
                "--out", out, "--quiet"] + list(extra))


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def snapshot(d):
    """Every file under d with its bytes."""
    out = {}
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, d)] = fh.read()
    return out


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cl_guard_")
        self.case = os.path.join(self.tmp, "case")
        shutil.copytree(SAMPLE, self.case, ignore=shutil.ignore_patterns("expected"))
        # the case's key, as a run without creditor_key keeps it
        with open(os.path.join(self.case, "case.key"), "w") as f:
            f.write("0123456789abcdef0123456789abcdef\n")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def assert_refused(self, r, *words):
        self.assertEqual(r.returncode, 1, r.stderr)
        for w in words:
            self.assertIn(w, r.stderr)

    def assert_nothing_beside(self, folder):
        left = [n for n in os.listdir(folder) if n.endswith(".lock") or ".tmp-" in n]
        self.assertEqual(left, [], f"left beside the outputs in {folder}")


class RunOut(Base):
    def test_case_folder_is_refused_and_survives(self):
        before = snapshot(self.case)
        r = run_case(self.case, self.case)
        self.assert_refused(r, "--out", "case.conf")
        self.assertEqual(snapshot(self.case), before)
        self.assert_nothing_beside(self.tmp)
        # with a trailing slash, relative, or through a link: the same folder
        link = os.path.join(self.tmp, "link")
        os.symlink(self.case, link)
        for out in (self.case + "/", os.path.relpath(self.case), link,
                    os.path.join(self.case, "..", "case")):
            self.assert_refused(run_case(self.case, out))
        self.assertEqual(snapshot(self.case), before)

    def test_input_file_is_refused(self):
        ledger = os.path.join(self.case, "ledger.csv")
        with open(ledger, "rb") as f:
            data = f.read()
        r = run_case(self.case, ledger)
        self.assert_refused(r, "ledger.csv", "input")
        self.assertTrue(os.path.isfile(ledger))
        with open(ledger, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assert_nothing_beside(self.case)

    def test_ancestor_of_inputs_is_refused(self):
        before = snapshot(self.tmp)
        r = run_case(self.case, self.tmp)
        self.assert_refused(r, "above the input")
        self.assertEqual(snapshot(self.tmp), before)
        base = os.path.basename(self.tmp)
        self.assertEqual([n for n in os.listdir(os.path.dirname(self.tmp))
                          if n.startswith(base)], [base])

    def test_folder_with_case_key_is_refused(self):
        other = os.path.join(self.tmp, "other")
        os.makedirs(other)
        with open(os.path.join(other, "case.key"), "w") as f:
            f.write("k\n")
        self.assert_refused(run_case(self.case, other), "case.key")
        self.assertTrue(os.path.exists(os.path.join(other, "case.key")))

    def test_foreign_folder_is_refused(self):
        foreign = os.path.join(self.tmp, "photos")
        os.makedirs(foreign)
        with open(os.path.join(foreign, "holiday.jpg"), "w") as f:
            f.write("x")
        r = run_case(self.case, foreign)
        self.assert_refused(r, "did not write", "holiday.jpg")
        self.assertEqual(os.listdir(foreign), ["holiday.jpg"])
        self.assert_nothing_beside(self.tmp)

    def test_not_a_folder_is_refused(self):
        f = os.path.join(self.tmp, "notes.txt")
        with open(f, "w") as fh:
            fh.write("keep me")
        self.assert_refused(run_case(self.case, f), "not a folder")
        with open(f) as fh:
            self.assertEqual(fh.read(), "keep me")

    def test_folder_inside_the_case_works(self):
        out = os.path.join(self.case, "out")
        r = run_case(self.case, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(out, "claims.csv")))
        with open(os.path.join(out, ".claims-output")) as f:
            self.assertIn("run", f.read())
        # and again: a previous claims output is replaced
        r = run_case(self.case, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_nothing_beside(self.case)
        self.assertTrue(os.path.exists(os.path.join(self.case, "case.key")))

    def test_previous_output_without_marker_works(self):
        # outputs of an older claims: recognised by their manifest
        out = os.path.join(self.tmp, "out")
        self.assertEqual(run_case(self.case, out).returncode, 0)
        os.unlink(os.path.join(out, ".claims-output"))
        with open(os.path.join(out, "stale.txt"), "w") as f:
            f.write("old")
        r = run_case(self.case, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "stale.txt")))
        # a manifest of something else is no licence
        with open(os.path.join(out, "manifest.json"), "w") as f:
            json.dump({"engine": "other 1.0"}, f)
        os.unlink(os.path.join(out, ".claims-output"))
        self.assert_refused(run_case(self.case, out), "did not write")

    def test_empty_folder_works(self):
        out = os.path.join(self.tmp, "empty")
        os.makedirs(out)
        self.assertEqual(run_case(self.case, out).returncode, 0)


class Shrink(Base):
    def test_header_only_submissions_are_refused(self):
        out = os.path.join(self.case, "out")
        self.assertEqual(run_case(self.case, out).returncode, 0)
        before = snapshot(out)
        subs = os.path.join(self.tmp, "export.csv")
        with open(os.path.join(self.case, "submissions.csv"), encoding="utf-8") as f:
            header = f.readline()
        with open(subs, "w", encoding="utf-8") as f:
            f.write(header)
        r = run_case(self.case, out, submissions=subs)
        self.assert_refused(r, "0 rows", "315", "--allow-shrink")
        self.assertEqual(snapshot(out), before)
        self.assert_nothing_beside(self.case)
        # fewer than half is refused too; --allow-shrink passes
        with open(os.path.join(self.case, "submissions.csv"), encoding="utf-8") as f:
            lines = f.readlines()
        with open(subs, "w", encoding="utf-8") as f:
            f.writelines(lines[:100])
        self.assert_refused(run_case(self.case, out, submissions=subs), "99 rows", "315")
        r = run_case(self.case, out, "--allow-shrink", submissions=subs)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = json.load(open(os.path.join(out, "manifest.json")))
        self.assertEqual(m["inputs"]["submissions"]["rows"], 99)

    def test_empty_ledger_is_refused(self):
        out = os.path.join(self.tmp, "out")
        self.assertEqual(run_case(self.case, out).returncode, 0)
        ledger = os.path.join(self.case, "ledger.csv")
        with open(ledger, encoding="utf-8") as f:
            header = f.readline()
        with open(ledger, "w", encoding="utf-8") as f:
            f.write(header)
        self.assert_refused(run_case(self.case, out), "ledger", "0 rows", "5488")


class Changes(Base):
    def edit_submissions(self):
        p = os.path.join(self.case, "submissions.csv")
        with open(p, encoding="utf-8") as f:
            lines = f.read().splitlines()
        out = []
        for line in lines:
            if line.startswith("SB20180000001,"):
                line = line.replace("￥99.00", "50.00")            # confirmed amount changes
            elif line.startswith("SB20180000002,"):
                line = line.replace(",398.00,5.00,", ",299.00,,")  # PARTIAL -> CONFIRMED
            elif line.startswith("SB20180000003,"):
                out.append(line.replace("SB20180000003", "SBNEW0000001"))  # new
                continue                                             # and gone
            out.append(line)
        with open(p, "w", encoding="utf-8") as f:
            f.write("\n".join(out) + "\n")

    def test_changes_across_two_runs(self):
        out = os.path.join(self.tmp, "out")
        r = run(["run", "--case", os.path.join(self.case, "case.conf"),
                 "--submissions", os.path.join(self.case, "submissions.csv"),
                 "--ledger", os.path.join(self.case, "ledger.csv"), "--out", out])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("all 319 claims new", r.stdout)
        first = read_csv(os.path.join(out, "changes.csv"))
        self.assertEqual(len(first), 319)
        self.assertEqual({c["change"] for c in first}, {"new"})
        self.assertIn("books:EMP0003", {c["claim_key"] for c in first})
        prev = read_csv(os.path.join(out, "claims.csv"))
        m = json.load(open(os.path.join(out, "manifest.json")))
        self.assertIn("changes.csv", m["outputs"])

        self.edit_submissions()
        r = run(["run", "--case", os.path.join(self.case, "case.conf"),
                 "--submissions", os.path.join(self.case, "submissions.csv"),
                 "--ledger", os.path.join(self.case, "ledger.csv"), "--out", out])
        self.assertEqual(r.returncode, 0, r.stderr)
        now = read_csv(os.path.join(out, "claims.csv"))
        got = read_csv(os.path.join(out, "changes.csv"))
        by = {c["claim_key"]: c for c in got}
        self.assertEqual(by["SB20180000001"]["change"], "amount")
        self.assertEqual((by["SB20180000001"]["confirmed_total_before"],
                          by["SB20180000001"]["confirmed_total_after"]), ("99.00", "50.00"))
        self.assertEqual(by["SB20180000002"]["change"], "status")
        self.assertEqual((by["SB20180000002"]["status_before"],
                          by["SB20180000002"]["status_after"]), ("PARTIAL", "CONFIRMED"))
        self.assertEqual(by["SB20180000003"]["change"], "gone")
        self.assertEqual(by["SB20180000003"]["status_after"], "")
        self.assertEqual(by["SB20180000003"]["confirmed_total_after"], "")
        self.assertEqual(by["SBNEW0000001"]["change"], "new")
        self.assertEqual(by["SBNEW0000001"]["status_before"], "")
        # the whole file is what an independent comparison of the two claims.csv gives
        self.assertEqual(got, expected_changes(prev, now))
        self.assertEqual([c["claim_key"] for c in got], sorted(c["claim_key"] for c in got))
        n = {k: sum(1 for c in got if k in c["change"].split("+"))
             for k in ("new", "gone", "status", "amount")}
        self.assertIn(f"{n['new']} new, {n['gone']} gone, {n['status']} changed status, "
                      f"{n['amount']} changed confirmed amount", r.stdout)
        # a third run on the same inputs changes nothing
        self.assertEqual(run_case(self.case, out).returncode, 0)
        run_case(self.case, out)   # now with overrides both times
        self.assertEqual(read_csv(os.path.join(out, "changes.csv")), [])


def keyed(rows):
    out, seen = {}, {}
    for r in rows:
        base = r["submission_id"] or "books:" + r["matched_account"]
        seen[base] = seen.get(base, 0) + 1
        out[base if seen[base] == 1 else f"{base}#{seen[base]}"] = r
    return out


def expected_changes(prev, now):
    a, b = keyed(prev), keyed(now)
    rows = []
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k), b.get(k)
        if x and y:
            st = x["status"] != y["status"]
            am = x["confirmed_total"] != y["confirmed_total"]
            if not st and not am:
                continue
            kind = "status+amount" if st and am else "status" if st else "amount"
        else:
            kind = "new" if y else "gone"
        rows.append({"claim_key": k, "change": kind,
                     "status_before": x["status"] if x else "",
                     "status_after": y["status"] if y else "",
                     "confirmed_total_before": x["confirmed_total"] if x else "",
                     "confirmed_total_after": y["confirmed_total"] if y else ""})
    return rows


class LeftBeside(Base):
    def test_no_lock_or_staging_after_success_and_failure(self):
        out = os.path.join(self.tmp, "out")
        self.assertEqual(run_case(self.case, out).returncode, 0)
        self.assert_nothing_beside(self.tmp)
        with open(os.path.join(self.case, "ledger.csv"), "a", encoding="utf-8") as f:
            f.write("LE999,XM1,deposit,12,34.00,2018-01-01,a,PRC_ID,1,1\n")
        r = run_case(self.case, out)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assert_nothing_beside(self.tmp)

    def test_lock_of_a_killed_run_is_taken_over_and_removed(self):
        out = os.path.join(self.tmp, "out")
        open(out + ".lock", "w").close()         # left by a killed run
        os.makedirs(out + ".tmp-KILLED")         # its staging directory
        self.assertEqual(run_case(self.case, out).returncode, 0)
        self.assert_nothing_beside(self.tmp)

    def test_held_lock_is_not_removed(self):
        out = os.path.join(self.tmp, "out")
        with open(out + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            r = run_case(self.case, out)
            self.assertEqual(r.returncode, 3)
            self.assertTrue(os.path.exists(out + ".lock"))


class OtherCommands(Base):
    def tally(self, out):
        return run(["tally", "--roster", os.path.join(self.tin, "roster.csv"),
                    "--meeting", os.path.join(self.tin, "meeting.conf"),
                    "--ballots", os.path.join(self.tin, "ballots.csv"),
                    "--out", out, "--quiet", "--no-progress"])

    def distribute(self, out):
        return run(["distribute", "--creditors", os.path.join(self.tin, "creditors.csv"),
                    "--amount", "100000", "--out", out, "--quiet", "--no-progress"])

    def gen(self, out):
        return run(["gen", "--scale", "0.001", "--out", out, "--no-progress"])

    def setUp(self):
        super().setUp()
        self.tin = os.path.join(self.tmp, "meeting")
        shutil.copytree(TALLY, self.tin, ignore=shutil.ignore_patterns("expected", "*.sh",
                                                                        "*.txt"))

    def check_command(self, cmd, inputs):
        before = snapshot(self.tmp)
        # into the folder of its inputs, an input, a folder above them, a foreign folder
        for out in inputs:
            self.assert_refused(cmd(out), "--out")
        self.assert_refused(cmd(self.tin), "--out")
        self.assert_refused(cmd(self.tmp), "--out")
        self.assert_refused(cmd(self.case), "--out")    # holds a case key and a case
        foreign = os.path.join(self.tmp, "foreign")
        os.makedirs(foreign)
        with open(os.path.join(foreign, "x.txt"), "w") as f:
            f.write("x")
        self.assert_refused(cmd(foreign), "did not write")
        before["foreign/x.txt"] = b"x"
        self.assertEqual(snapshot(self.tmp), before)
        self.assert_nothing_beside(self.tmp)
        # a new folder, then its own outputs again, then a run's outputs: fine
        out = os.path.join(self.tmp, "out")
        for _ in range(2):
            r = cmd(out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assert_nothing_beside(self.tmp)
        self.assertTrue(os.path.exists(os.path.join(out, ".claims-output")))
        runout = os.path.join(self.tmp, "runout")
        self.assertEqual(run_case(self.case, runout).returncode, 0)
        r = cmd(runout)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_tally(self):
        self.check_command(self.tally, [os.path.join(self.tin, "ballots.csv")])

    def test_distribute(self):
        self.check_command(self.distribute, [os.path.join(self.tin, "creditors.csv")])

    def test_gen(self):
        # gen reads nothing: a case, a key or a foreign folder is what it must not replace
        before = snapshot(self.tmp)
        self.assert_refused(self.gen(self.case), "case.key")
        self.assert_refused(self.gen(os.path.join(self.case, "ledger.csv")), "not a folder")
        self.assert_refused(self.gen(self.tmp), "did not write")
        self.assertEqual(snapshot(self.tmp), before)
        out = os.path.join(self.tmp, "gen")
        for _ in range(2):
            r = self.gen(out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assert_nothing_beside(self.tmp)
        # a generated case someone has started to use: its key is never replaced
        with open(os.path.join(out, "case.key"), "w") as f:
            f.write("k\n")
        self.assert_refused(self.gen(out), "case.key")


if __name__ == "__main__":
    unittest.main(verbosity=2)
