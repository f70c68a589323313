#!/usr/bin/env python3
"""The verifiable draw and the notices of issue 18: `claims draw commit`,
`claims draw --beacon`, `claims draw --verify` (tampering named, exit 1),
strata seats, byte-for-byte reproducibility, the python verifier of
docs/DRAW.md against the C implementation; `claims notices` (events, stable
ids, templates). Environment: CL_CLAIMS (binary)."""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CLAIMS = os.environ.get("CL_CLAIMS", "build/claims")
HERE = os.path.dirname(os.path.abspath(__file__))
VERIFY_PY = os.path.join(HERE, "draw_verify.py")
BEACON = "2018-07-09 福彩3D 第2018184期 5 3 8"


def run(*args):
    return subprocess.run([CLAIMS] + [str(a) for a in args], capture_output=True, text=True)


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines(True)


def write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Draw(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cl_draw_")
        t = cls.tmp
        for args in (("gen", "--out", f"{t}/case", "--scale", "0.01", "--no-progress"),
                     ("run", "--case", f"{t}/case/case.conf", "--submissions",
                      f"{t}/case/submissions.csv", "--ledger", f"{t}/case/ledger.csv",
                      "--overrides", f"{t}/case/overrides.csv", "--out", f"{t}/run",
                      "--no-xlsx", "--quiet", "--no-progress")):
            r = run(*args)
            assert r.returncode == 0, r.stderr
        cls.roster = f"{t}/run/roster.csv"
        cls.creditors = f"{t}/run/creditors.csv"

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def draw(self, out, *extra, roster=None, beacon=BEACON, count=22):
        r = run("draw", "--roster", roster or self.roster, "--count", count, "--beacon", beacon,
                "--out", os.path.join(self.tmp, out), "--quiet", *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = os.path.join(self.tmp, out)
        with open(os.path.join(d, "draw_proof.json"), encoding="utf-8") as f:
            return d, json.load(f)

    def verify(self, proof, *extra, roster=None):
        return run("draw", "--verify", proof, "--roster", roster or self.roster, *extra)

    def test_commit_draw_verify_and_python(self):
        kind = ("--by", "kind", "--creditors", self.creditors)
        c = run("draw", "commit", "--roster", self.roster, "--count", 22, *kind,
                "--out", f"{self.tmp}/commit", "--quiet")
        self.assertEqual(c.returncode, 0, c.stderr)
        commit = f"{self.tmp}/commit/draw_commit.json"
        d, proof = self.draw("k1", *kind, "--commitment", commit)
        seats = {s["stratum"]: s["seats"] for s in proof["commitment"]["strata"]}
        self.assertEqual(sum(seats.values()), 22)
        self.assertEqual(set(seats), {"employee", "individual", "organization"})
        rows = read_csv(f"{d}/draw.csv")
        self.assertEqual([r["creditor_id"] for r in rows], proof["outcome"])
        self.assertEqual(len(set(proof["outcome"])), 22)
        for s, n in seats.items():
            self.assertEqual(sum(1 for r in rows if r["stratum"] == s), n)
        pub = read_csv(f"{d}/public/draw.csv")
        self.assertEqual([r["creditor_id"] for r in pub], proof["outcome"])
        for a, b in zip(rows, pub):
            self.assertTrue(b["name"].endswith("**") and b["name"] != a["name"], b["name"])
        r = self.verify(f"{d}/draw_proof.json", "--creditors", self.creditors,
                        "--commitment", commit)
        self.assertEqual(r.returncode, 0, r.stderr)
        # the independent verifier of docs/DRAW.md agrees with the C code
        p = subprocess.run([sys.executable, VERIFY_PY, f"{d}/draw_proof.json", self.roster,
                            self.creditors], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        # a draw under other parameters than committed is refused
        r = run("draw", "--roster", self.roster, "--count", 21, *kind, "--beacon", BEACON,
                "--commitment", commit, "--out", f"{self.tmp}/k2")
        self.assertEqual(r.returncode, 1)
        self.assertIn("parameters differs from the commitment", r.stderr)
        # a roster changed after the commitment (one creditor added) is refused
        lines = read_lines(self.roster)
        grown = f"{self.tmp}/roster_grown.csv"
        write_text(grown, "".join(lines) + lines[-1].replace(lines[-1][:4], "ffff", 1))
        r = run("draw", "--roster", grown, "--count", 22, "--beacon", BEACON, "--commitment",
                commit, "--out", f"{self.tmp}/k3")
        self.assertEqual(r.returncode, 1)
        self.assertIn("roster differs from the commitment", r.stderr)
        # verify against another commitment than the one drawn under fails
        c2 = run("draw", "commit", "--roster", self.roster, "--count", 21, *kind,
                 "--out", f"{self.tmp}/commit2", "--quiet")
        self.assertEqual(c2.returncode, 0, c2.stderr)
        r = self.verify(f"{d}/draw_proof.json", "--creditors", self.creditors,
                        "--commitment", f"{self.tmp}/commit2/draw_commit.json")
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not the commitment", r.stderr)

    def test_docs_carry_the_tested_verifier(self):
        src = os.environ.get("CL_SOURCE_DIR", os.path.join(HERE, "..", ".."))
        with open(os.path.join(src, "docs", "DRAW.md"), encoding="utf-8") as f:
            doc = f.read()
        with open(VERIFY_PY, encoding="utf-8") as f:
            self.assertIn(f.read(), doc)

    def test_reproducible_and_sensitive(self):
        d1, p1 = self.draw("a1")
        d2, p2 = self.draw("a2")
        for f in ("draw.csv", "public/draw.csv", "draw_proof.json"):
            with open(f"{d1}/{f}", "rb") as a, open(f"{d2}/{f}", "rb") as b:
                self.assertEqual(a.read(), b.read(), f)
        _, p3 = self.draw("a3", beacon=BEACON + " ")
        self.assertNotEqual(p1["outcome"], p3["outcome"])
        # a changed roster (one creditor's line dropped) changes the draw
        lines = read_lines(self.roster)
        other = f"{self.tmp}/roster2.csv"
        write_text(other, "".join(lines[:5] + lines[6:]))
        _, p4 = self.draw("a4", roster=other)
        self.assertNotEqual(p1["outcome"], p4["outcome"])
        self.assertNotEqual(p1["seed"], p4["seed"])
        p = subprocess.run([sys.executable, VERIFY_PY, f"{d1}/draw_proof.json", self.roster],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_tampering_fails(self):
        d, proof = self.draw("t")
        path = f"{d}/draw_proof.json"

        def tampered(change):
            pr = json.loads(json.dumps(proof))
            change(pr)
            p = f"{self.tmp}/tampered.json"
            with open(p, "w", encoding="utf-8") as f:
                json.dump(pr, f, ensure_ascii=False)
            return self.verify(p)

        r = tampered(lambda pr: pr["outcome"].__setitem__(3, pr["outcome"][4]))
        self.assertEqual(r.returncode, 1)
        self.assertIn("outcome differs at rank 4", r.stderr)
        r = tampered(lambda pr: pr.__setitem__("beacon", "another lottery"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("seed does not follow from the beacon", r.stderr)
        r = tampered(lambda pr: pr["commitment"]["parameters"].__setitem__("count", 21))
        self.assertEqual(r.returncode, 1)
        r = tampered(lambda pr: pr["outcome"].pop())
        self.assertEqual(r.returncode, 1)
        lines = read_lines(self.roster)
        other = f"{self.tmp}/roster3.csv"
        write_text(other, "".join(lines[:-1]))
        r = self.verify(path, roster=other)
        self.assertEqual(r.returncode, 1)
        self.assertIn("the roster differs", r.stderr)
        self.assertEqual(self.verify(path).returncode, 0)

    def test_bands_small_stratum_and_errors(self):
        # by amount, the few large creditors would get more seats than members
        _, p = self.draw("b", "--by", "band", "--bands", "100000", "--weight", "amount")
        st = p["commitment"]["strata"]
        self.assertEqual(sum(s["seats"] for s in st), 22)
        big = st[1]
        self.assertLessEqual(big["seats"], big["members"])
        self.assertEqual(big["seats"], big["members"])   # all of the small stratum
        p2 = subprocess.run([sys.executable, VERIFY_PY, f"{self.tmp}/b/draw_proof.json",
                             self.roster], capture_output=True, text=True)
        self.assertEqual(p2.returncode, 0, p2.stderr)
        r = run("draw", "--roster", self.roster, "--count", 10 ** 6, "--beacon", "x",
                "--out", f"{self.tmp}/e")
        self.assertEqual(r.returncode, 1)
        self.assertIn("exceeds", r.stderr)
        self.assertEqual(run("draw", "--roster", self.roster, "--count", 3,
                             "--out", f"{self.tmp}/e").returncode, 2)


class Notices(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cl_notices_")
        t = cls.tmp
        for args in (("gen", "--out", f"{t}/case", "--scale", "0.01", "--no-progress"),
                     ("run", "--case", f"{t}/case/case.conf", "--submissions",
                      f"{t}/case/submissions.csv", "--ledger", f"{t}/case/ledger.csv",
                      "--overrides", f"{t}/case/overrides.csv", "--out", f"{t}/run",
                      "--no-xlsx", "--quiet", "--no-progress"),
                     ("tally", "--roster", f"{t}/run/roster.csv", "--meeting",
                      f"{t}/case/meeting.conf", "--ballots", f"{t}/case/ballots.csv",
                      "--out", f"{t}/tally", "--no-xlsx", "--quiet", "--no-progress"),
                     ("distribute", "--run", f"{t}/run", "--amount", "1000000", "--out",
                      f"{t}/dist", "--no-xlsx", "--quiet", "--no-progress")):
            r = run(*args)
            assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def notices(self, out, *extra):
        t = self.tmp
        r = run("notices", "--run", f"{t}/run", "--meeting", f"{t}/case/meeting.conf",
                "--tally", f"{t}/tally", "--distribution", f"{t}/dist", "--out", f"{t}/{out}",
                "--quiet", *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        return read_csv(f"{t}/{out}/notices.csv")

    def test_events_and_ids(self):
        n1 = self.notices("n1")
        t = self.tmp
        review = read_csv(f"{t}/run/review_queue.csv")
        sent_back = [r for r in review if r["status"] == "NEEDS_CORRECTION"]
        corr = [n for n in n1 if n["event"] == "correction"]
        self.assertEqual([n["recipient"] for n in corr], [r["submission_id"] for r in sent_back])
        masked = 0
        for n, r in zip(corr, sent_back):
            if r["id_number"] and r["id_number"] in r["reasons"]:
                masked += 1   # the reason quotes the ID number: masked in the notice
                mask = r["id_number"][:4] + "*" * (len(r["id_number"]) - 8) + r["id_number"][-4:]
                self.assertIn(r["reasons"].replace(r["id_number"], mask), n["body_zh"])
                self.assertIn(r["reasons_en"].replace(r["id_number"], mask), n["body_en"])
            else:
                self.assertIn(r["reasons"], n["body_zh"])
                self.assertIn(r["reasons_en"], n["body_en"])
        self.assertGreater(masked, 0)
        roster = read_csv(f"{t}/run/roster.csv")
        meet = [n for n in n1 if n["event"] == "meeting"]
        self.assertEqual(len(meet), len(roster))
        self.assertIn(roster[0]["voting_amount"], meet[0]["body_zh"])
        self.assertIn("2018-07-20 09:00:00", meet[0]["body_en"])
        self.assertEqual(sum(1 for n in n1 if n["event"] == "resolution_result"),
                         2 * len(roster))
        dist = read_csv(f"{t}/dist/distribution.csv")
        paid = {r["creditor_id"] for r in dist if r["share"] not in ("0.00", "")}
        self.assertEqual({n["recipient"] for n in n1 if n["event"] == "distribution"}, paid)
        creditors = {r["creditor_id"]: r for r in read_csv(f"{t}/run/creditors.csv")}
        for n in n1:
            if n["event"].startswith("claim_"):
                c = creditors[n["recipient"]]
                self.assertEqual(c["pending_total"], "0.00")
                self.assertIn(c["declared_total"], n["body_zh"])
                if n["event"] != "claim_rejected":
                    self.assertIn(c["confirmed_total"], n["body_zh"])
        self.assertEqual(len({n["notice_id"] for n in n1}), len(n1))
        # no personal data in notices
        for n in corr:
            for r in sent_back:
                for v in (r["id_number"], r["phone"]):
                    if len(v) >= 6:
                        self.assertNotIn(v, n["body_zh"] + n["body_en"])
        # a rerun on the same inputs: the same bytes, the same ids
        self.notices("n2")
        for f in ("notices.csv", "notices.jsonl"):
            with open(f"{t}/n1/{f}", "rb") as a, open(f"{t}/n2/{f}", "rb") as b:
                self.assertEqual(a.read(), b.read())
        with open(f"{t}/n1/notices.jsonl", encoding="utf-8") as f:
            js = [json.loads(line) for line in f]
        self.assertEqual([j["notice_id"] for j in js], [n["notice_id"] for n in n1])

    def test_changed_amount_new_id_and_templates(self):
        t = self.tmp
        base = {n["notice_id"]: n for n in self.notices("c1")}
        # another distribution amount changes the distribution notices' ids only
        r = run("distribute", "--run", f"{t}/run", "--amount", "1200000", "--out",
                f"{t}/dist", "--no-xlsx", "--quiet", "--no-progress")
        self.assertEqual(r.returncode, 0, r.stderr)
        try:
            c2 = self.notices("c2")
        finally:
            run("distribute", "--run", f"{t}/run", "--amount", "1000000", "--out",
                f"{t}/dist", "--no-xlsx", "--quiet", "--no-progress")
        for n in c2:
            same = n["notice_id"] in base
            self.assertEqual(same, n["event"] != "distribution", n["event"])
        # a case's template replaces the wording, not the ids
        tpl = f"{t}/case.templates"
        with open(tpl, "w", encoding="utf-8") as f:
            f.write("# case wording\n[meeting]\ntitle_zh = 小鸣单车案债权人会议 {meeting_id}\n")
        c3 = self.notices("c3", "--templates", tpl)
        m = [n for n in c3 if n["event"] == "meeting"]
        self.assertEqual(m[0]["title_zh"], "小鸣单车案债权人会议 M2018-1")
        self.assertIn(m[0]["notice_id"], base)
        with open(tpl, "w", encoding="utf-8") as f:
            f.write("[meeting]\nbody_en = see {creditor} now\n")
        r = run("notices", "--run", f"{t}/run", "--templates", tpl, "--out", f"{t}/c4")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{tpl}:2:", r.stderr)
        self.assertIn("{creditor}", r.stderr)
        pt = run("notices", "--print-templates")
        self.assertEqual(pt.returncode, 0)
        self.assertIn("[distribution]", pt.stdout)


if __name__ == "__main__":
    unittest.main()
