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


def _written(attr):
    """What an attribute (a Usd attribute or its spec) holds in its layer: its default and its time
    samples, as exact bytes."""
    from miris_export.usd.sparse import attribute_spec

    def exact(value):
        return None if value is None else np.asarray(value).tobytes()
    spec = attribute_spec(attr)
    layer, path = spec.layer, spec.path
    return (exact(spec.default if spec.HasDefaultValue() else None),
            [(t, exact(layer.QueryTimeSample(path, t))) for t in layer.ListTimeSamplesForPath(path)])


_EPS = np.float32(4e-7)  # a change USD's sparse writer drops (within 1e-6 of the value last written)
_A = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], np.float32)
_SEQUENCES = {
    "held": [_A] * 5,
    "moves every frame": [_A + i for i in range(6)],
    "holds then moves": [_A, None, _A, None, _A + 1, _A + 2, None, _A + 2, _A + 3, None],
    "moves, holds, moves": [_A, _A + 1, None, None, _A + 2, None, _A + 2 + _EPS, None, _A + 3],
    "drifts in small steps": [_A, _A, _A + _EPS, _A + 2 * _EPS, _A + 3 * _EPS, _A + 4 * _EPS, _A + 1, _A + 1 + _EPS],
    "signed zeros": [_A, -_A, _A, _A + 1, -(_A + 1) + 2 * (_A + 1), None],
    "not finite": [_A, np.where(_A > 3, np.nan, _A), np.where(_A > 3, np.nan, _A), None, _A, np.full_like(_A, np.inf),
                   np.full_like(_A, np.inf), None],
    "changes length": [_A, _A, _A[:1], None, _A[:1], _A, _A[:0], _A[:0], None],
    "first change within float noise": [_A, _A + _EPS, None, _A + _EPS, _A + 1],
}


@pytest.mark.parametrize("flush_every", [0, 1, 3])
@pytest.mark.parametrize("name", list(_SEQUENCES))
def test_gathered_values_are_written_as_the_frame_by_frame_sampler_writes_them(name, flush_every):
    """A GatheredAttribute, written out at the end or every few frames, leaves in the layer exactly what
    SampledAttribute and USD's sparse writer leave for the same values (None: the value held)."""
    from pxr import Usd, Vt

    from miris_export.usd.sparse import GatheredAttribute, SampledAttribute

    stage = Usd.Stage.CreateInMemory()
    sampled = SampledAttribute(UsdGeom.Mesh.Define(stage, "/A").CreatePointsAttr())
    gathered = GatheredAttribute(UsdGeom.Mesh.Define(stage, "/B").CreatePointsAttr())
    for frame, value in enumerate(_SEQUENCES[name], start=3):
        for writer in (sampled, gathered):
            if value is None:
                writer.hold(frame)
            else:
                writer.set(Vt.Vec3fArray.FromNumpy(value), frame)
        if flush_every and frame % flush_every == 0:
            gathered.flush()
    gathered.flush()
    assert _written(gathered.attr) == _written(sampled.attr)


def _keyed_cube():
    """A cube whose shape key holds and moves as KEYS says."""
    cube, raised = cube_with_shape_key()
    key_linear(cube.data.shape_keys, 'key_blocks["Raised"].value', [(f, (v + 2.0) / 6.0) for f, v in KEYS],
               set_value=lambda v: setattr(raised, "value", v))
    return cube


def _evaluated_at(obj, frame):
    bpy.context.scene.frame_set(frame)
    return obj.evaluated_get(bpy.context.evaluated_depsgraph_get()).data


def test_shape_gathered_and_written_out_in_parts_matches_blender_at_every_frame(frames, export, monkeypatch):
    from miris_export.writers import mesh

    monkeypatch.setattr(mesh, "GATHER_BYTES", 200)  # a cube's points, extent and normals: out every few frames
    cube = _keyed_cube()
    _, stage = export()
    mesh_prim = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube"))
    for frame in frames:
        evaluated = _evaluated_at(cube, frame)
        expected = np.array([v.co for v in evaluated.vertices])
        assert np.allclose(array(mesh_prim.GetPointsAttr(), frame), expected, atol=1e-6), frame
        assert np.allclose(array(mesh_prim.GetExtentAttr(), frame), [expected.min(0), expected.max(0)], atol=1e-6)
        source = {"vertex": evaluated.vertex_normals, "uniform": evaluated.polygon_normals,
                  "faceVarying": evaluated.corner_normals}[mesh_prim.GetNormalsInterpolation()]
        normals = np.empty(len(source) * 3, np.float32)
        source.foreach_get("vector", normals)
        assert np.allclose(array(mesh_prim.GetNormalsAttr(), frame), normals.reshape(-1, 3), atol=1e-6), frame
    assert 0 < mesh_prim.GetPointsAttr().GetNumTimeSamples() < len(frames)


def test_moving_shape_with_points_that_are_not_numbers_keeps_them_out_of_its_extent(frames, export):
    cube = _keyed_cube()
    for block in cube.data.shape_keys.key_blocks:
        block.data[0].co = (float("nan"), 0.0, float("inf"))
    report, stage = export()
    mesh_prim = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube"))
    for frame in frames:
        evaluated = _evaluated_at(cube, frame)
        finite = np.array([v.co for v in evaluated.vertices][1:])
        assert np.isnan(array(mesh_prim.GetPointsAttr(), frame)[0, 0])
        assert np.allclose(array(mesh_prim.GetExtentAttr(), frame), [finite.min(0), finite.max(0)], atol=1e-6), frame
    assert "/Root/Cube/Cube: 1 point(s) are not finite numbers (NaN or infinite); written as they are, " \
        "and left out of the extent" in report.warnings


@pytest.mark.parametrize("name", [n for n in _SEQUENCES if n != "not finite"])
def test_sampled_values_read_back_at_every_frame_as_set_or_held(name):
    """Holds are told to USD's sparse writer only at the next change: every frame still reads back the
    value set or held there (within the sparse writer's 1e-6), and a held run ends where it ended."""
    from pxr import Usd, Vt

    from miris_export.usd.sparse import SampledAttribute

    stage = Usd.Stage.CreateInMemory()
    sampled = SampledAttribute(UsdGeom.Mesh.Define(stage, "/A").CreatePointsAttr())
    expected, last = {}, None
    for frame, value in enumerate(_SEQUENCES[name], start=3):
        if value is None:
            sampled.hold(frame)
        else:
            sampled.set(Vt.Vec3fArray.FromNumpy(value), frame)
            last = value
        expected[frame] = last
    for frame, value in expected.items():
        read = np.array(sampled.attr.Get(frame), np.float32).reshape(-1, 3)
        assert read.shape == value.shape and np.allclose(read, value, rtol=0, atol=1e-6), frame


@pytest.mark.parametrize("values", [(50.0, 50.0, 60.0, 60.0, 50.0), (35.0, 35.0), (35.0, 50.0, 50.0, 20.0)])
def test_a_sampler_started_on_a_spec_writes_what_it_writes_on_the_usd_attribute(values):
    """A value kept as the spec's default until it changes, then sampled through USD's sparse writer,
    ends as it does written through the Usd attribute from the start: focalLength's fallback (50)
    included, which the sparse writer takes as the value before the first sample."""
    from pxr import Sdf, Usd

    from miris_export.usd.sparse import SampledAttribute

    stage = Usd.Stage.CreateInMemory()
    usd = SampledAttribute(UsdGeom.Camera.Define(stage, "/A").CreateFocalLengthAttr())
    prim = stage.GetRootLayer().GetPrimAtPath(UsdGeom.Camera.Define(stage, "/B").GetPath())
    spec = Sdf.AttributeSpec(prim, "focalLength", Sdf.ValueTypeNames.Float)
    on_spec = SampledAttribute(spec, usd=lambda: stage.GetAttributeAtPath(spec.path))
    for frame, value in enumerate(values, start=1):
        usd.set(value, frame)
        on_spec.set(value, frame)
    written = _written(on_spec.attr)
    assert written == _written(usd.attr)
    assert (written[0] is None) == (len(set(values)) > 1)  # a default only while the value never changed
