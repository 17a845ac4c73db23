"""An animated scene for chunked exports, and a comparison of two written layers spec by spec."""
import math

import bpy
from pxr import Sdf

from test_skeletons import _arm


def animated_scene(scene, frames=60):
    """Moving objects (one only in the first half), a deforming mesh, an object that appears at
    frame 25, one hidden from 45, one hidden until 23 but kept for its child, linked duplicates and
    collection instances appearing at 30 and 45 (instancing), an animated light, a skinned arm;
    frames 1-`frames`."""
    _arm(scene, frames=frames)
    scene.frame_start, scene.frame_end = 1, frames
    bpy.ops.mesh.primitive_cube_add(size=0.5)
    mover = bpy.context.active_object
    mover.name = "Mover"
    mover.keyframe_insert("location", frame=1)
    mover.location = (2, 1, 0)
    mover.keyframe_insert("location", frame=30)  # still from frame 30 on: constant in the last chunk
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=6, y_subdivisions=6, size=2, location=(0, 3, 0))
    wave = bpy.context.active_object
    wave.name = "Wave"
    wave.modifiers.new("Wave", "WAVE").height = 0.3
    for name, appear, vanish in (("Late", 25, None), ("Gone", 1, 45)):
        bpy.ops.mesh.primitive_ico_sphere_add(subdivisions=1, radius=0.3, location=(-2, 0, 0))
        obj = bpy.context.active_object
        obj.name = name
        for frame, hidden in ((1, appear > 1), (appear, False), (vanish, True)):
            if frame is not None:
                obj.hide_render = obj.hide_viewport = hidden
                obj.keyframe_insert("hide_render", frame=frame)
                obj.keyframe_insert("hide_viewport", frame=frame)
    # Hidden until frame 23 and kept for its child meanwhile: its data comes later than its Xform.
    bpy.ops.mesh.primitive_cone_add(vertices=6, radius1=0.3, depth=0.5, location=(0, -2, 0))
    holder = bpy.context.active_object
    holder.name = "Holder"
    for frame, hidden in ((1, True), (23, False)):
        holder.hide_render = holder.hide_viewport = hidden
        holder.keyframe_insert("hide_render", frame=frame)
        holder.keyframe_insert("hide_viewport", frame=frame)
    bpy.ops.mesh.primitive_cube_add(size=0.2, location=(0, -2, 1))
    bpy.context.active_object.name = "Held"
    bpy.context.active_object.parent = holder
    # Instancing: linked duplicates (one moving) and a collection instance appearing at frame 30.
    bpy.ops.mesh.primitive_cylinder_add(vertices=8, radius=0.2, depth=0.4, location=(3, 0, 0))
    twin = bpy.context.active_object
    twin.name = "Twin"
    other = twin.copy()  # shares the mesh
    other.name = "OtherTwin"
    scene.collection.objects.link(other)
    other.keyframe_insert("location", frame=10)
    other.location = (3, 2, 0)
    other.keyframe_insert("location", frame=50)
    kit = bpy.data.collections.new("Kit")
    scene.collection.children.link(kit)
    piece = bpy.data.objects.new("Piece", bpy.data.meshes.new("PieceMesh"))
    piece.data.from_pydata([(0, 0, 0), (0.3, 0, 0), (0, 0.3, 0)], [], [(0, 1, 2)])
    kit.objects.link(piece)
    bpy.context.view_layer.layer_collection.children["Kit"].exclude = True  # only its instances render
    for i, frame in enumerate((30, 45)):
        holder = bpy.data.objects.new(f"KitCopy{i}", None)
        holder.instance_type, holder.instance_collection = "COLLECTION", kit
        holder.location = (-3, i, 0)
        scene.collection.objects.link(holder)
        for f, hidden in ((1, True), (frame, False)):
            holder.hide_render = holder.hide_viewport = hidden
            holder.keyframe_insert("hide_render", frame=f)
            holder.keyframe_insert("hide_viewport", frame=f)
    light_data = bpy.data.lights.new("Lamp", "POINT")
    light = bpy.data.objects.new("Lamp", light_data)
    scene.collection.objects.link(light)
    light.location = (0, 0, 3)
    light_data.energy = 100.0
    light_data.keyframe_insert("energy", frame=10)
    light_data.energy = 500.0
    light_data.keyframe_insert("energy", frame=50)
    light.rotation_euler = (0, 0, math.radians(10))
    scene.frame_set(1)


def layer_specs(layer):
    """{path: what the spec holds}: each prim's type and metadata, each attribute's type, default and
    time samples, each relationship's targets."""
    specs = {}

    def visit(prim):
        specs[str(prim.path)] = ("prim", prim.typeName, prim.specifier, dict(prim.customData),
                                 prim.GetInfo("apiSchemas") if prim.HasInfo("apiSchemas") else None,
                                 prim.GetInfo("instanceable") if prim.HasInfo("instanceable") else None)
        for attr in prim.attributes:
            samples = [(t, layer.QueryTimeSample(attr.path, t)) for t in layer.ListTimeSamplesForPath(attr.path)]
            specs[str(attr.path)] = ("attribute", str(attr.typeName), attr.default, samples,
                                     dict(attr.customData), attr.GetInfo("interpolation")
                                     if attr.HasInfo("interpolation") else None)
        for rel in prim.relationships:
            specs[str(rel.path)] = ("relationship", list(rel.targetPathList.GetAddedOrExplicitItems()))
        for child in prim.nameChildren:
            visit(child)

    for prim in layer.pseudoRoot.nameChildren:
        visit(prim)
    return specs


def assert_same_layers(single_path, stitched_path):
    """Every spec of the two files identical, and the same time range."""
    single, stitched = Sdf.Layer.FindOrOpen(str(single_path)), Sdf.Layer.FindOrOpen(str(stitched_path))
    for key in ("startTimeCode", "endTimeCode", "timeCodesPerSecond", "framesPerSecond"):
        assert getattr(stitched, key) == getattr(single, key), key
    a, b = layer_specs(single), layer_specs(stitched)
    assert sorted(a) == sorted(b), sorted(set(a) ^ set(b))
    different = [path for path in a if a[path] != b[path]]
    assert not different, [(p, a[p], b[p]) for p in different[:3]]
    return a
