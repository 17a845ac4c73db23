"""OpenUSD's own shading and subset validators (the core of usdchecker), as in USD 25.08 and usd-core 26."""
from pxr import UsdValidation

SHADING_VALIDATORS = (
    "usdShadeValidators:MaterialBindingApiAppliedValidator",
    "usdShadeValidators:MaterialBindingRelationships",
    "usdShadeValidators:MaterialBindingCollectionValidator",
    "usdShadeValidators:EncapsulationRulesValidator",
    "usdShadeValidators:NormalMapTextureValidator",
    "usdShadeValidators:ShaderSdrCompliance",
    "usdShadeValidators:SubsetMaterialBindFamilyName",
    "usdShadeValidators:SubsetsMaterialBindFamily",
    "usdGeomValidators:SubsetFamilies",
    "usdGeomValidators:SubsetParentIsImageable",
)


def shading_findings(stage):
    """Every error and warning those validators report on `stage`, as strings."""
    registry = UsdValidation.ValidationRegistry()
    validators = registry.GetOrLoadValidatorsByName(list(SHADING_VALIDATORS))
    assert len(validators) == len(SHADING_VALIDATORS)
    errors = UsdValidation.ValidationContext(validators).Validate(stage)
    return [e.GetErrorAsString() for e in errors]
