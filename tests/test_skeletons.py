"""Armatures as UsdSkel: the skinned result, computed from the written file with usd-core's UsdSkel,
matches Blender's evaluated mesh in USD world space (within 1e-4 m) at several frames."""
import math

import bpy
import numpy as np
import pytest
from pxr import Usd, UsdGeom, UsdSkel

from skinning_checks import expected_points, max_distance

TOLERANCE = 1e-4


def _arm(scene, name="Arm", frames=48, parented=True, preserve_volume=False):
    """A two-bone arm along +X (upper 0-1 m, fore 1-2 m) skinning a subdivided cylinder, the forearm
    bending 90 degrees over `frames` frames. Returns (armature, mesh)."""
    arm_data = bpy.data.armatures.new(name)
    rig = bpy.data.objects.new(name, arm_data)
    scene.collection.objects.link(rig)
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    upper = arm_data.edit_bones.new("Upper Arm")
    upper.head, upper.tail = (0, 0, 0), (1, 0, 0)
    fore = arm_data.edit_bones.new("Fore.Arm")
    fore.head, fore.tail = (1, 0, 0), (2, 0, 0)
    fore.parent, fore.use_connect = upper, True
    helper = arm_data.edit_bones.new("Helper")  # not a deform bone: no joint by default
    helper.head, helper.tail = (0, 0, 1), (0, 0, 1.5)
    helper.use_deform = False
    bpy.ops.object.mode_set(mode="OBJECT")

    bpy.ops.mesh.primitive_cylinder_add(vertices=8, radius=0.2, depth=2.0, location=(1, 0, 0),
                                        rotation=(0, math.pi / 2, 0))
    body = bpy.context.active_object
    body.name = f"{name}Skin"
    bpy.ops.object.transform_apply(location=True, rotation=True, scale=True)
    bpy.ops.object.mode_set(mode="EDIT")
    bpy.ops.mesh.subdivide(number_cuts=7)
    bpy.ops.object.mode_set(mode="OBJECT")
    co = np.array([v.co for v in body.data.vertices])
    blend = np.clip((co[:, 0] - 0.7) / 0.6, 0, 1)  # a soft elbow between x = 0.7 and 1.3
    g_upper, g_fore = body.vertex_groups.new(name="Upper Arm"), body.vertex_groups.new(name="Fore.Arm")
    body.vertex_groups.new(name="Helper").add([0], 1.0, "REPLACE")  # ignored: not a deform bone
    for i, b in enumerate(blend):
        if b < 1:
            g_upper.add([i], float(1 - b), "REPLACE")
        if b > 0:
            g_fore.add([i], float(b) * 0.5, "REPLACE")  # unnormalised on purpose
    mod = body.modifiers.new("Armature", "ARMATURE")
    mod.object = rig
    mod.use_deform_preserve_volume = preserve_volume
    if parented:
        body.parent = rig

    bone = rig.pose.bones["Fore.Arm"]
    bone.rotation_mode = "XYZ"
    scene.frame_start, scene.frame_end = 1, frames
    bone.rotation_euler = (0, 0, 0)
    bone.keyframe_insert("rotation_euler", frame=1)
    bone.rotation_euler = (0, 0, math.radians(90))
    bone.keyframe_insert("rotation_euler", frame=frames)
    upper_bone = rig.pose.bones["Upper Arm"]
    upper_bone.scale = (1, 1, 1)
    upper_bone.keyframe_insert("location", frame=1)
    upper_bone.location = (0, 0.3, 0)
    upper_bone.keyframe_insert("location", frame=frames)
    return rig, body


def _mesh_path(stage, name):
    for prim in stage.Traverse():
        if prim.IsA(UsdGeom.Mesh) and prim.GetParent().GetName() == name:
            return str(prim.GetPath())
    raise AssertionError(f"no mesh for {name}")


def _check(scene, export, meshes, frames, **options):
    expected = expected_points(scene, meshes, frames)
    report, stage = export(**options)
    paths = {obj.name: _mesh_path(stage, obj.name) for obj in meshes}
    assert max_distance(stage, expected, paths) < TOLERANCE
    return report, stage


def test_two_bone_arm_bending_over_48_frames(scene, export):
    rig, body = _arm(scene)
    report, stage = _check(scene, export, [body], [1, 12, 30, 48])
    root = stage.GetPrimAtPath("/Root/Arm")
    assert root.IsA(UsdSkel.Root)
    skeleton = UsdSkel.Skeleton(stage.GetPrimAtPath("/Root/Arm/Arm"))
    assert list(skeleton.GetJointsAttr().Get()) == ["Upper_Arm", "Upper_Arm/Fore_Arm"]  # no Helper
    anim = UsdSkel.Animation(stage.GetPrimAtPath("/Root/Arm/Arm/Animation"))
    assert UsdSkel.BindingAPI(skeleton).GetAnimationSourceRel().GetTargets() == [anim.GetPath()]
    samples = anim.GetRotationsAttr().GetTimeSamples()
    assert samples[0] == 1 and samples[-1] == 48
    assert anim.GetScalesAttr().GetTimeSamples() == []  # never changes: a plain value
    mesh = stage.GetPrimAtPath(_mesh_path(stage, body.name))
    binding = UsdSkel.BindingAPI(mesh)
    assert binding.GetSkeletonRel().GetTargets() == [skeleton.GetPath()]
    assert binding.GetJointIndicesPrimvar().GetElementSize() == 2
    assert binding.GetJointIndicesPrimvar().GetInterpolation() == UsdGeom.Tokens.vertex
    weights = np.array(binding.GetJointWeightsPrimvar().Get()).reshape(-1, 2)
    assert np.allclose(weights.sum(axis=1), 1.0, atol=1e-6)
    assert not UsdGeom.Mesh(mesh).GetPointsAttr().GetTimeSamples()  # the rest shape, once
    # The mesh moves with its armature: its bind transform is one value, Blender's relative matrix.
    bind = binding.GetGeomBindTransformAttr()
    assert not bind.GetTimeSamples()
    assert np.allclose(np.array(bind.Get()).T, np.array(rig.matrix_world.inverted() @ body.matrix_world), atol=1e-9)
    assert not [w for w in report.warnings if "sheared" in w]  # no joint is: bones are rotated and moved
    assert report.compliant, report.findings


def test_poses_decomposed_in_several_batches_and_held_at_the_end(scene, export, monkeypatch):
    from miris_export.writers import skeleton

    monkeypatch.setattr(skeleton, "_BATCH", 3)  # two joints: a batch every two poses
    rig, body = _arm(scene, frames=11)
    scene.frame_end = 15  # the pose held over the last four frames
    report, stage = _check(scene, export, [body], [1, 4, 7, 11, 13, 15])
    anim = UsdSkel.Animation(stage.GetPrimAtPath("/Root/Arm/Arm/Animation"))
    assert anim.GetRotationsAttr().GetTimeSamples() == list(range(1, 12))


def test_preserve_volume_is_dual_quaternion(scene, export):
    rig, body = _arm(scene, frames=6, preserve_volume=True)
    _, stage = _check(scene, export, [body], [1, 3, 6])
    binding = UsdSkel.BindingAPI(stage.GetPrimAtPath(_mesh_path(stage, body.name)))
    assert binding.GetSkinningMethodAttr().Get() == UsdSkel.Tokens.dualQuaternion


def test_mesh_not_child_of_its_armature(scene, export):
    rig, body = _arm(scene, frames=6, parented=False)
    rig.location = (0.5, -1, 0.2)
    body.location = (0, 2, 0)
    body.keyframe_insert("location", frame=1)
    body.location = (0, 2.5, 0.5)
    body.keyframe_insert("location", frame=6)
    report, stage = _check(scene, export, [body], [1, 4, 6])
    assert stage.GetPrimAtPath(f"/Root/{body.name}").IsA(UsdSkel.Root)
    assert report.compliant, report.findings


def test_scaled_rotated_armature_under_a_parent(scene, export):
    rig, body = _arm(scene, frames=6)
    parent = bpy.data.objects.new("Carrier", None)
    scene.collection.objects.link(parent)
    parent.location, parent.rotation_euler, parent.scale = (1, 2, 3), (0.3, 0.2, 1.0), (2, 2, 2)
    rig.parent = parent
    rig.rotation_euler, rig.scale = (0, 0.5, 0.4), (1.5, 1.5, 1.5)
    scene.unit_settings.scale_length = 0.01  # centimetres: the file is in metres
    report, _ = _check(scene, export, [body], [1, 4, 6])  # skinned points where Blender puts them
    assert report.compliant, report.findings


def _bones(scene, name, count):
    """An armature object `name` with `count` bones in a chain along +Z, and a triangle parented to it."""
    rig = bpy.data.objects.new(name, bpy.data.armatures.new(name))
    scene.collection.objects.link(rig)
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    for i in range(count):
        bone = rig.data.edit_bones.new(f"Bone{i}")
        bone.head, bone.tail = (0, 0, i), (0, 0, i + 1)
    bpy.ops.object.mode_set(mode="OBJECT")
    mesh = bpy.data.meshes.new(f"{name}Mesh")
    mesh.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    child = bpy.data.objects.new(f"{name}Child", mesh)
    scene.collection.objects.link(child)
    child.parent = rig
    return rig


def test_armatures_with_no_bone_and_one_bone(scene, export):
    _bones(scene, "Bare", 0)
    _bones(scene, "Single", 1)
    _, stage = export(animation=False)
    bare = stage.GetPrimAtPath("/Root/Bare")
    assert bare.GetTypeName() == "Xform"  # nothing to skin with: a plain Xform, no Skeleton under it
    assert [child.GetName() for child in bare.GetChildren()] == ["BareChild"]
    assert stage.GetPrimAtPath("/Root/Single").IsA(UsdSkel.Root)
    assert list(UsdSkel.Skeleton(stage.GetPrimAtPath("/Root/Single/Single")).GetJointsAttr().Get()) == ["Bone0"]


def test_sheared_joint_is_reported(scene, export):
    rig, body = _arm(scene, frames=3)
    rig.data.bones["Fore.Arm"].inherit_scale = "NONE"  # under a non-uniform scale: a shear relative to it
    rig.pose.bones["Upper Arm"].scale = (1, 2, 1)
    report, _ = export()
    assert "/Root/Arm/Arm: some joints are sheared relative to their parent (a non-uniform scale); UsdSkel " \
           "joints hold no shear, so it is left out" in report.warnings


def test_shape_keys_under_the_armature(scene, export):
    rig, body = _arm(scene, frames=6)
    body.shape_key_add(name="Basis")
    bulge = body.shape_key_add(name="Bulge")
    for i, v in enumerate(body.data.vertices):
        bulge.data[i].co = v.co * 1.0 + v.normal * 0.1
    bulge.value = 0.0
    bulge.keyframe_insert("value", frame=1)
    bulge.value = 1.0
    bulge.keyframe_insert("value", frame=6)
    _, stage = _check(scene, export, [body], [1, 3, 6])
    points = UsdGeom.Mesh(stage.GetPrimAtPath(_mesh_path(stage, body.name))).GetPointsAttr()
    assert points.GetTimeSamples()[0] == 1 and len(points.GetTimeSamples()) > 1


def test_ik_constraint_is_baked(scene, export):
    rig, body = _arm(scene, frames=6)
    target = bpy.data.objects.new("Target", None)
    scene.collection.objects.link(target)
    target.location = (2, 0, 0)
    target.keyframe_insert("location", frame=1)
    target.location = (1.2, 0.6, 0.5)
    target.keyframe_insert("location", frame=6)
    ik = rig.pose.bones["Fore.Arm"].constraints.new("IK")
    ik.target, ik.chain_count = target, 2
    report, stage = _check(scene, export, [body], [1, 3, 6])  # skinned points follow the IK
    animation = next(UsdSkel.Animation(p) for p in stage.Traverse() if p.IsA(UsdSkel.Animation))
    assert len(animation.GetRotationsAttr().GetTimeSamples()) > 1  # the solved pose, baked per frame
    assert report.compliant, report.findings


def test_modifier_after_the_armature_falls_back_with_a_report_line(scene, export):
    rig, body = _arm(scene, frames=4)
    body.modifiers.new("Wobble", "DISPLACE").strength = 0.05
    report, stage = _check(scene, export, [body], [1, 4])
    lines = [w for w in report.warnings if w.startswith(f"{body.name}: armature deformation")]
    assert lines == [f"{body.name}: armature deformation written as point samples, not skinned: the Wobble "
                     "modifier comes after the Armature modifier"]
    mesh = stage.GetPrimAtPath(_mesh_path(stage, body.name))
    assert not mesh.HasAPI(UsdSkel.BindingAPI)
    assert UsdGeom.Mesh(mesh).GetPointsAttr().GetTimeSamples()


def test_skeletons_off_gives_point_samples(scene, export):
    rig, body = _arm(scene, frames=3)
    _, stage = _check(scene, export, [body], [1, 3], skeletons=False)
    assert not [p for p in stage.Traverse() if p.IsA(UsdSkel.Root) or p.IsA(UsdSkel.Skeleton)]


def test_all_bones_become_joints_when_asked(scene, export):
    rig, body = _arm(scene, frames=3)
    _, stage = _check(scene, export, [body], [1, 3], deform_bones_only=False)
    joints = list(UsdSkel.Skeleton(stage.GetPrimAtPath("/Root/Arm/Arm")).GetJointsAttr().Get())
    assert joints == ["Helper", "Upper_Arm", "Upper_Arm/Fore_Arm"]


def test_joints_held_while_others_move_keep_blenders_pose(scene, export):
    """A joint and its parent that never move while the arm bends: each frame's joint matrices, composed
    by UsdSkel, are Blender's pose bone matrices."""
    rig, body = _arm(scene, frames=5)
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    tip = rig.data.edit_bones.new("Tip")
    tip.head, tip.tail = (0, 0.2, 1.5), (0, 0.2, 2.0)
    tip.parent, tip.use_deform = rig.data.edit_bones["Helper"], False
    bpy.ops.object.mode_set(mode="OBJECT")
    _, stage = export(deform_bones_only=False)
    skeleton = UsdSkel.Skeleton(stage.GetPrimAtPath("/Root/Arm/Arm"))
    query = UsdSkel.Cache().GetSkelQuery(skeleton)
    bones = [token.split("/")[-1] for token in skeleton.GetJointsAttr().Get()]
    assert sorted(bones) == ["Fore_Arm", "Helper", "Tip", "Upper_Arm"]
    names = {"Helper": "Helper", "Tip": "Tip", "Upper_Arm": "Upper Arm", "Fore_Arm": "Fore.Arm"}
    for frame in range(1, 6):
        scene.frame_set(frame)
        written = np.array(query.ComputeJointSkelTransforms(frame))
        for joint, matrix in zip(bones, written):
            expected = np.array(rig.pose.bones[names[joint]].matrix).T  # USD's row vectors
            assert np.allclose(matrix, expected, atol=1e-5), (frame, joint)


def test_scene_left_as_it_was(scene, export):
    rig, body = _arm(scene, frames=3)
    export()
    assert body.modifiers["Armature"].show_viewport and body.modifiers["Armature"].show_render


def _world_points(obj):
    evaluated = obj.evaluated_get(bpy.context.evaluated_depsgraph_get())
    co = np.empty(len(evaluated.data.vertices) * 3, np.float32)
    evaluated.data.vertices.foreach_get("co", co)
    world = np.array(evaluated.matrix_world)
    return co.reshape(-1, 3) @ world[:3, :3].T + world[:3, 3]


def test_blenders_usd_importer_reads_back_an_animated_armature(scene, tmp_path):
    import miris_export

    rig, body = _arm(scene, frames=12)
    expected = {}
    for frame in (1, 6, 12):
        scene.frame_set(frame)
        expected[frame] = _world_points(body)
    scene.frame_set(1)
    miris_export.export(str(tmp_path / "arm.usdc"))

    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.usd_import(filepath=str(tmp_path / "arm.usdc"))
    imported = bpy.context.scene
    armature = next(o for o in imported.objects if o.type == "ARMATURE")
    assert [b.name for b in armature.data.bones] == ["Upper_Arm", "Fore_Arm"]
    assert armature.animation_data is not None and armature.animation_data.action is not None
    mesh = next(o for o in imported.objects if o.type == "MESH")
    assert [m.object for m in mesh.modifiers if m.type == "ARMATURE"] == [armature]
    for frame, points in expected.items():  # Blender's own skinning of the file puts the arm where it was
        imported.frame_set(frame)
        assert np.abs(_world_points(mesh) - points).max() < TOLERANCE, frame


def _envelopes(scene, rig, body):
    body.modifiers["Armature"].use_bone_envelopes = True


def _unweighted(scene, rig, body):
    body.vertex_groups["Upper Arm"].remove([0])


def _hidden_armature(scene, rig, body):
    rig.hide_render = True


def _two_armatures(scene, rig, body):
    body.modifiers.new("Armature.001", "ARMATURE").object = rig


@pytest.mark.parametrize("setup, reason", [
    (_envelopes, "the Armature modifier uses bone envelopes"),
    (_unweighted, "1 vertex(es) have no weight of a deform bone (UsdSkel would move them to the origin)"),
    (_hidden_armature, "its armature Arm is not exported"),
    (_two_armatures, "several Armature modifiers"),
], ids=["envelopes", "unweighted", "armature-not-exported", "two-armatures"])
def test_fallbacks_name_their_reason(scene, export, setup, reason):
    rig, body = _arm(scene, frames=3)
    setup(scene, rig, body)
    report, stage = _check(scene, export, [body], [1, 3])
    assert f"{body.name}: armature deformation written as point samples, not skinned: {reason}" in report.warnings
    assert not stage.GetPrimAtPath(_mesh_path(stage, body.name)).HasAPI(UsdSkel.BindingAPI)


def test_modifier_before_the_armature_and_a_loose_vertex(scene, export):
    """A Mirror modifier before the Armature modifier doubles the vertices (weights follow them); a
    loose vertex is dropped from the points and the weights alike."""
    rig, body = _arm(scene, frames=3)
    for v in body.data.vertices:
        v.co.y += 0.5
    body.data.vertices.add(1)
    body.vertex_groups["Upper Arm"].add([len(body.data.vertices) - 1], 1.0, "REPLACE")
    mirror = body.modifiers.new("Mirror", "MIRROR")
    mirror.use_axis = (False, True, False)
    body.modifiers.move(1, 0)
    _, stage = _check(scene, export, [body], [1, 3])
    mesh = stage.GetPrimAtPath(_mesh_path(stage, body.name))
    points = UsdGeom.Mesh(mesh).GetPointsAttr().Get()
    assert len(points) == 2 * (len(body.data.vertices) - 1)
    assert len(UsdSkel.BindingAPI(mesh).GetJointWeightsPrimvar().Get()) == 2 * len(points)


def test_current_frame_only_gives_plain_values(scene, export):
    rig, body = _arm(scene, frames=3)
    scene.frame_set(3)
    _, stage = _check(scene, export, [body], [3], animation=False)
    anim = UsdSkel.Animation(stage.GetPrimAtPath("/Root/Arm/Arm/Animation"))
    assert anim.GetRotationsAttr().GetTimeSamples() == [] and anim.GetRotationsAttr().Get() is not None


def test_instanced_rig_keeps_point_samples(scene, export):
    from helpers import new_collection

    rig, body = _arm(scene, frames=3)
    rig_collection = new_collection(scene, "RigCollection", rig, body)
    holder = bpy.data.objects.new("Holder", None)
    holder.instance_type, holder.instance_collection = "COLLECTION", rig_collection
    holder.location = (0, 5, 0)
    scene.collection.objects.link(holder)
    report, stage = export()
    assert (f"{body.name}: armature deformation written as point samples, not skinned: it is instanced, and "
            "its copies are written as they are evaluated") in report.warnings
    meshes = [p for p in stage.Traverse() if p.IsA(UsdGeom.Mesh)]
    assert len(meshes) == 2 and not any(p.HasAPI(UsdSkel.BindingAPI) for p in meshes)
    assert all(UsdGeom.Mesh(p).GetPointsAttr().GetTimeSamples() for p in meshes)
    assert report.compliant, report.findings


def test_operator_and_command_line_take_the_options(scene, tmp_path):
    import miris_export
    from miris_export.cli import parser

    rig, body = _arm(scene, frames=2)
    miris_export.register()
    try:
        target = tmp_path / "op.usda"
        assert bpy.ops.export_scene.miris_usd(filepath=str(target), skeletons=False) == {"FINISHED"}
    finally:
        miris_export.unregister()
    stage = Usd.Stage.Open(str(target))
    assert not [p for p in stage.Traverse() if p.IsA(UsdSkel.Skeleton)]
    args = parser().parse_args(["in.blend", "-o", "out.usdc", "--no-skeletons", "--no-deform-bones-only"])
    assert args.skeletons is False and args.deform_bones_only is False


@pytest.mark.parametrize("timeless_modifier", [False, True], ids=["armature only", "mirror before"])
def test_mesh_held_then_moving_off_its_armature_keeps_its_place_until_it_moves(scene, export, timeless_modifier):
    """The mesh holds still for frames 1-4, then moves away from its armature: the bind transform holds
    its value up to frame 4 (a sample at the held run's end) and the skinned points match Blender's
    at every frame. With a Mirror modifier before the Armature modifier the mesh is read every frame."""
    rig, body = _arm(scene, frames=6, parented=False)
    if timeless_modifier:
        mirror = body.modifiers.new("Mirror", "MIRROR")
        mirror.use_axis = (False, True, False)
        body.modifiers.move(1, 0)
    for frame, y in ((1, 2.0), (4, 2.0), (6, 3.0)):
        body.location = (0, y, 0)
        body.keyframe_insert("location", frame=frame)
    _, stage = _check(scene, export, [body], [1, 2, 3, 4, 5, 6])
    bind = UsdSkel.BindingAPI(stage.GetPrimAtPath(_mesh_path(stage, body.name))).GetGeomBindTransformAttr()
    assert bind.Get(4) == bind.Get(1) != bind.Get(5)


@pytest.mark.parametrize("kind", ["MIRROR", "WELD"])
def test_modifier_before_the_armature_keyed_on_midway(scene, export, kind):
    """A Mirror (more vertices) or Weld (fewer) modifier before the Armature modifier, off at the
    first frame and keyed on at the third: the weights are read again to follow the vertices."""
    rig, body = _arm(scene, frames=4)
    for v in body.data.vertices:
        v.co.y += 0.5
    modifier = body.modifiers.new(kind.title(), kind)
    if kind == "MIRROR":
        modifier.use_axis = (False, True, False)
    else:
        modifier.merge_threshold = 0.15  # merges the closest vertices of the subdivided cylinder
    body.modifiers.move(1, 0)
    for frame, shown in ((1, False), (2, False), (3, True)):
        modifier.show_viewport = modifier.show_render = shown
        modifier.keyframe_insert("show_viewport", frame=frame)
        modifier.keyframe_insert("show_render", frame=frame)
    scene.frame_set(1)
    _, stage = _check(scene, export, [body], [1, 2, 3, 4])
    mesh = stage.GetPrimAtPath(_mesh_path(stage, body.name))
    weights = UsdSkel.BindingAPI(mesh).GetJointWeightsPrimvar().GetAttr()
    count = len(body.data.vertices)
    before, after = (len(weights.Get(t)) // 2 for t in (1, 3))
    assert before == count and (after == 2 * count if kind == "MIRROR" else after < count)


def test_a_bone_scaled_to_zero_at_one_frame_keeps_blenders_pose(scene, export):
    """At the frame where the upper arm is scaled to nothing, its child's joint matrix cannot be solved
    relative to it: it is made relative with a pseudo-inverse, and UsdSkel composes Blender's pose back."""
    rig, body = _arm(scene, frames=3)
    upper = rig.pose.bones["Upper Arm"]
    for frame, size in ((1, 1.0), (2, 0.0), (3, 1.0)):
        upper.scale = (size, size, size)
        upper.keyframe_insert("scale", frame=frame)
    report, stage = export()
    skeleton = UsdSkel.Skeleton(stage.GetPrimAtPath("/Root/Arm/Arm"))
    query = UsdSkel.Cache().GetSkelQuery(skeleton)
    bones = {"Upper_Arm": "Upper Arm", "Fore_Arm": "Fore.Arm"}
    for frame in range(1, 4):
        scene.frame_set(frame)
        written = np.array(query.ComputeJointSkelTransforms(frame))
        for token, matrix in zip(skeleton.GetJointsAttr().Get(), written):
            expected = np.array(rig.pose.bones[bones[token.split("/")[-1]]].matrix).T  # USD's row vectors
            assert np.allclose(matrix, expected, atol=1e-5), (frame, token)


def test_an_unkeyed_pose_in_pose_mode_is_exported_and_the_mode_kept(scene, export):
    """Pose mode poses the bones themselves: the export, left in it, writes the pose as Blender shows it."""
    rig, body = _arm(scene, frames=3)
    scene.frame_set(2)
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="POSE")
    rig.animation_data_clear()
    rig.pose.bones["Fore.Arm"].rotation_euler = (0, 0, math.radians(40))
    _check(scene, export, [body], [2], animation=False)
    assert rig.mode == "POSE" and bpy.context.mode == "POSE"
    bpy.ops.object.mode_set(mode="OBJECT")
