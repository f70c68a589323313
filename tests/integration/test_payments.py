#!/usr/bin/env python3
"""Payments: `claims run` keeps each creditor's bank details in its private
payees.csv (the latest operative claim naming a bank account; never in
public/; listed in the manifest), and `claims distribute --run OUT` writes a
payment list (payments.csv and the 付款清单 sheet) whose per-tier totals match
distribution_summary.csv; with --creditors alone it still works and says the
bank details are missing (issue 12 §5).
Environment: CL_CLAIMS (binary), CL_SAMPLES (tests/data)."""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from decimal import Decimal

CLAIMS = os.environ.get("CL_CLAIMS", "build/engine/claims")
SAMPLE = os.path.join(os.environ.get("CL_SAMPLES", "tests/data"), "xiaoming-mini")
OPERATIVE_NOT = {"DUPLICATE", "NEEDS_CORRECTION", "SUPERSEDED"}


def run(*args):
    return subprocess.run([CLAIMS] + list(args), capture_output=True, text=True)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Payments(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cl_pay_")
        cls.out = os.path.join(cls.tmp, "out")
        case = os.path.join(cls.tmp, "case")
        shutil.copytree(SAMPLE, case, ignore=shutil.ignore_patterns("expected"))
        r = run("run", "--case", os.path.join(case, "case.conf"),
                "--submissions", os.path.join(case, "submissions.csv"),
                "--ledger", os.path.join(case, "ledger.csv"),
                "--overrides", os.path.join(case, "overrides.csv"),
                "--out", cls.out, "--public", "--quiet")
        assert r.returncode == 0, r.stderr
        cls.case = case

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_payees_rule_and_privacy(self):
        payees = {r["creditor_id"]: r for r in read_csv(os.path.join(self.out, "payees.csv"))}
        creditors = read_csv(os.path.join(self.out, "creditors.csv"))
        self.assertEqual(sorted(payees), sorted(c["creditor_id"] for c in creditors))
        # expected: per creditor the latest operative claim with a bank account
        subs = {r["submission_id"]: r for r in
                read_csv(os.path.join(self.case, "submissions.csv"))}
        best = {}
        for c in read_csv(os.path.join(self.out, "claims.csv")):
            if c["source"] != "submission" or c["status"] in OPERATIVE_NOT or not c["creditor_id"]:
                continue
            acct = subs[c["submission_id"]]["bank_account"].strip()
            if not acct:
                continue
            key = (c["submitted_at"], int(c["line"]))
            if c["creditor_id"] not in best or key > best[c["creditor_id"]][0]:
                best[c["creditor_id"]] = (key, c["submission_id"])
        with_bank = 0
        for cid, p in payees.items():
            if cid in best:
                self.assertEqual(p["submission_id"], best[cid][1], cid)
                self.assertNotEqual(p["bank_account"], "", cid)
                with_bank += 1
            else:
                self.assertEqual(p["bank_account"], "", cid)
        self.assertGreater(with_bank, len(payees) // 2)
        # private: nothing of it under public/, and the manifest lists it
        self.assertFalse(os.path.exists(os.path.join(self.out, "public", "payees.csv")))
        for f in os.listdir(os.path.join(self.out, "public")):
            if f.endswith(".csv"):
                text = open(os.path.join(self.out, "public", f), encoding="utf-8").read()
                for p in payees.values():
                    if p["bank_account"]:
                        self.assertNotIn(p["bank_account"], text)
        with open(os.path.join(self.out, "manifest.json"), encoding="utf-8") as f:
            self.assertIn("payees.csv", json.load(f)["outputs"])

    def check_payments(self, dist, with_bank):
        pays = read_csv(os.path.join(dist, "payments.csv"))
        summary = {r["tier"]: r for r in read_csv(os.path.join(dist, "distribution_summary.csv"))}
        shares = {(r["creditor_id"], r["tier"]): r["share"]
                  for r in read_csv(os.path.join(dist, "distribution.csv"))}
        creditors = {r["creditor_id"]: r for r in read_csv(os.path.join(self.out, "creditors.csv"))}
        payees = {r["creditor_id"]: r for r in read_csv(os.path.join(self.out, "payees.csv"))}
        zh = {"employee": "职工债权", "tax": "税款债权", "ordinary": "普通债权"}
        sums, totals = {}, {}
        for p in pays:
            self.assertEqual(p["tier_zh"], zh[p["tier"]])
            if not p["creditor_id"]:
                self.assertIn("合计", p["name"])
                totals[p["tier"]] = Decimal(p["amount"])
                continue
            self.assertEqual(p["amount"], shares[(p["creditor_id"], p["tier"])])
            self.assertGreater(Decimal(p["amount"]), 0)
            sums[p["tier"]] = sums.get(p["tier"], Decimal(0)) + Decimal(p["amount"])
            c = creditors[p["creditor_id"]]
            self.assertEqual((p["name"], p["id_type"], p["id_number"]),
                             (c["name"], c["id_type"], c["id_number"]))
            want = payees[p["creditor_id"]] if with_bank else {"bank_name": "", "bank_account": ""}
            self.assertEqual((p["bank_name"], p["bank_account"]),
                             (want["bank_name"], want["bank_account"]))
        self.assertTrue(sums)
        for tier, s in sums.items():
            self.assertEqual(s, totals[tier], tier)
            self.assertEqual(s, Decimal(summary[tier]["paid"]), tier)
        for tier in zh:
            if Decimal(summary[tier]["paid"]) > 0:
                self.assertIn(tier, totals)
        return pays

    def test_distribute_run(self):
        dist = os.path.join(self.tmp, "dist")
        r = run("distribute", "--run", self.out, "--amount", "9000.00", "--out", dist)
        self.assertEqual(r.returncode, 0, r.stderr)
        pays = self.check_payments(dist, True)
        self.assertTrue(any(p["bank_account"] for p in pays))
        self.assertIn("payments.csv:", r.stdout)
        import openpyxl
        wb = openpyxl.load_workbook(os.path.join(dist, "distribution.xlsx"))
        self.assertIn("付款清单", wb.sheetnames)
        ws = wb["付款清单"]
        self.assertEqual(ws.max_row - 1, len(pays))
        head = [c.value for c in ws[1]]
        self.assertIn("银行账号", head)
        self.assertIn("清偿顺序", head)

    def test_distribute_creditors_alone(self):
        dist = os.path.join(self.tmp, "dist2")
        r = run("distribute", "--creditors", os.path.join(self.out, "creditors.csv"),
                "--amount", "9000.00", "--out", dist)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.check_payments(dist, False)
        self.assertIn("bank details missing", r.stdout)

    def test_distribute_run_errors(self):
        r = run("distribute", "--run", os.path.join(self.tmp, "nowhere"), "--amount", "1",
                "--out", os.path.join(self.tmp, "d3"))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("creditors.csv", r.stderr)
        r = run("distribute", "--run", self.out, "--creditors", "x.csv", "--amount", "1",
                "--out", os.path.join(self.tmp, "d3"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "d3")))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
