"""The benchmark script's quick mode, so it never rots: both exporters run on every scene and both
outputs open with every mesh in them; and its corpus mode on two real scenes. The timings themselves
are not checked here."""
import json
import re
import subprocess
import sys

import bpy
import pytest
from pxr import Usd, UsdGeom, UsdShade, UsdSkel

from conftest import REPO

# Quick sizes (benchmarks/scenes.py): (meshes, materials) per scene.
EXPECTED = {"a": (1, 0), "b": (60, 5), "c": (20, 0), "d": (1, 0), "e": (3, 3), "f": (1, 0), "g": (100, 5)}


def test_quick_benchmark_runs_both_exporters(tmp_path):
    out, results_file = tmp_path / "out", tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--out", str(out), "--json",
         str(results_file)],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "| scene |" in done.stdout  # the summary table was printed
    results = {r["scene"]: r for r in json.loads(results_file.read_text())}
    assert sorted(results) == sorted(EXPECTED)
    for key, (meshes, materials) in EXPECTED.items():
        r = results[key]
        for exporter in ("ours", "blender"):
            stage = Usd.Stage.Open(str(out / key / exporter / "scene.usdc"))
            prims = list(stage.Traverse(Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate)))
            instancers = [UsdGeom.PointInstancer(p) for p in prims if p.IsA(UsdGeom.PointInstancer)]
            if instancers:  # Blender 5's instancing of scene (g)
                (instancer,) = instancers
                assert len(instancer.GetProtoIndicesAttr().Get()) == meshes
            else:
                # Blender also writes the geometry-nodes object's own mesh, empty: faces count.
                assert sum(p.IsA(UsdGeom.Mesh) and UsdGeom.Imageable(p).ComputeVisibility() != "invisible"
                           and bool(UsdGeom.Mesh(p).GetFaceVertexCountsAttr().Get()) for p in prims) == meshes, \
                    (key, exporter)
            assert sum(p.IsA(UsdShade.Material) for p in prims) == materials, (key, exporter)
            assert r["time"][exporter] > 0 and r["size"][exporter] > 0 and r["peak"][exporter] > 0
        animated = key in ("c", "d", "f")
        ours = Usd.Stage.Open(str(out / key / "ours" / "scene.usdc"))
        assert ours.HasAuthoredTimeCodeRange() == animated, key
    # Scenes with shared meshes: ours defines fewer prims than its real copies, each mesh written once.
    for key in ("b", "g"):
        prims = results[key]["instancing"]["layer_prims"]
        assert prims["ours"] < prims["copies"], key
        assert results[key]["instancing"]["bounds_meshes"] == {"ours": EXPECTED[key][0], "copies": EXPECTED[key][0]}
    # Both copied the three PNGs beside the file (ours: Textures/, Blender's: textures/).
    assert len(list((out / "e" / "ours" / "Textures").glob("*.png"))) == 3
    assert len(list((out / "e" / "blender" / "textures").glob("*.png"))) == 3
    # The wave modifier moves the points of scene (d) every frame, in both files.
    for exporter in ("ours", "blender"):
        stage = Usd.Stage.Open(str(out / "d" / exporter / "scene.usdc"))
        mesh = next(UsdGeom.Mesh(p) for p in stage.Traverse() if p.IsA(UsdGeom.Mesh))
        assert mesh.GetPointsAttr().GetNumTimeSamples() == 10, exporter
    # Scene (f) is skinned: a Skeleton animated over its 10 frames, the mesh's points written once,
    # and far smaller than the same export as point samples.
    stage = Usd.Stage.Open(str(out / "f" / "ours" / "scene.usdc"))
    animation = next(UsdSkel.Animation(p) for p in stage.Traverse() if p.IsA(UsdSkel.Animation))
    assert animation.GetRotationsAttr().GetNumTimeSamples() == 10
    mesh = next(UsdGeom.Mesh(p) for p in stage.Traverse() if p.IsA(UsdGeom.Mesh))
    assert mesh.GetPointsAttr().GetNumTimeSamples() == 0
    assert results["f"]["fallback_size"] > results["f"]["size"]["ours"]


CORPUS_ROW = re.compile(r"^  (\S+\.blend) +([\d.]+) s +([\d.]+) s +([\d.]+)  \((\d+) frames, (\d+) evaluated\)$")


@pytest.mark.corpus
@pytest.mark.skipif(bpy.app.version < (5, 0, 0), reason="the corpus was saved by Blender 5.x; Blender 4.2 "
                    "cannot read several of its files")
def test_corpus_benchmark_prints_ratios_and_targets(corpus_scene):
    names = ["01_cs_rotate.blend", "gn_nested_instances.blend"]
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--corpus", "--runs", "1", "--scenes", ",".join(names)],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    table = lines[:lines.index("Worst 2:")]  # the rows before the summary
    rows = {m[1]: [float(v) for v in m.groups()[1:]] for m in map(CORPUS_ROW.match, table) if m}
    assert sorted(rows) == names, done.stdout
    for name, (ours, blender, ratio, frames, evaluated) in rows.items():
        assert ours > 0 and blender > 0
        # The times are printed to the millisecond, the ratio from the times themselves.
        assert (ours - 5e-4) / (blender + 5e-4) - 0.005 <= ratio <= (ours + 5e-4) / (blender - 5e-4) + 0.005, name
        assert 1 <= evaluated <= frames
    # Each row's frames are its scene's whole frame range, as Blender reads it.
    for name in names:
        bpy.ops.wm.open_mainfile(filepath=str(corpus_scene(name)), load_ui=False)
        scene = bpy.context.scene
        assert rows[name][3] == scene.frame_end - scene.frame_start + 1, name
    ratios = sorted(r[2] for r in rows.values())
    stats = re.search(r"^2 scenes: median ratio ([\d.]+), 90th percentile ([\d.]+);", done.stdout, re.M)
    assert stats, done.stdout
    median, p90 = float(stats[1]), float(stats[2])
    assert median == pytest.approx(sum(ratios) / 2, abs=0.01)
    assert p90 == pytest.approx(ratios[0] + 0.9 * (ratios[1] - ratios[0]), abs=0.01)
    met = median <= 1.0 and p90 <= 2.0
    assert lines[-1] == (f"Corpus targets {'met' if met else 'missed'}: "
                         f"median {median:.2f} <= 1.0 {'met' if median <= 1.0 else 'MISSED'}, "
                         f"p90 {p90:.2f} <= 2.0 {'met' if p90 <= 2.0 else 'MISSED'}")
