#!/usr/bin/env python3
"""`cmake --install` puts claims, its default rules (and examples) and docs
under a prefix; the installed binary, moved elsewhere with its tree, finds
its rules relative to itself (not the source path baked in at build time)
and the run's manifest names the installed rules file.
Usage: test_install.py CMAKE BUILD_DIR. Environment: CL_SAMPLES (tests/data)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CMAKE = sys.argv[1] if len(sys.argv) > 1 else "cmake"
BUILD = sys.argv[2] if len(sys.argv) > 2 else "build"
SAMPLE = os.path.join(os.environ.get("CL_SAMPLES", "tests/data"), "xiaoming-mini")


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cl_inst_")
        prefix = os.path.join(cls.tmp, "prefix")
        r = subprocess.run([CMAKE, "--install", BUILD, "--prefix", prefix],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        # the installed tree moved elsewhere: nothing may point back into it
        cls.root = os.path.join(cls.tmp, "moved", "opt-claims")
        shutil.copytree(prefix, cls.root, symlinks=True)
        shutil.rmtree(prefix)
        cls.claims = os.path.join(cls.root, "bin", "claims")
        cls.env = {k: v for k, v in os.environ.items() if k != "CLAIMS_RULES"}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_claims(self, *args, env=None, binary=None):
        return subprocess.run([binary or self.claims] + list(args), capture_output=True,
                              text=True, env=env or self.env, cwd=self.tmp)

    def test_files_installed(self):
        for rel in ["bin/claims", "share/claims/rules/default.rules",
                    "share/claims/rules/examples/case.rules",
                    "share/claims/rules/examples/related_parties.txt",
                    "share/claims/rules/README.md", "share/doc/claims/README.md",
                    "share/doc/claims/DECISIONS.md"]:
            self.assertTrue(os.path.isfile(os.path.join(self.root, rel)), rel)
        self.assertTrue(os.access(self.claims, os.X_OK))

    def test_run_uses_installed_rules(self):
        case = os.path.join(self.tmp, "case")
        shutil.copytree(SAMPLE, case, ignore=shutil.ignore_patterns("expected"))
        out = os.path.join(self.tmp, "out")
        r = self.run_claims("run", "--case", os.path.join(case, "case.conf"),
                            "--submissions", os.path.join(case, "submissions.csv"),
                            "--ledger", os.path.join(case, "ledger.csv"), "--out", out,
                            "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        paths = [x["path"] for x in manifest["rules"]]
        want = os.path.realpath(os.path.join(self.root, "share/claims/rules/default.rules"))
        self.assertEqual(paths, [want])

    def test_rules_check_default_and_example(self):
        r = self.run_claims("rules", "check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(os.path.join(self.root, "share/claims/rules/default.rules") +
                      ": 25 rules, OK", r.stdout)
        ex = os.path.join(self.root, "share/claims/rules/examples/case.rules")
        r = self.run_claims("rules", "check", ex)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_binary_without_its_tree(self):
        # a lone copy of the binary has no rules beside it: exit 1, says why
        lone = os.path.join(self.tmp, "lone")
        os.makedirs(lone, exist_ok=True)
        shutil.copy2(self.claims, lone)
        r = self.run_claims("rules", "check", binary=os.path.join(lone, "claims"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("default rule set was not found", r.stderr)
        self.assertIn("--rules", r.stderr)
        # CLAIMS_RULES, read by the command line only, names another file
        env = dict(self.env)
        env["CLAIMS_RULES"] = os.path.join(self.root, "share/claims/rules/default.rules")
        r = self.run_claims("rules", "check", binary=os.path.join(lone, "claims"), env=env)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
