"""Batch export: many .blend files, each exported by its own fresh process, a few at a time.

A process per file, not a fork: `bpy` is not safe to fork, and a file that crashes Blender
then costs only its own export. Under Blender (`blender -c miris_export batch ...`) the
workers are `blender -c miris_export ...`; with Blender as a Python module, `python -m miris_export`.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def parser(prog):
    p = argparse.ArgumentParser(prog=f"{prog} batch", description="Export many .blend files in parallel processes. "
                                "Other arguments (--no-animation, --strict...) go to every export.")
    p.add_argument("files", nargs="+", help="the .blend files")
    p.add_argument("--out-dir", required=True, help="the folder the USD files go to, one per .blend, named after it")
    p.add_argument("--format", default="usdc", choices=("usdc", "usda", "usdz"), help="the files' format")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="exports run at once")
    return p


def worker_command():
    """The command that runs one export in a fresh process."""
    bpy = sys.modules.get("bpy")
    binary = getattr(getattr(bpy, "app", None), "binary_path", "") if bpy else ""
    if binary and "blender" in os.path.basename(binary).lower():
        return [binary, "-c", "miris_export"]  # -c implies -b; no --factory-startup: it leaves extensions off
    return [sys.executable, "-m", "miris_export"]


def export_one(command, blend, output, extra):
    """(status, report dict or None, message) of exporting `blend` to `output` in a new process."""
    started = time.perf_counter()
    try:
        done = subprocess.run([*command, blend, "-o", output, "--json", *extra], capture_output=True, text=True)
    except OSError as error:
        return "failed", None, str(error), time.perf_counter() - started
    seconds = time.perf_counter() - started
    report = _json_report(done.stdout)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if "error" in line.lower()] or done.stderr.splitlines()
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        if done.returncode < 0:
            reason = f"the export process crashed (signal {-done.returncode})"
        return "failed", report, reason.split("error: ", 1)[-1], seconds
    if report is None:
        return "failed", None, "the export printed no report", seconds
    status = "ok" if report.get("compliant", True) else "not compliant"
    return status, report, f"{len(report.get('warnings', []))} warning(s)", seconds


def _json_report(stdout):
    start = stdout.find("{")
    if start < 0:
        return None
    try:
        return json.loads(stdout[start:stdout.rfind("}") + 1])
    except ValueError:
        return None


def run_batch(argv, prog):
    args, extra = parser(prog).parse_known_args(argv)
    if args.jobs < 1:
        print(f"{prog} batch: error: --jobs must be at least 1", file=sys.stderr)
        return 2
    outputs, errors = {}, []
    for blend in args.files:
        out = os.path.join(args.out_dir, os.path.splitext(os.path.basename(blend))[0] + "." + args.format)
        if out in outputs.values():
            errors.append(f"two files would both be written to {out}")
        outputs[blend] = out
    if not os.path.isdir(args.out_dir):
        errors.append(f"the output folder {args.out_dir} does not exist")
    if errors:
        for error in errors:
            print(f"{prog} batch: error: {error}", file=sys.stderr)
        return 2
    command = worker_command()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:  # threads only wait on the processes
        futures = {blend: pool.submit(export_one, command, os.path.abspath(blend), os.path.abspath(out), extra)
                   for blend, out in outputs.items()}
        results = []
        for blend, future in futures.items():
            results.append((blend, *future.result()))
            status, _, message, seconds = results[-1][1:]
            print(f"{os.path.basename(blend)}: {status} ({seconds:.1f} s) {message}", flush=True)
    print(summary_table(results, time.perf_counter() - started))
    return 1 if any(status == "failed" for _, status, _, _, _ in results) else 0


def summary_table(results, seconds):
    rows = [("file", "status", "frames", "prims", "seconds", "note")]
    for blend, status, report, message, took in results:
        frames = "-".join(str(f) for f in report["frames"]) if report else ""
        prims = str(sum(report["prims"].values())) if report else ""
        rows.append((os.path.basename(blend), status, frames, prims, f"{took:.1f}", message))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    failed = sum(status == "failed" for _, status, _, _, _ in results)
    lines.append(f"{len(results) - failed} of {len(results)} exported, {failed} failed, in {seconds:.1f} s")
    return "\n".join(lines)
