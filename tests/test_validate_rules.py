"""Each rule of the validator on a hand-written file that breaks it alone, and compliant twins."""
import pytest

from miris_export.validate import Finding, validate_file
from validate_files import ALSO, ANIMATED, BREAKS, COMPLIANT, OPENPBR, broken, write_scene

APPENDIX_A = """#usda 1.0
(
metersPerUnit = 1
upAxis = "Y"
defaultPrim = "Root"
)
def Xform "Root"
{
def Mesh "Cube"
{
point3f[] points = [
(0,0,0), (1,0,0), (1,1,0), (0,1,0),
(0,0,1), (1,0,1), (1,1,1), (0,1,1)
]
int[] faceVertexCounts = [4, 4, 4, 4, 4, 4]
int[] faceVertexIndices = [
0, 3, 2, 1,
4, 5, 6, 7,
0, 1, 5, 4,
1, 2, 6, 5,
2, 3, 7, 6,
3, 0, 4, 7
]
rel material:binding = </Materials/Gray>
}
def Scope "Cameras"
{
def Camera "MainCam"
{
float focalLength = 35
float horizontalAperture = 36
float verticalAperture = 24
matrix4d xformOp:transform = ( (1,0,0,0), (0,1,0,0), (0,0,1,0), (0,2,5,1) )
uniform token[] xformOpOrder = ["xformOp:transform"]
}
}
def Scope "Lights"
{
def DistantLight "KeyLight"
{
color3f inputs:color = (1, 0.9, 0.8)
float inputs:intensity = 3.0
}
def DomeLight "SkyLight"
{
asset inputs:texture:file = @./Textures/sky.exr@
float inputs:intensity = 0.5
}
}
}
def Scope "Materials"
{
def Material "Gray"
{
token outputs:surface.connect = </Materials/Gray/Shader.outputs:surface>
def Shader "Shader"
{
uniform token info:id = "UsdPreviewSurface"
color3f inputs:diffuseColor = (0.5, 0.5, 0.5)
token outputs:surface
}
}
}
"""


@pytest.mark.parametrize("text", [COMPLIANT, ANIMATED, OPENPBR], ids=["static", "animated", "openpbr"])
def test_compliant_twin_has_no_findings(tmp_path, text):
    from miris_export.validate.materialx import node_definitions

    found = validate_file(write_scene(tmp_path, "scene.usda", text))
    if node_definitions() is None:  # the one warning that MaterialX nodes go unchecked
        found = [f for f in found if (f.rule, f.severity) != ("miris:MaterialXNode", "warning")]
    assert found == []


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_each_rule_reports_its_breach_alone(tmp_path, rule):
    path = write_scene(tmp_path, "scene.usda", broken(rule, textures=str(tmp_path / "Textures")))
    findings = validate_file(path)
    rules = {f.rule for f in findings}
    assert rule in rules and rules <= {rule} | ALSO.get(rule, set()), [str(f) for f in findings]
    for finding in findings:
        assert finding.section and finding.message and finding.path
        assert finding.rule in str(finding) and finding.section in str(finding)


def test_breach_in_a_binary_layer_is_found_too(tmp_path):
    from pxr import Sdf

    text = broken("miris:UpAxis")
    source = write_scene(tmp_path, "scene.usda", text)
    binary = tmp_path / "scene.usdc"
    Sdf.Layer.FindOrOpen(str(source)).Export(str(binary))
    assert {f.rule for f in validate_file(binary)} == {"miris:UpAxis"}


def test_appendix_a_example_gets_exactly_what_it_deserves(tmp_path):
    findings = validate_file(write_scene(tmp_path, "appendix_a.usda", APPENDIX_A))
    got = sorted((f.rule, f.path) for f in findings)
    assert got == [
        ("miris:AssetResolves", "/Root/Lights/SkyLight.inputs:texture:file"),
        ("usdShadeValidators:MaterialBindingApiAppliedValidator.MissingMaterialBindingAPI", "/Root/Cube"),
    ], [str(f) for f in findings]
    assert all(f.severity == "error" for f in findings)


def test_finding_reads_as_one_line():
    finding = Finding("miris:UpAxis", "error", "scene.usda", 'upAxis is "Z"; it must be "Y"', "Required Metadata")
    assert str(finding) == 'scene.usda: upAxis is "Z"; it must be "Y" [miris:UpAxis; spec: Required Metadata]'
    assert "\n" not in str(finding)
    assert Finding(**finding.as_dict()) == finding


def _write(path, text):
    path.write_text(text)
    return path


def test_referenced_file_must_conform_too(tmp_path):
    asset = COMPLIANT.replace('upAxis = "Y"', 'upAxis = "Z"').replace(
        '    def DistantLight "Sun"\n    {\n        float inputs:intensity = 3\n    }\n', "")
    write_scene(tmp_path / "Character", "character.usda", asset)
    scene = COMPLIANT.replace('def Xform "Root"\n{\n', 'def Xform "Root"\n{\n    def Xform "Character" (\n'
                              '        prepend references = @./Character/character.usda@\n    )\n    {\n    }\n\n')
    findings = validate_file(write_scene(tmp_path, "scene.usda", scene))
    # The asset's own binding into its /Materials does not travel with a default-prim reference.
    assert ("miris:UpAxis", "Character/character.usda") in {(f.rule, f.path) for f in findings}
    assert not any(f.rule == "miris:LightRequired" for f in findings)  # the scene's light serves


def test_sublayer_metadata_must_agree_and_cycles_end(tmp_path):
    _write(tmp_path / "a.usda", '#usda 1.0\n(\n    metersPerUnit = 100\n    subLayers = [@./b.usda@]\n)\n')
    _write(tmp_path / "b.usda", '#usda 1.0\n(\n    subLayers = [@./a.usda@]\n)\n')
    scene = COMPLIANT.replace('defaultPrim = "Root"', 'defaultPrim = "Root"\n    subLayers = [@./a.usda@]')
    findings = validate_file(write_scene(tmp_path, "scene.usda", scene))
    assert ("miris:MetersPerUnit", "a.usda") in {(f.rule, f.path) for f in findings}
    assert any(f.rule.startswith("usdValidation:CompositionErrorTest") for f in findings)


def test_reference_cycle_is_a_finding_not_a_hang(tmp_path):
    for name, other in (("a.usda", "b.usda"), ("b.usda", "a.usda")):
        text = COMPLIANT.replace('def Xform "Root"\n{\n', 'def Xform "Root"\n{\n    def Xform "Other" (\n'
                                 f'        prepend references = @./{other}@\n    )\n    {{\n    }}\n\n')
        write_scene(tmp_path, name, text)
    findings = validate_file(tmp_path / "a.usda")
    assert any(f.rule.startswith("usdValidation:CompositionErrorTest") for f in findings), [str(f) for f in findings]


def _assembly(tmp_path, rebind):
    """scene.usda referencing Character/character.usda (the compliant scene, without its light) by its
    default prim; with `rebind`, the asset's materials referenced under /Materials/Character and its
    mesh bound there, as the exporter assembles scenes."""
    asset = COMPLIANT.replace('    def DistantLight "Sun"\n    {\n        float inputs:intensity = 3\n    }\n', "")
    write_scene(tmp_path / "Character", "character.usda", asset)
    over = ('        over "Plane"\n        {\n            rel material:binding = </Materials/Character/Wood>\n'
            '        }\n') if rebind else ""
    scene = COMPLIANT.replace('def Xform "Root"\n{\n', 'def Xform "Root"\n{\n    def Xform "Character" (\n'
                              '        prepend references = @./Character/character.usda@\n    )\n    {\n'
                              f'{over}    }}\n\n')
    if rebind:
        scene = scene.replace('def Scope "Materials"\n{\n', 'def Scope "Materials"\n{\n    def Scope "Character" (\n'
                              '        prepend references = @./Character/character.usda@</Materials>\n    )\n'
                              '    {\n    }\n\n')
    return validate_file(write_scene(tmp_path, "scene.usda", scene))


def test_a_binding_the_reference_drops_is_a_finding_in_the_referencing_file(tmp_path):
    findings = _assembly(tmp_path, rebind=False)
    dropped = [f for f in findings if f.rule == "miris:DroppedBinding"]
    assert [(f.path, f.severity) for f in dropped] == [("/Root/Character/Plane.material:binding", "error")]
    assert "binds /Materials/Wood in @character.usda@" in dropped[0].message and "@character.usda@" in dropped[0].message
    # The asset itself binds inside itself: nothing to say about it on its own.
    assert not any(f.path.startswith("Character/character.usda") for f in findings), [str(f) for f in findings]


def test_materials_referenced_and_bound_again_make_a_compliant_assembly(tmp_path):
    findings = _assembly(tmp_path, rebind=True)
    assert findings == [], [str(f) for f in findings]
