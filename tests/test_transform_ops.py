"""Transforms as translate, orient and scale ops, each sampled on its own; a matrix only for shear."""
import math

import bpy
import numpy as np
import pytest
from mathutils import Matrix
from pxr import Gf, Usd, UsdGeom

from helpers import AXIS, usd_world


def _object(name, parent=None, **values):
    """A one-triangle mesh object (empties without children are not exported)."""
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.parent = parent
    for key, value in values.items():
        setattr(obj, key, value)
    return obj


def _ops(stage, path):
    return {op.GetOpName(): op for op in UsdGeom.Xformable(stage.GetPrimAtPath(path)).GetOrderedXformOps()}


def _assert_world(scene, stage, objects, frames):
    for frame in frames:
        scene.frame_set(frame)
        for obj, path in objects.items():
            expected = AXIS @ np.array(obj.matrix_world)
            got = usd_world(stage.GetPrimAtPath(path), frame)
            assert np.abs(got - expected).max() <= 1e-6 * max(1.0, np.abs(expected).max()), (obj.name, frame)


def test_each_op_sampled_only_where_it_changes(scene, export):
    scene.frame_start, scene.frame_end = 1, 24
    holder = _object("Holder", rotation_euler=(-math.pi / 2, 0, 0))
    mover = _object("Mover", holder, location=(1, 2, 3), rotation_euler=(0.2, 0.4, 0.6), scale=(2, 2, 2))
    mover.keyframe_insert("location", frame=1)
    mover.location = (5, 2, 3)
    mover.keyframe_insert("location", frame=10)  # still from frame 10 on
    spinner = _object("Spinner", holder)
    spinner.keyframe_insert("rotation_euler", frame=1)
    spinner.rotation_euler.z = 2.5 * math.pi  # over a full turn: the quaternion changes hemisphere
    spinner.keyframe_insert("rotation_euler", frame=24)
    whirler = _object("Whirler", holder, rotation_euler=(0.3, 0.2, 0))  # six turns: many changes of hemisphere
    whirler.keyframe_insert("rotation_euler", frame=1)
    whirler.rotation_euler.z = 12 * math.pi
    whirler.keyframe_insert("rotation_euler", frame=24)
    backer = _object("Backer", holder, location=(-1, -2, -3))  # only negative coordinates
    backer.keyframe_insert("location", frame=1)
    backer.location.x = -4
    backer.keyframe_insert("location", frame=24)
    still = _object("Still", holder)
    far = _object("Far", holder, location=(5000.5, 0, 0))
    report, stage = export()
    paths = {mover: "/Root/Holder/Mover", spinner: "/Root/Holder/Spinner", still: "/Root/Holder/Still",
             far: "/Root/Holder/Far", whirler: "/Root/Holder/Whirler", backer: "/Root/Holder/Backer"}
    _assert_world(scene, stage, paths, range(1, 25))
    mover_ops = _ops(stage, paths[mover])
    assert list(mover_ops) == ["xformOp:translate", "xformOp:orient", "xformOp:scale"]
    assert mover_ops["xformOp:translate"].GetTimeSamples() == list(range(1, 11))
    # Near its parent a float translation is exact enough; far away, doubles.
    assert mover_ops["xformOp:translate"].GetAttr().GetTypeName() == "float3"
    assert _ops(stage, paths[far])["xformOp:translate"].GetAttr().GetTypeName() == "double3"
    assert mover_ops["xformOp:orient"].GetNumTimeSamples() == 0
    assert mover_ops["xformOp:scale"].Get() == Gf.Vec3f(2, 2, 2)
    spinner_ops = _ops(stage, paths[spinner])
    assert list(spinner_ops) == ["xformOp:orient"]  # no translate, no scale: identity throughout
    # Floats where every frame's angle comes back exactly; doubles where one passes near no turn at all.
    assert _ops(stage, paths[whirler])["xformOp:orient"].GetTypeName() == "quatf"
    assert spinner_ops["xformOp:orient"].GetTypeName() == "quatd"  # it passes a full turn
    for path in (paths[spinner], paths[whirler]):
        quats = [_ops(stage, path)["xformOp:orient"].Get(t) for t in range(1, 25)]
        # Consecutive samples in one hemisphere: interpolation turns the short way, as Blender does.
        assert all(Gf.Dot(a, b) > 0 for a, b in zip(quats, quats[1:])), path
    scene.frame_set(12)
    before = np.array(spinner.matrix_world)
    scene.frame_set(13)
    after = np.array(spinner.matrix_world)
    half = usd_world(stage.GetPrimAtPath(paths[spinner]), 12.5)
    angle = lambda m: math.atan2(m[1, 0], m[0, 0])  # noqa: E731 (about Blender's Z)
    middle = angle(AXIS.T @ half)
    assert abs(math.remainder(middle - (angle(before) + angle(after)) / 2, 2 * math.pi)) < 1e-5
    assert not UsdGeom.Xformable(stage.GetPrimAtPath(paths[still])).GetOrderedXformOps()
    assert report.matrices == 0


def test_sheared_transform_falls_back_to_a_matrix(scene, export):
    parent = _object("Parent", scale=(1, 3, 1))
    child = _object("Child", parent, rotation_euler=(0, 0, math.pi / 4), location=(1, 0, 0))
    # A non-uniform scale in the parent inverse, applied after the child's rotation: a shear.
    child.matrix_parent_inverse = Matrix.Diagonal((1, 3, 1, 1))
    report, stage = export(animation=False)
    ops = _ops(stage, "/Root/Parent/Child")
    assert list(ops) == ["xformOp:transform"]
    assert report.matrices == 1 and "matrix transform" in report.summary()
    assert "xformOp:transform" not in _ops(stage, "/Root/Parent")
    _assert_world(scene, stage, {parent: "/Root/Parent", child: "/Root/Parent/Child"}, [scene.frame_current])


def test_blender_importer_reads_the_transforms_back(scene, export, tmp_path):
    scene.frame_start, scene.frame_end = 1, 10
    bpy.ops.mesh.primitive_cube_add(size=1.0, location=(1, 2, 3))
    cube = bpy.context.object
    cube.name = "Cube"
    cube.keyframe_insert("location", frame=1)
    cube.keyframe_insert("rotation_euler", frame=1)
    cube.keyframe_insert("scale", frame=1)
    cube.location, cube.rotation_euler, cube.scale = (4, -1, 2), (0.5, 1.0, 2.5), (1, 2, 0.5)
    cube.keyframe_insert("location", frame=10)
    cube.keyframe_insert("rotation_euler", frame=10)
    cube.keyframe_insert("scale", frame=10)
    expected = {}
    for frame in (1, 4, 10):
        scene.frame_set(frame)
        expected[frame] = np.array(cube.matrix_world)
    export("out.usdc")
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.usd_import(filepath=str(tmp_path / "out.usdc"))
    imported = [obj for obj in bpy.context.scene.objects if obj.type == "MESH"]
    assert len(imported) == 1
    for frame, matrix in expected.items():
        bpy.context.scene.frame_set(frame)
        assert np.allclose(np.array(imported[0].matrix_world), matrix, atol=1e-5), frame


def test_static_copies_take_the_same_ops(scene, export):
    mesh = bpy.data.meshes.new("Shared")
    mesh.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    holder = _object("Holder", rotation_euler=(math.pi / 2, 0, 0))  # undoes the Y-up rotation
    copies = {}
    for name, angle, location, scale in (("Small", 1e-3, (2, 0, 0), 1), ("Large", 1.0, (2, 0, 0), 1),
                                         ("Scaled", 1e-3, (2, 0, 0), 2), ("Centred", 1.0, (0, 0, 0), 1),
                                         ("Moved", 0.0, (2, 0, 0), 1), ("Far", 1.0, (5000.5, 0, 0), 1),
                                         ("Big", 1.0, (2, 0, 0), 100), ("Back", 1.0, (-2, 0, 0), 1)):
        obj = bpy.data.objects.new(name, mesh)  # linked duplicates: copies of one prototype
        scene.collection.objects.link(obj)
        obj.parent, obj.location, obj.rotation_euler.z, obj.scale = holder, location, angle, (scale,) * 3
        copies[obj] = f"/Root/Holder/{name}"
    _, stage = export(animation=False)
    for path in copies.values():
        assert stage.GetPrimAtPath(path).IsInstanceable()
    _assert_world(scene, stage, copies, [scene.frame_current])
    ops = {obj.name: _ops(stage, path) for obj, path in copies.items()}
    # A small angle needs a double quaternion to come back exactly (USD reads it from acos(w)).
    assert ops["Small"]["xformOp:orient"].GetTypeName() == "quatd"
    assert ops["Large"]["xformOp:orient"].GetTypeName() == "quatf"
    assert ops["Big"]["xformOp:orient"].GetTypeName() == "quatf"  # exact enough for its size too
    # Only the ops that are not identity; a scaled copy keeps its small angle in doubles too.
    assert list(ops["Moved"]) == ["xformOp:translate"]
    assert "xformOp:translate" not in ops["Centred"]
    assert list(ops["Scaled"]) == ["xformOp:translate", "xformOp:orient", "xformOp:scale"]
    assert ops["Scaled"]["xformOp:orient"].GetTypeName() == "quatd"
    # Floats near the parent, doubles far away, as for animated objects.
    assert ops["Large"]["xformOp:translate"].GetTypeName() == "float3"
    assert ops["Far"]["xformOp:translate"].GetTypeName() == "double3"
    assert ops["Far"]["xformOp:translate"].Get() == Gf.Vec3d(5000.5, 0, 0)


def _turned(name, parent, axis, angle, **values):
    obj = _object(name, parent, rotation_mode="AXIS_ANGLE", **values)
    obj.rotation_axis_angle = (angle, *axis)
    return obj


# Axes on which each component of the quaternion is in turn the largest, and one with all negative.
AXES = [(1, 0.3, -0.2), (0.2, -1, 0.3), (-0.3, 0.2, 1), (-0.5, -0.6, -0.4)]


def test_rotations_about_any_axis_and_mirrors_come_back(scene, export):
    """Still objects turned far about each axis, mirrored ones, and objects turning from 0 to 170
    degrees, whose quaternions pass from one largest component to another."""
    holder = _object("Holder", rotation_euler=(math.pi / 2, 0, 0))  # undoes the Y-up rotation
    scene.frame_start, scene.frame_end = 1, 6
    objects = {}
    for i, axis in enumerate(AXES):
        for name, values in ((f"Still{i}", {}), (f"Mirror{i}", {"scale": (-1, 2, 1.5), "location": (i, 0, 1)}),
                             (f"Small{i}", {"scale": (0.5, -0.5, 0.8)})):  # a mirror that shrinks
            objects[_turned(name, holder, axis, 2.9, **values)] = f"/Root/Holder/{name}"
        turner = _turned(f"Turner{i}", holder, axis, 0.0)
        turner.keyframe_insert("rotation_axis_angle", frame=1)
        turner.rotation_axis_angle[0] = 2.95
        turner.keyframe_insert("rotation_axis_angle", frame=6)
        objects[turner] = f"/Root/Holder/Turner{i}"
        returner = _turned(f"Returner{i}", holder, axis, 2.9)  # from far turned back towards none
        returner.keyframe_insert("rotation_axis_angle", frame=1)
        returner.rotation_axis_angle[0] = 0.3
        returner.keyframe_insert("rotation_axis_angle", frame=6)
        objects[returner] = f"/Root/Holder/Returner{i}"
    scene.frame_set(1)
    report, stage = export()
    _assert_world(scene, stage, objects, range(1, 7))
    assert report.matrices == 0  # mirrors too are a rotation times a (negative) scale
    scene.frame_set(3)  # the turners part way
    report, stage = export("still.usda", animation=False)
    _assert_world(scene, stage, objects, [3])
    assert report.matrices == 0


def test_static_children_of_moving_parents_stay_static(scene, export):
    """A child still relative to its moving, turning parent has no samples despite the float noise of
    the matrices, near the origin or far away, and sheared too (one matrix op); a sheared child that
    moves a little each frame has a sample at each."""
    scene.frame_start, scene.frame_end = 1, 8
    still, moving = {}, {}
    for name, start in (("Near", (0.5, 0.2, 0.1)), ("Other", (-3, 1, 2))):
        parent = _object(name, location=start, rotation_euler=(0.1, 0.2, 0.3), scale=(1, 1.5, 1))
        parent.keyframe_insert("location", frame=1)
        parent.keyframe_insert("rotation_euler", frame=1)
        parent.location.x += 3.3
        parent.rotation_euler.z += 1.3
        parent.keyframe_insert("location", frame=8)
        parent.keyframe_insert("rotation_euler", frame=8)
        # Far from its parent, close to it (where the noise is larger than the translation itself).
        for kind, location in (("Far", (3000, -2000, 1000)), ("Close", (0.01, 0, 0))):
            plain = _object(f"{name}{kind}", parent, location=location, rotation_euler=(0.7, 0.5, 0.2))
            sheared = _object(f"{name}{kind}Sheared", parent, location=location, rotation_euler=(0, 0, 0.7))
            sheared.matrix_parent_inverse = Matrix.Diagonal((1, 3, 1, 1))  # a shear, as above
            still[plain], still[sheared] = f"/Root/{name}/{name}{kind}", f"/Root/{name}/{name}{kind}Sheared"
    nudged = _object("Nudged", scene.objects["Near"], rotation_euler=(0, 0, 0.7))
    nudged.matrix_parent_inverse = Matrix.Diagonal((1, 3, 1, 1))
    nudged.keyframe_insert("location", frame=1)
    nudged.location.x = 0.05  # 7 mm a frame
    nudged.keyframe_insert("location", frame=8)
    moving[nudged] = "/Root/Near/Nudged"
    report, stage = export()
    _assert_world(scene, stage, {**still, **moving}, range(1, 9))
    assert report.matrices == 5  # the four sheared children and the nudged one
    for obj, path in still.items():
        ops = _ops(stage, path)
        assert ops and not [name for name, op in ops.items() if op.GetNumTimeSamples()], obj.name
    assert list(_ops(stage, "/Root/Near/NearFarSheared")) == ["xformOp:transform"]
    assert _ops(stage, "/Root/Near/Nudged")["xformOp:transform"].GetTimeSamples() == list(range(1, 9))


def test_chunks_stitch_into_the_ops_of_a_single_export(scene, export, tmp_path):
    """Exported in two chunks (each writes whole matrices every frame) and stitched, the transforms
    get the ops and samples of a single export: a pause kept, a still child of a moving parent still."""
    import miris_export
    from miris_export.usd.sparse import CHUNK_KEY

    scene.frame_start, scene.frame_end = 1, 8
    mover = _object("Mover", location=(1, 2, 3), rotation_euler=(0.2, 0.4, 0.6))
    for frame, x in ((1, 1), (3, 1), (8, 4)):  # still until frame 3, then moving
        mover.location.x = x
        mover.keyframe_insert("location", frame=frame)
    child = _object("Child", mover, location=(0, 1, 0), rotation_euler=(0.3, 0, 0))
    sheared = _object("Sheared", mover, rotation_euler=(0, 0, 0.7), location=(1, 0, 0))
    sheared.matrix_parent_inverse = Matrix.Diagonal((1, 3, 1, 1))
    _object("Still", location=(0, 0, 2))
    paths = {mover: "/Root/Mover", child: "/Root/Mover/Child", sheared: "/Root/Mover/Sheared",
             scene.objects["Still"]: "/Root/Still"}
    scene.frame_set(1)
    _, single = export("single.usdc")
    chunks = []
    for start, end in ((1, 4), (5, 8)):
        chunks.append(str(tmp_path / f"chunk_{start}.usdc"))
        miris_export.export(chunks[-1], frame_start=start, frame_end=end, chunk_of=(1, 8), validate=False)
    assert miris_export.stitch(str(tmp_path / "stitched.usdc"), chunks).compliant
    stitched = Usd.Stage.Open(str(tmp_path / "stitched.usdc"))
    _assert_world(scene, stitched, paths, range(1, 9))
    for path in paths.values():
        for stage in (stitched, single):  # the chunk's record of which object a prim is for is gone
            assert CHUNK_KEY not in stage.GetPrimAtPath(path).GetCustomData(), path
        ops, expected = _ops(stitched, path), _ops(single, path)
        assert list(ops) == list(expected), path
        for name, op in ops.items():
            assert op.GetTimeSamples() == expected[name].GetTimeSamples(), (path, name)
    assert _ops(stitched, "/Root/Mover")["xformOp:translate"].GetTimeSamples() == [3, 4, 5, 6, 7, 8]
    assert list(_ops(stitched, "/Root/Mover/Sheared")) == ["xformOp:transform"]


def test_two_frames_are_two_samples(scene, export):
    scene.frame_start, scene.frame_end = 1, 2
    mover = _object("Mover", location=(1, 2, 3))
    mover.keyframe_insert("location", frame=1)
    mover.location = (2, 2, 3)
    mover.keyframe_insert("location", frame=2)
    _, stage = export()
    _assert_world(scene, stage, {mover: "/Root/Mover"}, [1, 2])
    assert _ops(stage, "/Root/Mover")["xformOp:translate"].GetTimeSamples() == [1, 2]


def test_objects_split_together_keep_their_own_hemispheres(scene, export):
    """The transforms of all objects are split into ops at once: each object's quaternions still
    start in the positive hemisphere and stay in one from sample to sample, whatever the object
    before it ended on (here a spin ending in the negative hemisphere)."""
    scene.frame_start, scene.frame_end = 1, 6
    objects = {}
    for name, start, end in (("A", 0.0, 2.5 * math.pi), ("B", 0.3, 0.9), ("C", 4.0, 5.0)):
        obj = _object(name, rotation_euler=(math.pi / 2, 0, start))
        obj.keyframe_insert("rotation_euler", frame=1)
        obj.rotation_euler.z = end
        obj.keyframe_insert("rotation_euler", frame=6)
        objects[obj] = f"/Root/{name}"
    report, stage = export()
    _assert_world(scene, stage, objects, range(1, 7))
    assert report.matrices == 0
    for path in objects.values():
        quats = [_ops(stage, path)["xformOp:orient"].Get(t) for t in range(1, 7)]
        assert quats[0].GetReal() >= 0, path
        assert all(Gf.Dot(a, b) > 0 for a, b in zip(quats, quats[1:])), path


def test_a_parent_scaled_to_zero_at_one_frame_keeps_its_children_in_place(scene, export):
    """Children's transforms are worked out for all frames at once; a parent flat at one frame
    (no inverse there) leaves the other frames' as exact, and that frame's still in place."""
    scene.frame_start, scene.frame_end = 1, 5
    parent = _object("Flat", location=(1, 2, 3))
    parent.keyframe_insert("scale", frame=1)
    parent.scale = (1, 0, 1)
    parent.keyframe_insert("scale", frame=3)
    parent.scale = (1, 1, 1)
    parent.keyframe_insert("scale", frame=5)
    child = _object("Child", parent, location=(0, 1, 0), rotation_euler=(0.3, 0.2, 0.1))
    child.keyframe_insert("location", frame=1)
    child.location = (2, 1, 0.5)
    child.keyframe_insert("location", frame=5)
    report, stage = export()
    _assert_world(scene, stage, {parent: "/Root/Flat", child: "/Root/Flat/Child"}, range(1, 6))
    assert report.matrices == 2  # flat at frame 3: neither is a rotation times a scale there


def test_an_object_that_starts_moving_late_is_sampled_from_then(scene, export):
    """Matrices are read at every frame and worked out at the end: a child still until frame 6,
    then moving, under a parent that turns only from frame 8: each op is sampled from its last
    still frame on."""
    scene.frame_start, scene.frame_end = 1, 10
    parent = _object("Late", location=(1, 0, 0))
    parent.keyframe_insert("rotation_euler", frame=8)
    parent.rotation_euler.z = 1.0
    parent.keyframe_insert("rotation_euler", frame=10)
    child = _object("Child", parent, location=(0, 1, 0))
    child.keyframe_insert("location", frame=6)
    child.location = (0, 3, 0)
    child.keyframe_insert("location", frame=10)
    report, stage = export()
    _assert_world(scene, stage, {parent: "/Root/Late", child: "/Root/Late/Child"}, range(1, 11))
    assert _ops(stage, "/Root/Late/Child")["xformOp:translate"].GetTimeSamples() == list(range(6, 11))
    assert _ops(stage, "/Root/Late")["xformOp:orient"].GetTimeSamples() == list(range(8, 11))


@pytest.mark.parametrize("count", [3, 12])  # decomposed one by one, or all at once
def test_still_objects_each_start_in_their_own_hemisphere(scene, export, count):
    """Still objects turned far one way and the other, and unturned ones: each writes a quaternion
    with a positive real part, whatever the object before it (whose quaternion, as the next one's
    neighbour in a sequence, would turn it into the other hemisphere)."""
    objects = {}
    for i in range(count):
        obj = _object(f"O{i}", rotation_euler=(math.pi / 2, 0, (0.0, 2.5, -2.5)[i % 3]), location=(i, 0, 0))
        objects[obj] = f"/Root/O{i}"
    report, stage = export(animation=False)
    _assert_world(scene, stage, objects, [scene.frame_current])
    assert report.matrices == 0
    for obj, path in objects.items():
        orient = _ops(stage, path)["xformOp:orient"].Get()
        assert orient.GetReal() > 0.99 if obj.rotation_euler.z == 0 else orient.GetReal() >= 0, path


def test_a_few_still_transforms_are_written_as_many_are():
    """Up to eight still matrices are decomposed in plain Python, more with numpy: both write the same
    values to the bit, for rotations of any angle (tiny ones in doubles), mirrors, shears (a matrix
    op) and translations near and far."""
    from pxr import Sdf

    from miris_export.writers.xform import author_static

    rng = np.random.default_rng(7)
    matrices = []
    for i in range(240):
        axis = rng.standard_normal(3)
        angle = rng.uniform(-3.1, 3.1) if i % 6 else rng.uniform(-1e-4, 1e-4)
        basis = np.array(Matrix.Rotation(angle, 3, axis / np.linalg.norm(axis)))
        basis = basis @ np.diag(rng.uniform(0.1, 5, 3) * (rng.choice([-1, 1], 3) if i % 5 == 1 else 1))
        if i % 7 == 3:
            basis = basis @ np.array([[1, 0.3, 0], [0, 1, 0], [0, 0, 1]])  # shear
        matrix = np.eye(4)
        matrix[:3, :3] = basis
        matrix[:3, 3] = rng.standard_normal(3) * (500 if i % 4 == 2 else 2)
        matrices.append(matrix)
    matrices = np.array(matrices)
    one, many = Sdf.Layer.CreateAnonymous(".usda"), Sdf.Layer.CreateAnonymous(".usda")
    one_specs = [Sdf.CreatePrimInLayer(one, f"/P{i}") for i in range(len(matrices))]
    many_specs = [Sdf.CreatePrimInLayer(many, f"/P{i}") for i in range(len(matrices))]
    sheared = sum(author_static([spec], matrices[i:i + 1]) for i, spec in enumerate(one_specs))
    assert sheared == author_static(many_specs, matrices) > 0
    assert one.ExportToString() == many.ExportToString()
