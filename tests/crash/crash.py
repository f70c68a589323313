#!/usr/bin/env python3
"""Crash safety of `claims run`, `tally` and `distribute` (issue 15).

For each command: a clean run gives the reference outputs; a first run puts
outputs in place; then, trial after trial, the command is started into the
same --out and killed with SIGKILL at a random instant (uniform over 0 to
1.1 x the clean run's wall time). After each kill the outputs in place must be
whole: the same files as the reference, byte for byte (manifest.json without
its documented "run" section), and, for `run`, every file the manifest lists
has the SHA-256 the manifest records. Then the command is run again to the
end: it must succeed, leave nothing beside the outputs (no *.tmp-* staging
directory, no .lock) and give outputs byte-identical to the clean run.

Then the environment checks: a full disk (a small tmpfs, filled; needs root
for mount, skipped with a message otherwise) and a read-only output location
(a read-only remount of a tmpfs as root, chmod otherwise) must end with exit 3
and a message naming the path, and leave the previous outputs intact.

Usage: crash.py [--trials N] [--scale S | --sample DIR] [--seed N]
                [--commands run,tally,distribute] [--rerun-every K] [--no-env]
Environment: CL_CLAIMS (binary), CL_SAMPLES (tests/data)."""
import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

CLAIMS = os.environ.get("CL_CLAIMS", "build/claims")
SAMPLES = os.environ.get("CL_SAMPLES", "tests/data")
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg, flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def snapshot(d):
    """{name: digest} of a directory's files; manifest.json without "run"."""
    snap = {}
    for n in sorted(os.listdir(d)):
        p = os.path.join(d, n)
        if n == "manifest.json":
            m = json.load(open(p, encoding="utf-8"))
            m.pop("run", None)
            snap[n] = json.dumps(m, sort_keys=True)
        else:
            snap[n] = sha256(p)
    return snap


def check_manifest(d, label):
    """Every file the manifest lists has the digest it records, and the
    directory holds nothing else but the manifest and the marker."""
    mp = os.path.join(d, "manifest.json")
    if not os.path.exists(mp):
        return
    m = json.load(open(mp, encoding="utf-8"))
    for name, digest in m["outputs"].items():
        p = os.path.join(d, name)
        if not os.path.exists(p):
            fail(f"{label}: {name} listed in the manifest is missing")
        elif sha256(p) != digest:
            fail(f"{label}: {name} does not match its manifest digest")
    extra = set(os.listdir(d)) - set(m["outputs"]) - {"manifest.json", ".claims-output"}
    if extra:
        fail(f"{label}: files not in the manifest: {sorted(extra)}")


def strays(parent, out):
    base = os.path.basename(out)
    return sorted(n for n in os.listdir(parent)
                  if n != base and (n.startswith(base + ".tmp-") or n == base + ".lock"))


class Command:
    def __init__(self, name, args_for):
        self.name, self.args_for = name, args_for

    def argv(self, out):
        return [CLAIMS] + self.args_for(out) + ["--quiet"]

    def run(self, out, **kw):
        return subprocess.run(self.argv(out), capture_output=True, text=True, **kw)


def make_commands(case, work):
    """The three commands on one case; tally and distribute read the
    reference run's roster and creditors list."""
    def run_args(out):
        a = ["run", "--case", os.path.join(case, "case.conf"),
             "--submissions", os.path.join(case, "submissions.csv"),
             "--ledger", os.path.join(case, "ledger.csv"), "--out", out]
        if os.path.exists(os.path.join(case, "overrides.csv")):
            a += ["--overrides", os.path.join(case, "overrides.csv")]
        return a
    base = os.path.join(work, "base")
    r = subprocess.run([CLAIMS] + run_args(base) + ["--quiet"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("claims run failed on the case: " + r.stderr)
    meeting = os.path.join(work, "meeting.conf")
    with open(meeting, "w", encoding="utf-8") as f:
        f.write("meeting_id = M1\nopens_at = 2018-07-01 09:00\ncloses_at = 2018-07-10 18:00\n"
                "resolution.plan = general\nresolution.deal = settlement\n")
    ballots = os.path.join(work, "ballots.csv")
    with open(os.path.join(base, "roster.csv"), encoding="utf-8", newline="") as f:
        roster = list(csv.DictReader(f))
    with open(ballots, "w", encoding="utf-8") as f:
        f.write("ballot_id,meeting_id,resolution_id,creditor_id,group,choice,cast_at,channel\n")
        for i, row in enumerate(roster):
            if Decimal(row["unsecured_voting"]) > 0:
                for res in ("plan", "deal"):
                    choice = "against" if i % 3 == 0 else "for"
                    f.write(f"b{i}{res},M1,{res},{row['creditor_id']},,{choice},"
                            "2018-07-02 10:00,online\n")
    return {
        "run": Command("run", run_args),
        "tally": Command("tally", lambda out: [
            "tally", "--roster", os.path.join(base, "roster.csv"), "--meeting", meeting,
            "--ballots", ballots, "--out", out]),
        "distribute": Command("distribute", lambda out: [
            "distribute", "--creditors", os.path.join(base, "creditors.csv"),
            "--amount", "100000.00", "--out", out]),
    }


def kill_trials(cmd, work, trials, rerun_every, rng):
    d = os.path.join(work, cmd.name)
    os.makedirs(d)
    ref, out = os.path.join(d, "ref"), os.path.join(d, "out")
    # the reference is a second run over the first: changes.csv compares a
    # run with the outputs it replaces
    for _ in range(2):
        t0 = time.monotonic()
        r = cmd.run(ref)
        wall = time.monotonic() - t0
        if r.returncode != 0:
            fail(f"{cmd.name}: clean run failed: {r.stderr}")
            return
    want = snapshot(ref)
    check_manifest(ref, f"{cmd.name} clean run")
    if any(cmd.run(out).returncode != 0 for _ in range(2)) or snapshot(out) != want:
        fail(f"{cmd.name}: a second clean run differs from the first")
        return
    committed, failed = 0, len(FAILS)
    for i in range(trials):
        delay = rng.uniform(0, wall * 1.1)
        p = subprocess.Popen(cmd.argv(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        rc = p.wait()
        committed += rc == 0
        label = f"{cmd.name} trial {i} (kill at {delay:.3f}s, rc {rc})"
        if not os.path.isdir(out):
            fail(f"{label}: the previous outputs are gone")
            return
        check_manifest(out, label)
        if snapshot(out) != want:
            fail(f"{label}: the outputs in place are not the previous outputs")
        if (i + 1) % rerun_every == 0 or i == trials - 1:
            r = cmd.run(out)
            if r.returncode != 0:
                fail(f"{label}: the rerun failed: {r.stderr.strip()}")
            elif snapshot(out) != want:
                fail(f"{label}: the rerun differs from the clean run")
            left = strays(d, out)
            if left:
                fail(f"{label}: left beside the outputs after the rerun: {left}")
        if (i + 1) % 25 == 0:
            print(f"{cmd.name}: {i + 1} kills so far ({committed} finished first), "
                  f"{len(FAILS) - failed} failure(s)", flush=True)
    print(f"{cmd.name}: {trials} kills (clean run {wall:.2f}s; {committed} finished before "
          f"the kill), {len(FAILS) - failed} failure(s)", flush=True)


def is_root():
    return os.geteuid() == 0


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                       capture_output=True, text=True)
    return r.returncode == 0


def umount(path):
    subprocess.run(["umount", path], capture_output=True)


def expect_env_failure(cmd, out, want, what):
    r = cmd.run(out)
    label = f"{cmd.name} on a {what}"
    if r.returncode != 3:
        fail(f"{label}: exit {r.returncode}, expected 3: {r.stderr.strip()}")
    elif "claims:" not in r.stderr or os.path.dirname(out) not in r.stderr:
        fail(f"{label}: the message does not name the path: {r.stderr.strip()}")
    if snapshot(out) != want:
        fail(f"{label}: the previous outputs changed")
    left = strays(os.path.dirname(out), out)
    if left:
        fail(f"{label}: left beside the outputs: {left}")
    return r.stderr.strip()


def full_disk(cmd, work):
    if not is_root():
        print(f"{cmd.name}: SKIPPED the full-disk check: mounting a tmpfs needs root", flush=True)
        return
    mnt = os.path.join(work, cmd.name + "-full")
    ref = os.path.join(work, cmd.name, "ref")
    size = sum(os.path.getsize(os.path.join(root, n))
               for root, _, files in os.walk(ref) for n in files)
    # room for one run (staging and outputs) with a margin; the fill below
    # then takes whatever is left, so a larger tmpfs tests the same thing
    if not mount_tmpfs(mnt, f"{size * 4 + (4 << 20)}"):
        print(f"{cmd.name}: SKIPPED the full-disk check: mount -t tmpfs failed", flush=True)
        return
    try:
        out = os.path.join(mnt, "out")
        if cmd.run(out).returncode != 0:
            fail(f"{cmd.name}: the run on the small tmpfs failed")
            return
        want = snapshot(out)
        st = os.statvfs(mnt)
        free = st.f_bavail * st.f_frsize
        with open(os.path.join(mnt, "fill"), "wb") as f:
            try:
                f.write(b"\0" * max(0, free - 4096))
                f.flush()
                os.fsync(f.fileno())
            except OSError:
                pass
        msg = expect_env_failure(cmd, out, want, "full disk")
        print(f"{cmd.name}: full disk -> {msg}", flush=True)
    finally:
        umount(mnt)


def read_only(cmd, work):
    ref = os.path.join(work, cmd.name, "ref")
    if is_root():
        mnt = os.path.join(work, cmd.name + "-ro")
        if not mount_tmpfs(mnt, "64m"):
            print(f"{cmd.name}: SKIPPED the read-only check: mount -t tmpfs failed", flush=True)
            return
        try:
            out = os.path.join(mnt, "out")
            shutil.copytree(ref, out)
            want = snapshot(out)
            subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
            msg = expect_env_failure(cmd, out, want, "read-only file system")
        finally:
            umount(mnt)
    else:
        parent = os.path.join(work, cmd.name + "-ro")
        out = os.path.join(parent, "out")
        shutil.copytree(ref, out)
        want = snapshot(out)
        os.chmod(out, 0o555)
        os.chmod(parent, 0o555)
        try:
            msg = expect_env_failure(cmd, out, want, "read-only directory")
        finally:
            os.chmod(parent, 0o755)
            os.chmod(out, 0o755)
    print(f"{cmd.name}: read-only -> {msg}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--scale", type=float, default=0)
    ap.add_argument("--sample", default=os.path.join(SAMPLES, "xiaoming-mini"))
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--commands", default="run,tally,distribute")
    ap.add_argument("--rerun-every", type=int, default=1)
    ap.add_argument("--no-env", action="store_true")
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="cl_crash_", dir=a.work)
    try:
        if a.scale > 0:
            case = os.path.join(work, "case")
            r = subprocess.run([CLAIMS, "gen", "--scenario", "xiaoming", "--scale", str(a.scale),
                                "--seed", str(a.seed), "--out", case], capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit("claims gen failed: " + r.stderr)
        else:
            case = a.sample
        cmds = make_commands(case, work)
        for name in a.commands.split(","):
            kill_trials(cmds[name], work, a.trials, a.rerun_every, rng)
            if not a.no_env:
                full_disk(cmds[name], work)
                read_only(cmds[name], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if FAILS:
        print(f"{len(FAILS)} failure(s)")
        return 1
    print("crash: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
