"""Our exporter against Blender's own (`bpy.ops.wm.usd_export`) on six scenes built in code.

    python benchmarks/run.py                  # full size, every scene
    python benchmarks/run.py --scenes ad      # some scenes
    python benchmarks/run.py --quick          # small sizes, a smoke run
    python benchmarks/run.py --one a ours     # one export in this process; prints its memory (used by the above)
    python benchmarks/run.py --corpus         # the real scenes of the corpus instead (benchmarks/corpus.py)

Run with a Python that has the `bpy` module (Blender 5.0; 4.2 works too).

- Time: the median of --runs exports of each exporter in this process,
  alternating which goes first, after both exporters' modules are loaded.
- Size: every byte each exporter writes into its own empty folder: the
  .usdc and any textures it copies beside it (ours: Textures/, Blender's:
  textures/), so a file that references textures is not favoured over one
  that writes them.
- Memory: one fresh process per export (--mem-runs per exporter). It builds
  the scene, loads both exporters' modules (as enabling the extension would),
  resets the process's high-water mark, exports once, and reports the
  high-water mark minus the resident size just before the export: the memory
  the export itself needed. The raw peak, which adds the same Blender and
  scene to both sides, is printed beside it. The mark is Linux's VmHWM, the
  counter getrusage's ru_maxrss reports; ru_maxrss itself is read only where
  the mark cannot be reset, as it also keeps the peak of threads that ended
  during the scene build.
- Instancing, on the scenes with shared meshes (Blender's exporter then runs
  with use_instancing=True): the prims each file's layer defines, ours also
  with instancing off (real copies), and the memory usd-core needs to open
  ours and compute every mesh's world bound, against the real-copy file
  (benchmarks/bounds.py, a fresh process each).
"""
import argparse
import contextlib
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
for path in (REPO, HERE):
    if path not in sys.path:
        sys.path.insert(0, path)

import bpy  # noqa: E402

import scenes  # noqa: E402
from memory import reset_high_water_mark, status_kb  # noqa: E402

EXPORTERS = ("ours", "blender")
TARGETS = {"time": 1.0, "size": 1.0, "memory": 1.5}
FILE_NAME = "scene.usdc"


# --- the two exporters, with the same settings ------------------------------------

def load_exporters():
    """Imports what our exporter imports on its first export (pxr included); Blender's is built in."""
    import miris_export.exporter  # noqa: F401
    import miris_export.session  # noqa: F401
    import miris_export.usd.hierarchy  # noqa: F401
    import miris_export.usd.stage  # noqa: F401


def export_ours(path, scene, **options):
    import miris_export

    # validate=False: Blender's exporter does not check its output either.
    # default_light=False: the scenes have no light and Blender's exporter adds none.
    miris_export.export(path, animation=scene.animated, validate=False, default_light=False, **options)


def export_copies(path, scene, **options):
    export_ours(path, scene, instancing=False, **options)


# Blender's exporter as its users run it: its own defaults, but for the settings that match an
# option of ours at its default (the same objects, evaluation, UV maps, normals, colours, materials
# and skinning), Y up and `/Root`. Everything this project has no option for keeps Blender's
# default: TRS transform ops, subdivision as a scheme where it can, custom properties and Blender
# names, the world as a dome light. Names one Blender version lacks are dropped, so the same call
# works on 4.2 and 5.0.
BLENDER_SETTINGS = dict(
    selected_objects_only=False,
    visible_objects_only=True,  # 4.2; 5.0 always exports visible objects only
    export_uvmaps=True,
    rename_uvmaps=True,  # the active render map becomes `st`, as ours names it
    export_mesh_colors=True,
    export_normals=True,
    export_materials=True,
    generate_preview_surface=True,
    export_armatures=True,
    export_shapekeys=True,
    use_instancing=False,  # per scene: on where meshes are shared, as ours then instances them
    evaluation_mode="RENDER",
    convert_orientation=True,  # ours writes Y up
    export_global_forward_selection="NEGATIVE_Z",
    export_global_up_selection="Y",
    root_prim_path="/Root",
)


def blender_settings():
    known = {p.identifier for p in bpy.ops.wm.usd_export.get_rna_type().properties}
    return {k: v for k, v in BLENDER_SETTINGS.items() if k in known}


def export_blender(path, scene):
    settings = blender_settings()
    # Blender 4.2's instancing references its prototypes without the root prim path, which then
    # do not resolve: there it writes real copies.
    settings["use_instancing"] = scene.shared and bpy.app.version >= (5, 0, 0)
    result = bpy.ops.wm.usd_export(filepath=path, export_animation=scene.animated, **settings)
    if result != {"FINISHED"}:
        raise RuntimeError(f"Blender's USD export returned {result}")


EXPORT = {"ours": export_ours, "blender": export_blender, "copies": export_copies}


def export_into(folder, exporter, scene, **options):
    """Exports into an empty `folder`; returns the wall time in seconds."""
    return timed_export(folder, lambda path: EXPORT[exporter](path, scene, **options))


def timed_export(folder, export):
    """Calls `export(path)` for a file in the empty `folder`; returns its wall time in seconds."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    path = os.path.join(folder, FILE_NAME)
    gc.collect()
    with quiet_stdout():
        started = time.perf_counter()
        export(path)
        return time.perf_counter() - started


@contextlib.contextmanager
def quiet_stdout():
    """Keeps Blender's C++ exporter's own progress lines (written to file descriptor 1) out of the table."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def folder_size(folder):
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(folder) for f in files)


def prim_counts(path):
    """(meshes, materials) in a written file's composed stage, instances' meshes included, to check
    both exporters wrote the whole scene (the invisible prototypes left out)."""
    from pxr import Usd, UsdGeom, UsdShade

    stage = Usd.Stage.Open(path)
    meshes = materials = 0
    walk = iter(stage.Traverse(Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate)))
    for prim in walk:
        materials += prim.IsA(UsdShade.Material)
        if prim.IsA(UsdGeom.PointInstancer):  # Blender's instancing: each index draws its prototype's meshes
            walk.PruneChildren()
            instancer = UsdGeom.PointInstancer(prim)
            per_prototype = [sum(p.IsA(UsdGeom.Mesh) for p in Usd.PrimRange(stage.GetPrimAtPath(t),
                                                                             Usd.PrimAllPrimsPredicate))
                             for t in instancer.GetPrototypesRel().GetTargets()]
            meshes += sum(per_prototype[i] for i in instancer.GetProtoIndicesAttr().Get() or [])
        elif (prim.IsA(UsdGeom.Mesh) and UsdGeom.Imageable(prim).ComputeVisibility() != "invisible"
              and UsdGeom.Mesh(prim).GetFaceVertexCountsAttr().Get()):  # not Blender's empty instancer mesh
            meshes += 1
    return meshes, materials


def layer_prims(path):
    """The prims the file's own layer defines (instances' contents not counted again)."""
    from pxr import Sdf

    layer = Sdf.Layer.OpenAsAnonymous(path)
    found = []
    layer.Traverse(Sdf.Path.absoluteRootPath, lambda p: found.append(p) if p.IsPrimPath() else None)
    return len(found)


def measure_bounds(path):
    """The memory (bytes) usd-core needs to open `path` and compute every drawn mesh's world bound,
    in a fresh process, and the meshes it found."""
    done = subprocess.run([sys.executable, os.path.join(HERE, "bounds.py"), path], capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise RuntimeError(f"opening {path} with usd-core failed:\n{done.stderr[-3000:]}")
    data = json.loads(lines[-1])
    return (data["peak_kb"] - data["baseline_kb"]) * 1024, data["meshes"]


def bench_instancing(scene, args, out_root):
    """Prims in the layer (ours, ours with real copies, Blender's) and usd-core's memory to open ours and
    bound every mesh, against the real copies."""
    key = scene.key
    copies = os.path.join(out_root, key, "copies")
    export_into(copies, "copies", scene)
    files = {e: os.path.join(out_root, key, e, FILE_NAME) for e in ("ours", "copies", "blender")}
    prims = {e: layer_prims(f) for e, f in files.items()}
    bounds = {e: [measure_bounds(files[e]) for _ in range(args.mem_runs)] for e in ("ours", "copies")}
    return {
        "layer_prims": prims,
        "bounds_memory": {e: statistics.median(m for m, _ in runs) for e, runs in bounds.items()},
        "bounds_meshes": {e: runs[0][1] for e, runs in bounds.items()},
    }


# --- memory, one process per export --------------------------------------------------

def one(key, exporter, quick):
    """Builds the scene, exports it once with `exporter` and prints this process's memory as JSON."""
    scene = scenes.build(key, quick)
    load_exporters()
    with tempfile.TemporaryDirectory(prefix="miris_bench_") as tmp:
        gc.collect()
        reset = reset_high_water_mark()
        # Without the reset the high-water mark may still hold the scene build's peak.
        baseline = status_kb("VmRSS") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        seconds = export_into(os.path.join(tmp, exporter), exporter, scene)
        # ru_maxrss also keeps the peak of threads that ended before the reset (the scene build's),
        # so after a reset the live high-water mark it is made from is read instead.
        peak = status_kb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"scene": key, "exporter": exporter, "baseline_kb": baseline, "peak_kb": peak,
                      "hwm_reset": reset, "seconds": seconds}))


def measure_memory(key, exporter, quick):
    cmd = [sys.executable, os.path.abspath(__file__), "--one", key, exporter] + (["--quick"] if quick else [])
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise RuntimeError(f"the memory run of scene {key} with {exporter} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


# --- one scene ------------------------------------------------------------------------

def bench_scene(key, args, out_root):
    scene = scenes.build(key, args.quick)
    load_exporters()
    print(f"\n({key}) {scene.title}", flush=True)
    times = {e: [] for e in EXPORTERS}
    sizes, layers = {}, {}
    for run in range(args.runs):
        order = EXPORTERS if run % 2 == 0 else EXPORTERS[::-1]
        for exporter in order:
            folder = os.path.join(out_root, key, exporter)
            times[exporter].append(export_into(folder, exporter, scene))
            sizes[exporter] = folder_size(folder)
            layers[exporter] = os.path.getsize(os.path.join(folder, FILE_NAME))
    counts = {e: prim_counts(os.path.join(out_root, key, e, FILE_NAME)) for e in EXPORTERS}
    fallback = None
    if scene.skinned:  # what skinning saves: the same export as point samples
        folder = os.path.join(out_root, key, "fallback")
        export_into(folder, "ours", scene, skeletons=False)
        fallback = folder_size(folder)
    memory = {e: [] for e in EXPORTERS}
    for run in range(args.mem_runs):
        order = EXPORTERS if run % 2 == 0 else EXPORTERS[::-1]
        for exporter in order:
            memory[exporter].append(measure_memory(key, exporter, args.quick))
    result = {
        "scene": key,
        "title": scene.title,
        "expected": [scene.meshes, scene.materials],
        "counts": counts,
        "time": {e: statistics.median(times[e]) for e in EXPORTERS},
        "times": times,
        "size": sizes,
        "layer_size": layers,  # the .usdc alone, without textures
        "memory": {e: statistics.median(m["peak_kb"] - m["baseline_kb"] for m in memory[e]) * 1024
                   for e in EXPORTERS},
        "peak": {e: statistics.median(m["peak_kb"] for m in memory[e]) * 1024 for e in EXPORTERS},
        "hwm_reset": all(m["hwm_reset"] for e in EXPORTERS for m in memory[e]),
        "fallback_size": fallback,  # ours with skeletons=False, for skinned scenes
    }
    if scene.shared:
        result["instancing"] = bench_instancing(scene, args, out_root)
    print_scene(result)
    return result


def ratio(values):
    return ratio_of(values["ours"], values["blender"])


def ratio_of(ours, other):
    return ours / other if other else float("inf")


def _mb(n):
    return f"{n / 1e6:,.1f} MB"


def print_scene(r):
    rows = [("time", lambda s: f"{s:.2f} s"), ("size", _mb), ("memory", _mb)]
    print(f"  {'':8}{'ours':>12}{'Blender':>12}{'ratio':>8}  target")
    for name, fmt in rows:
        q = ratio(r[name])
        mark = "ok" if q <= TARGETS[name] else "MISSED"
        print(f"  {name:8}{fmt(r[name]['ours']):>12}{fmt(r[name]['blender']):>12}{q:>8.2f}  "
              f"<= {TARGETS[name]}  {mark}")
    print(f"  (.usdc alone: ours {r['layer_size']['ours']:,} B, Blender {r['layer_size']['blender']:,} B; "
          f"peak resident size: ours {_mb(r['peak']['ours'])}, Blender {_mb(r['peak']['blender'])}; "
          f"times: ours {', '.join(f'{t:.2f}' for t in r['times']['ours'])}; "
          f"Blender {', '.join(f'{t:.2f}' for t in r['times']['blender'])})")
    inst = r.get("instancing")
    if inst:
        p, m = inst["layer_prims"], inst["bounds_memory"]
        print(f"  instancing: prims in the layer: ours {p['ours']:,}, real copies {p['copies']:,}, "
              f"Blender {p['blender']:,}; usd-core opening and bounding {inst['bounds_meshes']['ours']:,} meshes: "
              f"ours {_mb(m['ours'])}, real copies {_mb(m['copies'])} ({ratio_of(m['ours'], m['copies']):.2f})")
    if r["fallback_size"]:
        print(f"  ours as point samples (skeletons=False): {_mb(r['fallback_size'])}, skinned "
              f"{r['size']['ours'] / r['fallback_size']:.3f} of that")
    if not complete(r):
        print(f"  WARNING: (meshes, materials) {tuple(r['expected'])} expected; ours wrote "
              f"{tuple(r['counts']['ours'])}, Blender {tuple(r['counts']['blender'])}")


def complete(r):
    inst = r.get("instancing")
    bounded = not inst or all(n == r["expected"][0] for n in inst["bounds_meshes"].values())
    return bounded and all(list(r["counts"][e]) == list(r["expected"]) for e in EXPORTERS)


def markdown(results):
    lines = ["| scene | time ours / Blender | ratio | size ours / Blender | ratio | memory ours / Blender | ratio |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| ({r['scene']}) {r['title']} "
            f"| {r['time']['ours']:.2f} s / {r['time']['blender']:.2f} s | {ratio(r['time']):.2f} "
            f"| {_mb(r['size']['ours'])} / {_mb(r['size']['blender'])} | {ratio(r['size']):.2f} "
            f"| {_mb(r['memory']['ours'])} / {_mb(r['memory']['blender'])} | {ratio(r['memory']):.2f} |")
    shared = [r for r in results if r.get("instancing")]
    if shared:
        lines += ["", "| scene | prims in the layer: ours / real copies / Blender | usd-core open + bounds: "
                  "ours / real copies | ratio |", "|---|---|---|---|"]
    for r in shared:
        p, m = r["instancing"]["layer_prims"], r["instancing"]["bounds_memory"]
        lines.append(f"| ({r['scene']}) {r['title']} | {p['ours']:,} / {p['copies']:,} / {p['blender']:,} "
                     f"| {_mb(m['ours'])} / {_mb(m['copies'])} | {ratio_of(m['ours'], m['copies']):.2f} |")
    for r in results:
        if r["fallback_size"]:
            lines.append(f"\n({r['scene']}) ours as point samples (skeletons=False): {_mb(r['fallback_size'])}; "
                         f"skinned, {r['size']['ours'] / r['fallback_size']:.3f} of that.")
    return "\n".join(lines)


def targets_line(results):
    """One line: which targets every scene meets, and the scenes that miss each other one."""
    met, missed = [], []
    for name, target in TARGETS.items():
        misses = [f"({r['scene']}) {ratio(r[name]):.2f}" for r in results if ratio(r[name]) > target]
        (missed if misses else met).append(f"{name} <= {target}" + (f" missed by {', '.join(misses)}" if misses else ""))
    return f"Targets met on every scene: {', '.join(met) or 'none'}" + (f"; {'; '.join(missed)}" if missed else "")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--corpus" in argv:  # the real scenes of the corpus instead: benchmarks/corpus.py
        import corpus

        return corpus.main([a for a in argv if a != "--corpus"])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small scenes, 3 timed runs, 1 memory run")
    parser.add_argument("--scenes", default="".join(scenes.SCENES), help="scene letters, e.g. 'ad'")
    parser.add_argument("--runs", type=int, help="timed exports per exporter (default 5; quick: 3)")
    parser.add_argument("--mem-runs", type=int, help="memory processes per exporter (default 3; quick: 1)")
    parser.add_argument("--out", help="keep the last outputs here (default: a temporary folder)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--one", nargs=2, metavar=("SCENE", "EXPORTER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        key, exporter = args.one
        if key not in scenes.SCENES or exporter not in EXPORTERS:
            parser.error(f"--one takes a scene of {''.join(scenes.SCENES)} and one of {', '.join(EXPORTERS)}")
        one(key, exporter, args.quick)
        return 0
    unknown = set(args.scenes) - set(scenes.SCENES)
    if unknown:
        parser.error(f"unknown scene(s) {''.join(sorted(unknown))}; known: {''.join(scenes.SCENES)}")
    args.runs = args.runs or (3 if args.quick else 5)
    args.mem_runs = args.mem_runs or (1 if args.quick else 3)
    print(f"Blender {bpy.app.version_string}, {os.cpu_count()} CPUs, {args.runs} timed runs, "
          f"{args.mem_runs} memory runs per exporter{', quick sizes' if args.quick else ''}")
    out_root = args.out or tempfile.mkdtemp(prefix="miris_bench_")
    try:
        results = [bench_scene(key, args, out_root) for key in args.scenes]
    finally:
        if not args.out:
            shutil.rmtree(out_root, ignore_errors=True)
    print("\n" + markdown(results))
    print("\n" + targets_line(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0 if all(complete(r) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
