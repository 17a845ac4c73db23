"""The validator after every export: findings in the report, `strict`, a failing validator, .usdz."""
import os
import zipfile

import bpy
import pytest
from pxr import Usd, UsdGeom

import miris_export
import miris_export.validate
from miris_export.exporter import ExportError
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


def _textured_plane(folder):
    """A plane whose material's base colour is a PNG file in `folder`; returns the PNG's bytes."""
    source = folder / "sky.png"
    source.write_bytes(png())
    bpy.ops.mesh.primitive_plane_add()
    material = bpy.data.materials.new("Sky")
    if bpy.app.version < (5, 0, 0):
        material.use_nodes = True
    tree = material.node_tree
    bsdf = tree.nodes.get("Principled BSDF") or tree.nodes.new("ShaderNodeBsdfPrincipled")
    if not bsdf.outputs[0].links:
        tree.links.new(bsdf.outputs[0], tree.nodes.new("ShaderNodeOutputMaterial").inputs["Surface"])
    image = tree.nodes.new("ShaderNodeTexImage")
    image.image = bpy.data.images.load(str(source))
    tree.links.new(image.outputs["Color"], bsdf.inputs["Base Color"])
    bpy.context.object.data.materials.append(material)
    return source.read_bytes()


def test_usdz_package_holds_the_layer_and_its_textures(scene, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    pixels = _textured_plane(source)
    out = tmp_path / "out"
    out.mkdir()
    report = miris_export.export(str(out / "sky.usdz"), animation=False)
    assert report.compliant, [str(f) for f in report.errors]
    assert os.listdir(out) == ["sky.usdz"]  # no Textures/ or staging folder beside the package
    with zipfile.ZipFile(out / "sky.usdz") as archive:
        assert archive.namelist()[0] == "sky.usdc"
        assert archive.read("Textures/sky.png") == pixels
    stage = Usd.Stage.Open(str(out / "sky.usdz"))
    texture = stage.GetPrimAtPath("/Materials/Sky/DiffuseColorTex")
    assert texture.GetAttribute("inputs:file").Get().path == "./Textures/sky.png"


def test_a_failed_export_leaves_no_textures_and_keeps_the_previous_ones(scene, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    _textured_plane(source)
    out = tmp_path / "out"
    (out / "Textures").mkdir(parents=True)
    (out / "Textures" / "sky.png").write_bytes(b"the previous export's texture")
    (out / "scene.usdc").write_bytes(b"the previous export")
    with pytest.raises(ExportError, match="not Miris-compliant"):
        miris_export.export(str(out / "scene.usdc"), animation=False, default_light=False, strict=True)
    assert sorted(os.listdir(out)) == ["Textures", "scene.usdc"]
    assert (out / "scene.usdc").read_bytes() == b"the previous export"
    assert os.listdir(out / "Textures") == ["sky.png"]
    assert (out / "Textures" / "sky.png").read_bytes() == b"the previous export's texture"


