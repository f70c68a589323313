#!/usr/bin/env python3
"""Allocation-failure injection, curl's "torture" way (issue 15).

Needs `claims` built with -DCL_TORTURE=ON (and, to see leaks, ASan/LSan:
-DCL_SANITIZE=address,undefined). `claims --torture N <command> ...` fails
the N-th allocation made through core/cl_alloc.h and prints the number of
allocations at exit. For each command on the shared sample (`run`: ingest,
the decisions and report writing; `tally`; `distribute`), a run with N = 0
counts the allocations; then N = 1, 2, ... (every one, or a sample) must each
end with exit 3 and a message, no sanitizer report (no leak, no crash), and
no output: the --out directory is not created and nothing is left beside it.

Usage: torture.py [--samples K | --every 1] [--commands run,tally,distribute]
Environment: CL_CLAIMS (the torture build), CL_SAMPLES (tests/data)."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crash"))
import crash  # noqa: E402  (the three commands on the sample)

CLAIMS = crash.CLAIMS
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|runtime error|UndefinedBehavior")
COUNT = re.compile(r"torture: (\d+) allocations")


def torture_run(cmd, n, out):
    argv = cmd.argv(out)
    argv = [argv[0], "--torture", str(n)] + argv[1:]
    if cmd.name in ("run", "tally"):
        argv += ["--threads", "1"]
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99",
               UBSAN_OPTIONS="halt_on_error=1:exitcode=98")
    return subprocess.run(argv, capture_output=True, text=True, env=env)


def sweep(cmd, work, samples, every, fails):
    d = os.path.join(work, cmd.name)
    os.makedirs(d)
    r = torture_run(cmd, 0, os.path.join(d, "count"))
    m = COUNT.search(r.stderr)
    if r.returncode != 0 or not m:
        fails.append(f"{cmd.name}: the counting run failed: rc {r.returncode}: {r.stderr[-2000:]}")
        return
    total = int(m.group(1))
    if every:
        ks = list(range(1, total + 1, every))
    else:
        step = max(1, total // samples)
        ks = sorted(set(list(range(1, total + 1, step)) + [total]))
    t0 = time.monotonic()
    bad = 0
    for k in ks:
        out = os.path.join(d, f"out{k}")
        r = torture_run(cmd, k, out)
        err = r.stderr
        why = None
        if SANITIZER.search(err):
            why = "sanitizer report"
        elif r.returncode != 3:
            why = f"exit {r.returncode}, expected 3"
        elif not re.search(r"^claims: .+", err, re.M):
            why = "no message"
        elif os.path.exists(out):
            why = "the output directory was created"
        elif crash.strays(d, out):
            why = f"left beside the outputs: {crash.strays(d, out)}"
        if why:
            bad += 1
            fails.append(f"{cmd.name}: allocation {k} of {total}: {why}")
            print(f"FAIL {cmd.name} allocation {k}/{total}: {why}\n{err[-3000:]}", flush=True)
    print(f"{cmd.name}: {total} allocations; failed {len(ks)} of them in turn "
          f"({'every ' + str(every) if every else 'sampled'}) in "
          f"{time.monotonic() - t0:.0f}s: {len(ks) - bad} clean exit 3, {bad} bad", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--every", type=int, default=0)
    ap.add_argument("--commands", default="run,tally,distribute")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="cl_torture_")
    fails = []
    try:
        cmds = crash.make_commands(os.path.join(crash.SAMPLES, "xiaoming-mini"), work)
        for name in a.commands.split(","):
            sweep(cmds[name], work, a.samples, a.every, fails)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if fails:
        print(f"{len(fails)} failure(s)")
        return 1
    print("torture: every injected allocation failure ended cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
