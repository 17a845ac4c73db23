"""Real scenes with lights, a camera and a World: every export is lit from under /Root."""
import math

import pytest
from pxr import UsdGeom, UsdLux

from conftest import is_blender_42

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(is_blender_42(), reason="corpus scenes were saved by Blender 5.x; bpy 4.2 cannot read them"),
]


def export_corpus(corpus_scene, export, name):
    import bpy

    bpy.ops.wm.open_mainfile(filepath=str(corpus_scene(name)))
    return export(animation=False)


def lights_under_root(stage):
    return {p.GetPath().pathString: p for p in stage.Traverse()
            if p.HasAPI(UsdLux.LightAPI) and p.GetPath().HasPrefix("/Root")}


def test_lamp_scene(corpus_scene, export):
    report, stage = export_corpus(corpus_scene, export, "37_lamp_EEVEE.blend")
    light = UsdLux.SphereLight(stage.GetPrimAtPath("/Root/Light/Light"))
    # 1000 W, radius 0.1, Normalize off: the sphere's luminance is P / pi (see lights/units.py)
    radius = light.GetRadiusAttr().Get()
    assert radius == pytest.approx(0.1)
    luminance = light.GetIntensityAttr().Get() / (4 * math.pi * radius ** 2)
    assert luminance == pytest.approx(1000.0 / math.pi, rel=1e-5)
    assert "/Root/World" in lights_under_root(stage)  # its grey background
    assert UsdGeom.Camera(stage.GetPrimAtPath(stage.GetDefaultPrim().GetCustomDataByKey("defaultCamera")))


def test_spot_and_point_scene(corpus_scene, export):
    report, stage = export_corpus(corpus_scene, export, "05_metallic_sphere_light.blend")
    kinds = sorted(p.GetTypeName() for p in lights_under_root(stage).values())
    assert kinds.count("SphereLight") == 2
    spot = stage.GetPrimAtPath("/Root/Spot/Spot")
    assert spot.HasAPI(UsdLux.ShapingAPI)


def test_scene_without_lamps_is_lit_by_its_world(corpus_scene, export):
    report, stage = export_corpus(corpus_scene, export, "21_scene.blend")
    lights = lights_under_root(stage)
    assert lights and all(p.IsA(UsdLux.DomeLight) for p in lights.values())
