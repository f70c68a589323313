#!/usr/bin/env python3
"""bench_linkage.py - accuracy and cost of the probable duplicates (issue 17).

Generates `claims gen --scale K --seed S` (which plants probable duplicates and
innocent look-alikes and writes linkage_truth.csv beside the case), runs
`claims run` with linkage on (default) and off (`linkage = off` in a copy of
case.conf), and reports:

- per planted kind (id_typo, id15_18, name_variant, bank, phone, account_ref,
  ring_bank_phone): recall = planted groups found whole, as one cluster
  holding nothing else;
- per signal: precision = clusters with the signal that touch planted or
  innocent rows and are exactly one planted group (no innocent, no other
  row), over all clusters with the signal that touch those rows;
- pairwise precision and recall over all planted rows;
- the innocents' false-positive rate: innocent groups (families sharing a
  phone, same name and birth date with distant IDs) with any row in a
  cluster;
- clusters among the generator's ordinary rows (not planted: e.g. its second
  claimants on one account) by signal, reported apart;
- cost: the "probable duplicates" stage from manifest.json, and the
  wall-clock of the whole run with and without it (medians of --runs).

A benchmark, not a test. usage:
  bench/linkage/bench_linkage.py --claims build/claims [--scale 1] [--seed 1]
                                 [--runs 3] [--threads 2] [--work DIR]
"""
import argparse
import csv
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PLANTED = ["id_typo", "id15_18", "name_variant", "bank", "phone", "account_ref",
           "ring_bank_phone"]
SIGNALS = ["bank", "phone", "account_ref", "id_typo", "id15_18", "name_variant"]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def run(claims, case, out, threads):
    cmd = [claims, "run", "--case", os.path.join(case, "case.conf"),
           "--submissions", os.path.join(case, "submissions.csv"),
           "--ledger", os.path.join(case, "ledger.csv"),
           "--overrides", os.path.join(case, "overrides.csv"),
           "--out", out, "--threads", str(threads), "--no-progress", "--allow-shrink"]
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit("claims run failed: " + r.stderr)
    return dt


def stage_ms(out, name):
    m = json.load(open(os.path.join(out, "manifest.json"), encoding="utf-8"))
    return sum(t["ms"] for t in m["run"]["timings_ms"] if t["stage"] == name)


def accuracy(case, out):
    truth = read_csv(os.path.join(case, "linkage_truth.csv"))
    group_of, kind_of, members = {}, {}, {}
    for t in truth:
        g = int(t["group"])
        group_of[t["submission_id"]] = g
        kind_of[g] = t["kind"]
        members.setdefault(g, set()).add(t["submission_id"])
    clusters = read_csv(os.path.join(out, "probable_duplicates.csv"))
    cl_of = {}
    for c in clusters:
        c["subs"] = set(c["submissions"].split(";"))
        c["sigs"] = set(c["signals"].split(";")) if c["signals"] else set()
        for s in c["subs"]:
            cl_of[s] = c["cluster"]

    def exact(c):
        gs = {group_of.get(s) for s in c["subs"]}
        if len(gs) != 1 or None in gs:
            return False
        g = gs.pop()
        return not kind_of[g].startswith("innocent") and c["subs"] == members[g]

    rep = {"recall": {}, "precision": {}, "other_clusters": {}}
    for k in PLANTED:
        gs = [g for g in members if kind_of[g] == k]
        found = 0
        for g in gs:
            cids = {cl_of.get(s) for s in members[g]}
            if len(cids) == 1 and None not in cids:
                c = next(c for c in clusters if c["cluster"] in cids)
                found += exact(c)
        rep["recall"][k] = (found, len(gs))
    touching = [c for c in clusters if c["subs"] & group_of.keys()]
    for s in SIGNALS:
        cs = [c for c in touching if s in c["sigs"]]
        rep["precision"][s] = (sum(exact(c) for c in cs), len(cs))
    rep["precision"]["all"] = (sum(exact(c) for c in touching), len(touching))
    for c in clusters:
        if not (c["subs"] & group_of.keys()):
            for s in c["sigs"]:
                rep["other_clusters"][s] = rep["other_clusters"].get(s, 0) + 1
    rep["other_clusters_total"] = len(clusters) - len(touching)
    inn = [g for g in members if kind_of[g].startswith("innocent")]
    hit = [g for g in inn if any(s in cl_of for s in members[g])]
    by_kind = {}
    for g in inn:
        k = kind_of[g]
        n, h = by_kind.get(k, (0, 0))
        by_kind[k] = (n + 1, h + (g in hit))
    rep["innocent"] = (len(hit), len(inn), by_kind)
    # pairs over planted rows
    tp = fp = fn = 0
    planted_rows = [s for s in group_of if not kind_of[group_of[s]].startswith("innocent")]
    all_rows = sorted(group_of)
    for a, b in itertools.combinations(all_rows, 2):
        same_c = a in cl_of and cl_of.get(a) == cl_of.get(b)
        same_g = group_of[a] == group_of[b] and not kind_of[group_of[a]].startswith("innocent")
        tp += same_c and same_g
        fp += same_c and not same_g
        fn += same_g and not same_c
    rep["pairs"] = (tp, fp, fn, len(planted_rows))
    return rep


def frac(a, b):
    return "n/a" if b == 0 else "%.3f (%d/%d)" % (a / b, a, b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--claims", default="build/claims")
    ap.add_argument("--scale", default="1")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="cl-linkage-")
    case = os.path.join(work, "case")
    if not os.path.exists(os.path.join(case, "linkage_truth.csv")):
        subprocess.run([a.claims, "gen", "--scale", a.scale, "--seed", a.seed, "--out", case,
                        "--no-progress"], check=True)
    off = os.path.join(work, "case-off")
    shutil.rmtree(off, ignore_errors=True)
    os.makedirs(off)
    for f in ("submissions.csv", "ledger.csv", "overrides.csv", "case.key"):
        if os.path.exists(os.path.join(case, f)):
            os.symlink(os.path.join(case, f), os.path.join(off, f))
    with open(os.path.join(case, "case.conf"), encoding="utf-8") as f:
        conf = f.read()
    with open(os.path.join(off, "case.conf"), "w", encoding="utf-8") as f:
        f.write(conf + "\nlinkage = off\n")
    t_on, t_off, st = [], [], []
    for _ in range(a.runs):   # interleaved: the host drifts between minutes
        t_on.append(run(a.claims, case, os.path.join(work, "out-on"), a.threads))
        st.append(stage_ms(os.path.join(work, "out-on"), "probable duplicates"))
        t_off.append(run(a.claims, off, os.path.join(work, "out-off"), a.threads))
    same = all(open(os.path.join(work, "out-on", f), "rb").read() ==
               open(os.path.join(work, "out-off", f), "rb").read()
               for f in ("claims.csv", "creditors.csv", "roster.csv", "overrides_rejected.csv"))
    rep = accuracy(case, os.path.join(work, "out-on"))
    nsubs = sum(1 for _ in open(os.path.join(case, "submissions.csv"), encoding="utf-8")) - 1
    print("claims linkage bench: scale %s seed %s, ~%d submission lines, %d threads"
          % (a.scale, a.seed, nsubs, a.threads))
    print("recall per planted kind (groups found whole, as one cluster):")
    for k, (f, n) in rep["recall"].items():
        print("  %-16s %s" % (k, frac(f, n)))
    print("precision per signal (clusters touching planted/innocent rows that are exactly one planted group):")
    for k, (f, n) in rep["precision"].items():
        print("  %-16s %s" % (k, frac(f, n)))
    tp, fp, fn, npl = rep["pairs"]
    print("pairs over %d planted rows: precision %s, recall %s"
          % (npl, frac(tp, tp + fp), frac(tp, tp + fn)))
    h, n, by = rep["innocent"]
    print("innocents in a cluster (false-positive rate): %s" % frac(h, n))
    for k, (nn, hh) in sorted(by.items()):
        print("  %-24s %s" % (k, frac(hh, nn)))
    print("clusters among the generator's ordinary rows (not planted): %d %s"
          % (rep["other_clusters_total"], json.dumps(rep["other_clusters"], sort_keys=True)))
    print("cost: stage 'probable duplicates' median %d ms (runs %s); whole run median %.3f s "
          "on, %.3f s off" % (statistics.median(st), st, statistics.median(t_on),
                              statistics.median(t_off)))
    print("contract outputs byte-identical with and without linkage: %s" % same)
    if not a.work:
        shutil.rmtree(work)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
