"""Composition: variant sets with a selection. (Referenced and sublayered files are validated as files
of their own by the driver; composition errors come from OpenUSD's CompositionErrorTest.)"""
from .finding import COMPOSED, rule

VARIANTS = "Variants"


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
