"""Composition: variant sets with a selection, internal references that resolve, bindings that survive
the arcs that bring them in. (Referenced and sublayered files are validated as files of their own by
the driver; composition errors come from OpenUSD's CompositionErrorTest.)"""
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


def is_binding(name):
    """Whether a relationship is a direct material binding (collection bindings, which target a
    collection besides the material, are not)."""
    return name.startswith("material:binding") and not name.startswith("material:binding:collection")


@rule(COMPOSED)
def dropped_bindings(subject):
    """A binding authored in a referenced file that targets a prim outside what the reference brings
    in (its /Materials, when it is referenced by its default prim) is dropped by USD: the prim then
    renders without its material. The file that references must bind it again, inside itself."""
    for prim in subject.prims:
        for rel in prim.GetRelationships():
            if not is_binding(rel.GetName()) or rel.GetTargets():
                continue
            for spec in rel.GetPropertyStack():
                authored = spec.targetPathList.GetAddedOrExplicitItems()
                if authored:
                    yield subject.error("miris:DroppedBinding", rel.GetPath(), f"binds {authored[0]} in "
                                        f"@{spec.layer.GetDisplayName()}@, which USD drops here: the "
                                        "target is outside what the reference brings in (bind the material "
                                        "again in this file)", ARCS)
                    break
