"""The corpus scenes with armatures: the written file, skinned by usd-core's UsdSkel, puts every mesh
where Blender does at the first frame and a later one, and the file is compliant."""
import bpy
import pytest
from pxr import Usd, UsdGeom, UsdSkel

import miris_export
from miris_export.usd.naming import identifier
from skinning_checks import expected_points, max_distance
from test_corpus import pytestmark  # noqa: F401  (the 5.0 leg, with the corpus beside the checkout)

SCENES = ["03_skinned_cylinder", "29_armature_use_current_pose", "29_armature_use_rest_pose",
          "32_weights_influence_4", "32_weights_influence_all", "RobotExpressive"]
SKINNED = {"03_skinned_cylinder": 1, "RobotExpressive": 2}  # meshes written with SkelBindingAPI


@pytest.mark.parametrize("name", SCENES)
def test_armature_scene_skins_as_blender_deforms(corpus_scene, tmp_path, name):
    bpy.ops.wm.open_mainfile(filepath=str(corpus_scene(f"{name}.blend")))
    scene = bpy.context.scene
    later = (scene.frame_start + scene.frame_end) // 2 + 1
    meshes = [o for o in scene.objects if o.type == "MESH" and o.visible_get() and len(o.data.polygons)]
    expected = expected_points(scene, meshes, [scene.frame_start, later])
    path = tmp_path / "out.usdc"
    report = miris_export.export(str(path), frame_end=later)
    assert report.compliant, [str(f) for f in report.findings]
    stage = Usd.Stage.Open(str(path))
    mesh_prims = {p.GetParent().GetName(): str(p.GetPath()) for p in stage.Traverse() if p.IsA(UsdGeom.Mesh)}
    paths = {o.name: mesh_prims[identifier(o.name)] for o in meshes}
    assert max_distance(stage, expected, paths) < 1e-4
    skinned = [p for p in stage.Traverse() if p.IsA(UsdGeom.Mesh) and p.HasAPI(UsdSkel.BindingAPI)]
    assert len(skinned) == SKINNED.get(name, 0)
    armatures = [o for o in scene.objects if o.type == "ARMATURE"]
    assert len([p for p in stage.Traverse() if p.IsA(UsdSkel.Skeleton)]) >= len(armatures)
    assert not [w for w in report.warnings if "armature deformation" in w]
