"""Linked libraries as referenced asset files (option linked_as_references): an asset collection
in a library written in code, instanced three times in a shot (one of them overridden), exported
as an assembly and compared, composed, with the single-file export of the same shot."""
import os

import bpy
import numpy as np
import pytest
from pxr import Sdf, Usd, UsdGeom, UsdShade

import miris_export
from miris_export.exporter import Cancelled, ExportError
from miris_export.validate import validate_file

LIBRARY = "props.blend"


def _material(name, color):
    material = bpy.data.materials.new(name)
    material.diffuse_color = color
    return material


def write_library(folder):
    """props.blend: collection Props holding a cube with two materials (face subsets), a plane, and a
    linked duplicate of the cube (instancing inside the asset); instance offset (0.5, 0, 0)."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    props = bpy.data.collections.new("Props")
    red, blue = _material("Red", (1, 0, 0, 1)), _material("Blue", (0, 0, 1, 1))
    bpy.ops.mesh.primitive_cube_add(size=1, location=(1, 0, 0.5))
    cube = bpy.context.object
    cube.data.materials.append(red)
    cube.data.materials.append(blue)
    cube.data.polygons[0].material_index = 1
    bpy.ops.mesh.primitive_plane_add(size=2, location=(-1, 2, 0))
    plane = bpy.context.object
    plane.data.materials.append(blue)
    twin = cube.copy()
    twin.location = (3, 0, 0.5)
    for obj in (cube, plane):
        for collection in obj.users_collection:
            collection.objects.unlink(obj)
        props.objects.link(obj)
    props.objects.link(twin)
    props.instance_offset = (0.5, 0, 0)
    path = str(folder / LIBRARY)
    bpy.data.libraries.write(path, {props}, fake_user=True)
    return path


def link_shot(folder, overridden=True):
    """A fresh shot linking Props, instanced by three Empties; the third made a library override
    (do_fully_editable: its objects are local, moved by (0, -4, 0)) when `overridden`. Saved as
    shot.blend beside the library, so the library path is relative."""
    write_library(folder)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(folder / "shot.blend"))
    with bpy.data.libraries.load("//" + LIBRARY, link=True, relative=True) as (_src, dst):
        dst.collections = ["Props"]
    props = bpy.data.collections["Props"]
    scene = bpy.context.scene
    empties = []
    for i, (location, rotation) in enumerate((((0, 0, 0), (0, 0, 0)), ((5, 0, 0), (0, 0, 0.5)),
                                              ((0, 6, 1), (0.3, 0, 0)))):
        empty = bpy.data.objects.new(f"Set{i}", None)
        empty.instance_type, empty.instance_collection = "COLLECTION", props
        empty.location, empty.rotation_euler = location, rotation
        scene.collection.objects.link(empty)
        empties.append(empty)
    if overridden:
        override = props.override_hierarchy_create(scene, bpy.context.view_layer, reference=empties[2],
                                                   do_fully_editable=True)
        bpy.data.objects.remove(empties[2])
        for obj in override.objects:
            obj.location.y -= 4
    bpy.context.view_layer.update()
    return scene


def drawn_meshes(stage):
    """(world bound min, max, bound material names) of every mesh the composed stage draws, sorted;
    with GeomSubsets, the material of each subset (by its faces) too."""
    cache = UsdGeom.BBoxCache(Usd.TimeCode.Default(), [UsdGeom.Tokens.default_, UsdGeom.Tokens.render])
    found = []
    for prim in Usd.PrimRange(stage.GetPseudoRoot(), Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate)):
        if not prim.IsA(UsdGeom.Mesh) or UsdGeom.Imageable(prim).ComputeVisibility() == UsdGeom.Tokens.invisible:
            continue
        box = cache.ComputeWorldBound(prim).ComputeAlignedRange()
        materials = [_bound(prim)]
        for subset in UsdShade.MaterialBindingAPI(prim).GetMaterialBindSubsets():
            materials.append((tuple(subset.GetIndicesAttr().Get()), _bound(subset.GetPrim())))
        found.append((tuple(np.round(box.GetMin(), 4)), tuple(np.round(box.GetMax(), 4)), tuple(materials)))
    return sorted(found)


def _bound(prim):
    material = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()[0]
    return material.GetPrim().GetName() if material else None


def assert_same_meshes(assembly, single):
    got, want = drawn_meshes(assembly), drawn_meshes(single)
    assert len(got) == len(want) and want
    for (gmin, gmax, gmat), (wmin, wmax, wmat) in zip(got, want):
        np.testing.assert_allclose(gmin, wmin, atol=2e-4)
        np.testing.assert_allclose(gmax, wmax, atol=2e-4)
        assert gmat == wmat


def file_references(layer):
    """{prim path: [asset path, ...]} of the references to other files authored in the layer."""
    found = {}

    def visit(path):
        spec = layer.GetPrimAtPath(path) if path.IsPrimPath() else None
        files = [r.assetPath for r in spec.referenceList.GetAddedOrExplicitItems() if r.assetPath] if spec else []
        if files:
            found[str(path)] = files

    layer.Traverse("/", visit)
    return found


def asset_files(folder):
    return sorted(os.path.relpath(os.path.join(root, f), folder).replace(os.sep, "/")
                  for root, _dirs, files in os.walk(folder / "Assets") for f in files)


def test_three_instances_one_overridden_compose_as_the_single_file(tmp_path):
    link_shot(tmp_path)
    props = bpy.data.collections["Props", bpy.data.libraries[0].filepath]

    def data():
        return len(bpy.data.scenes), len(bpy.data.libraries), len(bpy.data.collections), props.users

    before = data()
    report = miris_export.export(str(tmp_path / "assembly.usda"), linked_as_references=True)
    assert report.compliant, report.lines()
    assert data() == before  # the temporary scene is gone, the collection's users as they were
    # The asset's added light is deactivated here: no report line about it (the shot's own is reported).
    assert [line for line in report.warnings if "DefaultLight" in line] == [
        "the scene has no light and a black or missing World: added /Root/DefaultLight, a white DomeLight of "
        "intensity 1, as the Miris specification requires a light"]
    single_report = miris_export.export(str(tmp_path / "single.usda"))
    assert single_report.compliant
    # The asset is written once, for both instances; the overridden copy is inline.
    assert asset_files(tmp_path) == ["Assets/props/Props/Props.usda", "Assets/props/Props/stamp.json"]
    asset = tmp_path / "Assets/props/Props/Props.usda"
    assert [f for f in validate_file(asset) if f.severity == "error"] == []
    stage = Usd.Stage.Open(str(tmp_path / "assembly.usda"))
    layer = stage.GetRootLayer()
    refs = file_references(layer)
    assert sorted(refs) == ["/Materials/Props", "/Root/Set0/Props", "/Root/Set1/Props"]
    assert all(v == ["./Assets/props/Props/Props.usda"] for v in refs.values())
    assert not stage.GetPrimAtPath("/Root/Set0/Props/DefaultLight").IsActive()
    assert_same_meshes(stage, Usd.Stage.Open(str(tmp_path / "single.usda")))
    # Referenced meshes resolve to materials under /Materials/Props, inside this file.
    cube = stage.GetPrimAtPath("/Root/Set1/Props/Plane/Plane")
    assert UsdShade.MaterialBindingAPI(cube).ComputeBoundMaterial()[0].GetPath() == "/Materials/Props/Blue"


def test_asset_is_written_again_only_when_its_library_or_the_options_change(tmp_path):
    link_shot(tmp_path, overridden=False)
    target, asset = tmp_path / "shot.usdc", tmp_path / "Assets/props/Props/Props.usdc"
    first = miris_export.export(str(target), linked_as_references=True)
    assert "linked asset Props: written to Assets/props/Props/Props.usdc" in first.infos
    written = asset.stat().st_mtime_ns
    again = miris_export.export(str(target), linked_as_references=True)
    assert "linked asset Props: Assets/props/Props/Props.usdc is up to date, kept" in again.infos
    assert asset.stat().st_mtime_ns == written and again.compliant
    # Kept, its default light is still known and deactivated.
    stage = Usd.Stage.Open(str(target))
    assert not stage.GetPrimAtPath("/Root/Set1/Props/DefaultLight").IsActive()
    other = miris_export.export(str(target), linked_as_references=True, normals=False)
    assert "linked asset Props: written to Assets/props/Props/Props.usdc" in other.infos
    fresh = Sdf.Layer.FindOrOpen(str(asset))
    fresh.Reload()  # the layer the shot's stage opened is still in USD's registry
    assert not Usd.Stage.Open(fresh).GetPrimAtPath("/Root/Plane/Plane").GetAttribute("normals").HasValue()
    with open(tmp_path / LIBRARY, "ab") as library:  # the library changed on disk since
        library.write(b"\0")
    changed = miris_export.export(str(target), linked_as_references=True, normals=False)
    assert "linked asset Props: written to Assets/props/Props/Props.usdc" in changed.infos
    assert asset_files(tmp_path) == ["Assets/props/Props/Props.usdc", "Assets/props/Props/stamp.json"]


def test_a_failed_export_leaves_the_assets_as_they_were(tmp_path):
    link_shot(tmp_path, overridden=False)
    target = tmp_path / "shot.usda"
    miris_export.export(str(target), linked_as_references=True)
    before = {f: (tmp_path / f).read_bytes() for f in asset_files(tmp_path)}
    cancelled = iter([True, False])
    with pytest.raises(Cancelled):
        miris_export.export(str(target), linked_as_references=True, normals=False,
                            progress=lambda fraction: next(cancelled, False))
    assert {f: (tmp_path / f).read_bytes() for f in asset_files(tmp_path)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Assets", LIBRARY, "shot.blend", "shot.usda"]


def test_usdz_packs_the_asset_files_with_relative_paths(tmp_path):
    import zipfile

    link_shot(tmp_path)
    report = miris_export.export(str(tmp_path / "shot.usdz"), linked_as_references=True)
    assert report.compliant, report.lines()
    names = zipfile.ZipFile(tmp_path / "shot.usdz").namelist()
    assert names[0] == "shot.usdc" and "Assets/props/Props/Props.usdc" in names
    again = miris_export.export(str(tmp_path / "shot.usdz"), linked_as_references=True)  # the asset kept
    assert again.compliant and any("is up to date, kept" in line for line in again.infos)
    assert zipfile.ZipFile(tmp_path / "shot.usdz").namelist() == names
    miris_export.export(str(tmp_path / "single.usda"))
    assert_same_meshes(Usd.Stage.Open(str(tmp_path / "shot.usdz")), Usd.Stage.Open(str(tmp_path / "single.usda")))


def test_chunks_refuse_linked_assets(tmp_path):
    link_shot(tmp_path, overridden=False)
    with pytest.raises(ExportError, match="linked assets"):
        miris_export.export(str(tmp_path / "c.usdc"), linked_as_references=True, frame_start=1, frame_end=2,
                            chunk_of=(1, 10))


def blender_meshes():
    """(world bound min, max, material names) of every mesh the current scene draws, instances
    included, Blender's '.001' name suffixes dropped, sorted."""
    found = []
    for inst in bpy.context.evaluated_depsgraph_get().object_instances:
        obj = inst.object
        if obj.type != "MESH" or not inst.show_self or not len(obj.data.polygons):
            continue
        corners = np.array([tuple(c) + (1.0,) for c in obj.bound_box]) @ np.array(inst.matrix_world).T
        materials = tuple(s.material.name.split(".")[0] if s.material else None for s in obj.material_slots)
        found.append((tuple(np.round(corners[:, :3].min(0), 4) + 0.0), tuple(np.round(corners[:, :3].max(0), 4) + 0.0),
                      materials))
    return sorted(found)


def test_blenders_importer_reads_the_referenced_geometry_back(tmp_path):
    link_shot(tmp_path)
    want = blender_meshes()
    assert len(want) == 9  # three meshes, in two referenced instances and the overridden copy
    assert miris_export.export(str(tmp_path / "shot.usdc"), linked_as_references=True).compliant
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.usd_import(filepath=str(tmp_path / "shot.usdc"))
    got = blender_meshes()
    assert [materials for _, _, materials in got] == [materials for _, _, materials in want]
    np.testing.assert_allclose([b[:2] for b in got], [b[:2] for b in want], atol=2e-4)


@pytest.mark.corpus
@pytest.mark.skipif(bpy.app.version < (5, 0, 0), reason="the corpus was saved by Blender 5.x; Blender 4.2 "
                    "cannot read several of its files")
def test_corpus_linked_collection_as_an_assembly(corpus_scene, tmp_path):
    bpy.ops.wm.open_mainfile(filepath=str(corpus_scene("01_linked_collection.blend")))
    report = miris_export.export(str(tmp_path / "shot.usdc"), linked_as_references=True)
    assert report.compliant, report.lines()
    assert miris_export.export(str(tmp_path / "single.usdc")).compliant
    asset = tmp_path / "Assets/collection_to_link/Collection/Collection.usdc"
    assert asset.is_file() and [f for f in validate_file(asset) if f.severity == "error"] == []
    asset_layer = Sdf.Layer.FindOrOpen(str(asset))
    assert asset_layer.customLayerData["sourceFile"] == "collection_to_link.blend"
    stage = Usd.Stage.Open(str(tmp_path / "shot.usdc"))
    assert file_references(stage.GetRootLayer()) == {
        "/Materials/Collection": ["./Assets/collection_to_link/Collection/Collection.usdc"],
        "/Root/Collection/Collection": ["./Assets/collection_to_link/Collection/Collection.usdc"]}
    assert_same_meshes(stage, Usd.Stage.Open(str(tmp_path / "single.usdc")))


def test_only_assets_the_export_takes_are_written(tmp_path):
    scene = link_shot(tmp_path, overridden=False)
    hidden = bpy.data.collections.new("Elsewhere")
    scene.collection.children.link(hidden)
    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.object
    for collection in cube.users_collection:
        collection.objects.unlink(cube)
    hidden.objects.link(cube)
    report = miris_export.export(str(tmp_path / "shot.usda"), linked_as_references=True, collection="Elsewhere")
    assert report.compliant and not (tmp_path / "Assets").exists()
    assert file_references(Sdf.Layer.FindOrOpen(str(tmp_path / "shot.usda"))) == {}


def test_a_file_named_assets_is_a_clear_error_and_nothing_is_written(tmp_path):
    link_shot(tmp_path, overridden=False)
    (tmp_path / "Assets").write_text("not a folder")
    with pytest.raises(ExportError, match="Assets is a file, not a folder"):
        miris_export.export(str(tmp_path / "shot.usda"), linked_as_references=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Assets", LIBRARY, "shot.blend"]
