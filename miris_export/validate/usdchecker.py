"""OpenUSD's own validators (UsdValidation, the core of usdchecker), their errors mapped to findings."""
from pxr import UsdValidation

from .finding import COMPOSED, ERROR, WARNING, rule

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


def _site_path(error):
    for site in error.GetSites():
        if site.IsProperty():
            return site.GetProperty().GetPath()
        if site.IsPrim():
            return site.GetPrim().GetPath()
    return ""


@rule(COMPOSED)
def usd_validators(subject):
    for error in validation_context().Validate(subject.stage):
        severity = _SEVERITY.get(error.GetType())
        if severity is None:  # informational notes
            continue
        identifier = error.GetIdentifier() or error.GetName()
        finding = subject.error if severity == ERROR else subject.warning
        yield finding(identifier, _site_path(error), error.GetMessage(), SECTION)
