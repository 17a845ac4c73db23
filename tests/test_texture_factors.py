"""Constant factors between a texture and the shader, read back as UsdUVTexture scale and bias: for
sample texels, `texel * scale + bias` must equal what Blender's node computes from the texel."""
import bpy
import numpy as np
import pytest

from shading_checks import shading_findings
from test_materials import image_file, image_node, principled, source_of, surface

C = (0.5, 1.0, 0.2)  # the constant colour mixed in
TEXELS = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.25, 0.6, 0.9]])


def _mix(tree, blend, fac, texture_side, legacy=False):
    """A Mix (or legacy MixRGB) node mixing the texture (on side A or B) with the constant C."""
    if legacy:
        node = tree.nodes.new("ShaderNodeMixRGB")
        fac_socket, a, b, out = node.inputs[0], node.inputs[1], node.inputs[2], node.outputs[0]
    else:
        node = tree.nodes.new("ShaderNodeMix")
        node.data_type = "RGBA"
        ids = {s.identifier: s for s in node.inputs}
        fac_socket, a, b = ids["Factor_Float"], ids["A_Color"], ids["B_Color"]
        out = next(s for s in node.outputs if s.identifier == "Result_Color")
    node.blend_type = blend
    fac_socket.default_value = fac
    (b if texture_side == "A" else a).default_value = (*C, 1.0)
    return node, (a if texture_side == "A" else b), out


# Blender's colour mixes (Cycles' svm_mix), A and B per channel, factor f.
BLEND = {
    "MIX": lambda a, b, f: a * (1 - f) + b * f,
    "MULTIPLY": lambda a, b, f: a * (1 - f) + a * b * f,
    "ADD": lambda a, b, f: a + b * f,
    "SUBTRACT": lambda a, b, f: a - b * f,
}


def _export_base_colour(tmp_path, export, build):
    material, tree, bsdf = principled("Factor")
    tex = image_node(tree, image_file(tmp_path / "t.png"))
    tree.links.new(build(tree, tex.outputs["Color"]), bsdf.inputs["Base Color"])
    bpy.ops.mesh.primitive_plane_add()
    bpy.context.object.data.materials.append(material)
    report, stage = export(animation=False)
    assert shading_findings(stage) == []
    return report, stage, source_of(surface(stage, "Factor").GetInput("diffuseColor"))[0]


def _scale_bias(texture):
    scale = texture.GetInput("scale").Get() if texture.GetInput("scale") else (1.0,) * 4
    bias = texture.GetInput("bias").Get() if texture.GetInput("bias") else (0.0,) * 4
    return np.array(scale), np.array(bias)


@pytest.mark.parametrize("legacy", [False, True], ids=["mix", "mixrgb"])
@pytest.mark.parametrize("side", ["A", "B"])
@pytest.mark.parametrize("blend", sorted(BLEND))
def test_colour_mix_with_a_constant_becomes_scale_and_bias(scene, export, tmp_path, blend, side, legacy):
    fac = 0.7

    def build(tree, color):
        node, socket, out = _mix(tree, blend, fac, side, legacy)
        if not legacy:
            node.clamp_result = False
        tree.links.new(color, socket)
        return out

    report, stage, texture = _export_base_colour(tmp_path, export, build)
    scale, bias = _scale_bias(texture)
    for texel in TEXELS:
        a, b = (texel, np.array(C)) if side == "A" else (np.array(C), texel)
        np.testing.assert_allclose(texel * scale[:3] + bias[:3], BLEND[blend](a, b, fac), atol=1e-6)
    assert scale[3] == 1.0 and bias[3] == 0.0


def test_math_multiply_then_add_on_roughness(scene, export, tmp_path):
    material, tree, bsdf = principled("Rough")
    tex = image_node(tree, image_file(tmp_path / "r.png"))
    multiply = tree.nodes.new("ShaderNodeMath")
    multiply.operation = "MULTIPLY"
    multiply.inputs[1].default_value = 0.5
    add = tree.nodes.new("ShaderNodeMath")
    add.operation = "ADD"
    add.inputs[0].default_value = 0.2
    tree.links.new(tex.outputs["Color"], multiply.inputs[0])
    tree.links.new(multiply.outputs[0], add.inputs[1])
    tree.links.new(add.outputs[0], bsdf.inputs["Roughness"])
    bpy.ops.mesh.primitive_plane_add()
    bpy.context.object.data.materials.append(material)
    report, stage = export(animation=False)
    texture, channel = source_of(surface(stage, "Rough").GetInput("roughness"))
    assert channel == "r"
    scale, bias = _scale_bias(texture)
    for r in (0.0, 0.3, 1.0):
        assert r * scale[0] + bias[0] == pytest.approx(r * 0.5 + 0.2)


def test_emission_strength_composes_with_a_mix(scene, export, tmp_path):
    material, tree, bsdf = principled("Glow")
    bsdf.inputs["Emission Strength"].default_value = 3.0
    tex = image_node(tree, image_file(tmp_path / "e.png"))
    node, socket, out = _mix(tree, "ADD", 1.0, "A")
    node.clamp_result = False
    tree.links.new(tex.outputs["Color"], socket)
    tree.links.new(out, bsdf.inputs["Emission Color"])
    bpy.ops.mesh.primitive_plane_add()
    bpy.context.object.data.materials.append(material)
    report, stage = export(animation=False)
    texture, _ = source_of(surface(stage, "Glow").GetInput("emissiveColor"))
    scale, bias = _scale_bias(texture)
    texel = TEXELS[2]
    np.testing.assert_allclose(texel * scale[:3] + bias[:3], (texel + np.array(C)) * 3.0, atol=1e-6)


def test_a_result_clamp_that_changes_values_is_reported(scene, export, tmp_path):
    def build(tree, color):
        node, socket, out = _mix(tree, "ADD", 1.0, "A")
        node.clamp_result = True
        tree.links.new(color, socket)
        return out

    report, stage, texture = _export_base_colour(tmp_path, export, build)
    assert any("clamp" in w for w in report.warnings), report.warnings


def _normal_mapped(tmp_path, export, strength, float_image):
    material, tree, bsdf = principled("Bumpy")
    path = tmp_path / ("n.exr" if float_image else "n.png")
    image = bpy.data.images.new("n", 4, 4, float_buffer=float_image)
    image.pixels.foreach_set(np.tile(np.float32((0.5, 0.5, 1.0, 1.0)), 16))
    image.filepath_raw = str(path)
    image.file_format = "OPEN_EXR" if float_image else "PNG"
    image.save()
    image.colorspace_settings.name = "Non-Color"
    tex = image_node(tree, image)
    normal_map = tree.nodes.new("ShaderNodeNormalMap")
    normal_map.inputs["Strength"].default_value = strength
    tree.links.new(tex.outputs["Color"], normal_map.inputs["Color"])
    tree.links.new(normal_map.outputs["Normal"], bsdf.inputs["Normal"])
    bpy.ops.mesh.primitive_plane_add()
    bpy.context.object.data.materials.append(material)
    report, stage = export(animation=False)
    assert shading_findings(stage) == []
    return report, _scale_bias(source_of(surface(stage, "Bumpy").GetInput("normal"))[0])  # read while open


def test_normal_map_strength_on_a_float_map_is_scale_and_bias(scene, export, tmp_path):
    strength = 0.4
    report, (scale, bias) = _normal_mapped(tmp_path, export, strength, float_image=True)
    flat = np.array([0.0, 0.0, 1.0])
    for texel in TEXELS:
        mapped = texel * 2.0 - 1.0  # the map's tangent-space normal
        np.testing.assert_allclose(texel * scale[:3] + bias[:3], flat + strength * (mapped - flat), atol=1e-6)


def test_normal_map_strength_on_an_8_bit_map_stays_compliant_and_is_reported(scene, export, tmp_path):
    report, (scale, bias) = _normal_mapped(tmp_path, export, 0.4, float_image=False)
    assert tuple(scale) == (2, 2, 2, 1) and tuple(bias) == (-1, -1, -1, 0)
    assert any("strength 0.4" in w for w in report.warnings)


def test_a_texture_multiplied_by_a_colour_attribute_keeps_the_texture_and_can_be_baked(scene, export, tmp_path):
    def build(tree, color):
        node, socket, out = _mix(tree, "MULTIPLY", 1.0, "A")
        node.clamp_result = False
        tree.links.new(color, socket)
        attribute = tree.nodes.new("ShaderNodeVertexColor")
        tree.links.new(attribute.outputs["Color"], next(s for s in node.inputs if s.identifier == "B_Color"))
        return out

    report, stage, texture = _export_base_colour(tmp_path, export, build)
    assert texture.GetInput("file").Get().path == "./Textures/t.png"
    scale, bias = _scale_bias(texture)
    assert tuple(scale) == (1, 1, 1, 1) and tuple(bias) == (0, 0, 0, 0)
    assert any("not constant" in w and "alone" in w for w in report.warnings), report.warnings
    report, stage = export("baked.usda", animation=False, bake_textures=True, bake_resolution=4)
    baked, _ = source_of(surface(stage, "Factor").GetInput("diffuseColor"))
    assert "bake" in baked.GetInput("file").Get().path


def test_constants_from_rgb_and_value_nodes_count_as_constants(scene, export, tmp_path):
    def build(tree, color):
        node, socket, out = _mix(tree, "MULTIPLY", 0.0, "A")
        node.clamp_result = False
        tree.links.new(color, socket)
        rgb, value = tree.nodes.new("ShaderNodeRGB"), tree.nodes.new("ShaderNodeValue")
        rgb.outputs[0].default_value = (0.1, 0.2, 0.3, 1.0)
        value.outputs[0].default_value = 0.5
        tree.links.new(rgb.outputs[0], next(s for s in node.inputs if s.identifier == "B_Color"))
        tree.links.new(value.outputs[0], next(s for s in node.inputs if s.identifier == "Factor_Float"))
        return out

    report, stage, texture = _export_base_colour(tmp_path, export, build)
    scale, bias = _scale_bias(texture)
    texel = TEXELS[2]
    want = BLEND["MULTIPLY"](texel, np.array((0.1, 0.2, 0.3)), 0.5)
    np.testing.assert_allclose(texel * scale[:3] + bias[:3], want, atol=1e-6)
