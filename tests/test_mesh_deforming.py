"""A deforming mesh re-read frame by frame: points and normals of every frame, loose vertices left out."""
import bpy
import numpy as np
from pxr import UsdGeom


def _evaluated(obj):
    depsgraph = bpy.context.evaluated_depsgraph_get()
    mesh = obj.evaluated_get(depsgraph).data
    points = np.array([v.co for v in mesh.vertices], np.float32)
    normals = np.array([v.normal for v in mesh.vertices], np.float32)
    return points, normals


def test_wave_points_and_normals_each_frame_without_loose_vertex(scene, export):
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=6, y_subdivisions=6, size=2.0)
    obj = bpy.context.active_object
    obj.data.vertices.add(1)  # a loose vertex, not in any face
    obj.data.vertices[-1].co = (5.0, 5.0, 5.0)
    obj.data.shade_smooth()
    wave = obj.modifiers.new("Wave", "WAVE")
    wave.height, wave.width, wave.speed = 0.5, 0.7, 0.25
    scene.frame_start, scene.frame_end = 1, 3

    expected = {}
    for frame in (1, 2, 3):
        scene.frame_set(frame)
        expected[frame] = _evaluated(obj)
    scene.frame_set(1)

    report, stage = export()
    mesh = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Grid/Grid"))
    assert mesh.GetNormalsInterpolation() == UsdGeom.Tokens.vertex
    assert mesh.GetPointsAttr().GetTimeSamples() == [1.0, 2.0, 3.0]
    for frame, (points, normals) in expected.items():
        written = np.array(mesh.GetPointsAttr().Get(frame))
        assert written.shape == (len(points) - 1, 3)  # the loose vertex (last) is dropped
        assert np.allclose(written, points[:-1], atol=1e-6), frame
        assert np.allclose(np.array(mesh.GetNormalsAttr().Get(frame)), normals[:-1], atol=1e-4), frame
    assert not np.allclose(np.array(mesh.GetPointsAttr().Get(1)), np.array(mesh.GetPointsAttr().Get(3)))
    assert any("1 vertex(es)" in line for line in report.warnings)
