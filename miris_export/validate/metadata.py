"""Stage metadata: units, up axis, the default prim, timing of animated files."""
from .finding import ALL_ROLES, COMPOSED, ROOT, rule

REQUIRED = "Required Metadata"
DEFAULT_PRIM = "Default Prim"
TIMING = "Timing Metadata"


def _authored(layer, key):
    return key in layer.pseudoRoot.ListInfoKeys()


@rule(ALL_ROLES)
def units_and_axis(subject):
    """metersPerUnit = 1 and upAxis = "Y", authored. A sublayer's metadata is ignored by composition,
    so there a value is only checked when authored."""
    layer = subject.layer
    required = subject.role != "sublayer"
    if _authored(layer, "metersPerUnit"):
        if layer.pseudoRoot.GetInfo("metersPerUnit") != 1:
            yield subject.error("miris:MetersPerUnit", "", f"metersPerUnit is "
                                f"{layer.pseudoRoot.GetInfo('metersPerUnit')}; it must be 1 (metres)", REQUIRED)
    elif required:
        yield subject.error("miris:MetersPerUnit", "", "metersPerUnit is not authored; it must be 1", REQUIRED)
    if _authored(layer, "upAxis"):
        if layer.pseudoRoot.GetInfo("upAxis") != "Y":
            yield subject.error("miris:UpAxis", "", f"upAxis is {layer.pseudoRoot.GetInfo('upAxis')!r}; "
                                f"it must be \"Y\"", REQUIRED)
    elif required:
        yield subject.error("miris:UpAxis", "", "upAxis is not authored; it must be \"Y\"", REQUIRED)


@rule(COMPOSED)
def default_prim(subject):
    """The file validated names "Root"; a referenced file's default prim takes the referencing prim's
    name, so there any name serves, but one must exist."""
    name = subject.layer.defaultPrim
    if not name:
        yield subject.error("miris:DefaultPrim", "", "defaultPrim is not authored; it must be \"Root\"",
                            DEFAULT_PRIM)
        return
    if subject.role == ROOT and name != "Root":
        yield subject.error("miris:DefaultPrim", "", f"defaultPrim is {name!r}; it must be \"Root\"",
                            DEFAULT_PRIM)
    prim = subject.default_prim
    if not prim or not prim.IsDefined() or prim.IsAbstract():
        yield subject.error("miris:DefaultPrim", f"/{name}", f"the default prim /{name} is not defined",
                            DEFAULT_PRIM)


@rule(COMPOSED)
def timing(subject):
    """An animated file (an attribute with two or more time samples in any layer it uses) states its
    frame range; timeCodesPerSecond falls back to 24, so its absence is only a warning."""
    if not any(len(layer.ListAllTimeSamples()) > 1 for layer in subject.stage.GetUsedLayers()):
        return
    layer = subject.layer
    for key in ("startTimeCode", "endTimeCode"):
        if not _authored(layer, key):
            yield subject.error("miris:TimingMetadata", "", f"the file is animated but {key} is not authored",
                                TIMING)
    if _authored(layer, "startTimeCode") and _authored(layer, "endTimeCode") and \
            layer.endTimeCode < layer.startTimeCode:
        yield subject.error("miris:TimingMetadata", "", f"endTimeCode {layer.endTimeCode} is before "
                            f"startTimeCode {layer.startTimeCode}", TIMING)
    if not _authored(layer, "timeCodesPerSecond"):
        yield subject.warning("miris:TimingMetadata", "", "the file is animated but timeCodesPerSecond is "
                              "not authored; 24 is assumed", TIMING)
