#!/usr/bin/env python3
"""End-to-end tests of the probable duplicates (issue 17) with `claims run`.

On a generated case (which plants duplicates and innocents and writes
linkage_truth.csv): claims.csv, creditors.csv, roster.csv and
overrides_rejected.csv are byte-identical with `linkage = off` in case.conf
and without it; probable_duplicates.csv lists every planted group as one
cluster and no innocent; the review queue's `cluster` column names listed
clusters; public outputs hold no cluster; a bad linkage key names its line.
Environment: CL_CLAIMS (binary)."""
import csv
import os
import shutil
import subprocess
import tempfile
import unittest

CLAIMS = os.environ.get("CL_CLAIMS", "build/claims")
SAME = ["claims.csv", "creditors.csv", "roster.csv", "overrides_rejected.csv"]


def run(args):
    return subprocess.run([CLAIMS] + args, capture_output=True, text=True)


def run_case(case, out, conf=None, *extra):
    return run(["run", "--case", conf or os.path.join(case, "case.conf"),
                "--submissions", os.path.join(case, "submissions.csv"),
                "--ledger", os.path.join(case, "ledger.csv"),
                "--overrides", os.path.join(case, "overrides.csv"),
                "--out", out, "--quiet"] + list(extra))


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Linkage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cl_lk_")
        cls.case = os.path.join(cls.tmp, "case")
        r = run(["gen", "--scale", "0.02", "--seed", "5", "--out", cls.case, "--no-progress"])
        assert r.returncode == 0, r.stderr
        cls.on = os.path.join(cls.tmp, "on")
        r = run_case(cls.case, cls.on, None, "--public")
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def conf_with(self, extra):
        text = open(os.path.join(self.case, "case.conf"), encoding="utf-8").read()
        path = os.path.join(self.case, "case-%d.conf" % abs(hash(extra)))
        with open(path, "w", encoding="utf-8") as f:
            f.write(text + "\n" + extra + "\n")
        return path

    def test_contract_outputs_identical_when_off(self):
        off = os.path.join(self.tmp, "off")
        r = run_case(self.case, off, self.conf_with("linkage = off"), "--public")
        self.assertEqual(r.returncode, 0, r.stderr)
        for f in SAME:
            with open(os.path.join(self.on, f), "rb") as a, open(os.path.join(off, f), "rb") as b:
                self.assertEqual(a.read(), b.read(), f)
        self.assertTrue(os.path.exists(os.path.join(self.on, "probable_duplicates.csv")))
        self.assertFalse(os.path.exists(os.path.join(off, "probable_duplicates.csv")))
        self.assertTrue(all(r["cluster"] == "" for r in
                            read_csv(os.path.join(off, "review_queue.csv"))))

    def test_planted_groups_found_innocents_not(self):
        truth = read_csv(os.path.join(self.case, "linkage_truth.csv"))
        groups = {}
        for t in truth:
            groups.setdefault((t["group"], t["kind"]), set()).add(t["submission_id"])
        clusters = read_csv(os.path.join(self.on, "probable_duplicates.csv"))
        by_sub = {}
        for c in clusters:
            for s in c["submissions"].split(";"):
                by_sub[s] = c
        kinds = set()
        for (g, kind), subs in groups.items():
            kinds.add(kind)
            if kind.startswith("innocent"):
                self.assertFalse(subs & by_sub.keys(), (g, kind))
                continue
            cl = {by_sub[s]["cluster"] for s in subs if s in by_sub}
            self.assertEqual(len(cl), 1, (g, kind, cl))
            c = by_sub[next(iter(subs))]
            self.assertEqual(set(c["submissions"].split(";")), subs, (g, kind))
            want = {"ring_bank_phone": "bank"}.get(kind, kind)
            self.assertIn(want, c["signals"].split(";"), (g, kind))
        self.assertEqual(kinds, {"id_typo", "id15_18", "name_variant", "bank", "phone",
                                 "account_ref", "ring_bank_phone", "innocent_family_phone",
                                 "innocent_lookalike"})
        scores = [int(c["score"]) for c in clusters]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertEqual([c["cluster"] for c in clusters],
                         ["PD%06d" % (i + 1) for i in range(len(clusters))])

    def test_review_queue_points_to_clusters(self):
        ids = {c["cluster"] for c in read_csv(os.path.join(self.on, "probable_duplicates.csv"))}
        rq = read_csv(os.path.join(self.on, "review_queue.csv"))
        named = [r for r in rq if r["cluster"]]
        self.assertTrue(named)
        self.assertTrue(all(r["cluster"] in ids for r in named))

    def test_public_outputs_hold_no_cluster(self):
        pub = os.path.join(self.on, "public")
        self.assertTrue(os.listdir(pub))
        for name in os.listdir(pub):
            data = open(os.path.join(pub, name), "rb").read()
            self.assertNotIn(b"PD0000", data, name)
            if name.endswith(".csv"):
                self.assertNotIn(b"cluster", data, name)

    def test_bad_key_names_line(self):
        out = os.path.join(self.tmp, "bad")
        r = run_case(self.case, out, self.conf_with("linkage_signals = bank,iban"))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r"case-\d+\.conf:\d+: bad value 'bank,iban' for linkage_signals")


if __name__ == "__main__":
    unittest.main(verbosity=2)
