"""The World as a DomeLight, and the default light: read back from the written file."""
import math
import os

import numpy as np
import pytest
from pxr import Gf, UsdGeom, UsdLux


def set_background(scene, color=(0.2, 0.3, 0.4), strength=2.0):
    """A node World with a plain Background colour."""
    import bpy

    world = bpy.data.worlds.new("Sky")
    if bpy.app.version < (5, 0, 0):  # 5.x: a new World always has its node tree
        world.use_nodes = True
    scene.world = world
    tree = world.node_tree
    if not tree.nodes.get("Background"):
        tree.nodes.clear()
        out = tree.nodes.new("ShaderNodeOutputWorld")
        bg = tree.nodes.new("ShaderNodeBackground")
        tree.links.new(bg.outputs[0], out.inputs["Surface"])
    bg = tree.nodes["Background"]
    bg.inputs["Color"].default_value = (*color, 1.0)
    bg.inputs["Strength"].default_value = strength
    return world


def environment_image(folder, name="sky", size=(64, 32)):
    """An OpenEXR environment map on disk, loaded as a FILE image."""
    import bpy

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.exr"
    image = bpy.data.images.new(name, *size, float_buffer=True)
    pixels = np.random.default_rng(1).random(size[0] * size[1] * 4, dtype=np.float32)
    image.pixels.foreach_set(pixels)
    image.filepath_raw = str(path)
    image.file_format = "OPEN_EXR"
    image.save()
    bpy.data.images.remove(image)
    return bpy.data.images.load(str(path))


def add_environment(scene, image, strength=0.5, rotation=None):
    world = set_background(scene, strength=strength)
    tree = world.node_tree
    tex = tree.nodes.new("ShaderNodeTexEnvironment")
    tex.image = image
    tree.links.new(tex.outputs["Color"], tree.nodes["Background"].inputs["Color"])
    if rotation is not None:
        mapping = tree.nodes.new("ShaderNodeMapping")
        mapping.inputs["Rotation"].default_value = rotation
        coords = tree.nodes.new("ShaderNodeTexCoord")
        tree.links.new(coords.outputs["Generated"], mapping.inputs["Vector"])
        tree.links.new(mapping.outputs["Vector"], tex.inputs["Vector"])
    return world


def lights(stage):
    return [p for p in stage.Traverse() if p.HasAPI(UsdLux.LightAPI)]


def test_background_colour_gives_a_dome_light(scene, export):
    set_background(scene, color=(0.2, 0.3, 0.4), strength=2.0)
    report, stage = export(animation=False)
    dome = UsdLux.DomeLight(stage.GetPrimAtPath("/Root/Sky"))
    assert dome
    assert Gf.IsClose(dome.GetColorAttr().Get(), Gf.Vec3f(0.2, 0.3, 0.4), 1e-6)
    assert dome.GetIntensityAttr().Get() == pytest.approx(2.0)
    assert not dome.GetTextureFileAttr().HasAuthoredValue()
    assert report.prims["DomeLight"] == 1
    assert not any("DefaultLight" in w for w in report.warnings)


def test_hdri_world_gives_a_textured_dome_light(scene, export, tmp_path):
    image = environment_image(tmp_path / "source")
    add_environment(scene, image, strength=0.5)
    report, stage = export(animation=False)
    dome = UsdLux.DomeLight(stage.GetPrimAtPath("/Root/Sky"))
    asset = dome.GetTextureFileAttr().Get()
    assert asset.path == "./Textures/sky.exr"
    folder = os.path.dirname(stage.GetRootLayer().realPath)
    assert os.path.isfile(os.path.join(folder, asset.path))
    assert dome.GetTextureFormatAttr().Get() == UsdLux.Tokens.latlong
    assert dome.GetIntensityAttr().Get() == pytest.approx(0.5)
    assert Gf.IsClose(dome.GetColorAttr().Get(), Gf.Vec3f(1.0, 1.0, 1.0), 1e-6)
    assert [p.GetPath() for p in lights(stage)] == [dome.GetPath()]  # no default light beside it


def blender_equirect_uv(direction):
    """Blender's equirectangular lookup (Cycles' direction_to_equirectangular), v = 1 at the top."""
    x, y, z = direction / np.linalg.norm(direction)
    return (0.5 - math.atan2(y, x) / (2 * math.pi)) % 1.0, 0.5 + math.asin(z) / math.pi


def usd_latlong_uv(local):
    """UsdLux DomeLight lookup (OpenEXR latitude-longitude), same u, v conventions as above."""
    x, y, z = local / np.linalg.norm(local)
    return (0.5 - math.atan2(x, z) / (2 * math.pi)) % 1.0, 0.5 + math.asin(y) / math.pi


@pytest.mark.parametrize("rotation", [None, (0.0, 0.0, math.radians(90.0)), (0.3, -0.7, 1.9)])
def test_dome_orientation_matches_blenders_mapping(scene, export, tmp_path, rotation):
    import mathutils

    add_environment(scene, environment_image(tmp_path / "source"), rotation=rotation)
    _, stage = export(animation=False)
    to_world = UsdGeom.Xformable(stage.GetPrimAtPath("/Root/Sky")).ComputeLocalToWorldTransform(0)
    to_local = to_world.GetInverse()
    lookup = np.eye(3) if rotation is None else np.array(mathutils.Euler(rotation, "XYZ").to_matrix())
    for d in np.random.default_rng(2).normal(size=(20, 3)):
        usd_world = Gf.Vec3d(d[0], d[2], -d[1])  # Blender (x, y, z) is USD (x, z, -y)
        local = np.array(to_local.TransformDir(usd_world))
        expected = blender_equirect_uv(lookup @ d)
        got = usd_latlong_uv(local)
        du = abs(got[0] - expected[0])
        assert min(du, 1 - du) < 1e-6 and got[1] == pytest.approx(expected[1], abs=1e-6)


def test_black_world_and_no_light_gets_the_default_light(scene, export):
    set_background(scene, color=(0.0, 0.0, 0.0), strength=1.0)
    report, stage = export(animation=False)
    assert [p.GetPath().pathString for p in lights(stage)] == ["/Root/DefaultLight"]
    default = UsdLux.DomeLight(stage.GetPrimAtPath("/Root/DefaultLight"))
    assert default.GetIntensityAttr().Get() == pytest.approx(1.0)
    assert any("added /Root/DefaultLight" in w for w in report.warnings)
    assert report.prims["DomeLight"] == 1


def test_missing_world_and_no_light_gets_the_default_light(scene, export):
    scene.world = None
    report, stage = export(animation=False)
    assert [p.GetPath().pathString for p in lights(stage)] == ["/Root/DefaultLight"]


def test_default_light_can_be_turned_off(scene, export):
    scene.world = None
    report, stage = export(animation=False, default_light=False)
    assert lights(stage) == []
    assert any("no light" in w and "not Miris-compliant" in w for w in report.warnings)


def test_a_light_and_a_black_world_need_no_default_light(scene, export):
    import bpy

    set_background(scene, strength=0.0)
    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    scene.collection.objects.link(sun)
    report, stage = export(animation=False)
    assert [p.GetPath().pathString for p in lights(stage)] == ["/Root/Sun/Sun"]
    assert not any("DefaultLight" in w for w in report.warnings)


def test_animated_world_strength(scene, export):
    world = set_background(scene, strength=1.0)
    socket = world.node_tree.nodes["Background"].inputs["Strength"]
    scene.frame_start, scene.frame_end = 1, 3
    socket.keyframe_insert("default_value", frame=1)
    socket.default_value = 3.0
    socket.keyframe_insert("default_value", frame=3)
    _, stage = export()
    intensity = UsdLux.DomeLight(stage.GetPrimAtPath("/Root/Sky")).GetIntensityAttr()
    assert intensity.GetTimeSamples() == [1.0, 2.0, 3.0]
    assert intensity.Get(3) == pytest.approx(3.0)


def test_unsupported_world_nodes_are_reported(scene, export):
    world = set_background(scene)
    tree = world.node_tree
    sky = tree.nodes.new("ShaderNodeTexSky")
    tree.links.new(sky.outputs["Color"], tree.nodes["Background"].inputs["Color"])
    world.color = (0.1, 0.2, 0.3)
    report, stage = export(animation=False)
    dome = UsdLux.DomeLight(stage.GetPrimAtPath("/Root/Sky"))
    assert Gf.IsClose(dome.GetColorAttr().Get(), Gf.Vec3f(0.1, 0.2, 0.3), 1e-6)
    assert any("viewport colour" in w for w in report.warnings)


def test_missing_environment_image_falls_back_to_the_viewport_colour(scene, export, tmp_path):
    import bpy

    image = environment_image(tmp_path / "gone")
    os.remove(bpy.path.abspath(image.filepath))
    world = add_environment(scene, image, strength=1.5)
    world.color = (0.3, 0.2, 0.1)
    report, stage = export(animation=False)
    dome = UsdLux.DomeLight(stage.GetPrimAtPath("/Root/Sky"))
    assert not dome.GetTextureFileAttr().HasAuthoredValue()
    assert Gf.IsClose(dome.GetColorAttr().Get(), Gf.Vec3f(0.3, 0.2, 0.1), 1e-6)
    assert dome.GetIntensityAttr().Get() == pytest.approx(1.5)
    # one line, saying what is missing and what the dome shows instead
    missing = os.path.normpath(bpy.path.abspath(image.filepath))
    assert [w for w in report.warnings if "sky" in w or "viewport colour" in w] == [
        f"image {image.name!r}: file {missing} not found; the World's DomeLight has its viewport colour instead"]


def test_background_inside_a_node_group_is_read_through_the_group(scene, export):
    """The group's own input feeds the Background's Color; the World output holds only the group node."""
    import bpy

    world = set_background(scene)
    tree = world.node_tree
    group = bpy.data.node_groups.new("Sky Group", "ShaderNodeTree")
    group.interface.new_socket("Tint", in_out="INPUT", socket_type="NodeSocketColor")
    group.interface.new_socket("Shader", in_out="OUTPUT", socket_type="NodeSocketShader")
    inner_in, inner_out = group.nodes.new("NodeGroupInput"), group.nodes.new("NodeGroupOutput")
    inner_bg = group.nodes.new("ShaderNodeBackground")
    inner_bg.inputs["Strength"].default_value = 3.0
    group.links.new(inner_in.outputs["Tint"], inner_bg.inputs["Color"])
    group.links.new(inner_bg.outputs[0], inner_out.inputs["Shader"])
    node = tree.nodes.new("ShaderNodeGroup")
    node.node_tree = group
    node.inputs["Tint"].default_value = (0.5, 0.25, 0.125, 1.0)
    tree.links.new(node.outputs[0], tree.nodes["World Output"].inputs["Surface"])
    report, stage = export(animation=False)
    dome = UsdLux.DomeLight(stage.GetPrimAtPath("/Root/Sky"))
    assert Gf.IsClose(dome.GetColorAttr().Get(), Gf.Vec3f(0.5, 0.25, 0.125), 1e-6)
    assert dome.GetIntensityAttr().Get() == pytest.approx(3.0)
    assert not [w for w in report.warnings if "Sky" in w]


def test_muted_background_is_a_black_world(scene, export):
    world = set_background(scene, color=(1.0, 0.0, 0.0))
    world.node_tree.nodes["Background"].mute = True  # Blender renders nothing through it
    report, stage = export(animation=False)
    assert not stage.GetPrimAtPath("/Root/Sky")
    assert [str(p.GetPath()) for p in lights(stage)] == ["/Root/DefaultLight"]
