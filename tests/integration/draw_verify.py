#!/usr/bin/env python3
"""Recompute a claims draw without claims (docs/DRAW.md prints this file).
usage: python3 draw_verify.py draw_proof.json roster.csv [creditors.csv]
Exit 0 when the proof's outcome is what the roster and beacon give."""
import csv, hashlib, hmac, json, sys
from decimal import Decimal

proof = json.load(open(sys.argv[1], encoding="utf-8"))
roster_bytes = open(sys.argv[2], "rb").read()
c = proof["commitment"]
par = c["parameters"]
digest = hashlib.sha256(roster_bytes).digest()
assert digest.hex() == c["roster"]["sha256"], "roster differs from the commitment"
seed = hashlib.sha256(digest + proof["beacon"].encode("utf-8")).digest()
assert seed.hex() == proof["seed"], "seed does not follow from the beacon"
rows = list(csv.DictReader(roster_bytes.decode("utf-8-sig").splitlines()))

def yuan(s):
    return Decimal(s.replace(",", "") or "0")

# stratum of each creditor
if par["by"] == "kind":
    kinds = {}
    for r in csv.DictReader(open(sys.argv[3], encoding="utf-8-sig")):
        kinds[r["creditor_id"]] = ("employee" if yuan(r.get("employee", "0")) > 0
                                   else r["kind"])
    stratum = {r["creditor_id"]: kinds[r["creditor_id"]] for r in rows}
elif par["by"] == "band":
    bounds = [Decimal(b) for b in par["bands"]]
    def band(r):
        v = yuan(r.get("voting_amount") or r.get("unsecured_voting") or "0")
        return sum(1 for b in bounds if v >= b)
    stratum = {r["creditor_id"]: band(r) for r in rows}
else:
    stratum = {r["creditor_id"]: 0 for r in rows}
# seats per stratum as committed (cl_draw_seats; the commitment lists them
# in stratum order: kinds alphabetically, bands from the lowest)
names = [s["stratum"] for s in c["strata"]]
seats = [s["seats"] for s in c["strata"]]
assert sum(seats) == par["count"], "seats do not add up to the count"
key = (lambda s: names.index(s)) if par["by"] != "band" else (lambda k: k)
if par["by"] == "none":
    key = lambda s: 0
# rank by HMAC-SHA-256(seed, creditor_id), ascending; take while seats last
scored = sorted((hmac.new(seed, r["creditor_id"].encode("utf-8"), hashlib.sha256).digest(),
                 r["creditor_id"].encode("utf-8"), r["creditor_id"]) for r in rows)
left, outcome = list(seats), []
for _, _, cid in scored:
    k = key(stratum[cid])
    if len(outcome) < par["count"] and left[k] > 0:
        left[k] -= 1
        outcome.append(cid)
if outcome != proof["outcome"]:
    sys.exit("outcome differs from the proof")
print("draw verified:", len(outcome), "creditors")
