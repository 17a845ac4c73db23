"""Transforms as translate, orient and scale ops, each sampled on its own; a matrix only for shear."""
import math

import bpy
import numpy as np
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
    still = _object("Still", holder)
    far = _object("Far", holder, location=(5000.5, 0, 0))
    report, stage = export()
    paths = {mover: "/Root/Holder/Mover", spinner: "/Root/Holder/Spinner", still: "/Root/Holder/Still",
             far: "/Root/Holder/Far"}
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
    quats = [spinner_ops["xformOp:orient"].Get(t) for t in range(1, 25)]
    # Consecutive samples in one hemisphere: interpolation turns the short way, as Blender does.
    assert all(Gf.Dot(a, b) > 0 for a, b in zip(quats, quats[1:]))
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
    for name, angle in (("Small", 1e-3), ("Large", 1.0)):
        obj = bpy.data.objects.new(name, mesh)  # linked duplicates: copies of one prototype
        scene.collection.objects.link(obj)
        obj.parent, obj.location, obj.rotation_euler.z = holder, (2, 0, 0), angle
        copies[obj] = f"/Root/Holder/{name}"
    _, stage = export(animation=False)
    for path in copies.values():
        assert stage.GetPrimAtPath(path).IsInstanceable()
    _assert_world(scene, stage, copies, [scene.frame_current])
    # A small angle needs a double quaternion to come back exactly (USD reads it from acos(w)).
    small, large = (_ops(stage, path)["xformOp:orient"] for path in copies.values())
    assert small.GetTypeName() == "quatd" and large.GetTypeName() == "quatf"
