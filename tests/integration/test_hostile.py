#!/usr/bin/env python3
"""Hostile inputs (issue 15): each class of malformed file, fed to the real
binary, gets exit 1, a message naming the file, the line and (where there is
one) the column, and no output at all (the --out directory is not created,
nothing is left beside it). docs/HOSTILE_INPUTS.md lists what the user sees.
Environment: CL_CLAIMS (binary), CL_SAMPLES (tests/data)."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

CLAIMS = os.environ.get("CL_CLAIMS", "build/claims")
SAMPLE = os.path.join(os.environ.get("CL_SAMPLES", "tests/data"), "xiaoming-mini")


class Hostile(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cl_hostile_")
        with open(os.path.join(SAMPLE, "submissions.csv"), "rb") as f:
            self.lines = f.read().split(b"\n")
        self.header, self.row = self.lines[0], self.lines[1]

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, data, name="submissions.csv"):
        p = os.path.join(self.tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def run_with(self, submissions, **kw):
        out = os.path.join(self.tmp, "out")
        r = subprocess.run([CLAIMS, "run", "--case", os.path.join(SAMPLE, "case.conf"),
                            "--submissions", submissions,
                            "--ledger", os.path.join(SAMPLE, "ledger.csv"),
                            "--out", out, "--quiet"], capture_output=True, text=True, **kw)
        return r, out

    def refused(self, submissions, line, col, what, **kw):
        """Exit 1, 'claims: <file>:<line>[:<col>]: ...what...', no output
        (col True: any column)."""
        r, out = self.run_with(submissions, **kw)
        self.assertEqual(r.returncode, 1, r.stderr)
        name = re.escape(submissions)
        where = (name + (f":{line}" if line else "")
                 + (r":\d+" if col is True else f":{col}" if col else "") + ": ")
        self.assertRegex(r.stderr, "claims: " + where)
        self.assertIn(what, r.stderr)
        self.assertFalse(os.path.exists(out), "output written")
        left = [n for n in os.listdir(self.tmp) if n.startswith("out")]
        self.assertEqual(left, [], "left beside the outputs")
        return r.stderr

    def body(self, *rows):
        return self.header + b"\n" + b"\n".join(rows) + b"\n"

    def test_10_mb_field(self):
        f = self.row.split(b",")
        f[17] = b"x" * (10 << 20)   # note
        p = self.write(self.body(b",".join(f)))
        self.refused(p, 2, None, "field 18 (note) is 10485760 bytes long, over the limit")

    def test_100000_columns_in_a_row(self):
        p = self.write(self.body(self.row + b"," * 100000))
        self.refused(p, 2, None, "expected 19 fields, found 100019")

    def test_100000_columns_in_the_header(self):
        head = self.header + b"".join(b",x%d" % i for i in range(100000))
        p = self.write(head + b"\n" + self.row + b"," * 100000 + b"\n")
        self.refused(p, 1, 1025, "the header has 100019 columns, over the limit of 1024")

    def test_nul_byte(self):
        p = self.write(self.body(self.row[:20] + b"\0" + self.row[20:]))
        self.refused(p, 2, 21, "NUL byte")

    def test_utf16_file(self):
        text = self.body(self.row).decode("utf-8")
        p = self.write(text.encode("utf-16"))
        # not UTF-8, and its BOM 0xFF 0xFE is no GB18030
        self.refused(p, 1, 1, "invalid GB18030 byte 0xFF")

    def test_invalid_utf8_forced(self):
        p = self.write(self.body(self.row[:30] + b"\xc3\x28" + self.row[30:]))
        out = os.path.join(self.tmp, "out")
        r = subprocess.run([CLAIMS, "run", "--case", os.path.join(SAMPLE, "case.conf"),
                            "--submissions", p, "--ledger", os.path.join(SAMPLE, "ledger.csv"),
                            "--out", out, "--quiet", "--encoding", "utf-8"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(p + ":2:31: invalid UTF-8", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_invalid_utf8_and_gb18030(self):
        # neither UTF-8 nor GB18030: 0xC3 0x28 is no GB18030 sequence either
        p = self.write(self.body(self.row[:30] + b"\xc3\x28" + self.row[30:]))
        self.refused(p, 2, 31, "invalid GB18030 byte 0xC3")

    def test_invalid_gb18030_sequence(self):
        gb = self.row.decode("utf-8").encode("gb18030")
        p = self.write(self.header + b"\n" + gb + b"\n" + gb[:-3] + b"\x81\x20b\n")
        self.refused(p, 3, True, "invalid GB18030 byte 0x81")

    def test_truncated_gb18030_sequence_at_the_end(self):
        gb = self.row.decode("utf-8").encode("gb18030")
        p = self.write(self.header + b"\n" + gb + b"\n" + gb[:9] + b"\x81")
        r = self.refused(p, 3, True, "GB18030")
        self.assertIn("truncated GB18030 sequence", r)

    def test_mixed_line_endings_are_accepted(self):
        rows = self.lines[1:5]
        data = self.header + b"\r\n" + rows[0] + b"\n" + rows[1] + b"\r\n" + rows[2] + b"\n"
        r, out = self.run_with(self.write(data))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_bare_cr_line_ending(self):
        rows = self.lines[1:4]
        data = self.header + b"\n" + rows[0] + b"\r\n" + rows[1] + b"\r" + rows[2] + b"\n"
        col = len(rows[1].decode("utf-8")) + 1
        self.refused(self.write(data), 3, col, "carriage return (CR) without a line feed")

    def test_bom_mid_file(self):
        data = self.body(self.lines[1], b"\xef\xbb\xbf" + self.lines[2])
        self.refused(self.write(data), 3, 1, "byte-order mark (U+FEFF) in the middle")

    def test_bom_at_the_start_is_fine(self):
        r, _ = self.run_with(self.write(b"\xef\xbb\xbf" + self.body(self.row)))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_truncated_last_line(self):
        data = self.header + b"\n" + self.lines[1] + b"\n" + self.lines[2][:40]
        self.refused(self.write(data), 3, None, "the last line has no line end: was the file cut short?")

    def test_truncated_inside_quotes(self):
        data = self.header + b"\n" + self.lines[1] + b"\n" + b'SB1,"2018-04-03'
        self.refused(self.write(data), 3, None, "unterminated quoted field")

    def test_zero_byte_file(self):
        self.refused(self.write(b""), None, None, "empty file (no header row)")

    def test_directory(self):
        d = os.path.join(self.tmp, "folder.csv")
        os.mkdir(d)
        self.refused(d, None, None, "not a regular file (a directory)")

    def test_fifo(self):
        p = os.path.join(self.tmp, "fifo.csv")
        os.mkfifo(p)
        self.refused(p, None, None, "not a regular file", timeout=30)

    def test_ballots_through_tally(self):
        # the same loader reads every CSV: a NUL in ballots.csv, through `tally`
        base = os.path.join(self.tmp, "base")
        r = subprocess.run([CLAIMS, "run", "--case", os.path.join(SAMPLE, "case.conf"),
                            "--submissions", os.path.join(SAMPLE, "submissions.csv"),
                            "--ledger", os.path.join(SAMPLE, "ledger.csv"), "--out", base,
                            "--quiet"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        meeting = self.write(b"meeting_id = M1\nopens_at = 2018-07-01 09:00\n"
                             b"closes_at = 2018-07-10 18:00\nresolution.plan = general\n",
                             "meeting.conf")
        ballots = self.write(b"ballot_id,meeting_id,resolution_id,creditor_id,group,choice,"
                             b"cast_at,channel\nb1,M1,plan,C1,,f\0r,2018-07-02 10:00,online\n",
                             "ballots.csv")
        out = os.path.join(self.tmp, "tally")
        r = subprocess.run([CLAIMS, "tally", "--roster", os.path.join(base, "roster.csv"),
                            "--meeting", meeting, "--ballots", ballots, "--out", out, "--quiet"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(ballots + ":2:17: NUL byte", r.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
