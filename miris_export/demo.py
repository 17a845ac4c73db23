"""A small built-in scene for a first export: a hierarchy, smooth and flat meshes, a modifier,
an animated object, a material, a sun and a camera."""
import math


def build_demo_scene():
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 48

    bpy.ops.mesh.primitive_plane_add(size=10.0)
    bpy.context.object.name = "Ground"

    bpy.ops.object.empty_add(location=(0.0, 0.0, 1.0))
    turntable = bpy.context.object
    turntable.name = "Turntable"
    turntable.rotation_euler.z = 0.0
    turntable.keyframe_insert("rotation_euler", index=2, frame=1)
    turntable.rotation_euler.z = math.pi
    turntable.keyframe_insert("rotation_euler", index=2, frame=48)

    bpy.ops.mesh.primitive_uv_sphere_add(radius=0.8, location=(-1.5, 0.0, 0.0))
    sphere = bpy.context.object
    sphere.name = "Sphere"
    bpy.ops.object.shade_smooth()
    bpy.ops.mesh.primitive_monkey_add(size=1.2, location=(1.5, 0.0, 0.0))
    monkey = bpy.context.object
    monkey.name = "Suzanne"
    monkey.modifiers.new("Subdivision", "SUBSURF").levels = 1
    for child in (sphere, monkey):
        child.parent = turntable
        child.matrix_parent_inverse = turntable.matrix_world.inverted()

    material = bpy.data.materials.new("Clay")
    if bpy.app.version < (5, 0, 0):  # from 5.0 materials always use their nodes (`use_nodes` is deprecated)
        material.use_nodes = True
    bsdf = material.node_tree.nodes.get("Principled BSDF")
    if bsdf is not None:
        bsdf.inputs["Base Color"].default_value = (0.8, 0.45, 0.3, 1.0)
        bsdf.inputs["Roughness"].default_value = 0.6
    sphere.data.materials.append(material)
    monkey.data.materials.append(material)

    bpy.ops.object.light_add(type="SUN", rotation=(math.radians(40), 0.0, math.radians(30)))
    bpy.context.object.data.energy = 3.0
    bpy.ops.object.camera_add(location=(0.0, -8.0, 3.0), rotation=(math.radians(75), 0.0, 0.0))
    scene.camera = bpy.context.object
    return scene
