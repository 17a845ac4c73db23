"""Sparse time samples read back equal Blender's values at every frame: held runs, their ends, changes.

Each animation holds a value, moves, holds again and moves again, so USD's linear interpolation
between the samples kept is exact only if every frame that matters was written."""
import math

import bpy
import numpy as np
import pytest
from pxr import UsdGeom, UsdLux

from helpers import array, blender_world_in_usd, cube_with_shape_key, usd_world

# (frame, value) keys, linear between them: held 1-5, moving 5-9, held 9-12, moving 12-14, held to 16.
KEYS = [(1, 0.0), (5, 0.0), (9, 4.0), (12, 4.0), (14, -2.0), (16, -2.0)]
FRAMES = range(1, 17)


def key_linear(id_data, path, keys, index=-1, set_value=None, interpolation="LINEAR"):
    for frame, value in keys:
        set_value(value)
        id_data.keyframe_insert(path, index=index, frame=frame)
    action = id_data.animation_data.action
    for curve in _fcurves(action):
        for point in curve.keyframe_points:
            point.interpolation = interpolation


def _fcurves(action):
    if hasattr(action, "fcurves"):  # Blender 4.2
        return action.fcurves
    return [c for layer in action.layers for strip in layer.strips for bag in strip.channelbags for c in bag.fcurves]


@pytest.fixture
def frames(scene):
    scene.frame_start, scene.frame_end = FRAMES[0], FRAMES[-1]
    return FRAMES


def test_transform_that_holds_then_moves_matches_blender_at_every_frame(frames, export):
    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.object
    key_linear(cube, "location", KEYS, index=0, set_value=lambda x: setattr(cube.location, "x", x))
    _, stage = export()
    prim = stage.GetPrimAtPath("/Root/Cube")
    for frame in frames:
        bpy.context.scene.frame_set(frame)
        assert np.allclose(usd_world(prim, frame), blender_world_in_usd(cube), atol=1e-6), frame
    # Not one sample a frame: held frames inside a run are left to interpolation.
    op = UsdGeom.Xformable(prim).GetOrderedXformOps()[0].GetAttr()
    assert op.GetNumTimeSamples() < len(frames)


@pytest.mark.parametrize("sign", [1.0, -1.0])  # the first change a rise, or a fall
def test_light_energy_that_holds_then_moves_matches_blender_at_every_frame(frames, export, sign):
    bpy.ops.object.light_add(type="POINT")
    light = bpy.context.object.data
    key_linear(light, "energy", [(f, 100.0 + 25.0 * sign * v) for f, v in KEYS],
               set_value=lambda e: setattr(light, "energy", e))
    _, stage = export()
    intensity = UsdLux.SphereLight(stage.GetPrimAtPath("/Root/Point/Point")).GetIntensityAttr()
    for frame in frames:
        bpy.context.scene.frame_set(frame)
        # With inputs:normalize, a point light of P watts has intensity P / pi.
        assert intensity.Get(frame) == pytest.approx(light.energy / math.pi, rel=1e-6), frame
    assert intensity.GetNumTimeSamples() < len(frames)


def test_shape_key_that_holds_then_moves_matches_blender_at_every_frame(frames, export):
    cube, raised = cube_with_shape_key()
    key_linear(cube.data.shape_keys, 'key_blocks["Raised"].value', [(f, (v + 2.0) / 6.0) for f, v in KEYS],
               set_value=lambda v: setattr(raised, "value", v))
    _, stage = export()
    points = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube")).GetPointsAttr()
    for frame in frames:
        bpy.context.scene.frame_set(frame)
        evaluated = cube.evaluated_get(bpy.context.evaluated_depsgraph_get()).data
        expected = np.array([v.co for v in evaluated.vertices])
        assert np.allclose(array(points, frame), expected, atol=1e-6), frame
    assert 0 < points.GetNumTimeSamples() < len(frames)


def test_values_that_jump_between_holds_match_blender_at_every_frame(frames, export):
    """Steps (constant interpolation): each change is a single frame, so the frame before it must be
    written for itself, not found among the samples of a neighbouring change."""
    steps = [(1, 0.0), (5, 3.0), (9, 1.0), (14, 2.0)]
    cube, raised = cube_with_shape_key(axis=0)
    key_linear(cube, "location", steps, index=2, set_value=lambda z: setattr(cube.location, "z", z),
               interpolation="CONSTANT")
    key_linear(cube.data.shape_keys, 'key_blocks["Raised"].value', [(f, v / 3.0) for f, v in steps],
               set_value=lambda v: setattr(raised, "value", v), interpolation="CONSTANT")
    _, stage = export()
    prim = stage.GetPrimAtPath("/Root/Cube")
    points = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube")).GetPointsAttr()
    for frame in frames:
        bpy.context.scene.frame_set(frame)
        assert np.allclose(usd_world(prim, frame), blender_world_in_usd(cube), atol=1e-6), frame
        evaluated = cube.evaluated_get(bpy.context.evaluated_depsgraph_get()).data
        assert np.allclose(array(points, frame), [v.co for v in evaluated.vertices], atol=1e-6), frame
