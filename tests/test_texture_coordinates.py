"""Texture coordinates computed from node chains: each mesh using the material gets a texCoord2f
primvar holding what the chain gives at each face corner, computed here independently with mathutils."""
import math

import bpy
import numpy as np
import pytest
from mathutils import Euler, Matrix, Vector
from pxr import UsdGeom

from shading_checks import shading_findings
from test_materials import image_file, image_node, principled, source_of, surface

LOC, ROT, SCALE = (0.25, -0.5, 0.0), (0.0, 0.0, math.radians(30.0)), (2.0, 0.5, 1.0)


def _plane(name, material, uv_offset):
    """A 2x2-face grid whose active UV map is the default one shifted by `uv_offset`, plus a map
    "Second" (the default one mirrored) and attributes "Shift" (corner vector), "Lift" (point 2D) and
    "Tilt" (face 2D)."""
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=2, y_subdivisions=2, size=2.0)
    obj = bpy.context.object
    obj.name = obj.data.name = name
    mesh = obj.data
    mesh.materials.append(material)
    uvs = np.empty(len(mesh.loops) * 2, np.float32)
    mesh.uv_layers[0].data.foreach_get("uv", uvs)
    mesh.uv_layers[0].data.foreach_set("uv", uvs + np.tile(np.float32(uv_offset), len(mesh.loops)))
    second = mesh.uv_layers.new(name="Second")
    second.data.foreach_set("uv", (1.0 - uvs).astype(np.float32))
    shift = mesh.attributes.new("Shift", "FLOAT_VECTOR", "CORNER")
    shift.data.foreach_set("vector", np.arange(len(mesh.loops) * 3, dtype=np.float32) * 0.1)
    lift = mesh.attributes.new("Lift", "FLOAT2", "POINT")
    lift.data.foreach_set("vector", np.arange(len(mesh.vertices) * 2, dtype=np.float32) * -0.05)
    tilt = mesh.attributes.new("Tilt", "FLOAT2", "FACE")
    tilt.data.foreach_set("vector", np.arange(len(mesh.polygons) * 2, dtype=np.float32) * 0.3)
    return obj


def _corner_inputs(obj):
    """Per corner: the active render UV, the "Second" UV, "Shift", "Lift" and "Tilt" as mathutils Vectors."""
    mesh = obj.data
    active = next(uv for uv in mesh.uv_layers if uv.active_render)
    face_of = {i: face.index for face in mesh.polygons for i in face.loop_indices}
    rows = []
    for loop in mesh.loops:
        rows.append({
            "uv": Vector((*active.data[loop.index].uv, 0.0)),
            "second": Vector((*mesh.uv_layers["Second"].data[loop.index].uv, 0.0)),
            "shift": Vector(mesh.attributes["Shift"].data[loop.index].vector),
            "lift": Vector((*mesh.attributes["Lift"].data[loop.vertex_index].vector, 0.0)),
            "tilt": Vector((*mesh.attributes["Tilt"].data[face_of[loop.index]].vector, 0.0)),
        })
    return rows


def _mapping(tree, kind, source):
    node = tree.nodes.new("ShaderNodeMapping")
    node.inputs["Location"].default_value = LOC  # set before the type hides it (Vector, Normal)
    node.inputs["Rotation"].default_value = ROT
    node.inputs["Scale"].default_value = SCALE
    node.vector_type = kind
    tree.links.new(source, node.inputs["Vector"])
    return node.outputs[0]


def _uv_map(tree, name):
    node = tree.nodes.new("ShaderNodeUVMap")
    node.uv_map = name
    return node.outputs["UV"]


def _attribute(tree, name):
    node = tree.nodes.new("ShaderNodeAttribute")
    node.attribute_name = name
    return node.outputs["Vector"]


def _math(tree, operation, a, b, vector=False):
    node = tree.nodes.new("ShaderNodeVectorMath" if vector else "ShaderNodeMath")
    node.operation = operation
    for socket, value in zip(node.inputs, (a, b)):
        if isinstance(value, bpy.types.NodeSocket):
            tree.links.new(value, socket)
        else:
            socket.default_value = value
    return node.outputs[0]


def _separate_combine(tree, source):
    """x * 2 and y + 0.25 through Separate XYZ, Math and Combine XYZ."""
    sep = tree.nodes.new("ShaderNodeSeparateXYZ")
    tree.links.new(source, sep.inputs[0])
    comb = tree.nodes.new("ShaderNodeCombineXYZ")
    tree.links.new(_math(tree, "MULTIPLY", sep.outputs["X"], 2.0), comb.inputs["X"])
    tree.links.new(_math(tree, "ADD", sep.outputs["Y"], 0.25), comb.inputs["Y"])
    return comb.outputs[0]


def _through_group_and_reroute(tree, source):
    """`source` scaled by 3 inside a node group, reached through a reroute."""
    group = bpy.data.node_groups.new("Scale3", "ShaderNodeTree")
    group.interface.new_socket("In", in_out="INPUT", socket_type="NodeSocketVector")
    group.interface.new_socket("Out", in_out="OUTPUT", socket_type="NodeSocketVector")
    inside_in, inside_out = group.nodes.new("NodeGroupInput"), group.nodes.new("NodeGroupOutput")
    scale = group.nodes.new("ShaderNodeVectorMath")
    scale.operation = "SCALE"
    scale.inputs["Scale"].default_value = 3.0
    group.links.new(inside_in.outputs[0], scale.inputs[0])
    group.links.new(scale.outputs["Vector"], inside_out.inputs[0])
    reroute = tree.nodes.new("NodeReroute")
    tree.links.new(source, reroute.inputs[0])
    node = tree.nodes.new("ShaderNodeGroup")
    node.node_tree = group
    tree.links.new(reroute.outputs[0], node.inputs[0])
    return node.outputs[0]


def _tex_coord_uv(tree):
    return tree.nodes.new("ShaderNodeTexCoord").outputs["UV"]


_MATRIX = Matrix.LocRotScale(Vector(LOC), Euler(ROT), Vector(SCALE))
CHAINS = {
    "mapping_point": (lambda t: _mapping(t, "POINT", _uv_map(t, "Second")), lambda c: _MATRIX @ c["second"]),
    "mapping_texture": (lambda t: _mapping(t, "TEXTURE", _tex_coord_uv(t)),
                        lambda c: _MATRIX.inverted() @ c["uv"]),
    "mapping_vector": (lambda t: _mapping(t, "VECTOR", _uv_map(t, "")),
                       lambda c: Euler(ROT).to_matrix() @ (c["uv"] * Vector(SCALE))),
    "attribute_separate_math_combine": (
        lambda t: _separate_combine(t, _attribute(t, "Shift")),
        lambda c: Vector((c["shift"].x * 2.0, c["shift"].y + 0.25, 0.0))),
    "vector_math_group_reroute": (
        lambda t: _through_group_and_reroute(t, _math(t, "ADD", _tex_coord_uv(t), (0.5, 0.25, 0.0), vector=True)),
        lambda c: (c["uv"] + Vector((0.5, 0.25, 0.0))) * 3.0),
    "point_attribute_chained_mapping": (
        lambda t: _mapping(t, "POINT", _math(t, "ADD", _attribute(t, "Lift"), _uv_map(t, "Second"), vector=True)),
        lambda c: _MATRIX @ (c["lift"] + c["second"])),
    "face_attribute": (lambda t: _math(t, "ADD", _attribute(t, "Tilt"), _tex_coord_uv(t), vector=True),
                       lambda c: c["tilt"] + c["uv"]),
}


@pytest.mark.parametrize("chain", sorted(CHAINS))
def test_computed_coordinates_match_the_chain_on_each_mesh_sharing_the_material(scene, export, tmp_path, chain):
    build, expected = CHAINS[chain]
    material, tree, bsdf = principled("Shared")
    tex = image_node(tree, image_file(tmp_path / "grid.png"))
    tree.links.new(build(tree), tex.inputs["Vector"])
    tree.links.new(tex.outputs["Color"], bsdf.inputs["Base Color"])
    objects = [_plane("A", material, (0.0, 0.0)), _plane("B", material, (0.5, -1.0))]
    report, stage = export(animation=False)
    assert shading_findings(stage) == []
    assert not [w for w in report.warnings if "coordinates" in w], report.warnings
    tex_shader, _ = source_of(surface(stage, "Shared").GetInput("diffuseColor"))
    reader, _ = source_of(tex_shader.GetInput("st"))
    varname = reader.GetInput("varname").Get()
    assert varname.startswith("st_")
    for obj in objects:
        primvar = UsdGeom.PrimvarsAPI(stage.GetPrimAtPath(f"/Root/{obj.name}/{obj.name}")).GetPrimvar(varname)
        assert primvar.GetTypeName() == "texCoord2f[]" and primvar.GetInterpolation() == "faceVarying"
        written = np.array(primvar.ComputeFlattened())
        want = np.array([tuple(expected(c))[:2] for c in _corner_inputs(obj)])
        assert written.shape == want.shape
        np.testing.assert_allclose(written, want, atol=1e-5)


def test_identical_chains_share_one_primvar_and_reader(scene, export, tmp_path):
    material, tree, bsdf = principled("Twice")
    for socket, path in ((bsdf.inputs["Base Color"], "base.png"), (bsdf.inputs["Roughness"], "rough.png")):
        tex = image_node(tree, image_file(tmp_path / path))
        tree.links.new(_mapping(tree, "POINT", _tex_coord_uv(tree)), tex.inputs["Vector"])
        tree.links.new(tex.outputs["Color"], socket)
    obj = _plane("A", material, (0.0, 0.0))
    report, stage = export(animation=False)
    preview = surface(stage, "Twice")
    readers = {str(source_of(source_of(preview.GetInput(name))[0].GetInput("st"))[0].GetPath())
               for name in ("diffuseColor", "roughness")}
    assert len(readers) == 1
    names = [pv.GetPrimvarName() for pv in UsdGeom.PrimvarsAPI(stage.GetPrimAtPath("/Root/A/A")).GetPrimvars()
             if pv.GetPrimvarName().startswith("st_")]
    assert len(names) == 1
    assert len(obj.data.loops) == len(UsdGeom.PrimvarsAPI(stage.GetPrimAtPath("/Root/A/A")).GetPrimvar(names[0]).Get())


def test_identity_mapping_reads_the_uv_map_itself(scene, export, tmp_path):
    material, tree, bsdf = principled("Plain")
    tex = image_node(tree, image_file(tmp_path / "grid.png"))
    mapping = tree.nodes.new("ShaderNodeMapping")
    tree.links.new(_uv_map(tree, "Second"), mapping.inputs["Vector"])
    tree.links.new(mapping.outputs[0], tex.inputs["Vector"])
    tree.links.new(tex.outputs["Color"], bsdf.inputs["Base Color"])
    _plane("A", material, (0.0, 0.0))
    report, stage = export(animation=False)
    tex_shader, _ = source_of(surface(stage, "Plain").GetInput("diffuseColor"))
    reader, _ = source_of(tex_shader.GetInput("st"))
    assert reader.GetInput("varname").Get() == "Second"


@pytest.mark.parametrize("output", ["Window", "Camera", "Reflection"])
def test_view_dependent_coordinates_keep_the_constant_with_a_report_line(scene, export, tmp_path, output):
    material, tree, bsdf = principled("Screen")
    bsdf.inputs["Base Color"].default_value = (0.1, 0.2, 0.3, 1.0)
    tex = image_node(tree, image_file(tmp_path / "grid.png"))
    coords = tree.nodes.new("ShaderNodeTexCoord")
    tree.links.new(_mapping(tree, "POINT", coords.outputs[output]), tex.inputs["Vector"])
    tree.links.new(tex.outputs["Color"], bsdf.inputs["Base Color"])
    _plane("A", material, (0.0, 0.0))
    report, stage = export(animation=False)
    assert surface(stage, "Screen").GetInput("diffuseColor").Get() == pytest.approx((0.1, 0.2, 0.3))
    assert any(output in w and "coordinates" in w for w in report.warnings), report.warnings
