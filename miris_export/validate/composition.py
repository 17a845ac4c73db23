"""Composition: variant sets with a selection, internal references that resolve. (Referenced and sublayered files are validated as files
of their own by the driver; composition errors come from OpenUSD's CompositionErrorTest.)"""
from pxr import Sdf

from .finding import COMPOSED, rule

VARIANTS = "Variants"
ARCS = "Composition Arcs"


@rule(COMPOSED)
def variant_selections(subject):
    """Miris renders each set's selected variant, so every set needs a selection naming a variant."""
    for prim in subject.prims:
        variant_sets = prim.GetVariantSets()
        for name in variant_sets.GetNames():
            variant_set = variant_sets.GetVariantSet(name)
            selection = variant_set.GetVariantSelection()
            if not selection:
                yield subject.error("miris:VariantSelection", prim.GetPath(), f"variant set {name!r} has no "
                                    "selection", VARIANTS)
            elif selection not in variant_set.GetVariantNames():
                yield subject.error("miris:VariantSelection", prim.GetPath(), f"variant set {name!r} selects "
                                    f"{selection!r}, which it does not define", VARIANTS)


def _internal_references(layer):
    """(prim spec path, target path) of each reference in the layer that names no file."""
    found = []

    def visit(path):
        if not path.IsPrimPath() and not path.IsPrimVariantSelectionPath():
            return
        spec = layer.GetPrimAtPath(path)
        if spec is None:
            return
        for reference in spec.referenceList.GetAddedOrExplicitItems():
            if not reference.assetPath:
                found.append((path, reference.primPath))

    layer.Traverse(Sdf.Path.absoluteRootPath, visit)
    return found


@rule(COMPOSED)
def internal_references(subject):
    """A reference within the file (instancing's prototypes) must name a prim the file defines: an
    unresolved one leaves its copy empty."""
    for path, target in _internal_references(subject.layer):
        if target.isEmpty:
            target = subject.layer.defaultPrim and Sdf.Path.absoluteRootPath.AppendChild(subject.layer.defaultPrim)
        prim = subject.stage.GetPrimAtPath(target) if target else None
        if not prim or not prim.IsDefined():
            yield subject.error("miris:InternalReference", path, f"references <{target or ''}>, which this file "
                                "does not define", ARCS)
