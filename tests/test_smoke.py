import numpy as np
from pxr import UsdGeom


def test_cube_points_after_axis_change(scene, export):
    import bpy

    bpy.ops.mesh.primitive_cube_add(size=2.0, location=(1.0, 2.0, 3.0))
    report, stage = export(animation=False)
    mesh = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube"))
    points = np.array(mesh.GetPointsAttr().Get())
    world = np.array(mesh.ComputeLocalToWorldTransform(0))
    world_points = np.c_[points, np.ones(len(points))] @ world
    # Blender (x, y, z) is USD (x, z, -y)
    assert np.allclose(world_points[:, :3].min(axis=0), [0.0, 2.0, -3.0])
    assert np.allclose(world_points[:, :3].max(axis=0), [2.0, 4.0, -1.0])
    assert report.prims["Mesh"] == 1
