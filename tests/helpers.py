"""Small helpers the tests share: Blender-to-USD conversions to compare against."""
import numpy as np

# Blender world (Z up) -> USD world (Y up): (x, y, z) -> (x, z, -y)
AXIS = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, -1, 0, 0], [0, 0, 0, 1]], float)


def usd_world(prim, time):
    """A prim's local-to-world matrix at `time`, in column-vector convention like Blender's."""
    from pxr import UsdGeom

    return np.array(UsdGeom.Xformable(prim).ComputeLocalToWorldTransform(time)).T


def blender_world_in_usd(obj):
    return AXIS @ np.array(obj.matrix_world)


def array(attr, time=None):
    from pxr import Usd

    value = attr.Get(Usd.TimeCode.Default() if time is None else time)
    return None if value is None else np.array(value)


def new_collection(scene, name, *objects):
    """A collection linked to the scene, holding `objects` (taken out of their other collections)."""
    import bpy

    collection = bpy.data.collections.new(name)
    scene.collection.children.link(collection)
    for obj in objects:
        for other in obj.users_collection:
            other.objects.unlink(obj)
        collection.objects.link(obj)
    return collection


def cube_with_shape_key(axis=2):
    """(cube, its "Raised" shape key block): the key moves every vertex 1 along `axis`."""
    import bpy

    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.object
    cube.shape_key_add(name="Basis")
    raised = cube.shape_key_add(name="Raised")
    for point in raised.data:
        point.co[axis] += 1.0
    return cube, raised
