"""Our exporter against Blender's own on every real scene of the corpus, each over its frame range.

    python benchmarks/corpus.py                    # every scene in ../shared/corpus/scenes, best of 2
    python benchmarks/corpus.py --limit 10         # the first 10 scenes
    python benchmarks/corpus.py --scenes 01_cs_rotate,02_material_instancing --runs 3
    python benchmarks/run.py --corpus ...          # the same

Run with a Python that has the `bpy` module (Blender 5.0: Blender 4.2 cannot read several scenes).

The corpus is copied once to a temporary folder, so nothing is written beside it. Each scene is
opened and exported --runs times by each exporter, alternating which goes first, in this one
process: ours with its defaults (animation over the scene's frame range) and validation off, as
Blender's exporter does not validate; Blender's (`bpy.ops.wm.usd_export`) with
`export_animation=True` and the settings benchmarks/run.py gives it (its defaults, plus Y up and
`/Root`), instancing at its default (off). The best time of each is kept. Printed: per scene the
two times and their ratio ours/Blender, then the median and 90th percentile of the ratios, the
worst scenes, and a last line saying whether the targets (median <= 1.0, p90 <= 2.0) are met.
A scene that does not open, or that either exporter fails on, is listed and left out.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
from types import SimpleNamespace

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import bpy  # noqa: E402

from run import REPO, export_blender, load_exporters, quiet_stdout, ratio_of, timed_export  # noqa: E402

CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus")
TARGETS = {"median": 1.0, "p90": 2.0}
EXPORTERS = ("ours", "blender")
WORST = 10
# Blender's exporter as benchmarks/run.py runs it, over the frame range, instancing at its default.
BLENDER_SCENE = SimpleNamespace(animated=True, shared=False)


def corpus_scenes(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".blend"))


def pick(names, args):
    if args.scenes:
        wanted = [w if w.endswith(".blend") else w + ".blend" for w in args.scenes.split(",") if w]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise SystemExit(f"not in the corpus: {', '.join(unknown)}")
        names = wanted
    return names[:args.limit] if args.limit else names


def export_ours(path, reports):
    import miris_export

    reports.append(miris_export.export(path, validate=False))


def bench_scene(path, args, out_root):
    """{'ours': best seconds, 'blender': ..., 'frames': ..., 'evaluated': ...}; or {'failed': why}."""
    try:
        with quiet_stdout():
            bpy.ops.wm.open_mainfile(filepath=path, load_ui=False)
    except Exception as error:  # noqa: BLE001  (a file Blender cannot read is reported, not fatal)
        return {"failed": f"does not open: {first_line(error)}"}
    reports, times = [], {e: [] for e in EXPORTERS}
    calls = {"ours": lambda p: export_ours(p, reports), "blender": lambda p: export_blender(p, BLENDER_SCENE)}
    for run in range(args.runs):
        for exporter in EXPORTERS if run % 2 == 0 else EXPORTERS[::-1]:
            try:
                times[exporter].append(timed_export(os.path.join(out_root, exporter), calls[exporter]))
            except Exception as error:  # noqa: BLE001
                who = "our exporter" if exporter == "ours" else "Blender's exporter"
                return {"failed": f"{who} failed: {first_line(error)}"}
    first, last = reports[-1].frames
    return {"ours": min(times["ours"]), "blender": min(times["blender"]), "frames": last - first + 1,
            "evaluated": reports[-1].frames_evaluated}


def first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:160]


def percentile(values, fraction):
    """The `fraction` quantile, interpolated between the closest ranks (as numpy's default)."""
    ordered = sorted(values)
    at = (len(ordered) - 1) * fraction
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def summary(results):
    """The lines after the per-scene table: statistics of the ratios, the worst scenes, the failures,
    and the targets line (last)."""
    done = {name: r for name, r in results.items() if "ratio" in r}
    failed = {name: r["failed"] for name, r in results.items() if "failed" in r}
    lines = []
    if failed:
        lines.append(f"\nLeft out ({len(failed)}):")
        lines += [f"  {name}: {why}" for name, why in failed.items()]
    if not done:
        return lines + ["\nNo scene was measured."]
    ratios = [r["ratio"] for r in done.values()]
    stats = {"median": statistics.median(ratios), "p90": percentile(ratios, 0.9)}
    total = {e: sum(r[e] for r in done.values()) for e in EXPORTERS}
    lines.append(f"\n{len(done)} scenes: median ratio {stats['median']:.2f}, 90th percentile {stats['p90']:.2f}; "
                 f"all scenes ours {total['ours']:.2f} s, Blender {total['blender']:.2f} s "
                 f"({ratio_of(total['ours'], total['blender']):.2f})")
    worst = sorted(done.items(), key=lambda item: item[1]["ratio"], reverse=True)[:WORST]
    lines.append(f"Worst {len(worst)}:")
    width = max(len(name) for name, _ in worst) + 2
    lines += [row(name, r, width) for name, r in worst]
    verdicts = [f"{name} {stats[name]:.2f} <= {target} {'met' if stats[name] <= target else 'MISSED'}"
                for name, target in TARGETS.items()]
    met = all(stats[name] <= target for name, target in TARGETS.items())
    lines.append(f"\nCorpus targets {'met' if met else 'missed'}: {', '.join(verdicts)}")
    return lines


def row(name, r, width):
    return (f"  {name:{width}}{r['ours']:9.3f} s{r['blender']:9.3f} s{r['ratio']:8.2f}  "
            f"({r['frames']} frames, {r['evaluated']} evaluated)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="exports per exporter and scene, the best kept "
                        "(default 2)")
    parser.add_argument("--limit", type=int, help="only the first N scenes (by name)")
    parser.add_argument("--scenes", help="only these scenes, by name, comma-separated ('.blend' optional)")
    parser.add_argument("--corpus-dir", default=CORPUS, help="the corpus folder, holding scenes/ and the libraries "
                        "they link (default: ../shared/corpus beside the repository)")
    args = parser.parse_args(argv)
    source = os.path.join(args.corpus_dir, "scenes")
    if not os.path.isdir(source):
        parser.error(f"no corpus at {args.corpus_dir} (its scenes/ folder is missing)")
    names = pick(corpus_scenes(source), args)
    print(f"Blender {bpy.app.version_string}, {os.cpu_count()} CPUs, {len(names)} corpus scenes, "
          f"best of {args.runs} exports each")
    width = max(map(len, names), default=0) + 2
    print(f"  {'scene':{width}}{'ours':>11}{'Blender':>11}{'ratio':>8}")
    load_exporters()
    results = {}
    work = tempfile.mkdtemp(prefix="miris_corpus_")
    try:
        # A copy of the corpus (the scenes link libraries beside them), so nothing is written there.
        copy = os.path.join(work, "corpus")
        shutil.copytree(args.corpus_dir, copy)
        out_root = os.path.join(work, "out")
        for name in names:
            r = results[name] = bench_scene(os.path.join(copy, "scenes", name), args, out_root)
            if "failed" in r:
                print(f"  {name:{width}}left out: {r['failed']}", flush=True)
                continue
            r["ratio"] = ratio_of(r["ours"], r["blender"])
            print(row(name, r, width), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(summary(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
