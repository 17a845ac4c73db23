"""The validator's MaterialX checks on hand-written OpenPBR networks: ids, inputs and types against
MaterialX's own node definitions, and cycles."""
import pytest

from miris_export.validate import validate_file
from miris_export.validate.materialx import node_definitions
from validate_files import OPENPBR, write_scene

NO_MATERIALX = node_definitions() is None
needs_materialx = pytest.mark.skipif(NO_MATERIALX, reason="no MaterialX Python package here (Blender 4.2 ships "
                                                          "none; ci/requirements-4.2.txt installs the wheel)")


def findings(tmp_path, old, new):
    assert old in OPENPBR
    found = validate_file(write_scene(tmp_path, "scene.usda", OPENPBR.replace(old, new, 1)))
    return [f for f in found if not (NO_MATERIALX and f.severity == "warning" and "not available" in f.message)]


def only(found, *words):
    """One finding of ours naming `words`; beside it only OpenUSD's own shader checks, which run on
    MaterialX networks where its USD registers the MaterialX library (Blender's)."""
    ours = [f for f in found if f.rule == "miris:MaterialXNode"]
    assert len(ours) == 1 and all(f.rule.startswith("usdShadeValidators:") for f in found if f not in ours), \
        [str(f) for f in found]
    assert all(w in ours[0].message for w in words), str(ours[0])


@needs_materialx
def test_unknown_node_id_is_a_finding(tmp_path):
    only(findings(tmp_path, '"ND_image_color3"', '"ND_image_colour3"'), "ND_image_colour3", "standard libraries")


@needs_materialx
def test_wrong_input_type_is_a_finding(tmp_path):
    only(findings(tmp_path, "color3f inputs:base_color.connect", "float inputs:base_color.connect"),
         "base_color", "float", "color3")


@needs_materialx
def test_unknown_input_name_is_a_finding(tmp_path):
    only(findings(tmp_path, "asset inputs:file", "float inputs:gamma = 2\n            asset inputs:file"),
         "'gamma'", "ND_image_color3")


def test_cycle_is_a_finding_not_a_hang(tmp_path):
    found = findings(tmp_path, "asset inputs:file = @./Textures/wood.png@", "asset inputs:file = "
                     "@./Textures/wood.png@\n            color3f inputs:default.connect = "
                     "</Materials/Pbr/Image.outputs:out>")
    assert {f.rule for f in found} == {"miris:MaterialXNode"}, [str(f) for f in found]
    assert any("cycle" in f.message for f in found)


def test_without_materialx_a_warning_says_so(tmp_path):
    found = validate_file(write_scene(tmp_path, "scene.usda", OPENPBR))
    if NO_MATERIALX:
        assert [(f.rule, f.severity) for f in found] == [("miris:MaterialXNode", "warning")]
    else:
        assert found == []
