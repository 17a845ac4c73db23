"""Leaving the user's scene as it was: current frame, edit-mode data, no leftover data-blocks."""
from contextlib import contextmanager


@contextmanager
def preserved(context):
    import bpy

    scene = context.scene
    frame, subframe = scene.frame_current, scene.frame_subframe
    # Edit-mode changes live outside the mesh until flushed; the export must see them.
    for obj in getattr(context, "objects_in_mode", None) or ():
        if obj.mode == "EDIT":
            obj.update_from_editmode()
    meshes_before = set(bpy.data.meshes)
    try:
        yield
    finally:
        if (scene.frame_current, scene.frame_subframe) != (frame, subframe):
            scene.frame_set(frame, subframe=subframe)
        for mesh in set(bpy.data.meshes) - meshes_before:
            if mesh.users == 0:
                bpy.data.meshes.remove(mesh)
