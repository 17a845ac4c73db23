"""Baking what UsdPreviewSurface cannot express (opt-in): the baked images hold the channel's values
on the active UV map, the material reads them, and the user's scene is left as it was."""
import bpy
import numpy as np
import pytest
from pxr import UsdGeom

from shading_checks import shading_findings
from test_materials import principled, source_of, surface

RES = 16


def _gradient_roughness_and_noise_colour():
    """A plane whose roughness is a linear gradient along U (through a colour ramp) and whose base
    colour is a Noise texture: neither has a UsdPreviewSurface form."""
    material, tree, bsdf = principled("Procedural")
    coords = tree.nodes.new("ShaderNodeTexCoord")
    gradient = tree.nodes.new("ShaderNodeTexGradient")
    ramp = tree.nodes.new("ShaderNodeValToRGB")  # black to white: the identity on [0, 1]
    tree.links.new(coords.outputs["UV"], gradient.inputs["Vector"])
    tree.links.new(gradient.outputs["Fac"], ramp.inputs["Fac"])
    tree.links.new(ramp.outputs["Color"], bsdf.inputs["Roughness"])
    noise = tree.nodes.new("ShaderNodeTexNoise")
    tree.links.new(noise.outputs["Color"], bsdf.inputs["Base Color"])
    bpy.ops.mesh.primitive_plane_add()
    obj = bpy.context.object
    obj.data.materials.append(material)
    return obj, material


def _state():
    scene = bpy.context.scene
    return (scene.render.engine, scene.cycles.samples, scene.cycles.device, scene.render.bake.margin,
            bpy.context.view_layer.objects.active.name, sorted(o.name for o in bpy.context.selected_objects),
            sorted(m.name for m in bpy.data.materials), sorted(i.name for i in bpy.data.images),
            [s.material.name for o in bpy.data.objects for s in o.material_slots])


def test_baked_channels_hold_the_values_and_the_scene_is_unchanged(scene, export, tmp_path):
    obj, material = _gradient_roughness_and_noise_colour()
    scene.render.engine = "BLENDER_EEVEE_NEXT" if bpy.app.version < (5, 0, 0) else "BLENDER_EEVEE"
    before = _state()
    report, stage = export(animation=False, bake_textures=True, bake_resolution=RES)
    assert _state() == before
    assert shading_findings(stage) == []
    preview = surface(stage, "Procedural")
    rough, channel = source_of(preview.GetInput("roughness"))
    assert channel == "r" and rough.GetInput("sourceColorSpace").Get() == "raw"
    varname = source_of(rough.GetInput("st"))[0].GetInput("varname").Get()
    assert varname == "st"  # the active UV map, which Cycles bakes onto
    image = bpy.data.images.load(str(tmp_path / rough.GetInput("file").Get().path))
    assert tuple(image.size) == (RES, RES)
    pixels = np.empty(RES * RES * image.channels, np.float32)
    image.pixels.foreach_get(pixels)
    red = pixels.reshape(RES, RES, image.channels)[..., 0]
    # The gradient is U at each texel centre; 8-bit quantised.
    want = np.broadcast_to((np.arange(RES) + 0.5) / RES, (RES, RES))
    np.testing.assert_allclose(red, want, atol=1.5 / 255)
    colour, _ = source_of(preview.GetInput("diffuseColor"))
    assert colour.GetInput("sourceColorSpace").Get() == "sRGB"
    assert any("baking" in line for line in report.infos), report.infos


def test_off_by_default_and_a_mesh_without_uvs_is_reported(scene, export, tmp_path):
    obj, material = _gradient_roughness_and_noise_colour()
    report, stage = export(animation=False)
    assert surface(stage, "Procedural").GetInput("roughness").Get() == pytest.approx(0.5)
    obj.data.uv_layers.remove(obj.data.uv_layers[0])
    report, stage = export(animation=False, bake_textures=True, bake_resolution=RES)
    assert any("no UV map to bake" in w for w in report.warnings), report.warnings
    assert surface(stage, "Procedural").GetInput("roughness").Get() == pytest.approx(0.5)
    assert not (tmp_path / "Textures").exists()
