"""The stage layout read back: units, up axis, default prim, timing metadata, provenance, /Materials."""
import bpy
import numpy as np
import pytest
from pxr import Sdf, UsdGeom

import miris_export
from helpers import usd_world


def test_stage_metadata_and_default_prim(scene, export):
    bpy.ops.mesh.primitive_cube_add()
    _, stage = export(animation=False)
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert UsdGeom.GetStageUpAxis(stage) == "Y"
    root = stage.GetDefaultPrim()
    assert root.GetPath() == "/Root" and root.GetTypeName() == "Xform"
    assert [p.GetName() for p in stage.GetPseudoRoot().GetChildren()] == ["Root"]  # no materials: no scope
    assert not stage.GetRootLayer().HasStartTimeCode() and not stage.GetRootLayer().HasTimeCodesPerSecond()


def test_timing_metadata_of_an_animated_export(scene, export):
    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.object
    cube.keyframe_insert("location", frame=3)
    cube.location.x = 2.0
    cube.keyframe_insert("location", frame=7)
    scene.render.fps, scene.render.fps_base = 30, 1.001
    scene.frame_start, scene.frame_end = 3, 7
    _, stage = export()
    assert (stage.GetStartTimeCode(), stage.GetEndTimeCode()) == (3.0, 7.0)
    assert stage.GetTimeCodesPerSecond() == pytest.approx(30 / 1.001)
    assert stage.GetFramesPerSecond() == pytest.approx(30 / 1.001)


def test_provenance_names_the_exporter_blender_and_the_file_not_its_folder(scene, tmp_path):
    bpy.ops.mesh.primitive_cube_add()
    source = tmp_path / "folder" / "shot.blend"
    source.parent.mkdir()
    bpy.ops.wm.save_as_mainfile(filepath=str(source))
    layer = Sdf.Layer.FindOrOpen(miris_export.export(str(tmp_path / "out.usda"), animation=False).filepath)
    data = dict(layer.customLayerData)
    assert data == {"creator": f"Miris USD exporter {miris_export.__version__}",
                    "blenderVersion": bpy.app.version_string, "sourceFile": "shot.blend"}


@pytest.mark.parametrize("count", [1, 2])
def test_one_materials_scope_for_all_materials(scene, export, count):
    for i in range(count):
        bpy.ops.mesh.primitive_cube_add(location=(3 * i, 0, 0))
        bpy.context.object.data.materials.append(bpy.data.materials.new(f"M{i}"))
    _, stage = export(animation=False)
    scope = stage.GetPrimAtPath("/Materials")
    assert scope.GetTypeName() == "Scope" and scope.GetSpecifier() == Sdf.SpecifierDef
    assert sorted(p.GetName() for p in scope.GetChildren()) == [f"M{i}" for i in range(count)]
    assert [p.GetName() for p in stage.GetPseudoRoot().GetChildren()] == ["Root", "Materials"]


@pytest.mark.parametrize("scale", [1.0, 0.01, 2.5])
def test_top_level_transform_turns_z_up_to_y_up_at_the_unit_scale(scene, export, scale):
    scene.unit_settings.scale_length = scale
    bpy.ops.object.empty_add(location=(1.0, 2.0, 3.0), rotation=(0.3, -0.2, 0.5))
    bpy.ops.mesh.primitive_cube_add()
    bpy.context.object.parent = bpy.data.objects["Empty"]
    empty = bpy.data.objects["Empty"]
    _, stage = export(animation=False)
    # By hand: Blender (x, y, z) is USD (x, z, -y), lengths times the unit scale.
    turn = np.diag([scale, scale, scale, 1.0]) @ np.array(
        [[1, 0, 0, 0], [0, 0, 1, 0], [0, -1, 0, 0], [0, 0, 0, 1]], float)
    assert np.allclose(usd_world(stage.GetPrimAtPath("/Root/Empty"), 0), turn @ np.array(empty.matrix_world),
                       atol=1e-6)
    assert np.allclose(usd_world(stage.GetPrimAtPath("/Root/Empty/Cube"), 0),
                       turn @ np.array(bpy.data.objects["Cube"].matrix_world), atol=1e-6)
    assert np.allclose(np.array(UsdGeom.Xformable(stage.GetPrimAtPath("/Root")).GetLocalTransformation()),
                       np.eye(4))  # /Root itself has no transform
