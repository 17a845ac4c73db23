"""The benchmark script's quick mode, so it never rots: both exporters run on every scene and both
outputs open with every mesh in them. The timings themselves are not checked here."""
import json
import subprocess
import sys

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
