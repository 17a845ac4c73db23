"""Leaving the user's scene as it was: current frame, mode, no leftover data-blocks."""
from contextlib import contextmanager

_LIVE_MODES = {"OBJECT", "POSE"}  # modes whose edits are in the data as they are made


@contextmanager
def preserved(context):
    import bpy

    scene = context.scene
    frame, subframe = scene.frame_current, scene.frame_subframe
    # Edit, sculpt and paint modes keep changes outside the data until they are left;
    # the export must see them, so it runs in object mode and the mode is restored after.
    # Pose mode poses the bones themselves: it is left as it is.
    active = context.view_layer.objects.active
    mode = active.mode if active is not None else "OBJECT"
    if mode in _LIVE_MODES:
        mode = "OBJECT"  # nothing to restore
    else:
        bpy.ops.object.mode_set(mode="OBJECT")
    meshes_before = set(bpy.data.meshes)
    try:
        yield
    finally:
        if (scene.frame_current, scene.frame_subframe) != (frame, subframe):
            scene.frame_set(frame, subframe=subframe)
        for mesh in set(bpy.data.meshes) - meshes_before:
            if mesh.users == 0:
                bpy.data.meshes.remove(mesh)
        if mode != "OBJECT" and context.view_layer.objects.active == active:
            bpy.ops.object.mode_set(mode=mode)
