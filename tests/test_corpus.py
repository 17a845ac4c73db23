"""End to end over the real scenes in ../shared/corpus (saved by Blender 5.x: the 5.0 leg runs them)."""
from collections import Counter

import bpy
import numpy as np
import pytest
from pxr import Usd, UsdGeom, UsdLux

import miris_export
from conftest import CORPUS, CORPUS_MISSING, CORPUS_REQUIRED
from miris_export.blender.evaluation import evaluation

SCENES = sorted(p.name for p in (CORPUS / "scenes").glob("*.blend")) if CORPUS.is_dir() else []
if not SCENES and CORPUS_REQUIRED:
    SCENES = ["missing-corpus"]  # one test that runs, to fail in the corpus_scene fixture

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not SCENES, reason=CORPUS_MISSING),
    pytest.mark.skipif(bpy.app.version < (5, 0, 0), reason="the corpus was saved by Blender 5.x; "
                       "Blender 4.2 cannot read several of its files"),
]


def blender_mesh_counts(scene):
    """(vertices used by faces, faces) of every evaluated mesh the export should hold, at the current frame."""
    counts = Counter()
    with evaluation(scene, bpy.context.view_layer, "RENDER"):
        for inst in bpy.context.evaluated_depsgraph_get().object_instances:
            obj = inst.object
            if obj.type != "MESH" or not inst.show_self or not len(obj.data.polygons):
                continue
            corner_vert = np.empty(len(obj.data.loops), np.int32)
            obj.data.loops.foreach_get("vertex_index", corner_vert)
            counts[(len(np.unique(corner_vert)), len(obj.data.polygons))] += 1
    return counts


def usd_mesh_counts(stage, time):
    """The same for the meshes the stage draws: through instance proxies, as a renderer composes
    instances; invisible ones (instancing's prototypes, objects not there yet) left out."""
    counts = Counter()
    for prim in stage.Traverse(Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate)):
        if prim.IsA(UsdGeom.Mesh) and UsdGeom.Imageable(prim).ComputeVisibility(time) != UsdGeom.Tokens.invisible:
            mesh = UsdGeom.Mesh(prim)
            counts[(len(mesh.GetPointsAttr().Get(time)), len(mesh.GetFaceVertexCountsAttr().Get(time)))] += 1
    return counts


@pytest.mark.parametrize("name", SCENES)
def test_corpus_scene_exports_to_the_specification_layout(name, corpus_scene, tmp_path):
    bpy.ops.wm.open_mainfile(filepath=str(corpus_scene(name)))
    scene = bpy.context.scene
    report = miris_export.export(str(tmp_path / "scene.usdc"))
    stage = Usd.Stage.Open(report.filepath)

    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert UsdGeom.GetStageUpAxis(stage) == "Y"
    assert stage.GetDefaultPrim().GetPath() == "/Root" and stage.GetDefaultPrim().IsA(UsdGeom.Xform)
    assert {p.GetName() for p in stage.GetPseudoRoot().GetChildren()} <= {"Root", "Materials"}
    assert [str(f) for f in report.errors] == []  # the Miris validator, usdchecker's rules included
    assert any(p.HasAPI(UsdLux.LightAPI) for p in Usd.PrimRange(stage.GetPrimAtPath("/Root")))
    first, last = report.frames
    if last > first:
        assert (stage.GetStartTimeCode(), stage.GetEndTimeCode()) == (first, last)
        assert stage.GetTimeCodesPerSecond() == pytest.approx(scene.render.fps / scene.render.fps_base)

    if bpy.context.object is not None and bpy.context.object.mode != "OBJECT":
        bpy.ops.object.mode_set(mode="OBJECT")  # a file saved in edit mode: evaluate its mesh as the export did
    scene.frame_set(first)
    assert usd_mesh_counts(stage, first) == blender_mesh_counts(scene)
