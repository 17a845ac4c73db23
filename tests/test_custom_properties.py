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
