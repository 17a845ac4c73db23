"""Render or viewport evaluation of the scene.

Blender's Python API evaluates the scene for the viewport only, so render
evaluation sets each viewport setting to its render value for the export and
puts every one back afterwards: modifier visibility, subdivision levels, curve
resolution, object and collection visibility.
"""
from contextlib import contextmanager


def _render_settings(scene):
    """(data-block, property, render value) for every viewport setting that differs at render time."""
    import bpy

    changes = []
    objects = list(scene.objects)
    for obj in objects:
        changes.append((obj, "hide_viewport", obj.hide_render))
        for mod in obj.modifiers:
            changes.append((mod, "show_viewport", mod.show_render))
            if mod.type in {"SUBSURF", "MULTIRES"}:
                changes.append((mod, "levels", mod.render_levels))
    for collection in bpy.data.collections:
        changes.append((collection, "hide_viewport", collection.hide_render))
    for curve in {obj.data for obj in objects if obj.type in {"CURVE", "SURFACE", "FONT"}}:
        if curve.render_resolution_u:
            changes.append((curve, "resolution_u", curve.render_resolution_u))
        if getattr(curve, "render_resolution_v", 0):
            changes.append((curve, "resolution_v", curve.render_resolution_v))
    for meta in {obj.data for obj in objects if obj.type == "META"}:
        changes.append((meta, "resolution", meta.render_resolution))
    return [(owner, prop, value) for owner, prop, value in changes if getattr(owner, prop) != value]


@contextmanager
def evaluation(scene, mode):
    """Within this context the evaluated depsgraph shows the scene as `mode` ("RENDER" or "VIEWPORT") does."""
    changed = []
    try:
        if mode == "RENDER":
            for owner, prop, value in _render_settings(scene):
                old = getattr(owner, prop)
                try:
                    setattr(owner, prop, value)
                except (AttributeError, TypeError, RuntimeError):  # linked data is read-only
                    continue
                changed.append((owner, prop, old))
        yield
    finally:
        for owner, prop, value in reversed(changed):
            setattr(owner, prop, value)
