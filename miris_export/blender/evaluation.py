"""Render or viewport evaluation of the scene, with or without hidden objects.

Blender's Python API evaluates the scene only as the viewport shows it, so
for the export each viewport setting is set to what the export asks for and
put back afterwards: for render evaluation, modifier visibility, subdivision
levels, curve resolution and object and collection visibility take their
render values (and objects hidden in the viewport only are shown, as a render
ignores that); to include hidden objects, nothing is hidden.
"""
from contextlib import contextmanager


def _settings(scene, mode, include_hidden):
    """(data-block, property, value) for every viewport setting the export needs changed."""
    import bpy

    changes = []
    objects = list(scene.objects)
    render = mode == "RENDER"
    for obj in objects:
        if include_hidden:
            changes.append((obj, "hide_viewport", False))
        elif render:
            changes.append((obj, "hide_viewport", obj.hide_render))
        if render:
            for mod in obj.modifiers:
                changes.append((mod, "show_viewport", mod.show_render))
                if mod.type in {"SUBSURF", "MULTIRES"}:
                    changes.append((mod, "levels", mod.render_levels))
    for collection in bpy.data.collections:
        if include_hidden:
            changes.append((collection, "hide_viewport", False))
        elif render:
            changes.append((collection, "hide_viewport", collection.hide_render))
    if render:
        for curve in {obj.data for obj in objects if obj.type in {"CURVE", "SURFACE", "FONT"}}:
            if curve.render_resolution_u:
                changes.append((curve, "resolution_u", curve.render_resolution_u))
            if getattr(curve, "render_resolution_v", 0):
                changes.append((curve, "resolution_v", curve.render_resolution_v))
        for meta in {obj.data for obj in objects if obj.type == "META"}:
            changes.append((meta, "resolution", meta.render_resolution))
    return [(owner, prop, value) for owner, prop, value in changes if getattr(owner, prop) != value]


@contextmanager
def evaluation(scene, view_layer, mode, include_hidden=False):
    """Within this context the evaluated depsgraph shows the scene as `mode` ("RENDER" or
    "VIEWPORT") does, hidden objects included when asked."""
    changed, unhidden = [], []
    try:
        for owner, prop, value in _settings(scene, mode, include_hidden):
            old = getattr(owner, prop)
            try:
                setattr(owner, prop, value)
            except (AttributeError, TypeError, RuntimeError):  # linked data is read-only
                continue
            changed.append((owner, prop, old))
        if mode == "RENDER" or include_hidden:
            unhidden = [obj for obj in view_layer.objects if obj.hide_get(view_layer=view_layer)]
            for obj in unhidden:
                obj.hide_set(False, view_layer=view_layer)
        yield
    finally:
        for obj in unhidden:
            obj.hide_set(True, view_layer=view_layer)
        for owner, prop, value in reversed(changed):
            setattr(owner, prop, value)
