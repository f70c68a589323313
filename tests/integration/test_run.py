#!/usr/bin/env python3
"""End-to-end tests of `claims run`: the binary on real files, as a user runs it.

Determinism (threads 1/2/4/8, repeated runs), atomic outputs (a failed run
leaves the previous outputs intact, no staging left), error messages naming
file, line and column, --max-bad-rows, GB18030 input, the case key.
Environment: CL_CLAIMS (binary), CL_SAMPLES (tests/data: the shared samples, copied)."""
import csv
import filecmp
import hashlib
import hmac
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CLAIMS = os.environ.get("CL_CLAIMS", "build/claims")
SAMPLE = os.path.join(os.environ.get("CL_SAMPLES", "tests/data"), "xiaoming-mini")
OUTPUTS = ["claims.csv", "creditors.csv", "roster.csv", "review_queue.csv",
           "overrides_rejected.csv", "rejected_rows.csv", "report.xlsx", "claims.xlsx"]


def run(args, **kw):
    return subprocess.run([CLAIMS] + args, capture_output=True, text=True, **kw)


def run_case(case_dir, out, *extra, overrides=True, env=None):
    args = ["run", "--case", os.path.join(case_dir, "case.conf"),
            "--submissions", os.path.join(case_dir, "submissions.csv"),
            "--ledger", os.path.join(case_dir, "ledger.csv"), "--out", out, "--quiet"]
    if overrides and os.path.exists(os.path.join(case_dir, "overrides.csv")):
        args += ["--overrides", os.path.join(case_dir, "overrides.csv")]
    return run(args + list(extra), env=env)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cl_it_")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def copy_sample(self, name="case"):
        d = os.path.join(self.tmp, name)
        shutil.copytree(SAMPLE, d, ignore=shutil.ignore_patterns("expected"))
        return d


class Determinism(Base):
    def assert_same_outputs(self, a, b):
        for f in OUTPUTS:
            self.assertTrue(filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False),
                            f"{f} differs between {a} and {b}")
        ma = json.load(open(os.path.join(a, "manifest.json")))
        mb = json.load(open(os.path.join(b, "manifest.json")))
        ma.pop("run"), mb.pop("run")
        self.assertEqual(ma, mb)

    def test_threads_and_repeats_give_identical_bytes(self):
        case = self.copy_sample()
        outs = []
        for t in ["1", "2", "4", "8", "2"]:
            out = os.path.join(self.tmp, f"out{len(outs)}")
            r = run_case(case, out, "--threads", t)
            self.assertEqual(r.returncode, 0, r.stderr)
            outs.append(out)
        for o in outs[1:]:
            self.assert_same_outputs(outs[0], o)

    def assert_same_dirs(self, a, b):
        """Every file of two output directories, byte for byte (workbooks
        part by part, for a readable failure), manifest.json without "run"."""
        import zipfile
        self.assertEqual(sorted(os.listdir(a)), sorted(os.listdir(b)))
        for f in os.listdir(a):
            pa, pb = os.path.join(a, f), os.path.join(b, f)
            if f == "manifest.json":
                ma, mb = json.load(open(pa)), json.load(open(pb))
                ma.pop("run"), mb.pop("run")
                self.assertEqual(ma, mb)
                continue
            if f.endswith(".xlsx") and not filecmp.cmp(pa, pb, shallow=False):
                za, zb = zipfile.ZipFile(pa), zipfile.ZipFile(pb)
                self.assertEqual([(i.filename, i.date_time) for i in za.infolist()],
                                 [(i.filename, i.date_time) for i in zb.infolist()], f)
                for i in za.infolist():
                    self.assertEqual(za.read(i.filename), zb.read(i.filename),
                                     f"{f}: part {i.filename} differs")
            self.assertTrue(filecmp.cmp(pa, pb, shallow=False), f"{f} differs: {a} {b}")

    def test_every_output_of_run_tally_distribute_on_1_2_4_8_threads(self):
        """run, tally and distribute: every file they write (changes.csv and
        payees.csv included) is the same on 1, 2, 4 and 8 threads, in runs a
        second apart and under another time zone and locale: no wall-clock
        time, zone or thread order leaks into a file; the workbooks' zip
        entries and docProps carry a fixed date."""
        import time
        import zipfile
        case = self.copy_sample()
        runs = []
        for i, t in enumerate(["1", "2", "4", "8", "4"]):
            env = dict(os.environ, TZ="America/New_York" if i == 4 else "Asia/Shanghai",
                       LC_ALL="C" if i == 4 else "C.UTF-8")
            # each into a fresh directory: changes.csv then compares with nothing
            out = os.path.join(self.tmp, f"r{i}")
            r = run_case(case, out, "--threads", t, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            runs.append(out)
            if i == 3:
                time.sleep(1.1)
        for o in runs[1:]:
            self.assert_same_dirs(runs[0], o)
        for book in ("report.xlsx", "claims.xlsx"):
            z = zipfile.ZipFile(os.path.join(runs[0], book))
            self.assertEqual({i.date_time for i in z.infolist()}, {(1980, 1, 1, 0, 0, 0)})
            self.assertIn(b"1980-01-01T00:00:00Z", z.read("docProps/core.xml"))
        meeting = os.path.join(self.tmp, "meeting.conf")
        open(meeting, "w", encoding="utf-8").write(
            "meeting_id = M1\nopens_at = 2018-07-01 09:00\ncloses_at = 2018-07-10 18:00\n"
            "resolution.plan = general\n")
        roster = read_csv(os.path.join(runs[0], "roster.csv"))
        ballots = os.path.join(self.tmp, "ballots.csv")
        with open(ballots, "w", encoding="utf-8") as f:
            f.write("ballot_id,meeting_id,resolution_id,creditor_id,group,choice,cast_at,channel\n")
            for i, row in enumerate(roster):
                f.write(f"b{i},M1,plan,{row['creditor_id']},,{'for' if i % 3 else 'against'},"
                        "2018-07-02 10:00,online\n")
        tallies, dists = [], []
        for i, t in enumerate(["1", "2", "4", "8"]):
            tout, dout = os.path.join(self.tmp, f"t{i}"), os.path.join(self.tmp, f"d{i}")
            r = run(["tally", "--roster", os.path.join(runs[0], "roster.csv"), "--meeting", meeting,
                     "--ballots", ballots, "--out", tout, "--quiet", "--threads", t])
            self.assertEqual(r.returncode, 0, r.stderr)
            r = run(["distribute", "--creditors", os.path.join(runs[0], "creditors.csv"),
                     "--amount", "100000.00", "--out", dout, "--quiet"],
                    env=dict(os.environ, OMP_NUM_THREADS=t))
            self.assertEqual(r.returncode, 0, r.stderr)
            tallies.append(tout)
            dists.append(dout)
        for o in tallies[1:]:
            self.assert_same_dirs(tallies[0], o)
        for o in dists[1:]:
            self.assert_same_dirs(dists[0], o)

    def test_generated_case_threads(self):
        gen = os.path.join(self.tmp, "gen")
        r = run(["gen", "--scenario", "xiaoming", "--scale", "0.05", "--seed", "7", "--out", gen])
        if r.returncode != 0:
            self.fail("claims gen failed: " + r.stderr)
        o1, o4 = os.path.join(self.tmp, "g1"), os.path.join(self.tmp, "g4")
        self.assertEqual(run_case(gen, o1, "--threads", "1").returncode, 0)
        self.assertEqual(run_case(gen, o4, "--threads", "4").returncode, 0)
        self.assert_same_outputs(o1, o4)
        self.assertGreater(len(read_csv(os.path.join(o1, "claims.csv"))), 1000)
        # the manifest's digests are the files' SHA-256 (the ledger, > 8 MiB,
        # is hashed by a background thread while it is parsed)
        m = json.load(open(os.path.join(o4, "manifest.json")))
        for name in ("ledger", "submissions"):
            path = os.path.join(gen, name + ".csv")
            with open(path, "rb") as f:
                want = hashlib.sha256(f.read()).hexdigest()
            self.assertEqual(m["inputs"][name]["sha256"], want, name)
        self.assertGreater(os.path.getsize(os.path.join(gen, "ledger.csv")), 8 << 20)
        # and the outputs' digests (taken while the CSVs were written) are the
        # SHA-256 of the files as they stand
        self.assertIn("claims.csv", m["outputs"])
        for name, digest in m["outputs"].items():
            with open(os.path.join(o4, name), "rb") as f:
                self.assertEqual(digest, hashlib.sha256(f.read()).hexdigest(), name)


class Atomicity(Base):
    def test_failed_run_keeps_previous_outputs(self):
        case = self.copy_sample()
        out = os.path.join(self.tmp, "out")
        self.assertEqual(run_case(case, out).returncode, 0)
        before = {f: open(os.path.join(out, f), "rb").read() for f in OUTPUTS}
        with open(os.path.join(case, "ledger.csv"), "a", encoding="utf-8") as f:
            f.write("LE999,XM1,deposit,12,34.00,2018-01-01,a,PRC_ID,1,1\n")
        r = run_case(case, out)
        self.assertEqual(r.returncode, 1, r.stderr)
        for f in OUTPUTS:
            self.assertEqual(open(os.path.join(out, f), "rb").read(), before[f], f)
        leftovers = [n for n in os.listdir(self.tmp) if ".tmp-" in n]
        self.assertEqual(leftovers, [])

    def test_success_replaces_outputs(self):
        case = self.copy_sample()
        out = os.path.join(self.tmp, "out")
        self.assertEqual(run_case(case, out).returncode, 0)
        open(os.path.join(out, "stale.txt"), "w").write("old")
        self.assertEqual(run_case(case, out).returncode, 0)
        self.assertFalse(os.path.exists(os.path.join(out, "stale.txt")))
        self.assertTrue(os.path.exists(os.path.join(out, "manifest.json")))


class Killed(Base):
    def test_kill_mid_run_leaves_previous_outputs(self):
        import signal
        import time
        gen = os.path.join(self.tmp, "gen")
        self.assertEqual(run(["gen", "--scenario", "xiaoming", "--scale", "0.05", "--seed", "3",
                              "--out", gen]).returncode, 0)
        out = os.path.join(self.tmp, "out")
        self.assertEqual(run_case(gen, out).returncode, 0)
        before = {f: open(os.path.join(out, f), "rb").read() for f in OUTPUTS}
        args = [CLAIMS, "run", "--case", os.path.join(gen, "case.conf"),
                "--submissions", os.path.join(gen, "submissions.csv"),
                "--ledger", os.path.join(gen, "ledger.csv"),
                "--overrides", os.path.join(gen, "overrides.csv"), "--out", out, "--quiet"]
        # killed at any point, a run leaves last night's outputs whole (a run
        # that finished first wrote the same bytes: the outputs are deterministic)
        for delay in (0.05, 0.2, 0.5):
            p = subprocess.Popen(args)
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            p.wait()
            for f in OUTPUTS:
                self.assertEqual(open(os.path.join(out, f), "rb").read(), before[f], f)
        # the next run sweeps what the killed ones left and replaces the outputs
        self.assertEqual(run_case(gen, out, "--no-xlsx").returncode, 0)
        self.assertFalse(os.path.exists(os.path.join(out, "report.xlsx")))
        self.assertEqual([n for n in os.listdir(self.tmp) if ".tmp-" in n], [])

    def test_second_run_into_the_same_outputs_is_refused(self):
        import fcntl
        out = os.path.join(self.tmp, "out")
        with open(out + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            r = run_case(SAMPLE, out)
        self.assertEqual(r.returncode, 3)
        self.assertIn("another run", r.stderr)
        self.assertFalse(os.path.exists(out))


class Errors(Base):
    def test_missing_column_names_file_and_column(self):
        case = self.copy_sample()
        p = os.path.join(case, "submissions.csv")
        with open(p, encoding="utf-8") as f:
            rows = f.read().split("\n")
        rows[0] = rows[0].replace("principal", "principle")
        open(p, "w", encoding="utf-8").write("\n".join(rows))
        r = run_case(case, os.path.join(self.tmp, "out"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("submissions.csv", r.stderr)
        self.assertIn("principal", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out")))

    def test_bad_ledger_row_names_line_and_column(self):
        case = self.copy_sample()
        p = os.path.join(case, "ledger.csv")
        with open(p, encoding="utf-8") as f:
            lines = f.read().splitlines()
        lines.insert(5, "LEBAD,XM10000001,deposit,abc,2018-01-01 00:00:00,,,,")
        open(p, "w", encoding="utf-8").write("\n".join(lines) + "\n")
        r = run_case(case, os.path.join(self.tmp, "out"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("ledger.csv:6", r.stderr)
        self.assertIn("amount", r.stderr)
        out = os.path.join(self.tmp, "out2")
        r = run_case(case, out, "--max-bad-rows", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        bad = read_csv(os.path.join(out, "rejected_rows.csv"))
        self.assertEqual(len(bad), 1)
        self.assertEqual(bad[0]["line"], "6")
        self.assertEqual(bad[0]["column"], "amount")
        self.assertIn("LEBAD", bad[0]["raw"])

    def test_wrong_field_count(self):
        case = self.copy_sample()
        p = os.path.join(case, "submissions.csv")
        with open(p, encoding="utf-8") as f:
            lines = f.read().splitlines()
        lines.insert(3, "SBX,2018-04-03 09:00:51,individual")
        open(p, "w", encoding="utf-8").write("\n".join(lines) + "\n")
        r = run_case(case, os.path.join(self.tmp, "out"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("submissions.csv:4", r.stderr)

    def test_case_conf_unknown_key_names_line(self):
        case = self.copy_sample()
        with open(os.path.join(case, "case.conf"), "a", encoding="utf-8") as f:
            f.write("deadline_extension = 3\n")
        r = run_case(case, os.path.join(self.tmp, "out"))
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"case\.conf:\d+: unknown key 'deadline_extension'")

    def test_usage(self):
        self.assertEqual(run(["run"]).returncode, 2)
        self.assertEqual(run(["run", "--bogus"]).returncode, 2)
        self.assertEqual(run(["frobnicate"]).returncode, 2)
        for cmd in (["--help"], ["run", "--help"], ["gen", "--help"], ["rules", "--help"],
                    ["tally", "--help"], ["distribute", "--help"]):
            r = run(cmd)
            self.assertEqual(r.returncode, 0, cmd)
            self.assertIn("usage", r.stdout.lower(), cmd)
        self.assertRegex(run(["--version"]).stdout, r"^claims \d+\.\d+")


class Encodings(Base):
    def test_gb18030_input_gives_same_outputs(self):
        case = self.copy_sample()
        for name in ("submissions.csv", "overrides.csv"):
            p = os.path.join(case, name)
            data = open(p, encoding="utf-8").read()
            open(p, "wb").write(data.replace("\n", "\r\n").encode("gb18030"))
        a, b = os.path.join(self.tmp, "a"), os.path.join(self.tmp, "b")
        self.assertEqual(run_case(SAMPLE, a).returncode, 0)
        r = run_case(case, b)
        self.assertEqual(r.returncode, 0, r.stderr)
        for f in ["claims.csv", "creditors.csv", "roster.csv"]:
            self.assertTrue(filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False), f)
        m = json.load(open(os.path.join(b, "manifest.json")))
        self.assertEqual(m["inputs"]["submissions"]["encoding"].lower().replace("-", ""), "gb18030")


class CaseKey(Base):
    def test_creditor_id_is_keyed_and_stable(self):
        case = self.copy_sample()
        conf = os.path.join(case, "case.conf")
        text = open(conf, encoding="utf-8").read()
        open(conf, "w", encoding="utf-8").write(
            "\n".join(l for l in text.splitlines() if not l.startswith("creditor_key")) + "\n")
        a, b = os.path.join(self.tmp, "a"), os.path.join(self.tmp, "b")
        r = run_case(case, a)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("case.key", r.stderr)
        key = os.path.join(case, "case.key")
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
        self.assertEqual(run_case(case, b).returncode, 0)
        ca = read_csv(os.path.join(a, "creditors.csv"))
        cb = read_csv(os.path.join(b, "creditors.csv"))
        self.assertEqual([r["creditor_id"] for r in ca], [r["creditor_id"] for r in cb])
        # a different key gives different ids; no id is an unkeyed hash of the number
        c = os.path.join(self.tmp, "c")
        self.assertEqual(run_case(SAMPLE, c).returncode, 0)
        cc = {(r["id_type"], r["id_number"]): r["creditor_id"] for r in read_csv(os.path.join(c, "creditors.csv"))}
        for r in ca:
            self.assertNotEqual(cc[(r["id_type"], r["id_number"])], r["creditor_id"])
            for h in (hashlib.sha256, hashlib.md5, hashlib.sha1):
                self.assertNotIn(r["creditor_id"], h(r["id_number"].encode()).hexdigest())
        sample_key = b"sample-case-key-not-secret"
        for (t, n), cid in cc.items():
            want = hmac.new(sample_key, f"{t}:{n}".encode(), hashlib.sha256).hexdigest()[:16]
            self.assertEqual(cid, want)


class CaseRules(Base):
    def test_case_rules_on_top_of_default(self):
        src = os.environ.get("CL_SOURCE_DIR", ".")
        rules_dir = os.path.join(self.tmp, "rules")
        shutil.copytree(os.path.join(src, "rules", "examples"), rules_dir)
        subs = read_csv(os.path.join(SAMPLE, "submissions.csv"))
        related = next(s for s in subs if s["submission_id"] == "SB20180000001")
        with open(os.path.join(rules_dir, "related_parties.txt"), "a", encoding="utf-8") as f:
            f.write(related["id_number"].replace(" ", "") + "\n")
        out = os.path.join(self.tmp, "out")
        r = run_case(SAMPLE, out, "--rules", os.path.join(src, "rules", "default.rules"),
                     "--rules", os.path.join(rules_dir, "case.rules"))
        self.assertEqual(r.returncode, 0, r.stderr)
        claims = {c["submission_id"]: c for c in read_csv(os.path.join(out, "claims.csv"))}
        c = claims["SB20180000001"]
        self.assertEqual(c["status"], "PENDING_REVIEW")
        self.assertIn("RELATED_PARTY", c["codes"].split(";"))
        self.assertEqual(c["confirmed_total"], "0.00")
        # the contract's own checks still apply (default rules loaded first)
        self.assertEqual(claims["SB20180000014"]["status"], "NEEDS_CORRECTION")
        # a deposit above 299 yuan (SB20180000002 declares 398.00) is held as suspicious
        self.assertIn("SUSPICIOUS_AMOUNT", claims["SB20180000002"]["codes"].split(";"))
        self.assertEqual(claims["SB20180000002"]["status"], "PENDING_REVIEW")
        self.assertNotIn("SUSPICIOUS_AMOUNT", claims["SB20180000003"]["codes"])
        queue = {q["submission_id"]: q for q in read_csv(os.path.join(out, "review_queue.csv"))}
        self.assertIn("关联方", queue["SB20180000001"]["reasons"])
        m = json.load(open(os.path.join(out, "manifest.json")))
        self.assertEqual([os.path.basename(x["path"]) for x in m["rules"]],
                         ["default.rules", "case.rules"])
        self.assertTrue(all(len(x["sha256"]) == 64 for x in m["rules"]))

    def test_bad_rule_file_fails_with_position(self):
        bad = os.path.join(self.tmp, "bad.rules")
        open(bad, "w").write("rule x\n  pass fields\n  require principal =~ /(/\n"
                             "  then FLAG X\n  zh \"a\"\n  en \"b\"\nend\n")
        r = run_case(SAMPLE, os.path.join(self.tmp, "out"), "--rules", bad)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"bad\.rules:3:\d+:")


class Workbook(Base):
    """report.xlsx read back by an independent reader (openpyxl)."""

    def test_report_sheets_rows_and_amounts(self):
        import openpyxl
        from decimal import Decimal
        out = os.path.join(self.tmp, "out")
        r = run_case(SAMPLE, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        wb = openpyxl.load_workbook(os.path.join(out, "report.xlsx"), read_only=True)
        # 疑似重复: the probable duplicates (linkage on by default)
        self.assertEqual(wb.sheetnames, ["汇总", "债权表", "待审核", "表决名册", "疑似重复"])
        cwb = openpyxl.load_workbook(os.path.join(out, "claims.xlsx"), read_only=True)
        self.assertEqual(cwb.sheetnames, ["申报明细"])
        expect = {"债权表": ("creditors.csv", "确认总额", "confirmed_total"),
                  "申报明细": ("claims.csv", "确认总额", "confirmed_total"),
                  "待审核": ("review_queue.csv", "申报总额", "declared_total"),
                  "表决名册": ("roster.csv", "无财产担保表决额", "unsecured_voting")}
        # 疑似重复: one row per cluster, no 合计 row (scores are not to be added)
        dup_rows = list(wb["疑似重复"].iter_rows(values_only=True))[1:]
        self.assertEqual(len(dup_rows), len(read_csv(os.path.join(out, "probable_duplicates.csv"))))
        for sheet, (csvname, title, key) in expect.items():
            book = cwb if sheet == "申报明细" else wb
            rows = list(book[sheet].iter_rows(values_only=True))
            header, body, total = rows[0], rows[1:-1], rows[-1]
            csvrows = read_csv(os.path.join(out, csvname))
            self.assertEqual(len(body), len(csvrows), sheet)
            col = header.index(title)
            got = sum(Decimal(str(v)) for v in (row[col] for row in body) if v is not None)
            want = sum(Decimal(c[key]) for c in csvrows)
            self.assertEqual(got, want, sheet)
            self.assertIn("合计", total, sheet)
            self.assertEqual(Decimal(str(total[col])), want, sheet + " 合计")
        summary = [c for row in wb["汇总"].iter_rows(values_only=True) for c in row if c]
        self.assertTrue(any("(2018)粤01破12号" in str(c) for c in summary))
        wb.close()
        cwb.close()

    def test_public_workbook_has_no_personal_data(self):
        import openpyxl
        out = os.path.join(self.tmp, "out")
        self.assertEqual(run_case(SAMPLE, out, "--public").returncode, 0)
        internal = read_csv(os.path.join(out, "creditors.csv"))
        subs = read_csv(os.path.join(SAMPLE, "submissions.csv"))
        secrets = {r["id_number"] for r in internal if len(r["id_number"]) > 8}
        secrets |= {s["phone"] for s in subs if len(s["phone"]) >= 11}
        names = {r["name"] for r in internal if len(r["name"]) >= 2}
        wb = openpyxl.load_workbook(os.path.join(out, "public", "creditors.xlsx"), read_only=True)
        cells = 0
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                for v in row:
                    if isinstance(v, str):
                        cells += 1
                        for sec in secrets:
                            self.assertNotIn(sec, v)
                        self.assertNotIn(v, names)
        self.assertGreater(cells, len(internal))
        wb.close()

    @unittest.skipUnless(shutil.which("libreoffice") or shutil.which("soffice"),
                         "libreoffice is not installed")
    def test_libreoffice_opens_the_workbook(self):
        out = os.path.join(self.tmp, "out")
        self.assertEqual(run_case(SAMPLE, out).returncode, 0)
        lo = shutil.which("libreoffice") or shutil.which("soffice")
        pdf_dir = os.path.join(self.tmp, "pdf")
        env = dict(os.environ, HOME=self.tmp)
        r = subprocess.run([lo, "--headless", "--convert-to", "pdf", "--outdir", pdf_dir,
                            os.path.join(out, "report.xlsx")], capture_output=True, text=True,
                           env=env, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        pdf = os.path.join(pdf_dir, "report.pdf")
        self.assertTrue(os.path.exists(pdf), r.stdout + r.stderr)
        self.assertGreater(os.path.getsize(pdf), 10000)


def pdf_pages(path):
    """Pages of a PDF LibreOffice wrote (page objects are not compressed)."""
    import re
    with open(path, "rb") as f:
        return len(re.findall(rb"/Type\s*/Page[^s]", f.read()))


MONEY_KEYS = {"declared_total", "confirmed_principal", "confirmed_interest", "confirmed_other",
              "confirmed_total", "voting_amount", "pending_total", "employee", "tax", "ordinary",
              "secured", "temporary", "unsecured_voting", "secured_voting", "book_owed",
              "temporary_amount"}


class WorkbooksForClerks(Base):
    """Issue 12 §5: workbooks that print, speak Chinese and add up; the review
    queue as a form that comes back as overrides."""

    def run_sample(self, *extra, overrides=False):
        out = os.path.join(self.tmp, "out")
        r = run_case(SAMPLE, out, *extra, overrides=overrides)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def test_every_sheet_prints_landscape_one_page_wide_with_titles(self):
        import openpyxl
        out = self.run_sample()
        conf = open(os.path.join(SAMPLE, "case.conf"), encoding="utf-8").read()
        case_no = "(2018)粤01破12号"
        self.assertIn(case_no, conf)
        for name in ("report.xlsx", "claims.xlsx"):
            wb = openpyxl.load_workbook(os.path.join(out, name))
            for ws in wb.worksheets:
                where = f"{name}!{ws.title}"
                ps = ws.page_setup
                self.assertEqual(ps.orientation, "landscape", where)
                self.assertEqual(str(ps.paperSize), "9", where)
                self.assertTrue(ws.sheet_properties.pageSetUpPr.fitToPage, where)
                self.assertEqual(int(ps.fitToWidth if ps.fitToWidth is not None else 1), 1, where)
                self.assertIn(case_no, ws.oddHeader.left.text or "", where)
                self.assertIn("&P", ws.oddFooter.center.text or "", where)
                self.assertIn("&N", ws.oddFooter.center.text or "", where)
                if ws.title == "汇总":
                    self.assertEqual(int(1 if ps.fitToHeight is None else ps.fitToHeight), 1,
                                     where)
                    self.assertIsNotNone(ws.print_area, where)
                else:
                    self.assertEqual(int(1 if ps.fitToHeight is None else ps.fitToHeight), 0,
                                     where)
                    self.assertIn(ws.print_title_rows, ("$1:$1", "1:1"), where)
                    if ws.title == "待审核":   # what a reviewer types stays text
                        from openpyxl.utils import get_column_letter
                        for c in ws[1]:
                            if c.value in ("决定", "金额", "审核人", "决定时间", "备注"):
                                dim = ws.column_dimensions[get_column_letter(c.column)]
                                self.assertEqual(dim.number_format, "@", c.value)
                    for c in ws[1]:   # headers aligned like their data
                        below = ws.cell(2, c.column)
                        if isinstance(below.value, (int, float)):
                            self.assertEqual(c.alignment.horizontal, "right", f"{where} {c.value}")
            wb.close()

    def test_sheets_speak_chinese_and_totals_match_the_csvs(self):
        import openpyxl
        from decimal import Decimal
        out = self.run_sample()
        wb = openpyxl.load_workbook(os.path.join(out, "report.xlsx"), read_only=True)
        cwb = openpyxl.load_workbook(os.path.join(out, "claims.xlsx"), read_only=True)
        zh_status = {"CONFIRMED": "确认", "PARTIAL": "部分确认", "PENDING_REVIEW": "待审核",
                     "REJECTED": "不予确认", "NEEDS_CORRECTION": "待补正",
                     "DUPLICATE": "重复提交", "SUPERSEDED": "已被替代"}
        zh_cat = {"deposit": "押金", "balance": "余额", "supplier": "货款",
                  "employee": "职工债权", "tax": "税款", "other": "其他"}
        zh_kind = {"individual": "个人", "organization": "单位"}
        zh_group = {"secured": "有财产担保债权组", "employee": "职工债权组", "tax": "税款债权组",
                    "ordinary": "普通债权组", "small_ordinary": "小额普通债权组"}
        sheets = {"申报明细": (cwb, "claims.csv"), "债权表": (wb, "creditors.csv"),
                  "待审核": (wb, "review_queue.csv"), "表决名册": (wb, "roster.csv")}
        for sheet, (book, csvname) in sheets.items():
            rows = list(book[sheet].iter_rows(values_only=True))
            header, body, total = rows[0], rows[1:-1], rows[-1]
            csvrows = read_csv(os.path.join(out, csvname))
            self.assertEqual(len(body), len(csvrows), sheet)
            self.assertIn("合计", total, sheet)
            # every money column's 合计 is the CSV's sum, to the fen
            checked = 0
            for key in csvrows[0]:
                if key not in MONEY_KEYS:
                    continue
                col = [i for i, t in enumerate(header) if t and t == TITLES.get(key)]
                if not col:
                    continue
                want = sum(Decimal(c[key] or "0") for c in csvrows)
                self.assertEqual(Decimal(str(total[col[0]])).quantize(Decimal("0.01")), want,
                                 f"{sheet} 合计 {key}")
                checked += 1
            self.assertGreaterEqual(checked, 1, sheet)
            # Chinese beside English, row by row
            pairs = {"申报明细": [("状态", "Status", zh_status), ("债权类别", "Category", zh_cat)],
                     "债权表": [("债权人类型", "Kind", zh_kind)],
                     "待审核": [("状态", "Status", zh_status), ("债权类别", "Category", zh_cat)],
                     "表决名册": [("表决组", "Groups", zh_group)]}[sheet]
            for zh, en, table in pairs:
                zi, ei = header.index(zh), header.index(en)
                for row in body:
                    if not row[ei]:
                        continue
                    # text that did not parse is shown as given, in both
                    want = "；".join(table.get(v, v) for v in row[ei].split(";"))
                    self.assertEqual(row[zi], want, f"{sheet} {row}")
        # duplicate rows show what was declared; the CSV keeps them blank
        claims = read_csv(os.path.join(out, "claims.csv"))
        dups = [c["submission_id"] for c in claims if c["status"] == "DUPLICATE"]
        self.assertTrue(dups)
        rows = list(cwb["申报明细"].iter_rows(values_only=True))
        header = rows[0]
        subs = {}
        for s in read_csv(os.path.join(SAMPLE, "submissions.csv")):
            subs.setdefault(s["submission_id"], []).append(s)
        for row in rows[1:-1]:
            if row[header.index("Status")] != "DUPLICATE":
                continue
            sid = row[header.index("申报编号")]
            names = {s["name"].strip() for s in subs[sid]}
            self.assertIn(row[header.index("债权人名称")], names, sid)
            self.assertTrue(row[header.index("证件号码")], sid)
            self.assertIn("重复提交", row[header.index("说明")], sid)
        # the summary says why its status counts exceed the declarations
        nsubs = sum(1 for c in claims if c["source"] == "submission")
        nbooks = sum(1 for c in claims if c["source"] == "books")
        self.assertGreater(nbooks, 0)
        summary = [c for row in wb["汇总"].iter_rows(values_only=True) for c in row if c]
        note = [c for c in summary if isinstance(c, str) and "依职工名册列示" in c]
        self.assertTrue(note, summary[:8])
        self.assertIn(f"共 {len(claims)} 行", note[0])
        self.assertIn(f"申报 {nsubs} 笔", note[0])
        self.assertIn(f"列示 {nbooks} 行", note[0])
        wb.close()
        cwb.close()

    def test_summary_status_total_and_charts(self):
        import openpyxl
        import zipfile
        from decimal import Decimal
        out = self.run_sample()
        claims = read_csv(os.path.join(out, "claims.csv"))
        wb = openpyxl.load_workbook(os.path.join(out, "report.xlsx"))
        rows = [[c.value for c in r] for r in wb["汇总"].iter_rows()]
        top = next(i for i, r in enumerate(rows) if r[0] == "状态")
        total = next(r for r in rows[top:] if r[0] == "合计")
        self.assertEqual(total[1], len(claims))
        self.assertEqual(Decimal(str(total[3])).quantize(Decimal("0.01")),
                         sum(Decimal(c["confirmed_total"]) for c in claims))
        self.assertIn("确认", [r[0] for r in rows[top:top + 9]][1].split())
        with zipfile.ZipFile(os.path.join(out, "report.xlsx")) as z:
            bars = [z.read(n).decode() for n in z.namelist()
                    if n.startswith("xl/charts/chart") and b"barChart" in z.read(n)]
        self.assertEqual(len(bars), 2)
        self.assertTrue(any("确认总额（元）" in x and "¥#,##0" in x for x in bars))
        self.assertTrue(any("笔数" in x and "确认金额区间（元）" in x for x in bars))
        wb.close()

    @unittest.skipUnless(shutil.which("libreoffice") or shutil.which("soffice"),
                         "libreoffice is not installed")
    def test_libreoffice_page_counts_stay_sane(self):
        out = self.run_sample()
        lo = shutil.which("libreoffice") or shutil.which("soffice")
        pdf_dir = os.path.join(self.tmp, "pdf")
        env = dict(os.environ, HOME=self.tmp)
        r = subprocess.run([lo, "--headless", "--convert-to", "pdf", "--outdir", pdf_dir,
                            os.path.join(out, "report.xlsx"), os.path.join(out, "claims.xlsx")],
                           capture_output=True, text=True, env=env, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        n = {name: len(read_csv(os.path.join(out, name))) for name in
             ("creditors.csv", "review_queue.csv", "roster.csv", "claims.csv")}
        # One page wide: a sheet takes about rows / (rows per page) pages, never
        # a multiple of that for its width. A landscape A4 page holds 25 or more
        # rows at any scale a sheet this wide gets; the summary is one page.
        def most(rows):
            return -(-(rows + 2) // 25)
        report = pdf_pages(os.path.join(pdf_dir, "report.pdf"))
        want = 1 + most(n["creditors.csv"]) + most(n["review_queue.csv"]) + most(n["roster.csv"])
        self.assertGreaterEqual(report, 4)
        self.assertLessEqual(report, want)
        claims = pdf_pages(os.path.join(pdf_dir, "claims.pdf"))
        self.assertGreaterEqual(claims, 1)
        self.assertLessEqual(claims, most(n["claims.csv"]))


TITLES = {"declared_total": "申报总额", "confirmed_total": "确认总额", "pending_total": "待审核总额",
          "employee": "职工债权", "tax": "税款债权", "ordinary": "普通债权",
          "secured": "有财产担保债权", "temporary": "临时确定额",
          "unsecured_voting": "无财产担保表决额", "secured_voting": "有财产担保表决额",
          "voting_amount": "表决额", "book_owed": "账面欠款", "temporary_amount": "临时确定额"}


class ReviewQueueRoundTrip(Base):
    """run -> a reviewer fills review_queue.csv -> run again with it as the
    overrides: the decisions are applied, undecided rows skipped."""

    def test_filled_queue_is_read_back_as_overrides(self):
        from decimal import Decimal
        out1 = os.path.join(self.tmp, "out1")
        r = run_case(SAMPLE, out1, overrides=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        qpath = os.path.join(out1, "review_queue.csv")
        with open(qpath, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            fields, queue = reader.fieldnames, list(reader)
        for col in ("decision", "amount", "reviewer", "decided_at", "note"):
            self.assertIn(col, fields)
            self.assertTrue(all(q[col] == "" for q in queue), col)
        pending = [q for q in queue if q["status"] == "PENDING_REVIEW"
                   and Decimal(q["declared_total"]) > 1]
        self.assertGreaterEqual(len(pending), 4)
        full, part, rej, vague = pending[0], pending[1], pending[2], pending[3]
        vague.update(amount="1.00")   # an amount but no decision: meant something
        full.update(decision="确认", amount=full["declared_total"], reviewer="李审核",
                    decided_at="2018-06-01 10:00:00", note="材料齐全")
        half = (Decimal(part["declared_total"]) / 2).quantize(Decimal("0.01"))
        part.update(decision="confirm", amount=str(half), reviewer="李审核",
                    decided_at="2018-06-01 10:05:00")
        rej.update(decision="reject", reviewer="王审核", decided_at="2018-06-01 10:10:00",
                   note="无证据")
        filled = os.path.join(self.tmp, "review_queue_filled.csv")
        with open(filled, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
            w.writeheader()
            w.writerows(queue)
        out2 = os.path.join(self.tmp, "out2")
        r = run_case(SAMPLE, out2, "--overrides", filled, overrides=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        claims = {c["submission_id"]: c for c in read_csv(os.path.join(out2, "claims.csv"))
                  if c["status"] not in ("DUPLICATE", "SUPERSEDED")}
        self.assertEqual(claims[full["submission_id"]]["status"], "CONFIRMED")
        self.assertEqual(claims[full["submission_id"]]["confirmed_total"], full["declared_total"])
        self.assertEqual(claims[part["submission_id"]]["status"], "PARTIAL")
        self.assertEqual(Decimal(claims[part["submission_id"]]["confirmed_total"]), half)
        self.assertEqual(claims[rej["submission_id"]]["status"], "REJECTED")
        for q in (full, part, rej):
            self.assertIn("OVERRIDE", claims[q["submission_id"]]["codes"].split(";"))
        # undecided rows are skipped, not refused; nothing else changed
        refused = read_csv(os.path.join(out2, "overrides_rejected.csv"))
        self.assertEqual([o["submission_id"] for o in refused], [vague["submission_id"]])
        self.assertTrue(refused[0]["reason"])
        m = json.load(open(os.path.join(out2, "manifest.json")))
        before = {c["submission_id"]: c["status"] for c in read_csv(os.path.join(out1, "claims.csv"))
                  if c["status"] not in ("DUPLICATE", "SUPERSEDED")}
        changed = {k for k in before if claims[k]["status"] != before[k]}
        self.assertEqual(changed, {full["submission_id"], part["submission_id"],
                                   rej["submission_id"]})
        queue2 = {q["submission_id"] for q in read_csv(os.path.join(out2, "review_queue.csv"))}
        self.assertNotIn(full["submission_id"], queue2)
        self.assertIn("overrides", m["inputs"])

    def test_review_sheet_saved_as_csv_is_read_back(self):
        """The 待审核 sheet filled in and saved as CSV (Chinese headers, the
        合计 row at the bottom) works as the overrides too."""
        import openpyxl
        out = os.path.join(self.tmp, "out")
        self.assertEqual(run_case(SAMPLE, out, overrides=False).returncode, 0)
        wb = openpyxl.load_workbook(os.path.join(out, "report.xlsx"), read_only=True)
        rows = [list(r) for r in wb["待审核"].iter_rows(values_only=True)]
        wb.close()
        header = rows[0]
        for title in ("决定", "金额", "审核人", "决定时间", "备注"):
            i = header.index(title)
            self.assertTrue(all(r[i] is None for r in rows[1:-1]), title)
        self.assertIn("合计", rows[-1])
        st, sid = header.index("Status"), header.index("申报编号")
        target = next(r for r in rows[1:-1] if r[st] == "PENDING_REVIEW")
        target[header.index("决定")] = "不予确认"
        target[header.index("审核人")] = "张审核"
        target[header.index("决定时间")] = "2018-06-02 09:00:00"
        sheet_csv = os.path.join(self.tmp, "待审核.csv")
        with open(sheet_csv, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            for r in rows:
                w.writerow(["" if v is None else v for v in r])
        out2 = os.path.join(self.tmp, "out2")
        r = run_case(SAMPLE, out2, "--overrides", sheet_csv, overrides=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        claims = {c["submission_id"]: c for c in read_csv(os.path.join(out2, "claims.csv"))
                  if c["status"] not in ("DUPLICATE", "SUPERSEDED")}
        self.assertEqual(claims[target[sid]]["status"], "REJECTED")
        self.assertEqual(read_csv(os.path.join(out2, "overrides_rejected.csv")), [])


class MeetingChain(Base):
    """run -> roster.csv -> tally, and creditors.csv -> distribute, on the sample."""

    def test_tally_and_distribute_from_a_run(self):
        from decimal import Decimal
        out = os.path.join(self.tmp, "out")
        self.assertEqual(run_case(SAMPLE, out).returncode, 0)
        roster = read_csv(os.path.join(out, "roster.csv"))
        meeting = os.path.join(self.tmp, "meeting.conf")
        open(meeting, "w", encoding="utf-8").write(
            "meeting_id = M1\nopens_at = 2018-07-01 09:00\ncloses_at = 2018-07-10 18:00\n"
            "resolution.plan = general\nresolution.deal = settlement\n")
        # every creditor with an unsecured amount votes for, except the largest, who
        # votes against: the headcount passes; the amount test is computed here too
        voters = [r for r in roster if Decimal(r["unsecured_voting"]) > 0]
        largest = max(voters, key=lambda r: Decimal(r["unsecured_voting"]))
        ballots = os.path.join(self.tmp, "ballots.csv")
        with open(ballots, "w", encoding="utf-8") as f:
            f.write("ballot_id,meeting_id,resolution_id,creditor_id,group,choice,cast_at,channel\n")
            for i, r in enumerate(voters):
                choice = "against" if r is largest else "for"
                for res in ("plan", "deal"):
                    f.write(f"b{i}{res},M1,{res},{r['creditor_id']},,{choice},2018-07-02 10:00,online\n")
        tout = os.path.join(self.tmp, "tally")
        r = run(["tally", "--roster", os.path.join(out, "roster.csv"), "--meeting", meeting,
                 "--ballots", ballots, "--out", tout, "--quiet"])
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {t["resolution_id"]: t for t in read_csv(os.path.join(tout, "tally.csv"))}
        base = sum(Decimal(r["unsecured_voting"]) for r in roster)
        for_amount = sum(Decimal(r["unsecured_voting"]) for r in voters if r is not largest)
        for res, num, den in (("plan", 1, 2), ("deal", 2, 3)):
            t = rows[res]
            self.assertEqual(Decimal(t["base_amount"]), base)
            self.assertEqual(Decimal(t["for_amount"]), for_amount)
            self.assertEqual(int(t["present"]), len(voters))
            self.assertEqual(t["headcount_pass"], "1")
            self.assertEqual(t["amount_pass"], "1" if for_amount * den >= base * num else "0")
        # distribution: shares add up to the amount paid, tiers in order
        dout = os.path.join(self.tmp, "dist")
        r = run(["distribute", "--creditors", os.path.join(out, "creditors.csv"),
                 "--amount", "100000.00", "--out", dout, "--quiet"])
        self.assertEqual(r.returncode, 0, r.stderr)
        shares = read_csv(os.path.join(dout, "distribution.csv"))
        summary = read_csv(os.path.join(dout, "distribution_summary.csv"))
        paid = sum(Decimal(s["share"]) for s in shares)
        surplus = Decimal(summary[-1]["paid"])
        self.assertEqual(summary[-1]["tier"], "surplus")
        self.assertEqual(paid + surplus, Decimal("100000.00"))
        creditors = read_csv(os.path.join(out, "creditors.csv"))
        employee_total = sum(Decimal(c["employee"]) for c in creditors)
        emp = [s for s in shares if s["tier"] == "employee"]
        self.assertEqual(sum(Decimal(s["share"]) for s in emp), min(employee_total, Decimal("100000.00")))


class Publish(Base):
    def test_public_list_masks_personal_data(self):
        out = os.path.join(self.tmp, "out")
        r = run_case(SAMPLE, out, "--public")
        self.assertEqual(r.returncode, 0, r.stderr)
        internal = read_csv(os.path.join(out, "creditors.csv"))
        public = open(os.path.join(out, "public", "creditors.csv"), encoding="utf-8").read()
        subs = read_csv(os.path.join(SAMPLE, "submissions.csv"))
        secrets = {r["id_number"] for r in internal if len(r["id_number"]) > 8}
        secrets |= {s["phone"] for s in subs if len(s["phone"]) >= 11}
        secrets |= {s["bank_account"].replace(" ", "") for s in subs if len(s["bank_account"]) > 8}
        for sec in secrets:
            self.assertNotIn(sec, public)
        self.assertIn("**", public)


if __name__ == "__main__":
    unittest.main(verbosity=2)
