#!/usr/bin/python3
"""run_case.py - runs `claims run` on one hand-checked case and compares its
outputs with the case's expected files (DOMAIN.md section 10).

usage: run_case.py CLAIMS CASEDIR
       run_case.py --compare OUTDIR CASEDIR   (compare an existing output dir)

CASEDIR holds case.conf, submissions.csv, ledger.csv and optionally
overrides.csv; the expected outputs are in CASEDIR/expected/. The inputs are
copied to a temporary directory first, so that an engine that keeps a
case.key beside case.conf never writes into the source tree.

Comparison rules (see README.md):
- only the columns of the expected file are compared, by header name;
- an expected cell "?" is not compared (a value the contract leaves open);
- creditor_id is never compared literally: an expected empty cell needs an
  empty output cell; a non-empty one needs a non-empty output creditor_id
  whose creditors.csv row (same output) carries the row's identity;
- `groups` is compared as a set; every other cell exactly;
- claims keyed by submission_id (+ DUPLICATE / occurrence for repeated ids),
  books-listed rows by (books, id_type, id_number, category); creditors by
  (id_type, id_number); roster by the identity its creditor_id resolves to
  (expected roster files may carry id_type/id_number columns instead);
  review_queue by submission_id (status and codes only);
  overrides_rejected as a multiset of (submission_id, decision, reason);
- every expected row must be present and equal, and the output must have no
  rows beyond the expected ones.
Exit status: 0 all equal, 1 mismatch or engine failure, 2 usage error.
"""
import csv
import os
import shutil
import subprocess
import sys
import tempfile

MAX_REPORT = 25
INPUTS = ("case.conf", "submissions.csv", "ledger.csv", "overrides.csv")
FILES = ("claims.csv", "creditors.csv", "roster.csv", "review_queue.csv",
         "overrides_rejected.csv")


class Report:
    def __init__(self):
        self.lines = []
        self.count = 0
        self.missing_cols = set()

    def add(self, fname, key, col, exp, got):
        if got == "<column missing in output>":
            if (fname, col) in self.missing_cols:
                return
            self.missing_cols.add((fname, col))
            key = "(all rows)"
        self.count += 1
        if len(self.lines) < MAX_REPORT:
            self.lines.append("%s: key=%s column=%s: expected %r, got %r"
                              % (fname, key, col, exp, got))


def read_csv(path):
    """Returns (header, rows as dicts). UTF-8, BOM tolerated."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rd = csv.reader(f)
        rows = list(rd)
    if not rows:
        return [], []
    header = [h.strip() for h in rows[0]]
    out = []
    for r in rows[1:]:
        if not r or (len(r) == 1 and r[0] == ""):
            continue
        r = r + [""] * (len(header) - len(r))
        out.append(dict(zip(header, r)))
    return header, out


def identity(row):
    return (row.get("id_type", ""), row.get("id_number", ""))


def creditor_map(rows):
    """creditor_id -> identity."""
    return {r.get("creditor_id", ""): identity(r) for r in rows}


def claim_keys(rows):
    """Keys claims rows; repeated submission_ids (DUPLICATE rows) get an
    occurrence number within (submission_id, is-duplicate)."""
    seen = {}
    out = []
    for r in rows:
        sid = r.get("submission_id", "")
        if sid == "":
            k = ("books", r.get("id_type", ""), r.get("id_number", ""),
                 r.get("category", ""))
        else:
            dup = "DUPLICATE" if r.get("status", "") == "DUPLICATE" else ""
            base = (sid, dup)
            n = seen.get(base, 0)
            seen[base] = n + 1
            k = (sid, dup, n)
        out.append((k, r))
    return out


# The shared sample leaves the name of creditors listed only from the books
# empty; the engine fills it from the ledger (docs/DECISIONS.md). The sample's
# test sets CL_CASE_FILLED_NAMES=1 to accept a name where the sample has none.
FILLED_NAMES = os.environ.get("CL_CASE_FILLED_NAMES") == "1"


def fmt_key(k):
    if isinstance(k, tuple):
        return "(" + ", ".join(str(x) for x in k if x != "") + ")"
    return str(k)


def compare_cells(rep, fname, key, exp, got, cols, out_cmap, row_ident):
    for col in cols:
        e = exp.get(col, "")
        if e == "?":
            continue
        if col not in got:
            rep.add(fname, fmt_key(key), col, e, "<column missing in output>")
            continue
        g = got[col]
        if col == "name" and e == "" and g != "" and FILLED_NAMES:
            continue  # books-only creditors: the engine names them from the ledger
        if col == "creditor_id":
            if e == "":
                if g != "":
                    rep.add(fname, fmt_key(key), col, "", g)
            elif g == "":
                rep.add(fname, fmt_key(key), col, "<non-empty id>", "")
            elif row_ident is not None and out_cmap.get(g) != row_ident:
                rep.add(fname, fmt_key(key), col,
                        "<id of %s %s in creditors.csv>" % row_ident,
                        "%s -> %r" % (g, out_cmap.get(g)))
            continue
        if col == "groups":
            es = sorted(x for x in e.split(";") if x)
            gs = sorted(x for x in g.split(";") if x)
            if es != gs:
                rep.add(fname, fmt_key(key), col, e, g)
            continue
        if e != g:
            rep.add(fname, fmt_key(key), col, e, g)


def compare_keyed(rep, fname, exp_pairs, got_pairs, cols, out_cmap,
                  ident_of=None):
    got = {}
    for k, r in got_pairs:
        if k in got:
            rep.add(fname, fmt_key(k), "<row>", "one row", "repeated key")
        got[k] = r
    exp_keys = set()
    for k, r in exp_pairs:
        exp_keys.add(k)
        if k not in got:
            rep.add(fname, fmt_key(k), "<row>", "present", "missing")
            continue
        ident = ident_of(k, r) if ident_of else None
        compare_cells(rep, fname, k, r, got[k], cols, out_cmap, ident)
    for k, _ in got_pairs:
        if k not in exp_keys:
            rep.add(fname, fmt_key(k), "<row>", "absent", "extra row")


def cmp_claims(rep, exp_dir, out_dir, out_cmap):
    eh, er = read_csv(os.path.join(exp_dir, "claims.csv"))
    _, gr = read_csv(os.path.join(out_dir, "claims.csv"))
    compare_keyed(rep, "claims.csv", claim_keys(er), claim_keys(gr), eh,
                  out_cmap, lambda k, r: identity(r))


def cmp_creditors(rep, exp_dir, out_dir, out_cmap, out_creditors):
    eh, er = read_csv(os.path.join(exp_dir, "creditors.csv"))
    cols = [c for c in eh if c not in ("id_type", "id_number")]
    seen_ids = {}
    for r in out_creditors:
        cid = r.get("creditor_id", "")
        if cid == "" or cid == r.get("id_number"):
            rep.add("creditors.csv", fmt_key(identity(r)), "creditor_id",
                    "<keyed, non-empty, not the id_number>", cid)
        if cid in seen_ids and seen_ids[cid] != identity(r):
            rep.add("creditors.csv", fmt_key(identity(r)), "creditor_id",
                    "<distinct per identity>", cid + " shared")
        seen_ids[cid] = identity(r)
    compare_keyed(rep, "creditors.csv", [(identity(r), r) for r in er],
                  [(identity(r), r) for r in out_creditors], cols, out_cmap,
                  lambda k, r: k)


def cmp_roster(rep, exp_dir, out_dir, out_cmap):
    eh, er = read_csv(os.path.join(exp_dir, "roster.csv"))
    _, gr = read_csv(os.path.join(out_dir, "roster.csv"))
    if "id_type" in eh and "id_number" in eh:
        exp_pairs = [(identity(r), r) for r in er]
    else:
        _, ecred = read_csv(os.path.join(exp_dir, "creditors.csv"))
        emap = creditor_map(ecred)
        exp_pairs = [(emap.get(r.get("creditor_id", ""),
                               ("<unknown>", r.get("creditor_id", ""))), r)
                     for r in er]
    got_pairs = []
    for r in gr:
        cid = r.get("creditor_id", "")
        ident = out_cmap.get(cid)
        if ident is None:
            rep.add("roster.csv", cid, "creditor_id",
                    "<listed in creditors.csv>", "not found")
            ident = ("<unknown>", cid)
        got_pairs.append((ident, r))
    cols = [c for c in eh if c not in ("id_type", "id_number")]
    compare_keyed(rep, "roster.csv", exp_pairs, got_pairs, cols, out_cmap,
                  lambda k, r: k)


def cmp_review(rep, exp_dir, out_dir):
    _, er = read_csv(os.path.join(exp_dir, "review_queue.csv"))
    _, gr = read_csv(os.path.join(out_dir, "review_queue.csv"))
    cols = ["status", "codes"]
    compare_keyed(rep, "review_queue.csv",
                  [(r.get("submission_id", ""), r) for r in er],
                  [(r.get("submission_id", ""), r) for r in gr], cols, {})


def cmp_rejected(rep, exp_dir, out_dir):
    _, er = read_csv(os.path.join(exp_dir, "overrides_rejected.csv"))
    _, gr = read_csv(os.path.join(out_dir, "overrides_rejected.csv"))

    def tup(r):
        return (r.get("submission_id", ""), r.get("decision", ""),
                r.get("reason", ""))
    left = [tup(r) for r in gr]
    for t in (tup(r) for r in er):
        if t in left:
            left.remove(t)
        else:
            rep.add("overrides_rejected.csv", fmt_key(t), "<row>", "present",
                    "missing")
    for t in left:
        rep.add("overrides_rejected.csv", fmt_key(t), "<row>", "absent",
                "extra row")


def compare(out_dir, exp_dir):
    rep = Report()
    todo = []
    for f in FILES:
        if not os.path.exists(os.path.join(exp_dir, f)):
            continue
        if os.path.exists(os.path.join(out_dir, f)):
            todo.append(f)
        else:
            rep.add(f, "-", "<file>", "present", "missing")
    out_creditors = []
    if os.path.exists(os.path.join(out_dir, "creditors.csv")):
        _, out_creditors = read_csv(os.path.join(out_dir, "creditors.csv"))
    out_cmap = creditor_map(out_creditors)
    if "claims.csv" in todo:
        cmp_claims(rep, exp_dir, out_dir, out_cmap)
    if "creditors.csv" in todo:
        cmp_creditors(rep, exp_dir, out_dir, out_cmap, out_creditors)
    if "roster.csv" in todo:
        cmp_roster(rep, exp_dir, out_dir, out_cmap)
    if "review_queue.csv" in todo:
        cmp_review(rep, exp_dir, out_dir)
    if "overrides_rejected.csv" in todo:
        cmp_rejected(rep, exp_dir, out_dir)
    return rep


def run_engine(claims, case_dir, tmp):
    indir = os.path.join(tmp, "in")
    os.mkdir(indir)
    for f in INPUTS:
        src = os.path.join(case_dir, f)
        if os.path.exists(src):
            shutil.copyfile(src, os.path.join(indir, f))
    out = os.path.join(tmp, "out")
    cmd = [claims, "run", "--case", os.path.join(indir, "case.conf"),
           "--submissions", os.path.join(indir, "submissions.csv"),
           "--ledger", os.path.join(indir, "ledger.csv")]
    if os.path.exists(os.path.join(indir, "overrides.csv")):
        cmd += ["--overrides", os.path.join(indir, "overrides.csv")]
    cmd += ["--out", out]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           errors="replace", timeout=120)
    except subprocess.TimeoutExpired:
        print("FAIL: claims run timed out: " + " ".join(cmd))
        return None
    if p.returncode != 0:
        print("FAIL: claims run exited %d: %s" % (p.returncode, " ".join(cmd)))
        sys.stdout.write(p.stderr[-4000:])
        return None
    return out


def main(argv):
    if len(argv) != 3 and not (len(argv) == 4 and argv[1] == "--compare"):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    case_dir = argv[-1]
    exp_dir = os.path.join(case_dir, "expected")
    if not os.path.isdir(exp_dir) or \
            not os.path.exists(os.path.join(case_dir, "case.conf")):
        sys.stderr.write("run_case.py: %s has no case.conf or expected/\n"
                         % case_dir)
        return 2
    name = os.path.basename(os.path.normpath(case_dir))
    if argv[1] == "--compare":
        rep = compare(argv[2], exp_dir)
    else:
        tmp = tempfile.mkdtemp(prefix="claims-case-")
        try:
            out = run_engine(argv[1], case_dir, tmp)
            if out is None:
                return 1
            rep = compare(out, exp_dir)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if rep.count:
        print("FAIL %s: %d mismatch(es); first %d:" %
              (name, rep.count, len(rep.lines)))
        for ln in rep.lines:
            print("  " + ln)
        return 1
    print("ok %s" % name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
