"""Materials of real scenes from the corpus: expected connections, values and texture files."""
import os

import bpy
import pytest
from pxr import Gf, UsdGeom, UsdShade

from conftest import is_blender_42
from shading_checks import shading_findings

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(is_blender_42(), reason="the corpus scenes were saved by Blender 5.x, which 4.2 cannot "
                                               "read reliably"),
]


@pytest.fixture
def export_scene(corpus_scene, export):
    def run(name, before_open=None, **options):
        path = corpus_scene(name)
        if before_open:
            before_open(path.parent)
        bpy.ops.wm.open_mainfile(filepath=str(path))
        report, stage = export(animation=False, **options)
        assert shading_findings(stage) == []
        return report, stage, path.parent

    return run


def preview(stage, material):
    return UsdShade.Shader(stage.GetPrimAtPath(f"/Materials/{material}/PreviewSurface"))


def connection(shader, name):
    """(texture shader, its output, its file) feeding `name`."""
    sources, _ = shader.GetInput(name).GetConnectedSources()
    (source,) = sources
    texture = UsdShade.Shader(source.source.GetPrim())
    return texture, source.sourceName, texture.GetInput("file").Get().path


def same_bytes(export_dir, asset, scene_dir, file_name):
    return open(os.path.join(export_dir, asset), "rb").read() == (scene_dir / file_name).read_bytes()


def bound(stage, path):
    return str(UsdShade.MaterialBindingAPI(stage.GetPrimAtPath(path)).GetDirectBinding().GetMaterialPath())


def test_textured_suzanne_through_the_gltf_group(export_scene, tmp_path):
    report, stage, scenes = export_scene("02_suzanne.blend")
    surface = preview(stage, "Suzanne")
    base, out, asset = connection(surface, "diffuseColor")
    assert (out, asset) == ("rgb", "./Textures/02_Suzanne_BaseColor.png")
    assert base.GetInput("sourceColorSpace").Get() == "sRGB"
    assert same_bytes(tmp_path, asset, scenes, "02_Suzanne_BaseColor.png")
    rough, rough_out, orm = connection(surface, "roughness")
    metal, metal_out, _ = connection(surface, "metallic")
    assert (rough_out, metal_out) == ("g", "b") and rough.GetPath() == metal.GetPath()
    assert orm == "./Textures/02_Suzanne_OcclusionRoughnessMetallic.png"
    assert rough.GetInput("sourceColorSpace").Get() == "raw"
    normal, normal_out, normal_asset = connection(surface, "normal")
    assert (normal_out, normal_asset) == ("rgb", "./Textures/02_suzanne_Normal.png")
    assert normal.GetInput("scale").Get() == Gf.Vec4f(2, 2, 2, 1)
    assert normal.GetInput("bias").Get() == Gf.Vec4f(-1, -1, -1, 0)
    assert bound(stage, "/Root/Suzanne/Suzanne") == "/Materials/Suzanne"


def test_untextured_sphere_keeps_the_group_factors(export_scene, tmp_path):
    report, stage, _ = export_scene("01_sphere.blend")
    surface = preview(stage, "Sphere")
    assert surface.GetInput("diffuseColor").Get() == Gf.Vec3f(1, 1, 1)
    assert surface.GetInput("metallic").Get() == 1.0 and surface.GetInput("roughness").Get() == 1.0
    assert not (tmp_path / "Textures").exists()


@pytest.mark.parametrize("scene_name", ["08_combine_orm.blend", "08_combine_roughMetal.blend"])
def test_combined_orm_scenes_copy_their_roughness_and_metal_images(export_scene, tmp_path, scene_name):
    report, stage, scenes = export_scene(scene_name)
    surface = preview(stage, "Material")
    _, metal_out, metal = connection(surface, "metallic")
    _, rough_out, rough = connection(surface, "roughness")
    assert (metal, rough) == ("./Textures/08_img_metal.png", "./Textures/08_img_rough.png")
    assert metal_out == rough_out == "r"  # greyscale images: any channel, Blender reads their luminance
    assert same_bytes(tmp_path, metal, scenes, "08_img_metal.png")
    assert sorted(os.listdir(tmp_path / "Textures")) == ["08_img_metal.png", "08_img_rough.png"]


def test_clearcoat_scene_normal_map_and_coat(export_scene, tmp_path):
    report, stage, _ = export_scene("08_clearcoat.blend")
    surface = preview(stage, "Material")
    normal, _, asset = connection(surface, "normal")
    assert asset == "./Textures/08_normal_ribs.png"
    assert normal.GetInput("sourceColorSpace").Get() == "raw"
    assert surface.GetInput("clearcoat").Get() == pytest.approx(0.225)
    assert surface.GetInput("clearcoatRoughness").Get() == pytest.approx(0.1)
    assert any("strength 2" in w for w in report.warnings)


def test_common_materials_one_per_mesh(export_scene):
    report, stage, _ = export_scene("04_common_materials.blend")
    assert {p.GetName() for p in stage.GetPrimAtPath("/Materials").GetChildren()} == {"Crate", "Plane", "Sphere"}
    assert preview(stage, "Sphere").GetInput("diffuseColor").Get() == pytest.approx(Gf.Vec3f(0.8, 0, 0))
    for obj in ("Cube", "Plane", "Sphere"):
        prim = f"/Root/{obj}/{obj}"
        assert stage.GetPrimAtPath(prim).HasAPI(UsdShade.MaterialBindingAPI)
    assert bound(stage, "/Root/Cube/Cube") == "/Materials/Crate"


def test_udim_tiles_packed_into_atlases_that_openusd_resolves(export_scene, tmp_path):
    from pxr import UsdUtils

    report, stage, scenes = export_scene("33_udim_merged.blend")
    surface = preview(stage, "Material")
    _, _, metal = connection(surface, "metallic")
    _, _, rough = connection(surface, "roughness")
    assert metal == "./Textures/test_merged.png" and rough == "./Textures/test_merged_2.png"
    layers, assets, unresolved = UsdUtils.ComputeAllDependencies(str(tmp_path / "out.usda"))
    assert unresolved == [] and len(assets) == 2 and all(os.path.isfile(a) for a in assets)
    # The tiles' sizes differ (128 and 256, 512 px): the atlas cells take the largest.
    atlas = bpy.data.images.load(str(tmp_path / "Textures" / "test_merged_2.png"))
    assert atlas.size[0] >= 2 * 512 and atlas.size[1] >= 512


def test_udim_tiles_kept_as_tiles_on_request(export_scene, tmp_path):
    report, stage, scenes = export_scene("33_udim_merged.blend", udim="tiles")
    surface = preview(stage, "Material")
    _, _, metal = connection(surface, "metallic")
    _, _, rough = connection(surface, "roughness")
    assert metal == "./Textures/test_merged.<UDIM>.png" and rough == "./Textures/test_merged_2.<UDIM>.png"
    for name in ("test_merged.1001.png", "test_merged.1002.png", "test_merged_2.1001.png", "test_merged_2.1002.png"):
        assert (tmp_path / "Textures" / name).read_bytes() == (scenes / name).read_bytes()


def test_packed_images_only_the_used_ones(export_scene, tmp_path):
    report, stage, _ = export_scene("33_unused_image.blend")
    _, _, asset = connection(preview(stage, "Material"), "diffuseColor")
    assert asset == "./Textures/Untitled.png"
    assert os.listdir(tmp_path / "Textures") == ["Untitled.png"]
    assert (tmp_path / "Textures" / "Untitled.png").read_bytes()[:4] == b"\x89PNG"


def test_packed_image_whose_path_leaves_the_folder_is_written_inside(export_scene, tmp_path):
    report, stage, _ = export_scene("24_vertex_color_and_factor_active_all_no_nomat.blend")
    written = [os.path.join(d, f) for d, _, files in os.walk(tmp_path) for f in files
               if not d.startswith(str(tmp_path / "corpus"))]
    assert all(p.startswith(str(tmp_path / "Textures")) or p.endswith("out.usda") for p in written)


def test_missing_texture_keeps_constants_and_names_the_file(export_scene, tmp_path):
    def lose_metal(scenes):
        os.unlink(scenes / "08_img_metal.png")

    report, stage, _ = export_scene("08_combine_orm.blend", lose_metal)
    surface = preview(stage, "Material")
    assert not surface.GetInput("metallic").HasConnectedSource()
    assert isinstance(surface.GetInput("metallic").Get(), float)
    assert connection(surface, "roughness")[2] == "./Textures/08_img_rough.png"
    assert any("08_img_metal.png" in w and "not found" in w for w in report.warnings)


def test_multi_material_character_uses_face_subsets(export_scene):
    report, stage, _ = export_scene("RobotExpressive.blend")
    mesh = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/RobotArmature/Head/Cylinder"))
    subsets = UsdGeom.Subset.GetGeomSubsets(mesh, UsdGeom.Tokens.face, "materialBind")
    assert {s.GetPrim().GetName() for s in subsets} == {"Main", "Grey", "Black"}
    faces = sorted(i for s in subsets for i in s.GetIndicesAttr().Get())
    assert faces == list(range(len(mesh.GetFaceVertexCountsAttr().Get())))


def _mapping_matrix(node):
    """The Mapping node's transform as a mathutils matrix applied to (u, v, 0)."""
    from mathutils import Euler, Matrix, Vector

    rot, scale = (Vector(node.inputs[n].default_value) for n in ("Rotation", "Scale"))
    if node.vector_type == "VECTOR":
        return Matrix.LocRotScale(None, Euler(rot), scale)
    loc = Vector(node.inputs["Location"].default_value)
    matrix = Matrix.LocRotScale(loc, Euler(rot), scale)
    return matrix.inverted() if node.vector_type == "TEXTURE" else matrix


@pytest.mark.parametrize("name, source", [("09_tex_transform_from_texture", "UVMap"),
                                          ("09_tex_transform_from_vector", "UVMap"),
                                          ("32_custom_uvmap_attribute", "_CustomUVMap")])
def test_base_colour_through_a_mapping_node_keeps_its_texture(export_scene, name, source):
    """The Mapping node's transform of the UV map (or vector attribute) is written per corner."""
    import numpy as np
    from mathutils import Vector

    report, stage, _ = export_scene(name + ".blend")
    for obj in (o for o in bpy.data.objects if o.type == "MESH"):
        material = obj.material_slots[0].material
        mapping = material.node_tree.nodes["Mapping"]
        surface = preview(stage, material.name.replace(".", "_"))
        texture, _, asset = connection(surface, "diffuseColor")
        reader = UsdShade.Shader(texture.GetInput("st").GetConnectedSources()[0][0].source.GetPrim())
        varname = reader.GetInput("varname").Get()
        prim = next(p for p in stage.Traverse() if p.IsA(UsdGeom.Mesh) and p.GetParent().GetName() ==
                    obj.name.replace(".", "_"))
        written = np.array(UsdGeom.PrimvarsAPI(prim).GetPrimvar(varname).ComputeFlattened())
        data = obj.evaluated_get(bpy.context.evaluated_depsgraph_get()).data  # a modifier may add the attribute
        attribute = data.attributes[source]
        matrix = _mapping_matrix(mapping)
        want = [(matrix @ Vector((*attribute.data[i].vector, 0.0)[:3]))[:2] for i in range(len(data.loops))]
        np.testing.assert_allclose(written, np.array(want), atol=1e-5)


@pytest.mark.parametrize("name, materials", [("XX_blender_global_test", ["Material"]),
                                             ("24_vertex_colors", ["Material_016"]),
                                             ("24_vertex_color_and_factor_name", ["MaterialA", "MaterialA_001"])])
def test_base_colour_texture_through_factors_is_kept(export_scene, name, materials):
    """Textures multiplied by constants (scale) or mixed with colour attributes (kept alone) stay textures."""
    report, stage, _ = export_scene(name + ".blend")
    for material in materials:
        texture, output, asset = connection(preview(stage, material), "diffuseColor")
        assert output == "rgb" and asset.startswith("./Textures/")
