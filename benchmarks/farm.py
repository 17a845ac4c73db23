"""Wall time of scene (d) exported by one process, against two chunk processes run at once plus the stitch.

Each export is a fresh `python -m miris_export` process (Blender's start-up included, as on a farm),
validation off; the median of `--runs` runs of each, alternating.

    .venv/bin/python benchmarks/farm.py [--runs 5] [--quick]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import bpy

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "benchmarks"))

from scenes import deformed  # noqa: E402

PY = [sys.executable, "-m", "miris_export"]


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(commands):
    """Runs the commands at once; their wall time and the processor time they took together."""
    started, cpu = time.perf_counter(), _cpu()
    procs = [subprocess.Popen(c, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in commands]
    for p in procs:
        if p.wait() != 0:
            raise SystemExit(p.stderr.read().decode())
    return time.perf_counter() - started, _cpu() - cpu


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="miris-farm-")
    info = deformed(args.quick)
    blend = os.path.join(work, "d.blend")
    bpy.ops.wm.save_as_mainfile(filepath=blend)
    last, half = info.frames, info.frames // 2
    flags = ["--no-validate", "--progress", "none"]
    single, chunked, stitched = [], [], []
    for _ in range(args.runs):
        single.append(_run([[*PY, blend, "-o", os.path.join(work, "single.usdc"), "--frame-start", "1",
                             "--frame-end", str(last), *flags]]))
        chunks = [os.path.join(work, f"chunk_{s}.usdc") for s in (1, half + 1)]
        chunked.append(_run([[*PY, blend, "-o", chunk, "--frame-start", str(s), "--frame-end", str(e),
                              "--chunk-of", "1", str(last), *flags]
                             for chunk, (s, e) in zip(chunks, ((1, half), (half + 1, last)))]))
        stitched.append(_run([[*PY, "stitch", os.path.join(work, "stitched.usdc"), *chunks, "--no-validate"]]))
    (one, two, join), (one_cpu, two_cpu, join_cpu) = (
        [statistics.median(run[k] for run in x) for x in (single, chunked, stitched)] for k in (0, 1))
    print(f"scene (d): {info.title}")
    print(f"processor time: one process {one_cpu:.2f} s; two chunks {two_cpu:.2f} s; stitch {join_cpu:.2f} s")
    print(f"one process: {one:.2f} s; two chunks at once: {two:.2f} s + stitch {join:.2f} s = {two + join:.2f} s "
          f"({(two + join) / one:.2f} of one process); the stitch is {join / (two + join):.0%} of it")


if __name__ == "__main__":
    main()
