"""The export dialog's presets and remembered settings, the report kept and shown after an export,
and the Validate Miris USD operator, run headless on real files."""
import os

import bpy
import pytest
from pxr import Usd, UsdGeom

import miris_export
from miris_export import hooks
from miris_export.options import ExportOptions
from miris_export.ui import presets
from miris_export.validate import validate_file


@pytest.fixture
def registered():
    miris_export.register()
    yield
    miris_export.unregister()


def _kept(wm):
    return [(line.kind, line.text, line.section, line.rule) for line in wm.miris_usd_report]


def _expected(findings):
    return [(f.severity, f"{f.path}: {f.message}", f.section, f.rule) for f in findings]


def test_a_saved_preset_loads_back_the_same_options(scene, registered):
    wm = bpy.context.window_manager
    last = wm.operator_properties_last(presets.OPERATOR)
    chosen = {"materials": False, "evaluation_mode": "VIEWPORT", "collection": "Props", "strict": True}
    for name, value in chosen.items():
        setattr(last, name, value)
    name = "Miris Test Preset"
    assert bpy.ops.export_scene.miris_usd_preset_add(name=name) == {"FINISHED"}
    path = bpy.utils.preset_find(name, presets.PRESET_SUBDIR, display_name=True)
    try:
        assert path and os.path.isfile(path)
        for option, default in ((n, ExportOptions().__getattribute__(n)) for n in chosen):
            setattr(last, option, default)
        assert not last.strict
        assert bpy.ops.script.execute_preset(filepath=path, menu_idname=presets.EXPORT_SCENE_MT_miris_usd_presets
                                             .__name__) == {"FINISHED"}
        assert {n: getattr(last, n) for n in chosen} == chosen
    finally:
        bpy.ops.export_scene.miris_usd_preset_add(name=os.path.splitext(os.path.basename(path))[0], remove_name=True)
    assert not os.path.exists(path)  # removed through the same operator


def test_remembered_settings_round_trip_through_a_saved_blend(scene, registered, tmp_path):
    bpy.ops.mesh.primitive_cube_add()
    target = str(tmp_path / "scene.usda")
    assert bpy.ops.export_scene.miris_usd(filepath=target, will_save_settings=True, materials=False,
                                          evaluation_mode="VIEWPORT", animation=False) == {"FINISHED"}
    blend = str(tmp_path / "remembered.blend")
    bpy.ops.wm.save_as_mainfile(filepath=blend)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    assert presets.remembered(bpy.context.scene) == {}
    bpy.ops.wm.open_mainfile(filepath=blend)
    kept = presets.remembered(bpy.context.scene)
    assert ExportOptions(**kept) == ExportOptions(materials=False, evaluation_mode="VIEWPORT", animation=False)
    # off again: the scene forgets them
    bpy.ops.export_scene.miris_usd(filepath=target, animation=False)
    assert presets.remembered(bpy.context.scene) == {}
    # and without asking, nothing is ever kept
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.mesh.primitive_cube_add()
    bpy.ops.export_scene.miris_usd(filepath=target, animation=False)
    assert presets.SETTINGS_KEY not in bpy.context.scene


@pytest.mark.skipif(bpy.app.version < (5, 0, 0), reason="the corpus was saved by Blender 5.x; Blender 4.2 cannot "
                    "read several of its files")
def test_the_report_after_an_export_holds_the_validators_findings(corpus_scene, registered, tmp_path):
    bpy.ops.wm.open_mainfile(filepath=str(corpus_scene("00_extras.blend")))

    class AddsCube(hooks.ExportHook):
        def on_save(self, stage, report, context):
            UsdGeom.Cube.Define(stage, "/Root/Helper")  # not in the specification's schemas

    hook = AddsCube()
    hooks.register(hook)
    try:
        target = str(tmp_path / "extras.usdc")
        assert bpy.ops.export_scene.miris_usd(filepath=target, animation=False) == {"FINISHED"}
    finally:
        hooks.unregister(hook)
    wm = bpy.context.window_manager
    findings = validate_file(target)
    assert any(f.path == "/Root/Helper" for f in findings)
    kept = _kept(wm)
    assert [k for k in kept if k[0] != "warning"] == _expected(findings)
    assert wm.miris_usd_report_title.startswith("Exported ")
    headings = [h for h, _ in miris_export.ui.report_view.groups(wm.miris_usd_report)]
    assert all(f"Specification: {f.section}" in headings for f in findings)


def test_validate_operator_shows_the_findings_of_a_picked_file(scene, registered, tmp_path):
    path = str(tmp_path / "elsewhere.usda")
    stage = Usd.Stage.CreateNew(path)
    UsdGeom.SetStageMetersPerUnit(stage, 0.01)  # centimetres, Z up, no default prim
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
    UsdGeom.Cube.Define(stage, "/World/Box")
    stage.Save()
    assert bpy.ops.wm.miris_usd_validate(filepath=path) == {"FINISHED"}
    wm = bpy.context.window_manager
    findings = validate_file(path)
    assert len(findings) >= 3 and _kept(wm) == _expected(findings)
    errors = sum(f.severity == "error" for f in findings)
    assert wm.miris_usd_report_title == f"elsewhere.usda: not compliant, {errors} error(s), " \
                                        f"{len(findings) - errors} warning(s)"
