"""The scene's shape: one default prim for the scene, a top-level /Materials Scope for its materials."""
from pxr import Sdf, UsdGeom, UsdLux, UsdShade

from .composition import is_binding
from .finding import COMPOSED, rule

DEFAULT_PRIM = "Default Prim"
MATERIALS = "Materials"
MATERIALS_PATH = Sdf.Path("/Materials")
SHADING_TYPES = ("Material", "Shader", "NodeGraph")


def is_scene_content(prim):
    """Geometry, lights and cameras: what must live under the default prim."""
    return prim.IsA(UsdGeom.Gprim) or prim.IsA(UsdGeom.Camera) or prim.HasAPI(UsdLux.LightAPI)


@rule(COMPOSED)
def top_level_prims(subject):
    """Only the default prim and /Materials at the top (class prims, used only for inheritance, aside).
    Without a default prim, miris:DefaultPrim says what is wrong."""
    if not subject.default_prim:
        return
    allowed = {subject.layer.defaultPrim, MATERIALS_PATH.name}
    for prim in subject.stage.GetPseudoRoot().GetChildren():
        if prim.GetName() not in allowed:
            yield subject.error("miris:TopLevelPrims", prim.GetPath(),
                                f"{prim.GetTypeName() or 'typeless'} prim at the top level; only the default prim "
                                "and the /Materials scope may be there", DEFAULT_PRIM)


@rule(COMPOSED)
def scene_content_under_default_prim(subject):
    """Geometry, lights and cameras inside /Materials (other top-level prims are reported whole)."""
    for prim in subject.scene_prims:
        if prim.GetPath().HasPrefix(MATERIALS_PATH) and is_scene_content(prim):
            yield subject.error("miris:UnderDefaultPrim", prim.GetPath(),
                                f"{prim.GetTypeName()} outside the default prim; geometry, lights and cameras "
                                "must be under it", DEFAULT_PRIM)


@rule(COMPOSED)
def materials_scope(subject):
    scope = subject.stage.GetPrimAtPath(MATERIALS_PATH)
    if scope and scope.IsDefined() and not scope.IsA(UsdGeom.Scope):
        yield subject.error("miris:MaterialsScope", MATERIALS_PATH, f"/Materials is a "
                            f"{scope.GetTypeName() or 'typeless prim'}; it must be a Scope", MATERIALS)
    for prim in subject.scene_prims:
        if prim.GetTypeName() in SHADING_TYPES and not prim.GetPath().HasPrefix(MATERIALS_PATH):
            yield subject.error("miris:MaterialsScope", prim.GetPath(), f"{prim.GetTypeName()} outside the "
                                "top-level /Materials scope", MATERIALS)


@rule(COMPOSED)
def binding_targets(subject):
    """Every material binding names a Material under /Materials that exists in this file's stage: a
    binding into a referenced file's own /Materials breaks when the file is referenced by its default prim."""
    for prim in subject.prims:
        for rel in prim.GetRelationships():
            if not is_binding(rel.GetName()):
                continue
            for target in rel.GetTargets():
                material = subject.stage.GetPrimAtPath(target)
                if not material or not material.IsA(UsdShade.Material):
                    yield subject.error("miris:BindingTarget", rel.GetPath(), f"binds {target}, which is not a "
                                        "Material of this file", MATERIALS)
                elif not target.HasPrefix(MATERIALS_PATH):
                    yield subject.error("miris:BindingTarget", rel.GetPath(), f"binds {target}, outside "
                                        "/Materials", MATERIALS)
