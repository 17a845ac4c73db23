"""Lights read back from the written file: type, each attribute, the documented intensity, orientation."""
import math

import numpy as np
import pytest
from pxr import Gf, Usd, UsdGeom, UsdLux

from miris_export.lights import units


def add_light(kind, name=None, energy=10.0, location=(0.0, 0.0, 0.0), rotation=(0.0, 0.0, 0.0), **props):
    import bpy

    data = bpy.data.lights.new(name or kind.title(), kind)
    data.energy = energy
    for key, value in props.items():
        setattr(data, key, value)
    obj = bpy.data.objects.new(name or kind.title(), data)
    obj.location = location
    obj.rotation_euler = rotation
    bpy.context.scene.collection.objects.link(obj)
    return obj


def world_direction(prim):
    """Where a light shines in USD world space: its local -Z through its world transform."""
    matrix = UsdGeom.Xformable(prim).ComputeLocalToWorldTransform(0)
    return np.array(matrix.TransformDir(Gf.Vec3d(0, 0, -1)).GetNormalized())


def test_downward_sun_points_along_minus_y(scene, export):
    add_light("SUN", energy=3.0, angle=math.radians(2.0), color=(1.0, 0.9, 0.8))
    report, stage = export(animation=False)
    sun = UsdLux.DistantLight(stage.GetPrimAtPath("/Root/Sun/Sun"))
    assert sun
    assert np.allclose(world_direction(sun), [0.0, -1.0, 0.0], atol=1e-6)
    assert sun.GetIntensityAttr().Get() == pytest.approx(3.0)  # irradiance, see lights/units.py
    assert sun.GetAngleAttr().Get() == pytest.approx(2.0)
    assert sun.GetNormalizeAttr().Get() is True
    assert sun.GetExposureAttr().Get() == pytest.approx(0.0)
    assert Gf.IsClose(sun.GetColorAttr().Get(), Gf.Vec3f(1.0, 0.9, 0.8), 1e-6)
    assert report.prims["DistantLight"] == 1


def test_tilted_sun_direction_after_axis_change(scene, export):
    # Rotated 90 degrees about Blender's X, a sun shines along Blender +Y, which is USD -Z.
    add_light("SUN", rotation=(math.radians(90.0), 0.0, 0.0))
    _, stage = export(animation=False)
    assert np.allclose(world_direction(stage.GetPrimAtPath("/Root/Sun/Sun")), [0.0, 0.0, -1.0], atol=1e-6)


def test_point_light(scene, export):
    add_light("POINT", energy=1000.0, location=(1.0, 2.0, 3.0), shadow_soft_size=0.25, color=(0.2, 0.4, 1.0))
    _, stage = export(animation=False)
    light = UsdLux.SphereLight(stage.GetPrimAtPath("/Root/Point/Point"))
    assert light
    assert light.GetIntensityAttr().Get() == pytest.approx(1000.0 / math.pi, rel=1e-6)
    assert light.GetRadiusAttr().Get() == pytest.approx(0.25)
    assert light.GetTreatAsPointAttr().Get() is False
    assert light.GetNormalizeAttr().Get() is True
    assert Gf.IsClose(light.GetColorAttr().Get(), Gf.Vec3f(0.2, 0.4, 1.0), 1e-6)
    assert np.allclose(np.array(light.GetExtentAttr().Get()), [[-0.25] * 3, [0.25] * 3])
    assert not light.GetPrim().HasAPI(UsdLux.ShapingAPI)
    t = UsdGeom.Xformable(light).ComputeLocalToWorldTransform(0).ExtractTranslation()
    assert np.allclose(t, [1.0, 3.0, -2.0])


def test_point_light_of_radius_zero_is_a_point(scene, export):
    add_light("POINT", energy=50.0, shadow_soft_size=0.0)
    _, stage = export(animation=False)
    light = UsdLux.SphereLight(stage.GetPrimAtPath("/Root/Point/Point"))
    assert light.GetRadiusAttr().Get() == 0.0
    assert light.GetTreatAsPointAttr().Get() is True
    assert light.GetIntensityAttr().Get() == pytest.approx(50.0 / math.pi, rel=1e-6)


def test_spot_light_cone(scene, export):
    add_light("SPOT", energy=200.0, spot_size=math.radians(45.0), spot_blend=0.3, shadow_soft_size=0.1)
    report, stage = export(animation=False)
    prim = stage.GetPrimAtPath("/Root/Spot/Spot")
    light = UsdLux.SphereLight(prim)
    assert light and prim.HasAPI(UsdLux.ShapingAPI)
    shaping = UsdLux.ShapingAPI(prim)
    assert shaping.GetShapingConeAngleAttr().Get() == pytest.approx(22.5, rel=1e-5)  # half of 45
    assert shaping.GetShapingConeSoftnessAttr().Get() == pytest.approx(0.3, rel=1e-5)
    assert light.GetIntensityAttr().Get() == pytest.approx(200.0 / math.pi, rel=1e-6)
    assert light.GetRadiusAttr().Get() == pytest.approx(0.1)
    assert report.prims["SphereLight"] == 1
    assert np.allclose(world_direction(prim), [0.0, -1.0, 0.0], atol=1e-6)


@pytest.mark.parametrize("shape, size, size_y, width, height", [
    ("SQUARE", 2.0, 5.0, 2.0, 2.0),
    ("RECTANGLE", 2.0, 0.5, 2.0, 0.5),
    ("DISK", 2.0, 5.0, math.sqrt(math.pi), math.sqrt(math.pi)),
    ("ELLIPSE", 2.0, 1.0, math.sqrt(math.pi), math.sqrt(math.pi) / 2),
])
def test_area_light_as_rect_light(scene, export, shape, size, size_y, width, height):
    add_light("AREA", energy=100.0, shape=shape, size=size, size_y=size_y)
    report, stage = export(animation=False)
    light = UsdLux.RectLight(stage.GetPrimAtPath("/Root/Area/Area"))
    assert light
    assert light.GetWidthAttr().Get() == pytest.approx(width, rel=1e-6)
    assert light.GetHeightAttr().Get() == pytest.approx(height, rel=1e-6)
    assert light.GetIntensityAttr().Get() == pytest.approx(100.0 / math.pi, rel=1e-6)
    assert np.allclose(np.array(light.GetExtentAttr().Get()), [[-width / 2, -height / 2, 0], [width / 2, height / 2, 0]])
    converted = [w for w in report.warnings if "RectLight of equal area" in w]
    assert len(converted) == (shape in ("DISK", "ELLIPSE"))
    assert report.prims["RectLight"] == 1


def test_disk_keeps_its_area():
    width, height = units.rect_of_equal_area("DISK", 3.0, 0.0)
    assert width * height == pytest.approx(math.pi * 1.5 ** 2)
    width, height = units.rect_of_equal_area("ELLIPSE", 3.0, 1.0)
    assert width * height == pytest.approx(math.pi * 1.5 * 0.5)
    assert width / height == pytest.approx(3.0)


# Each light's surface from its own size, by hand: squares and rectangles by their sides, disks and
# ellipses by their diameters, spheres by their radius (a point light counts as a unit sphere).
SURFACES = [
    ("AREA", dict(shape="SQUARE", size=2.0, size_y=5.0), 2.0 * 2.0),
    ("AREA", dict(shape="RECTANGLE", size=2.0, size_y=0.5), 2.0 * 0.5),
    ("AREA", dict(shape="DISK", size=2.0, size_y=5.0), math.pi * 1.0 * 1.0),
    ("AREA", dict(shape="ELLIPSE", size=3.0, size_y=1.0), math.pi * 1.5 * 0.5),
    ("POINT", dict(shadow_soft_size=0.3), 4.0 * math.pi * 0.3 ** 2),
    ("POINT", dict(shadow_soft_size=0.0), 4.0 * math.pi),
    ("SPOT", dict(shadow_soft_size=0.25), 4.0 * math.pi * 0.25 ** 2),
]


@pytest.mark.parametrize("kind, props, surface", SURFACES)
def test_unnormalized_lights_emit_power_over_pi_from_their_surface(scene, export, kind, props, surface):
    import bpy

    if bpy.app.version < (5, 0, 0):
        pytest.skip("lights have no Normalize option before Blender 5.0")
    add_light(kind, energy=10.0, normalize=False, **props)
    _, stage = export(animation=False)
    name = kind.title()
    light = UsdLux.LightAPI(stage.GetPrimAtPath(f"/Root/{name}/{name}"))
    # Normalize off: the light's surface emits P / pi whatever its size, i.e. as a normalized light
    # of power P times that surface.
    assert light.GetNormalizeAttr().Get() is True
    assert light.GetIntensityAttr().Get() == pytest.approx(10.0 * surface / math.pi, rel=1e-6)


@pytest.mark.parametrize("normalize", [True, False])
def test_normalized_lights_ignore_their_size_and_suns_their_normalize(scene, export, normalize):
    import bpy

    if not normalize and bpy.app.version < (5, 0, 0):
        pytest.skip("lights have no Normalize option before Blender 5.0")
    add_light("AREA", energy=10.0, shape="RECTANGLE", size=2.0, size_y=0.75)  # an area other than 1
    add_light("SUN", energy=4.0, **({} if normalize else {"normalize": False}))  # an irradiance either way
    _, stage = export(animation=False)
    assert UsdLux.LightAPI(stage.GetPrimAtPath("/Root/Area/Area")).GetIntensityAttr().Get() == \
        pytest.approx(10.0 / math.pi, rel=1e-6)
    assert UsdLux.LightAPI(stage.GetPrimAtPath("/Root/Sun/Sun")).GetIntensityAttr().Get() == pytest.approx(4.0)


def test_animated_energy_and_color_are_time_samples(scene, export):
    import bpy

    obj = add_light("POINT", energy=100.0)
    scene.frame_start, scene.frame_end = 1, 4
    obj.data.keyframe_insert("energy", frame=1)
    obj.data.energy = 300.0
    obj.data.keyframe_insert("energy", frame=3)
    _, stage = export()
    light = UsdLux.SphereLight(stage.GetPrimAtPath("/Root/Point/Point"))
    intensity = light.GetIntensityAttr()
    assert intensity.GetTimeSamples() == [1.0, 2.0, 3.0]
    assert intensity.Get(1) == pytest.approx(100.0 / math.pi, rel=1e-5)
    assert intensity.Get(4) == pytest.approx(300.0 / math.pi, rel=1e-5)
    assert light.GetColorAttr().GetNumTimeSamples() == 0  # static: a default value
    assert light.GetRadiusAttr().GetNumTimeSamples() == 0
    assert bpy.context.scene.frame_current == 1  # the scene is left as it was


def test_held_and_changing_light_values_read_back_at_every_frame(scene, export):
    """A colour held over frames, then changing, then held again, beside a radius that changes at
    every frame: every frame reads back as Blender has it, and the held frames between carry no
    samples of their own."""
    obj = add_light("POINT", energy=100.0)
    light = obj.data
    scene.frame_start, scene.frame_end = 1, 9
    for frame, color in ((1, (1.0, 0.0, 0.0)), (4, (1.0, 0.0, 0.0)), (6, (0.0, 0.2, 1.0)), (9, (0.0, 0.2, 1.0))):
        light.color = color
        light.keyframe_insert("color", frame=frame)
    for frame, radius in ((1, 0.1), (9, 0.5)):
        light.shadow_soft_size = radius
        light.keyframe_insert("shadow_soft_size", frame=frame)
    _, stage = export()
    usd = UsdLux.SphereLight(stage.GetPrimAtPath("/Root/Point/Point"))
    extent = usd.GetPrim().GetAttribute("extent")
    for frame in range(1, 10):
        scene.frame_set(frame)
        assert tuple(usd.GetColorAttr().Get(frame)) == pytest.approx(tuple(light.color), abs=1e-7)
        radius = light.shadow_soft_size
        assert usd.GetRadiusAttr().Get(frame) == pytest.approx(radius, rel=1e-6)
        assert [c for v in extent.Get(frame) for c in v] == pytest.approx([-radius] * 3 + [radius] * 3, rel=1e-6)
    held = {2, 3, 7, 8}
    assert not held & set(usd.GetColorAttr().GetTimeSamples())
    assert extent.GetTimeSamples() == list(range(1, 10))


def test_power_lights_match_blenders_own_usd_exporter(scene, tmp_path, export):
    """Blender's exporter is the reference for point, spot and area lights (P / pi, normalized);
    for suns it writes S / 4 where we keep the irradiance S (see lights/units.py)."""
    import bpy

    for kind in ("POINT", "SPOT", "AREA"):
        add_light(kind, energy=123.0)
    reference = tmp_path / "blender.usda"
    try:
        bpy.ops.wm.usd_export(filepath=str(reference))
    except (AttributeError, RuntimeError) as exc:
        pytest.skip(f"this Blender build has no USD exporter: {exc}")
    theirs = Usd.Stage.Open(str(reference))
    _, ours = export(animation=False)
    compared = 0
    for prim in theirs.Traverse():
        if prim.HasAPI(UsdLux.LightAPI):
            name = prim.GetName()
            mine = ours.GetPrimAtPath(f"/Root/{name}/{name}")
            assert mine.GetTypeName() == prim.GetTypeName()
            assert UsdLux.LightAPI(mine).GetIntensityAttr().Get() == pytest.approx(
                UsdLux.LightAPI(prim).GetIntensityAttr().Get(), rel=1e-5)
            assert UsdLux.LightAPI(prim).GetNormalizeAttr().Get() is True
            compared += 1
    assert compared == 3


def test_area_spread_is_reported(scene, export):
    add_light("AREA", spread=math.radians(40.0))
    report, _ = export(animation=False)
    assert any("spread is not exported" in w for w in report.warnings)


def test_temperature_and_exposure(scene, export):
    import bpy

    if "use_temperature" not in bpy.types.Light.bl_rna.properties:
        pytest.skip("light temperature and exposure arrived after Blender 4.2")
    obj = add_light("POINT", color=(1.0, 0.5, 1.0), exposure=1.5)
    obj.data.use_temperature = True
    obj.data.temperature = 3000.0
    tint = tuple(obj.data.temperature_color)
    _, stage = export(animation=False)
    light = UsdLux.SphereLight(stage.GetPrimAtPath("/Root/Point/Point"))
    assert Gf.IsClose(light.GetColorAttr().Get(), Gf.Vec3f(tint[0], 0.5 * tint[1], tint[2]), 1e-6)
    assert tint[0] > tint[2]  # warm
    assert light.GetExposureAttr().Get() == pytest.approx(1.5)
