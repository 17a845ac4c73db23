"""numpy's OpenBLAS runs on one thread during an export, and gets its thread count back after;
the transforms it solves are Blender's."""
import bpy
import numpy as np
import pytest
from helpers import blender_world_in_usd, usd_world
from pxr import Usd

from miris_export import blas, hooks

pytestmark = pytest.mark.skipif(blas._controls() is None, reason="numpy here does not bundle OpenBLAS")


def test_an_export_runs_openblas_on_one_thread_and_puts_its_count_back(scene, export):
    get, set_ = blas._controls()
    set_(2)
    parent = bpy.data.objects.new("Parent", None)
    scene.collection.objects.link(parent)
    bpy.ops.mesh.primitive_cube_add()
    child = bpy.context.object
    child.name = "Child"
    child.parent = parent
    child.location = (1.0, 2.0, 3.0)
    scene.frame_start, scene.frame_end = 1, 3
    for frame, angle in ((1, 0.0), (3, 1.2)):
        parent.rotation_euler.z = angle
        parent.keyframe_insert("rotation_euler", frame=frame)
    counts = []

    class Threads(hooks.ExportHook):
        def on_stage(self, stage, context):
            counts.append(get())

        def on_save(self, stage, report, context):
            counts.append(get())

    hook = Threads()
    hooks.register(hook)
    try:
        _, stage = export()
    finally:
        hooks.unregister(hook)
    assert counts == [1, 1]
    assert get() == 2
    prim = stage.GetPrimAtPath("/Root/Parent/Child")
    for frame in (1, 2, 3):
        scene.frame_set(frame)
        assert np.allclose(usd_world(prim, Usd.TimeCode(frame)), blender_world_in_usd(child), atol=1e-5)
