#!/usr/bin/env python3
"""check_layers.py - the architecture's one rule, checked: a folder may include
only the folders below it (docs/ARCHITECTURE.md). Reads every #include "x/..."
of the product's C files and fails, naming file and line, when a lower layer
includes a higher one or a sibling. With --self-test it first proves that it
catches a planted violation, so the check itself cannot silently pass."""
import os
import re
import sys
import tempfile

# folder -> level; a file may include its own folder and strictly lower levels.
LEVELS = {
    "core": 0,
    "ingest": 1, "reports": 1,
    "rules": 2,
    "engine": 3,
    "gen": 4, "store": 4,
    "api": 5,
    "cli": 6,
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)/')


def violations(root):
    out = []
    for top, level in LEVELS.items():
        base = os.path.join(root, top)
        for dirpath, _, files in os.walk(base):
            for name in sorted(files):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        dep = m.group(1)
                        if dep == top:
                            continue
                        if dep not in LEVELS:
                            out.append(f"{os.path.relpath(path, root)}:{n}: includes "
                                       f"'{dep}/', which is not a product layer")
                        elif LEVELS[dep] >= level:
                            out.append(f"{os.path.relpath(path, root)}:{n}: {top}/ (layer "
                                       f"{level}) includes {dep}/ (layer {LEVELS[dep]}): "
                                       f"a folder may include only the layers below it")
    return out


def self_test():
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "core"))
        os.makedirs(os.path.join(d, "engine"))
        with open(os.path.join(d, "core", "x.c"), "w") as f:
            f.write('#include "engine/cl_model.h"\n')
        with open(os.path.join(d, "engine", "y.c"), "w") as f:
            f.write('#include "core/cl_error.h"\n')
        v = violations(d)
        if len(v) != 1 or "core/x.c:1" not in v[0]:
            print("self-test failed: the planted violation was not reported:", v)
            return False
    return True


def main():
    root = sys.argv[-1] if len(sys.argv) > 1 and not sys.argv[-1].startswith("-") else "."
    if "--self-test" in sys.argv and not self_test():
        return 1
    v = violations(root)
    for line in v:
        print(line)
    missing = [t for t in ("core", "ingest", "rules", "engine", "reports") if
               not os.path.isdir(os.path.join(root, t))]
    if missing:
        print("layers: folders missing:", ", ".join(missing))
        return 1
    print(f"layers: {'ok' if not v else str(len(v)) + ' violation(s)'}")
    return 1 if v else 0


if __name__ == "__main__":
    sys.exit(main())
