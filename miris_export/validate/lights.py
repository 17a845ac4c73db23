"""Lighting: at least one UsdLux light of a supported type, and no other kind of light."""
from .finding import COMPOSED, ROOT, rule
from .schemas import is_light

LIGHTING = "Lighting"
LIGHT_TYPES = {"DistantLight", "SphereLight", "RectLight", "DomeLight"}


@rule((ROOT,))
def light_required(subject):
    """Counted in the scene as composed, so a light brought in by a reference counts; a referenced file
    need not carry its own."""
    if not any(p.GetTypeName() in LIGHT_TYPES for p in subject.prims):
        yield subject.error("miris:LightRequired", "", "the file has no light; at least one DistantLight, "
                            "SphereLight, RectLight or DomeLight is required", LIGHTING)


@rule(COMPOSED)
def light_types(subject):
    for prim in subject.prims:
        if is_light(prim) and prim.GetTypeName() not in LIGHT_TYPES:
            kind = prim.GetTypeName() or "typeless prim"
            yield subject.error("miris:LightType", prim.GetPath(), f"unsupported light: {kind} (supported: "
                                f"{', '.join(sorted(LIGHT_TYPES))})", LIGHTING)
