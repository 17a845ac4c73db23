"""Every way in: the Python API, the operator and its menu, the command lines, the extension zip."""
import json
import os
import subprocess
import sys
import time

import bpy
import pytest
from pxr import Usd, UsdGeom

import miris_export
from conftest import REPO
from helpers import new_collection


def run_python(*args, env=None, cwd=None, timeout=300):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd or REPO, env={**os.environ, **(env or {})})


def test_api_returns_a_report(scene, tmp_path):
    bpy.ops.mesh.primitive_cube_add()
    started = time.perf_counter()
    report = miris_export.export(str(tmp_path / "api.usdc"), animation=False)
    elapsed = time.perf_counter() - started
    assert report.filepath == str(tmp_path / "api.usdc")
    assert dict(report.prims) == {"Xform": 1, "Mesh": 1, "DomeLight": 1}  # the default light
    assert any("DefaultLight" in line for line in report.warnings + report.infos)
    assert 0 < report.seconds <= elapsed and report.frames == (1, 1)  # the export's own time, measured
    data = json.loads(report.to_json())
    assert data["prims"] == {"Xform": 1, "Mesh": 1, "DomeLight": 1}
    stage = Usd.Stage.Open(report.filepath)
    assert stage.GetRootLayer().GetFileFormat().formatId == "usdc"


@pytest.fixture
def registered():
    miris_export.register()
    yield
    miris_export.unregister()


def test_operator_and_menu_entry(scene, tmp_path, registered):
    from miris_export.ui.menu import MENU_TEXT

    bpy.ops.mesh.primitive_cube_add()
    target = tmp_path / "op.usda"
    assert bpy.ops.export_scene.miris_usd(filepath=str(target), animation=False, uvs=False) == {"FINISHED"}
    stage = Usd.Stage.Open(str(target))
    mesh = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube"))
    assert len(mesh.GetFaceVertexCountsAttr().Get()) == 6
    assert not UsdGeom.PrimvarsAPI(mesh).GetPrimvar("st")  # the operator's option reached the exporter
    draw_funcs = bpy.types.TOPBAR_MT_file_export._dyn_ui_initialize()
    assert any(f.__module__.endswith("miris_export.ui.menu") for f in draw_funcs)
    assert MENU_TEXT == "Miris USD (.usdc, .usda, .usdz)"
    props = bpy.ops.export_scene.miris_usd.get_rna_type().properties
    assert {"selected_only", "evaluation_mode", "materials", "strict"} <= set(props.keys())


def test_operator_reports_bad_target_without_raising(scene, tmp_path, registered):
    bpy.ops.mesh.primitive_cube_add()
    with pytest.raises(RuntimeError, match="does not exist"):  # bpy turns an ERROR report into this
        bpy.ops.export_scene.miris_usd(filepath=str(tmp_path / "nope" / "x.usdc"))


def test_cli_command_as_blender_runs_it(scene, tmp_path, capsys):
    from miris_export import cli

    bpy.ops.mesh.primitive_monkey_add()
    blend = tmp_path / "monkey.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    out = tmp_path / "monkey.usda"
    assert cli.run([str(blend), "-o", str(out), "--no-animation", "--evaluation-mode", "VIEWPORT"]) == 0
    assert "1 Mesh, 1 Xform" in capsys.readouterr().out
    stage = Usd.Stage.Open(str(out))
    assert len(UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Suzanne/Suzanne")).GetPointsAttr().Get()) == 507
    assert stage.GetRootLayer().customLayerData["sourceFile"] == "monkey.blend"
    assert cli.run([str(tmp_path / "missing.blend"), "-o", str(out)]) == 1
    assert "no such .blend file" in capsys.readouterr().err


def test_python_m_exports_the_demo_scene(tmp_path):
    result = run_python("-m", "miris_export", "-o", str(tmp_path / "demo.usdc"), "--json", cwd=tmp_path,
                        env={"PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout[result.stdout.index("{"):])
    assert report["prims"]["Mesh"] == 3 and report["frames"] == [1, 48]
    stage = Usd.Stage.Open(str(tmp_path / "demo.usdc"))
    assert stage.GetDefaultPrim().GetPath() == "/Root"
    assert stage.GetEndTimeCode() == 48


def test_python_m_failure_is_one_line_on_stderr(tmp_path):
    result = run_python("-m", "miris_export", "-o", str(tmp_path / "demo.obj"), cwd=tmp_path,
                        env={"PYTHONPATH": str(REPO)})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("python -m miris_export: error: ")


INSTALL_SCRIPT = """
import json, sys, bpy
zip_path, out = sys.argv[-2], sys.argv[-1]
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.extensions.package_install_files(filepath=zip_path, repo="user_default", enable_on_install=True)
bpy.ops.mesh.primitive_cube_add()
import miris_export  # the documented name, provided by the installed extension
import miris_export.hooks


class Tag:
    def on_object(self, prim, obj, context):
        prim.SetCustomDataByKey("studio:tag", obj.name)


miris_export.hooks.register(Tag())  # the registry the installed exporter calls
result = bpy.ops.export_scene.miris_usd(filepath=out, animation=False)
menu = [f.__module__ for f in bpy.types.TOPBAR_MT_file_export._dyn_ui_initialize()]
print(json.dumps({"addons": list(bpy.context.preferences.addons.keys()), "menu": menu, "result": list(result),
                  "module": miris_export.__name__}))
"""


def test_extension_zip_builds_validates_installs_and_exports(tmp_path):
    build = run_python(str(REPO / "ci" / "build_extension.py"), "--output-dir", str(tmp_path / "dist"))
    assert build.returncode == 0, build.stdout + build.stderr
    zip_path = build.stdout.strip().splitlines()[-1]
    assert os.path.basename(zip_path) == f"miris_export-{miris_export.__version__}.zip"
    out = tmp_path / "installed.usda"
    installed = run_python("-c", INSTALL_SCRIPT, zip_path, str(out),
                           env={"BLENDER_USER_RESOURCES": str(tmp_path / "user")})
    assert installed.returncode == 0, installed.stderr
    state = json.loads(installed.stdout.strip().splitlines()[-1])
    assert "bl_ext.user_default.miris_export" in state["addons"]
    assert "bl_ext.user_default.miris_export.ui.menu" in state["menu"]
    assert state["result"] == ["FINISHED"]
    assert state["module"] == "bl_ext.user_default.miris_export"
    stage = Usd.Stage.Open(str(out))
    assert len(UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube")).GetPointsAttr().Get()) == 8
    assert stage.GetPrimAtPath("/Root/Cube").GetCustomDataByKey("studio:tag") == "Cube"


def test_manifest_and_package_agree():
    import tomllib

    manifest = tomllib.loads((REPO / "blender_manifest.toml").read_text())
    assert manifest["id"] == "miris_export"
    assert manifest["version"] == miris_export.__version__
    assert manifest["blender_version_min"] == "4.2.0"
    assert "files" in manifest["permissions"]


def test_collection_exporter_exports_its_collection(scene, tmp_path, registered):
    bpy.ops.mesh.primitive_cube_add()
    props = new_collection(scene, "Props", bpy.context.object)
    bpy.ops.mesh.primitive_plane_add()
    with bpy.context.temp_override(collection=props):
        bpy.ops.collection.exporter_add(name="MIRIS_FH_usd")
        settings = props.exporters[0].export_properties
        settings.filepath = str(tmp_path / "props.usda")
        settings.animation = False
        settings.default_light = False
        assert bpy.ops.collection.export_all() == {"FINISHED"}
    stage = Usd.Stage.Open(str(tmp_path / "props.usda"))
    assert [p.GetName() for p in stage.GetPrimAtPath("/Root").GetChildren()] == ["Cube"]

