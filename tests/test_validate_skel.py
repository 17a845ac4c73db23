"""The skeletal-animation rules on a hand-written skinned file that breaks one of them, and its compliant twin."""
import pytest

from miris_export.validate import validate_file
from validate_files import IN_ROOT, COMPLIANT, write_scene

CHARACTER = '''    def SkelRoot "Character"
    {
        def Skeleton "Rig" (
            prepend apiSchemas = ["SkelBindingAPI"]
        )
        {
            uniform token[] joints = ["Hip", "Hip/Knee"]
            uniform matrix4d[] bindTransforms = [((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)), ((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 1, 0, 1))]
            uniform matrix4d[] restTransforms = [((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)), ((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 1, 0, 1))]
            rel skel:animationSource = </Root/Character/Rig/Animation>

            def SkelAnimation "Animation"
            {
                uniform token[] joints = ["Hip", "Hip/Knee"]
                float3[] translations = [(0, 0, 0), (0, 1, 0)]
                quatf[] rotations = [(1, 0, 0, 0), (0.7071068, 0.7071068, 0, 0)]
                half3[] scales = [(1, 1, 1), (1, 1, 1)]
            }
        }

        def Mesh "Leg" (
            prepend apiSchemas = ["SkelBindingAPI"]
        )
        {
            int[] faceVertexCounts = [3]
            int[] faceVertexIndices = [0, 1, 2]
            point3f[] points = [(0, 0, 0), (1, 0, 0), (0, 2, 0)]
            int[] primvars:skel:jointIndices = [0, 0, 0, 1, 1, 0] (
                elementSize = 2
                interpolation = "vertex"
            )
            float[] primvars:skel:jointWeights = [1, 0, 0.5, 0.5, 1, 0] (
                elementSize = 2
                interpolation = "vertex"
            )
            matrix4d primvars:skel:geomBindTransform = ((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1))
            rel skel:skeleton = </Root/Character/Rig>
        }
    }

'''
SKINNED = COMPLIANT.replace(IN_ROOT, IN_ROOT + CHARACTER)

BREAKS = {
    "miris:SkelBinding": [('def SkelRoot "Character"', 'def Xform "Character"')],
    "miris:SkelInfluences": [("int[] primvars:skel:jointIndices = [0, 0, 0, 1, 1, 0]",
                              "int[] primvars:skel:jointIndices = [0, 0, 0, 1, 5, 0]")],
    "miris:SkelWeights": [("float[] primvars:skel:jointWeights = [1, 0, 0.5, 0.5, 1, 0]",
                           "float[] primvars:skel:jointWeights = [1, 0, 0.5, 0.2, 1, 0]")],
    "miris:SkelAnimationSource": [('uniform token[] joints = ["Hip", "Hip/Knee"]\n                float3',
                                   'uniform token[] joints = ["Hip", "Hip/Ankle"]\n                float3')],
}
# elementSize that does not fit the arrays: the same rule, another message.
ELEMENT_SIZE = [("int[] primvars:skel:jointIndices = [0, 0, 0, 1, 1, 0] (\n                elementSize = 2",
                 "int[] primvars:skel:jointIndices = [0, 0, 0, 1, 1, 0] (\n                elementSize = 3")]
# OpenUSD's usdSkel validators see some of the same breaches (a binding outside any SkelRoot).
ALSO = {"miris:SkelBinding": {"usdSkelValidators:SkelBindingApiValidator.InvalidSkelBindingAPIApply"}}


def _broken(edits):
    text = SKINNED
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_skinned_twin_is_compliant(tmp_path):
    assert validate_file(write_scene(tmp_path, "scene.usda", SKINNED)) == []


def test_skeleton_bound_on_an_ancestor_is_compliant(tmp_path):
    """skel:skeleton authored on the SkelRoot binds the meshes below it."""
    text = _broken([("            rel skel:skeleton = </Root/Character/Rig>\n", ""),
                    ('    def SkelRoot "Character"\n    {\n', '    def SkelRoot "Character" (\n        prepend '
                     'apiSchemas = ["SkelBindingAPI"]\n    )\n    {\n        rel skel:skeleton = '
                     '</Root/Character/Rig>\n\n')])
    assert validate_file(write_scene(tmp_path, "scene.usda", text)) == []


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_each_skel_rule_reports_its_breach(tmp_path, rule):
    findings = validate_file(write_scene(tmp_path, "scene.usda", _broken(BREAKS[rule])))
    rules = {f.rule for f in findings}
    assert rule in rules and rules <= {rule} | ALSO.get(rule, set()), [str(f) for f in findings]
    assert all(f.section == "Skeletal Animation" for f in findings if f.rule == rule)


def test_element_size_must_fit_the_arrays(tmp_path):
    findings = validate_file(write_scene(tmp_path, "scene.usda", _broken(ELEMENT_SIZE)))
    assert [(f.rule, f.path) for f in findings] == [("miris:SkelInfluences", "/Root/Character/Leg")]
    assert "elementSize" in findings[0].message
