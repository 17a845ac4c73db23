"""Exports repeated, into awkward folders and from awkward files: read back from the written files."""
import os
import zipfile

import bpy
import pytest
from pxr import Sdf, Usd, UsdGeom, UsdShade

import miris_export
from helpers import array


def textured_animated_scene(scene):
    """A keyframed cube with an image-textured material, a light, a camera and a second mesh."""
    image = bpy.data.images.new("Checker ü", 8, 8)
    image.generated_type = "COLOR_GRID"
    material = bpy.data.materials.new("Painted")
    if bpy.app.version < (5, 0, 0):
        material.use_nodes = True
    tree = material.node_tree
    tex = tree.nodes.new("ShaderNodeTexImage")
    tex.image = image
    tree.links.new(tex.outputs["Color"], tree.nodes["Principled BSDF"].inputs["Base Color"])
    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.object
    cube.data.materials.append(material)
    cube.keyframe_insert("location", frame=1)
    cube.location.z = 2
    cube.keyframe_insert("location", frame=3)
    bpy.ops.mesh.primitive_uv_sphere_add(location=(3, 0, 0))
    bpy.ops.object.light_add(type="SUN")
    bpy.ops.object.camera_add(location=(0, -8, 2))
    scene.camera = bpy.context.object
    scene.frame_start, scene.frame_end = 1, 3


def test_exporting_twice_gives_the_same_bytes(scene, tmp_path):
    textured_animated_scene(scene)
    path = tmp_path / "twice.usda"
    miris_export.export(str(path))
    first = path.read_bytes()
    miris_export.export(str(path))
    assert path.read_bytes() == first
    stage = Usd.Stage.Open(str(path))
    assert UsdGeom.Xformable(stage.GetPrimAtPath("/Root/Cube")).GetTimeSamples() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("name", ["scene.usda", "scene.usdz"])
def test_folder_with_spaces_and_non_ascii_characters(scene, tmp_path, name):
    textured_animated_scene(scene)
    folder = tmp_path / "my exports ü 日本"
    folder.mkdir()
    report = miris_export.export(str(folder / name))
    assert report.compliant, [str(f) for f in report.errors]
    assert sorted(os.listdir(folder)) == (["Textures", name] if name.endswith(".usda") else [name])
    stage = Usd.Stage.Open(str(folder / name))
    shader = UsdShade.Shader(stage.GetPrimAtPath("/Materials/Painted/DiffuseColorTex"))
    asset = shader.GetInput("file").Get()
    assert asset.path == "./Textures/Checker__.png"
    if name.endswith(".usdz"):
        with zipfile.ZipFile(folder / name) as package:
            assert "Textures/Checker__.png" in package.namelist()
    else:
        assert os.path.isfile(asset.resolvedPath)
    assert miris_export.validate.validate_file(str(folder / name)) == []


def test_blend_saved_in_edit_mode(scene, tmp_path):
    """Opened, such a file is in edit mode again, with the edits in the edit mesh only."""
    bpy.ops.mesh.primitive_cube_add()
    bpy.ops.object.mode_set(mode="EDIT")
    bpy.ops.mesh.select_all(action="SELECT")
    bpy.ops.transform.translate(value=(0, 0, 5))
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "edit mode.blend"))
    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "edit mode.blend"))
    assert bpy.context.mode == "EDIT_MESH"

    report = miris_export.export(str(tmp_path / "edited.usdc"), animation=False)

    stage = Usd.Stage.Open(report.filepath)
    points = array(UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube")).GetPointsAttr())
    assert points[:, 2].min() == pytest.approx(4.0)
    assert bpy.context.mode == "EDIT_MESH" and bpy.context.object.name == "Cube"
    assert Sdf.Layer.FindOrOpen(report.filepath).customLayerData["sourceFile"] == "edit mode.blend"
