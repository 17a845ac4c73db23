"""Materials built in code, exported, and read back: values, connections, texture files, bindings, subsets."""
import os

import bpy
import numpy as np
import pytest
from pxr import Gf, UsdGeom, UsdShade

from shading_checks import shading_findings


# Scene building -----------------------------------------------------------------------------------

def image_file(path, color=(0.2, 0.4, 0.6, 1.0), size=4, colorspace=None):
    """A PNG on disk, loaded as a FILE image."""
    temp = bpy.data.images.new("src", size, size)
    temp.pixels.foreach_set(np.tile(np.float32(color), size * size))
    temp.filepath_raw = str(path)
    temp.file_format = "PNG"
    temp.save()
    bpy.data.images.remove(temp)
    image = bpy.data.images.load(str(path))
    if colorspace:
        image.colorspace_settings.name = colorspace
    return image


def cube(name="Cube", materials=()):
    bpy.ops.mesh.primitive_cube_add()
    obj = bpy.context.object
    obj.name = obj.data.name = name
    for material in materials:
        obj.data.materials.append(material)
    return obj


def empty_material(name):
    """A material with a node tree and no nodes in it."""
    material = bpy.data.materials.new(name)
    if bpy.app.version < (5, 0, 0):
        material.use_nodes = True
    tree = material.node_tree
    for node in list(tree.nodes):
        tree.nodes.remove(node)
    return material, tree


def principled(name):
    material = bpy.data.materials.new(name)
    if bpy.app.version < (5, 0, 0):
        material.use_nodes = True
    else:
        material.node_tree  # noqa: B018  (5.0 creates the default tree on use)
    tree = material.node_tree
    if "Principled BSDF" not in tree.nodes:  # 5.0 materials.new() gives an empty tree
        bsdf = tree.nodes.new("ShaderNodeBsdfPrincipled")
        out = tree.nodes.new("ShaderNodeOutputMaterial")
        tree.links.new(bsdf.outputs[0], out.inputs["Surface"])
    return material, tree, tree.nodes["Principled BSDF"]


def image_node(tree, image, extension="REPEAT"):
    node = tree.nodes.new("ShaderNodeTexImage")
    node.image = image
    node.extension = extension
    return node


def shader(stage, path):
    return UsdShade.Shader(stage.GetPrimAtPath(path))


def surface(stage, material):
    return shader(stage, f"/Materials/{material}/PreviewSurface")


def source_of(usd_input):
    """(source shader, output name) an input is connected to."""
    sources, _ = usd_input.GetConnectedSources()
    (source,) = sources
    return UsdShade.Shader(source.source.GetPrim()), source.sourceName


def asset_file(stage, export_dir, texture):
    asset = texture.GetInput("file").Get().path
    assert asset.startswith("./Textures/")
    return asset, os.path.join(export_dir, asset)


def valid(stage):
    assert shading_findings(stage) == []
    return True


# Textures -----------------------------------------------------------------------------------------

def test_base_color_texture_relative_path_and_byte_identical_copy(scene, export, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    image = image_file(src / "wood_basecolor.png")
    material, tree, bsdf = principled("Wood")
    tree.links.new(image_node(tree, image, "EXTEND").outputs["Color"], bsdf.inputs["Base Color"])
    cube(materials=[material])
    report, stage = export(animation=False)
    tex, output = source_of(surface(stage, "Wood").GetInput("diffuseColor"))
    assert output == "rgb" and tex.GetIdAttr().Get() == "UsdUVTexture"
    asset, path = asset_file(stage, tmp_path, tex)
    assert asset == "./Textures/wood_basecolor.png"
    assert open(path, "rb").read() == (src / "wood_basecolor.png").read_bytes()
    assert tex.GetInput("sourceColorSpace").Get() == "sRGB"
    assert tex.GetInput("wrapS").Get() == "clamp" and tex.GetInput("wrapT").Get() == "clamp"
    reader, result = source_of(tex.GetInput("st"))
    assert result == "result" and reader.GetIdAttr().Get() == "UsdPrimvarReader_float2"
    assert reader.GetInput("varname").Get() == "st"
    assert UsdGeom.PrimvarsAPI(stage.GetPrimAtPath("/Root/Cube/Cube")).HasPrimvar("st")
    assert valid(stage)


def test_packed_image_comes_out_as_a_readable_png_with_its_pixels(scene, export, tmp_path):
    image = bpy.data.images.new("Painted", 8, 8, alpha=True)
    pixels = np.random.default_rng(1).integers(0, 256, 8 * 8 * 4).astype(np.float32) / 255
    image.pixels.foreach_set(pixels)
    image.pack()
    material, tree, bsdf = principled("Paint")
    tree.links.new(image_node(tree, image).outputs["Color"], bsdf.inputs["Base Color"])
    cube(materials=[material])
    report, stage = export(animation=False)
    tex, _ = source_of(surface(stage, "Paint").GetInput("diffuseColor"))
    asset, path = asset_file(stage, tmp_path, tex)
    assert asset == "./Textures/Painted.png"
    assert open(path, "rb").read(4) == b"\x89PNG"
    back = bpy.data.images.load(path)
    read = np.empty(len(pixels), np.float32)
    back.pixels.foreach_get(read)
    assert np.allclose(read, pixels, atol=1 / 255)


def test_normal_map_has_scale_bias_and_raw_color_space(scene, export, tmp_path):
    image = image_file(tmp_path / "bumps.png", (0.5, 0.5, 1.0, 1.0), colorspace="Non-Color")
    material, tree, bsdf = principled("Bumpy")
    normal_map = tree.nodes.new("ShaderNodeNormalMap")
    tree.links.new(image_node(tree, image).outputs["Color"], normal_map.inputs["Color"])
    tree.links.new(normal_map.outputs["Normal"], bsdf.inputs["Normal"])
    cube(materials=[material])
    report, stage = export(animation=False)
    tex, output = source_of(surface(stage, "Bumpy").GetInput("normal"))
    assert output == "rgb"
    assert tex.GetInput("scale").Get() == Gf.Vec4f(2, 2, 2, 1)
    assert tex.GetInput("bias").Get() == Gf.Vec4f(-1, -1, -1, 0)
    assert tex.GetInput("sourceColorSpace").Get() == "raw"
    assert valid(stage)


def test_roughness_and_metallic_from_g_and_b_of_one_packed_texture(scene, export, tmp_path):
    image = image_file(tmp_path / "orm.png", (1.0, 0.3, 0.8, 1.0), colorspace="Non-Color")
    image.pack()
    material, tree, bsdf = principled("ORM")
    separate = tree.nodes.new("ShaderNodeSeparateColor")
    tree.links.new(image_node(tree, image).outputs["Color"], separate.inputs[0])
    tree.links.new(separate.outputs["Green"], bsdf.inputs["Roughness"])
    tree.links.new(separate.outputs["Blue"], bsdf.inputs["Metallic"])
    cube(materials=[material])
    report, stage = export(animation=False)
    preview = surface(stage, "ORM")
    rough_tex, rough_out = source_of(preview.GetInput("roughness"))
    metal_tex, metal_out = source_of(preview.GetInput("metallic"))
    assert (rough_out, metal_out) == ("g", "b")
    assert rough_tex.GetPath() == metal_tex.GetPath()
    assert rough_tex.GetInput("sourceColorSpace").Get() == "raw"
    assert os.listdir(tmp_path / "Textures") == ["orm.png"]
    assert valid(stage)


def test_emission_strength_multiplies_colour_and_texture(scene, export, tmp_path):
    glow, tree, bsdf = principled("Glow")
    bsdf.inputs["Emission Color"].default_value = (1.0, 0.5, 0.0, 1.0)
    bsdf.inputs["Emission Strength"].default_value = 3.0
    lamp, tree2, bsdf2 = principled("Lamp")
    tree2.links.new(image_node(tree2, image_file(tmp_path / "e.png")).outputs["Color"],
                    bsdf2.inputs["Emission Color"])
    bsdf2.inputs["Emission Strength"].default_value = 2.5
    cube("A", [glow])
    cube("B", [lamp])
    report, stage = export(animation=False)
    assert surface(stage, "Glow").GetInput("emissiveColor").Get() == Gf.Vec3f(3.0, 1.5, 0.0)
    tex, output = source_of(surface(stage, "Lamp").GetInput("emissiveColor"))
    assert output == "rgb" and tex.GetInput("scale").Get() == Gf.Vec4f(2.5, 2.5, 2.5, 1)


def test_alpha_clip_sets_opacity_threshold(scene, export):
    material, tree, bsdf = principled("Leaf")
    clip = tree.nodes.new("ShaderNodeMath")  # Blender 4.2+'s alpha clip
    clip.operation = "GREATER_THAN"
    clip.inputs[0].default_value = 0.6
    clip.inputs[1].default_value = 0.3
    tree.links.new(clip.outputs[0], bsdf.inputs["Alpha"])
    glass, _, glass_bsdf = principled("Glass")
    glass_bsdf.inputs["Alpha"].default_value = 0.25
    cube("A", [material])
    cube("B", [glass])
    report, stage = export(animation=False)
    leaf = surface(stage, "Leaf")
    assert leaf.GetInput("opacity").Get() == pytest.approx(0.6)  # UsdPreviewSurface applies the threshold
    assert leaf.GetInput("opacityThreshold").Get() == pytest.approx(0.3)
    assert surface(stage, "Glass").GetInput("opacity").Get() == pytest.approx(0.25)
    assert not surface(stage, "Glass").GetInput("opacityThreshold")


def test_principled_constants(scene, export):
    material, tree, bsdf = principled("Paint")
    bsdf.inputs["Base Color"].default_value = (0.8, 0.1, 0.2, 1.0)
    bsdf.inputs["Metallic"].default_value = 0.7
    bsdf.inputs["Roughness"].default_value = 0.35
    bsdf.inputs["IOR"].default_value = 1.45
    bsdf.inputs["Coat Weight"].default_value = 0.9
    bsdf.inputs["Coat Roughness"].default_value = 0.2
    cube(materials=[material])
    report, stage = export(animation=False)
    preview = surface(stage, "Paint")
    assert preview.GetInput("diffuseColor").Get() == pytest.approx(Gf.Vec3f(0.8, 0.1, 0.2))
    values = {n: preview.GetInput(n).Get() for n in ("metallic", "roughness", "ior", "clearcoat",
                                                      "clearcoatRoughness")}
    assert values == pytest.approx({"metallic": 0.7, "roughness": 0.35, "ior": 1.45, "clearcoat": 0.9,
                                    "clearcoatRoughness": 0.2})


def test_specular_level_folds_into_ior(scene, export):
    material, tree, bsdf = principled("Shiny")
    bsdf.inputs["IOR"].default_value = 1.5
    bsdf.inputs["Specular IOR Level"].default_value = 1.0  # twice the reflectance of IOR 1.5
    cube(materials=[material])
    report, stage = export(animation=False)
    ior = surface(stage, "Shiny").GetInput("ior").Get()
    assert ((ior - 1) / (ior + 1)) ** 2 == pytest.approx(2 * 0.04, rel=1e-4)


# Node-tree reading ---------------------------------------------------------------------------------

def test_reroutes_and_nested_groups_reach_the_principled_bsdf(scene, export, tmp_path):
    image = image_file(tmp_path / "grouped.png")
    inner = bpy.data.node_groups.new("Inner", "ShaderNodeTree")
    inner.interface.new_socket("Color", in_out="INPUT", socket_type="NodeSocketColor")
    inner.interface.new_socket("Shader", in_out="OUTPUT", socket_type="NodeSocketShader")
    i_in, i_out = inner.nodes.new("NodeGroupInput"), inner.nodes.new("NodeGroupOutput")
    bsdf = inner.nodes.new("ShaderNodeBsdfPrincipled")
    bsdf.inputs["Roughness"].default_value = 0.25
    inner.links.new(i_in.outputs[0], bsdf.inputs["Base Color"])
    inner.links.new(bsdf.outputs[0], i_out.inputs[0])
    outer = bpy.data.node_groups.new("Outer", "ShaderNodeTree")
    outer.interface.new_socket("Color", in_out="INPUT", socket_type="NodeSocketColor")
    outer.interface.new_socket("Shader", in_out="OUTPUT", socket_type="NodeSocketShader")
    o_in, o_out = outer.nodes.new("NodeGroupInput"), outer.nodes.new("NodeGroupOutput")
    nested = outer.nodes.new("ShaderNodeGroup")
    nested.node_tree = inner
    outer.links.new(o_in.outputs[0], nested.inputs[0])
    outer.links.new(nested.outputs[0], o_out.inputs[0])

    material, tree, top_bsdf = principled("Grouped")
    tree.nodes.remove(top_bsdf)
    group = tree.nodes.new("ShaderNodeGroup")
    group.node_tree = outer
    reroute = tree.nodes.new("NodeReroute")
    tree.links.new(image_node(tree, image).outputs["Color"], reroute.inputs[0])
    tree.links.new(reroute.outputs[0], group.inputs[0])
    tree.links.new(group.outputs[0], tree.nodes["Material Output"].inputs["Surface"])
    cube(materials=[material])
    report, stage = export(animation=False)
    preview = surface(stage, "Grouped")
    tex, output = source_of(preview.GetInput("diffuseColor"))
    assert output == "rgb" and tex.GetInput("file").Get().path == "./Textures/grouped.png"
    assert preview.GetInput("roughness").Get() == pytest.approx(0.25)


def test_eevee_output_wins_over_cycles_output(scene, export):
    material, tree, bsdf = principled("Targets")
    bsdf.inputs["Base Color"].default_value = (0, 1, 0, 1)
    tree.nodes["Material Output"].target = "EEVEE"
    cycles_out = tree.nodes.new("ShaderNodeOutputMaterial")
    cycles_out.target = "CYCLES"
    emission = tree.nodes.new("ShaderNodeEmission")
    tree.links.new(emission.outputs[0], cycles_out.inputs["Surface"])
    cube(materials=[material])
    report, stage = export(animation=False)
    assert surface(stage, "Targets").GetInput("diffuseColor").Get() == Gf.Vec3f(0, 1, 0)


def test_uv_map_node_reads_the_primvar_the_mesh_writer_wrote(scene, export, tmp_path):
    material, tree, bsdf = principled("Decal")
    uv = tree.nodes.new("ShaderNodeUVMap")
    uv.uv_map = "Decal UV"
    tex = image_node(tree, image_file(tmp_path / "decal.png"))
    tree.links.new(uv.outputs["UV"], tex.inputs["Vector"])
    tree.links.new(tex.outputs["Color"], bsdf.inputs["Base Color"])
    obj = cube(materials=[material])
    obj.data.uv_layers.new(name="Decal UV")
    report, stage = export(animation=False)
    tex_shader, _ = source_of(surface(stage, "Decal").GetInput("diffuseColor"))
    reader, _ = source_of(tex_shader.GetInput("st"))
    varname = reader.GetInput("varname").Get()
    assert varname == "Decal_UV"
    assert UsdGeom.PrimvarsAPI(stage.GetPrimAtPath("/Root/Cube/Cube")).HasPrimvar(varname)


def test_what_a_texture_cannot_express_falls_back_to_constants_with_report_lines(scene, export, tmp_path):
    material, tree, bsdf = principled("Odd")
    bsdf.inputs["Base Color"].default_value = (0.1, 0.2, 0.3, 1.0)
    bsdf.inputs["Roughness"].default_value = 0.4
    coords = tree.nodes.new("ShaderNodeTexCoord")
    tex = image_node(tree, image_file(tmp_path / "tiled.png"))
    tree.links.new(coords.outputs["Window"], tex.inputs["Vector"])
    tree.links.new(tex.outputs["Color"], bsdf.inputs["Base Color"])
    noise = tree.nodes.new("ShaderNodeTexNoise")
    tree.links.new(noise.outputs["Fac"], bsdf.inputs["Roughness"])
    alpha_tex = image_node(tree, image_file(tmp_path / "alpha.png"))
    tree.links.new(alpha_tex.outputs["Alpha"], bsdf.inputs["Alpha"])
    cube(materials=[material])
    report, stage = export(animation=False)
    preview = surface(stage, "Odd")
    assert preview.GetInput("diffuseColor").Get() == pytest.approx(Gf.Vec3f(0.1, 0.2, 0.3))
    assert preview.GetInput("roughness").Get() == pytest.approx(0.4)
    assert preview.GetInput("opacity").Get() == pytest.approx(1.0)
    text = "\n".join(report.warnings)
    assert "Window" in text and "Noise Texture" in text and "Alpha" in text
    assert not (tmp_path / "Textures").exists()


def test_missing_image_keeps_the_constant_and_names_the_file(scene, export, tmp_path):
    path = str(tmp_path / "gone.png")
    image = image_file(path)
    os.unlink(path)
    image.reload()
    material, tree, bsdf = principled("Lost")
    bsdf.inputs["Base Color"].default_value = (0.5, 0.25, 0.125, 1.0)
    tree.links.new(image_node(tree, image).outputs["Color"], bsdf.inputs["Base Color"])
    cube(materials=[material])
    report, stage = export(animation=False)
    diffuse = surface(stage, "Lost").GetInput("diffuseColor")
    assert not diffuse.HasConnectedSource()
    assert diffuse.Get() == pytest.approx(Gf.Vec3f(0.5, 0.25, 0.125))
    assert any("gone.png" in w for w in report.warnings)
    assert valid(stage)


def test_diffuse_mix_and_transparent_shaders(scene, export):
    material, tree = empty_material("Mixed")
    out = tree.nodes.new("ShaderNodeOutputMaterial")
    mix = tree.nodes.new("ShaderNodeMixShader")
    mix.inputs["Fac"].default_value = 0.75
    diffuse = tree.nodes.new("ShaderNodeBsdfDiffuse")
    diffuse.inputs["Color"].default_value = (1.0, 0.0, 0.0, 1.0)
    transparent = tree.nodes.new("ShaderNodeBsdfTransparent")
    tree.links.new(transparent.outputs[0], mix.inputs[1])
    tree.links.new(diffuse.outputs[0], mix.inputs[2])
    tree.links.new(mix.outputs[0], out.inputs["Surface"])
    cube(materials=[material])
    report, stage = export(animation=False)
    preview = surface(stage, "Mixed")
    assert preview.GetInput("diffuseColor").Get() == Gf.Vec3f(1, 0, 0)
    assert preview.GetInput("opacity").Get() == pytest.approx(0.75)
    assert preview.GetInput("useSpecularWorkflow").Get() == 1
    assert preview.GetInput("specularColor").Get() == Gf.Vec3f(0, 0, 0)


def test_viewport_display_values_without_a_recognisable_shader(scene, export):
    material, tree = empty_material("Toon")
    toon = tree.nodes.new("ShaderNodeBsdfToon")
    tree.links.new(toon.outputs[0], tree.nodes.new("ShaderNodeOutputMaterial").inputs["Surface"])
    material.diffuse_color = (0.1, 0.9, 0.3, 1.0)
    material.metallic, material.roughness = 0.5, 0.2
    cube(materials=[material])
    report, stage = export(animation=False)
    preview = surface(stage, "Toon")
    assert preview.GetInput("diffuseColor").Get() == pytest.approx(Gf.Vec3f(0.1, 0.9, 0.3))
    assert preview.GetInput("metallic").Get() == pytest.approx(0.5)
    assert any("Toon" in w and "viewport" in w for w in report.warnings)


# Materials and bindings ----------------------------------------------------------------------------

def test_three_materials_make_three_face_subsets_covering_every_face_once(scene, export):
    mats = [principled(n)[0] for n in ("Red", "Green", "Blue")]
    obj = cube(materials=mats)
    obj.data.polygons.foreach_set("material_index", [0, 1, 2, 2, 1, 0])
    report, stage = export(animation=False)
    mesh = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube"))
    subsets = UsdGeom.Subset.GetGeomSubsets(mesh, UsdGeom.Tokens.face, "materialBind")
    assert len(subsets) == 3
    faces = np.concatenate([np.array(s.GetIndicesAttr().Get()) for s in subsets])
    assert sorted(faces) == list(range(6))
    bound = {}
    for s in subsets:
        assert s.GetPrim().HasAPI(UsdShade.MaterialBindingAPI)
        material = UsdShade.MaterialBindingAPI(s.GetPrim()).GetDirectBinding().GetMaterialPath()
        bound[str(material)] = sorted(s.GetIndicesAttr().Get())
    assert bound == {"/Materials/Red": [0, 5], "/Materials/Green": [1, 4], "/Materials/Blue": [2, 3]}
    assert UsdGeom.Subset.GetFamilyType(mesh, "materialBind") == UsdGeom.Tokens.partition
    assert valid(stage)


def test_shared_material_written_once_and_unused_ones_not_at_all(scene, export):
    shared = principled("Shared")[0]
    principled("Unused")
    two = principled("Second")[0]
    cube("A", [shared])
    obj = cube("B", [shared, two])  # the second slot holds no face
    report, stage = export(animation=False)
    names = [p.GetName() for p in stage.GetPrimAtPath("/Materials").GetChildren()]
    assert names == ["Shared"]
    for path in ("/Root/A/A", "/Root/B/B"):
        prim = stage.GetPrimAtPath(path)
        assert prim.HasAPI(UsdShade.MaterialBindingAPI)
        assert UsdShade.MaterialBindingAPI(prim).GetDirectBinding().GetMaterialPath() == "/Materials/Shared"
    assert not UsdGeom.Subset.GetAllGeomSubsets(UsdGeom.Imageable(stage.GetPrimAtPath("/Root/B/B")))
    assert usd_face_materials(stage, "/Root/B/B") == ["Shared"] * 6  # every face, none on the unused slot
    assert valid(stage)


def test_material_names_are_valid_and_unique(scene, export):
    cube("A", [principled("Brushed Steel")[0]])
    cube("B", [principled("Brushed.Steel")[0]])
    report, stage = export(animation=False)
    names = sorted(p.GetName() for p in stage.GetPrimAtPath("/Materials").GetChildren())
    assert names == ["Brushed_Steel", "Brushed_Steel_1"]


def test_empty_and_object_linked_slots(scene, export):
    data_mat, obj_mat = principled("OnData")[0], principled("OnObject")[0]
    obj = cube(materials=[data_mat, data_mat])
    obj.material_slots[1].link = "OBJECT"
    obj.material_slots[1].material = obj_mat
    obj.data.materials.append(None)  # a third, empty slot
    obj.data.polygons.foreach_set("material_index", [0, 0, 1, 1, 2, 2])
    report, stage = export(animation=False)
    mesh = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube"))
    subsets = UsdGeom.Subset.GetGeomSubsets(mesh, UsdGeom.Tokens.face, "materialBind")
    bound = {str(UsdShade.MaterialBindingAPI(s.GetPrim()).GetDirectBinding().GetMaterialPath()):
             sorted(s.GetIndicesAttr().Get()) for s in subsets}
    assert bound == {"/Materials/OnData": [0, 1], "/Materials/OnObject": [2, 3]}
    assert UsdGeom.Subset.GetFamilyType(mesh, "materialBind") == UsdGeom.Tokens.nonOverlapping
    assert valid(stage)


def usd_face_materials(stage, path):
    """The material name each face of the mesh at `path` is bound to in the file (None: unbound)."""
    mesh = UsdGeom.Mesh(stage.GetPrimAtPath(path))
    whole = UsdShade.MaterialBindingAPI(mesh.GetPrim()).GetDirectBinding().GetMaterialPath()
    faces = [whole.name if whole else None] * len(mesh.GetFaceVertexCountsAttr().Get())
    for subset in UsdGeom.Subset.GetGeomSubsets(mesh, UsdGeom.Tokens.face, "materialBind"):
        name = UsdShade.MaterialBindingAPI(subset.GetPrim()).GetDirectBinding().GetMaterialPath().name
        for face in subset.GetIndicesAttr().Get():
            faces[face] = name
    return faces


def blender_face_materials(obj):
    """The material each face renders with in Blender, which clamps its index to the slots it has:
    past the last slot the last one, below 0 (set through the attribute API) the first."""
    slots = obj.material_slots
    return [getattr(slots[max(0, min(p.material_index, len(slots) - 1))].material, "name", None)
            for p in obj.data.polygons]


@pytest.mark.parametrize("slots, indices", [
    (("A", None), [0, 0, 0, 1, 1, 1]),  # faces on an empty slot: the mesh is not bound whole
    ((None, "A"), [0, 1, 1, 1, 1, 1]),
    (("A", "A", "B"), [0, 1, 2, 0, 1, 2]),  # two slots, one material: one subset holds both slots' faces
    (("A", "B"), [0, 1, 5, 7, 0, 1]),  # indices past the last slot draw with the last slot
    (("A", "B"), [1, -1, 1, -3, 0, 1]),  # and those below 0 with the first
    (("A", "A"), [0, 1, 1, 0, 3, 1]),  # one material in every slot: bound on the mesh
    (("A", "B"), None),  # no material_index attribute at all: every face on the first slot
])
def test_face_bindings_follow_blenders_slots(scene, export, slots, indices):
    materials = {name: principled(name)[0] for name in set(slots) - {None}}
    obj = cube(materials=[materials.get(name) for name in slots])
    attribute = obj.data.attributes.get("material_index") or obj.data.attributes.new("material_index", "INT", "FACE")
    if indices is None:
        obj.data.attributes.remove(attribute)
    else:
        attribute.data.foreach_set("value", indices)
    obj.data.update()
    report, stage = export(animation=False)
    expected = blender_face_materials(obj)
    assert usd_face_materials(stage, "/Root/Cube/Cube") == expected
    said = "Cube: faces on empty material slots get no material" in report.infos
    assert said == (None in expected)
    mesh = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube"))
    subsets = UsdGeom.Subset.GetGeomSubsets(mesh, UsdGeom.Tokens.face, "materialBind")
    assert len(subsets) == (len(set(expected) - {None}) if len(set(expected)) > 1 else 0)
    if subsets:
        family = UsdGeom.Tokens.nonOverlapping if None in expected else UsdGeom.Tokens.partition
        assert UsdGeom.Subset.GetFamilyType(mesh, "materialBind") == family
    assert valid(stage)


def test_materials_option_off_writes_no_materials_nor_bindings(scene, export):
    cube(materials=[principled("Any")[0]])
    report, stage = export(animation=False, materials=False)
    assert not stage.GetPrimAtPath("/Materials")
    prim = stage.GetPrimAtPath("/Root/Cube/Cube")
    assert not prim.HasAPI(UsdShade.MaterialBindingAPI) and not prim.GetRelationship("material:binding")


def test_glossy_and_emission_added(scene, export):
    material, tree = empty_material("Chrome")
    glossy = tree.nodes.new("ShaderNodeBsdfGlossy")
    glossy.inputs["Color"].default_value = (0.9, 0.9, 0.9, 1.0)
    glossy.inputs["Roughness"].default_value = 0.1
    emission = tree.nodes.new("ShaderNodeEmission")
    emission.inputs["Color"].default_value = (0.0, 0.0, 1.0, 1.0)
    emission.inputs["Strength"].default_value = 2.0
    add = tree.nodes.new("ShaderNodeAddShader")
    tree.links.new(glossy.outputs[0], add.inputs[0])
    tree.links.new(emission.outputs[0], add.inputs[1])
    tree.links.new(add.outputs[0], tree.nodes.new("ShaderNodeOutputMaterial").inputs["Surface"])
    cube(materials=[material])
    report, stage = export(animation=False)
    preview = surface(stage, "Chrome")
    assert preview.GetInput("metallic").Get() == 1.0
    assert preview.GetInput("roughness").Get() == pytest.approx(0.1)
    assert preview.GetInput("diffuseColor").Get() == pytest.approx(Gf.Vec3f(0.9, 0.9, 0.9))
    assert preview.GetInput("emissiveColor").Get() == Gf.Vec3f(0, 0, 2)


def test_each_extension_mode_becomes_its_wrap_mode(scene, export, tmp_path):
    image = image_file(tmp_path / "wrap.png")
    expected = {"REPEAT": "repeat", "EXTEND": "clamp", "CLIP": "black", "MIRROR": "mirror"}
    for extension in expected:
        material, tree, bsdf = principled(extension.title())
        tree.links.new(image_node(tree, image, extension).outputs["Color"], bsdf.inputs["Base Color"])
        cube(extension, materials=[material])
    report, stage = export(animation=False)
    assert shading_findings(stage) == []
    for extension, wrap in expected.items():
        tex, _ = source_of(surface(stage, extension.title()).GetInput("diffuseColor"))
        assert (tex.GetInput("wrapS").Get(), tex.GetInput("wrapT").Get()) == (wrap, wrap)
