"""Skinned points computed from a written file with usd-core's UsdSkel, and Blender's evaluated points,
both in USD world space, to compare."""
import bpy
import numpy as np
from pxr import Usd, UsdGeom, UsdSkel, Vt

from helpers import AXIS


def usd_world_points(stage, time):
    """{mesh prim path: (N, 3) world points at `time`}: skinned by UsdSkel where a mesh is skinned,
    else its points through its transform."""
    result = {}
    cache = UsdSkel.Cache()
    for prim in stage.Traverse():
        if not prim.IsA(UsdSkel.Root):
            continue
        root = UsdSkel.Root(prim)
        cache.Populate(root, Usd.TraverseInstanceProxies())
        for binding in cache.ComputeSkelBindings(root, Usd.TraverseInstanceProxies()):
            skel = binding.GetSkeleton()
            xforms = cache.GetSkelQuery(skel).ComputeSkinningTransforms(time)
            skel_world = np.array(UsdGeom.Xformable(skel.GetPrim()).ComputeLocalToWorldTransform(time))
            for target in binding.GetSkinningTargets():
                mesh = UsdGeom.Mesh(target.GetPrim())
                points = Vt.Vec3fArray(mesh.GetPointsAttr().Get(time))
                assert target.ComputeSkinnedPoints(xforms, points, time)
                result[str(mesh.GetPath())] = _transform(np.array(points, np.float64), skel_world)
    for prim in stage.Traverse():
        if prim.IsA(UsdGeom.Mesh) and str(prim.GetPath()) not in result:
            world = np.array(UsdGeom.Xformable(prim).ComputeLocalToWorldTransform(time))
            result[str(prim.GetPath())] = _transform(np.array(UsdGeom.Mesh(prim).GetPointsAttr().Get(time)), world)
    return result


def _transform(points, row_matrix):
    return points @ row_matrix[:3, :3] + row_matrix[3, :3]


def blender_world_points(obj):
    """The evaluated (deformed) points of a mesh object in USD world space, at the current frame."""
    evaluated = obj.evaluated_get(bpy.context.evaluated_depsgraph_get())
    mesh = evaluated.data
    co = np.empty(len(mesh.vertices) * 3, np.float32)
    mesh.vertices.foreach_get("co", co)
    scale = bpy.context.scene.unit_settings.scale_length or 1.0
    world = AXIS @ np.diag([scale, scale, scale, 1.0]) @ np.array(evaluated.matrix_world, np.float64)
    corner_vert = np.empty(len(mesh.loops), np.int32)
    mesh.loops.foreach_get("vertex_index", corner_vert)
    used = np.zeros(len(mesh.vertices), bool)
    used[corner_vert] = True  # the export leaves out vertices no face uses
    return co.reshape(-1, 3)[used].astype(np.float64) @ world[:3, :3].T + world[:3, 3]


def expected_points(scene, objects, frames):
    """{frame: {object name: USD world points}} from Blender, the scene left at its first frame."""
    result = {}
    for frame in frames:
        scene.frame_set(frame)
        result[frame] = {obj.name: blender_world_points(obj) for obj in objects}
    scene.frame_set(frames[0])
    return result


def max_distance(stage, expected, paths):
    """The largest distance between Blender's points and the file's, over frames and meshes
    (`paths`: object name -> mesh prim path)."""
    worst = 0.0
    for frame, by_name in expected.items():
        written = usd_world_points(stage, frame)
        for name, points in by_name.items():
            got = written[paths[name]]
            assert got.shape == points.shape, (name, got.shape, points.shape)
            worst = max(worst, float(np.linalg.norm(got - points, axis=1).max()))
    return worst
