"""Which objects are exported, where, and with what transforms over time."""
import math

import bpy
import numpy as np
import pytest
from pxr import Usd, UsdGeom

from helpers import AXIS, new_collection, usd_world


def add_cube(name, location=(0, 0, 0), parent=None):
    bpy.ops.mesh.primitive_cube_add(size=1.0, location=location)
    obj = bpy.context.object
    obj.name = name
    if parent is not None:
        obj.parent = parent
        obj.matrix_parent_inverse = parent.matrix_world.inverted()
    return obj


def test_animated_hierarchy_world_transforms_match_blender(scene, export):
    bpy.ops.object.empty_add(location=(1, 0, 0))
    rig = bpy.context.object
    rig.name = "Rig"
    arm = add_cube("Arm", (2, 0, 1), parent=rig)
    hand = add_cube("Hand", (3, 1, 1), parent=arm)
    scene.frame_start, scene.frame_end = 1, 12
    rig.keyframe_insert("rotation_euler", frame=1)
    rig.rotation_euler = (0.3, 0.0, math.pi / 2)
    rig.keyframe_insert("rotation_euler", frame=12)
    arm.keyframe_insert("location", frame=1)
    arm.location.z += 2.0
    arm.keyframe_insert("location", frame=12)
    hand.scale = (1.0, 2.0, 0.5)  # static relative to its parent
    _, stage = export()
    paths = {rig: "/Root/Rig", arm: "/Root/Rig/Arm", hand: "/Root/Rig/Arm/Hand"}
    for frame in (1, 4, 7, 12):
        scene.frame_set(frame)
        for obj, path in paths.items():
            expected = AXIS @ np.array(obj.matrix_world)
            assert np.allclose(usd_world(stage.GetPrimAtPath(path), frame), expected, atol=1e-5), (obj.name, frame)
    hand_op = UsdGeom.Xformable(stage.GetPrimAtPath(paths[hand])).GetOrderedXformOps()[0]
    assert hand_op.GetAttr().GetNumTimeSamples() == 0  # static relative to its parent: a default value
    # Only the rotation is keyed: the orient op is sampled, the translate op is one value.
    rig_ops = {op.GetOpName(): op for op in UsdGeom.Xformable(stage.GetPrimAtPath(paths[rig])).GetOrderedXformOps()}
    assert rig_ops["xformOp:orient"].GetNumTimeSamples() == 12
    assert rig_ops["xformOp:translate"].GetNumTimeSamples() == 0


def test_unexported_parent_is_folded_into_the_child(scene, export):
    bpy.ops.object.empty_add(location=(0, 0, 3), rotation=(0, 0, 1.0))
    holder = bpy.context.object
    holder.name = "Holder"
    child = add_cube("Child", (1, 2, 3), parent=holder)
    bpy.ops.object.select_all(action="DESELECT")
    child.select_set(True)
    _, stage = export(animation=False, selected_only=True)
    assert not stage.GetPrimAtPath("/Root/Holder")
    prim = stage.GetPrimAtPath("/Root/Child")
    assert np.allclose(usd_world(prim, Usd.TimeCode.Default()), AXIS @ np.array(child.matrix_world), atol=1e-6)


def test_names_are_valid_unique_and_stable(scene, export):
    for name in ("Cube.001", "Cube_001", "1st cube", "Würfel", "Cube.001.002"):
        add_cube(name)
    bpy.data.objects["Cube_001"].location.x = 3  # so the two are told apart below

    def names(stage):
        return sorted(p.GetName() for p in stage.GetPrimAtPath("/Root").GetChildren())

    _, first = export("a.usda", animation=False, default_light=False)
    _, second = export("b.usda", animation=False, default_light=False)
    assert names(first) == names(second)
    assert names(first) == ["Cube_001", "Cube_001_002", "Cube_001_1", "W_rfel", "_1st_cube"]
    # The mapping is stable too: the same object gets the same name in both files.
    for stage in (first, second):
        moved = [p.GetName() for p in stage.GetPrimAtPath("/Root").GetChildren()
                 if np.isclose(usd_world(p, Usd.TimeCode.Default())[0, 3], 3)]
        assert moved == ["Cube_001_1"]


def test_visible_only_and_collection_filters(scene, export):
    shown = add_cube("Shown")
    hidden = add_cube("Hidden", (2, 0, 0))
    hidden.hide_set(True)
    new_collection(scene, "Props", add_cube("Prop", (4, 0, 0)))

    _, stage = export("viewport.usda", animation=False, evaluation_mode="VIEWPORT")
    assert stage.GetPrimAtPath("/Root/Shown") and stage.GetPrimAtPath("/Root/Prop")
    assert not stage.GetPrimAtPath("/Root/Hidden")
    _, stage = export("all.usda", animation=False, evaluation_mode="VIEWPORT", visible_only=False)
    assert stage.GetPrimAtPath("/Root/Hidden")
    _, stage = export("props.usda", animation=False, collection="Props", default_light=False)
    assert [p.GetName() for p in stage.GetPrimAtPath("/Root").GetChildren()] == ["Prop"]
    assert shown.name == "Shown"


def test_missing_collection_is_a_clear_error(scene, export):
    add_cube("Cube")
    with pytest.raises(ValueError, match="no collection named 'Nope'"):
        export(animation=False, collection="Nope")


def test_empties_are_exported_only_when_they_carry_children(scene, export):
    bpy.ops.object.empty_add()
    bpy.context.object.name = "Lonely"
    bpy.ops.object.empty_add()
    group = bpy.context.object
    group.name = "Group"
    add_cube("Member", parent=group)
    _, stage = export(animation=False)
    assert not stage.GetPrimAtPath("/Root/Lonely")
    assert stage.GetPrimAtPath("/Root/Group").IsA(UsdGeom.Xform)
    assert stage.GetPrimAtPath("/Root/Group/Member/Cube").IsA(UsdGeom.Mesh)


def test_collection_instances_are_real_copies(scene, export):
    parts = new_collection(scene, "Parts", add_cube("Part", (0, 0, 1)))
    bpy.context.view_layer.layer_collection.children["Parts"].exclude = True
    for x in (5.0, -5.0):
        instancer = bpy.data.objects.new(f"Spawn{int(x)}", None)
        instancer.instance_type = "COLLECTION"
        instancer.instance_collection = parts
        instancer.location = (x, 0, 0)
        scene.collection.objects.link(instancer)
    _, stage = export(animation=False)
    for name, x in (("Spawn5", 5.0), ("Spawn_5", -5.0)):
        copies = stage.GetPrimAtPath(f"/Root/{name}").GetChildren()
        assert [c.GetName() for c in copies] == ["Part"]
        world = usd_world(copies[0], Usd.TimeCode.Default())
        assert np.allclose(world[:3, 3], [x, 1.0, 0.0], atol=1e-6)  # Blender (x, 0, 1) in Y up; float rotations
        assert copies[0].GetChild("Cube").IsA(UsdGeom.Mesh)


def test_timing_metadata_follows_the_scene(scene, export):
    add_cube("Cube")
    scene.render.fps, scene.render.fps_base = 30, 1.001
    scene.frame_start, scene.frame_end = 5, 9
    _, stage = export()
    assert (stage.GetStartTimeCode(), stage.GetEndTimeCode()) == (5, 9)
    assert stage.GetTimeCodesPerSecond() == pytest.approx(30 / 1.001)
    _, still = export("still.usda", animation=False)
    assert not still.HasAuthoredMetadata("startTimeCode") and not still.HasAuthoredMetadata("timeCodesPerSecond")


def test_explicit_frame_range(scene, export):
    cube = add_cube("Cube")
    cube.keyframe_insert("location", frame=1)
    cube.location.x = 10
    cube.keyframe_insert("location", frame=20)
    report, stage = export(frame_start=3, frame_end=6)
    op = UsdGeom.Xformable(stage.GetPrimAtPath("/Root/Cube")).GetOrderedXformOps()[0]
    assert op.GetTimeSamples() == [3, 4, 5, 6]
    assert report.frames == (3, 6)


def test_object_appearing_later_is_invisible_before(scene, export):
    bpy.ops.mesh.primitive_grid_add()
    grid = bpy.context.object
    build = grid.modifiers.new("Build", "BUILD")
    build.frame_start, build.frame_duration = 3, 2
    scene.frame_start, scene.frame_end = 1, 6
    _, stage = export(evaluation_mode="VIEWPORT")
    imageable = UsdGeom.Imageable(stage.GetPrimAtPath("/Root/Grid"))
    assert imageable.ComputeVisibility(1) == "invisible"
    assert imageable.ComputeVisibility(5) == "inherited"
