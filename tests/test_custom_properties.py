"""Custom properties of objects and their data as prim customData, never as attributes."""
import bpy
import pytest
from pxr import Vt

from miris_export.usd.custom_data import KEY


@pytest.fixture
def crate(scene):
    bpy.ops.mesh.primitive_cube_add()
    obj = bpy.context.object
    obj.name = "Crate"
    obj["weight"] = 12.5
    obj["count"] = 3
    obj["label"] = "hero"
    obj["approved"] = True
    obj["tags_ids"] = [4, 5, 6]
    obj["offsets"] = [0.25, 0.5]
    obj["shot"] = {"sequence": "sq010", "frame": 1001, "nested": {"depth": 2.0}}
    obj["_hidden"] = 1
    obj.data["lod"] = 2
    return obj


def test_each_type_reads_back_from_custom_data(crate, export):
    _, stage = export()
    prim = stage.GetPrimAtPath("/Root/Crate")
    props = prim.GetCustomDataByKey(KEY)
    expected = crate.items()  # Blender's own values, type by type
    assert props["weight"] == dict(expected)["weight"] and isinstance(props["weight"], float)
    assert props["count"] == 3 and isinstance(props["count"], int)
    assert props["label"] == "hero"
    assert props["approved"] is True
    assert list(props["tags_ids"]) == [4, 5, 6] and isinstance(props["tags_ids"], Vt.IntArray)
    assert list(props["offsets"]) == pytest.approx([0.25, 0.5]) and isinstance(props["offsets"], Vt.DoubleArray)
    assert props["shot"] == {"sequence": "sq010", "frame": 1001, "nested": {"depth": 2.0}}
    assert "_hidden" not in props and "cycles" not in props
    assert stage.GetPrimAtPath("/Root/Crate/Cube").GetCustomDataByKey(KEY) == {"lod": 2}
    # never as attributes
    for p in (prim, stage.GetPrimAtPath("/Root/Crate/Cube")):
        assert not [a.GetName() for a in p.GetAttributes() if "weight" in a.GetName() or "lod" in a.GetName()]


def test_registered_add_on_properties_are_left_out(crate, export):
    bpy.types.Object.miris_test_prop = bpy.props.IntProperty()
    try:
        crate.miris_test_prop = 7  # up to Blender 4.x an ID property like the user's, yet the add-on's
        _, stage = export()
    finally:
        del bpy.types.Object.miris_test_prop
    assert "miris_test_prop" not in stage.GetPrimAtPath("/Root/Crate").GetCustomDataByKey(KEY)


def test_with_the_option_off_there_are_none(crate, export):
    report, stage = export(custom_properties=False)
    for prim in stage.Traverse():
        assert KEY not in prim.GetCustomData(), prim.GetPath()
    assert report.compliant


def test_custom_data_is_compliant(crate, export):
    report, _ = export()
    assert report.compliant, report.finding_lines()


def test_an_animated_property_is_written_as_at_the_first_frame(crate, export):
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 5
    crate["weight"] = 1.0
    crate.keyframe_insert('["weight"]', frame=1)
    crate["weight"] = 5.0
    crate.keyframe_insert('["weight"]', frame=5)
    scene.frame_set(1)
    first = crate["weight"]
    scene.frame_set(3)
    _, stage = export()
    assert first == 1.0 and scene.frame_current == 3
    assert stage.GetPrimAtPath("/Root/Crate").GetCustomDataByKey(KEY)["weight"] == first


@pytest.mark.skipif(bpy.app.version < (5, 0, 0), reason="the corpus was saved by Blender 5.x; Blender 4.2 cannot "
                    "read several of its files")
def test_a_real_scenes_extras_read_back(corpus_scene, tmp_path):
    import miris_export
    from pxr import Usd

    bpy.ops.wm.open_mainfile(filepath=str(corpus_scene("00_extras.blend")))
    scene = bpy.context.scene
    current = scene.frame_current
    scene.frame_set(scene.frame_start)  # the values as at the first exported frame
    expected = {o.name: (dict(o.items()), dict(o.data.items()) if o.data else {}) for o in scene.objects}
    scene.frame_set(current)
    report = miris_export.export(str(tmp_path / "extras.usdc"))
    stage = Usd.Stage.Open(report.filepath)
    found = 0
    for prim in stage.Traverse():
        props = prim.GetCustomDataByKey(KEY)
        if not props:
            continue
        as_object = expected.get(prim.GetName(), ({}, {}))[0]
        as_data = expected.get(prim.GetParent().GetName(), ({}, {}))[1]  # a data prim, under its object's
        assert props in (as_object, as_data), prim.GetPath()
        found += len(props)
    assert found == sum(len(a) + len(b) for a, b in expected.values()) > 0
    assert report.compliant


def test_linked_duplicates_carry_their_own_and_their_shared_datas_properties(crate, export):
    twin = crate.copy()  # shares the mesh: instancing writes it once, as a prototype
    twin.name = "Twin"
    twin["label"] = "double"
    bpy.context.collection.objects.link(twin)
    _, stage = export()
    from pxr import Usd, UsdGeom

    assert stage.GetPrimAtPath("/Root/Crate").GetCustomDataByKey(KEY)["label"] == "hero"
    assert stage.GetPrimAtPath("/Root/Twin").GetCustomDataByKey(KEY)["label"] == "double"
    meshes = [p for p in stage.Traverse(Usd.TraverseInstanceProxies()) if p.IsA(UsdGeom.Mesh)
              and UsdGeom.Imageable(p).ComputeVisibility() != UsdGeom.Tokens.invisible]
    assert len(meshes) == 2
    assert all(p.GetCustomDataByKey(KEY) == {"lod": 2} for p in meshes)


def test_an_object_that_appears_late_gets_its_properties(crate, export):
    """Properties are written in the frames where objects are met first, not only the first frame."""
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 5
    build = crate.modifiers.new("Build", "BUILD")  # no faces before frame 4: nothing to write until then
    build.frame_start, build.frame_duration = 3, 1
    _, stage = export()
    prim = stage.GetPrimAtPath("/Root/Crate")
    assert prim.GetAttribute("visibility").GetTimeSamples()[:2] == [1, 4]  # met at frame 4, its first face
    assert prim.GetCustomDataByKey(KEY)["weight"] == 12.5
    assert prim.GetChildren()[0].GetCustomDataByKey(KEY) == {"lod": 2}
