"""The stage layout the Miris specification requires: metres, Y up, a `/Root` default prim, `/Materials`."""
from pxr import Sdf, Usd, UsdGeom

ROOT = Sdf.Path("/Root")
MATERIALS = Sdf.Path("/Materials")


def create_stage(path):
    """A new stage at `path` (the temporary file the exporter later renames)."""
    stage = Usd.Stage.CreateNew(str(path))
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y)
    root = UsdGeom.Xform.Define(stage, ROOT)
    stage.SetDefaultPrim(root.GetPrim())
    return stage


def set_time_range(stage, start, end, fps):
    stage.SetStartTimeCode(start)
    stage.SetEndTimeCode(end)
    stage.SetTimeCodesPerSecond(fps)
    stage.SetFramesPerSecond(fps)


def set_provenance(stage, **data):
    """customLayerData the specification accepts for provenance; values are short strings."""
    layer = stage.GetRootLayer()
    custom = dict(layer.customLayerData)
    custom.update({k: str(v) for k, v in data.items()})
    layer.customLayerData = custom


def materials_scope(stage):
    """The top-level `/Materials` Scope, created the first time a material needs it."""
    prim = stage.GetPrimAtPath(MATERIALS)
    if not prim:
        prim = UsdGeom.Scope.Define(stage, MATERIALS).GetPrim()
    return prim
