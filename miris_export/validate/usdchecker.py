"""OpenUSD's own validators (UsdValidation, the core of usdchecker), their errors mapped to findings."""
from pxr import Usd, UsdShade, UsdValidation

from .finding import COMPOSED, ERROR, WARNING, rule
from .materials import MATERIALX_PREFIX, shader_id

SECTION = "Validation"

# Validators whose checks a Miris rule makes, stricter and with its section: running both would say
# the same thing twice. Stage metadata: miris:MetersPerUnit, miris:UpAxis, miris:DefaultPrim;
# unresolvable dependencies: miris:AssetResolves.
SUPERSEDED = {
    "usdGeomValidators:StageMetadataChecker",
    "usdValidation:StageMetadataChecker",
    "usdUtilsValidators:MissingReferenceValidator",
}
_SEVERITY = {UsdValidation.ValidationErrorType.Error: ERROR, UsdValidation.ValidationErrorType.Warn: WARNING}

_context = None


def validation_context():
    """Built once per process: loading the validators' plugins is the costly part."""
    global _context
    if _context is None:
        registry = UsdValidation.ValidationRegistry()
        validators = [v for v in registry.GetOrLoadAllValidators()
                      if v.GetMetadata().name not in SUPERSEDED and not v.GetMetadata().isSuite]
        _context = UsdValidation.ValidationContext(validators)
    return _context


def _materialx_unknown_here(error):
    """usd-core's shader registry has no MaterialX node definitions while Blender's USD has them, so
    "not found in sdrRegistry" on an ND_ node says which USD build runs, not whether the file is good;
    the MaterialX nodes themselves are checked by miris:ShaderId."""
    if error.GetName() != "MissingShaderIdInRegistry":
        return False
    for site in error.GetSites():
        prim = site.GetProperty().GetPrim() if site.IsProperty() else site.GetPrim() if site.IsPrim() else None
        if prim and shader_id(prim).startswith(MATERIALX_PREFIX):
            return True
    return False


def _site_path(error):
    for site in error.GetSites():
        if site.IsProperty():
            return site.GetProperty().GetPath()
        if site.IsPrim():
            return site.GetPrim().GetPath()
    return ""


def _register_connectable_behaviors(stage):
    """USD's validators run on several threads, and each looks up the connectable behavior of the
    prims it checks, which UsdShade registers for each kind of prim (type and applied schemas) when
    first asked. Two threads asking at once both register it, and the second registration is a
    coding error that fails the whole run (seen on GeomSubsets with MaterialBindingAPI, now and
    then). Asked here first, on one thread, each kind is registered once before they start."""
    seen = set()
    for prim in stage.Traverse(Usd.TraverseInstanceProxies(Usd.PrimAllPrimsPredicate)):
        info = prim.GetPrimTypeInfo()
        kind = (info.GetTypeName(), tuple(info.GetAppliedAPISchemas()))
        if kind[0] and kind not in seen:
            seen.add(kind)
            UsdShade.ConnectableAPI(prim).IsContainer()


@rule(COMPOSED)
def usd_validators(subject):
    _register_connectable_behaviors(subject.stage)
    for error in validation_context().Validate(subject.stage):
        severity = _SEVERITY.get(error.GetType())
        if severity is None or _materialx_unknown_here(error):  # None: an informational note
            continue
        identifier = error.GetIdentifier() or error.GetName()
        finding = subject.error if severity == ERROR else subject.warning
        yield finding(identifier, _site_path(error), error.GetMessage(), SECTION)
