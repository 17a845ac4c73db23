"""The stage layout the Miris specification requires: metres, Y up, a `/Root` default prim, `/Materials`."""
import os

import numpy as np
from pxr import Sdf, UsdGeom

ROOT = Sdf.Path("/Root")
MATERIALS = Sdf.Path("/Materials")

# Blender's world (Z up) to the stage's (Y up): -90 degrees about X, exactly: (x, y, z) -> (x, z, -y).
Z_UP_TO_Y_UP = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], np.float64)


def top_matrix(scale):
    """Blender's world to the stage's, Y up and in metres, as one 4x4 matrix: applied once, to the
    transforms of top-level objects."""
    matrix = np.eye(4)
    matrix[:3, :3] = Z_UP_TO_Y_UP * scale
    return matrix


def create_layer(path, **provenance):
    """A new layer for `path`, in memory until saved (`Sdf.Layer.CreateNew` writes an empty file at
    once), with the layout, and the `provenance` as customLayerData (short strings the specification
    accepts)."""
    path = str(path)
    layer = Sdf.Layer.New(_format(os.path.splitext(path)[1]), path)
    with Sdf.ChangeBlock():
        layer.pseudoRoot.SetInfo(UsdGeom.Tokens.metersPerUnit, 1.0)
        layer.pseudoRoot.SetInfo(UsdGeom.Tokens.upAxis, UsdGeom.Tokens.y)
        Sdf.PrimSpec(layer, ROOT.name, Sdf.SpecifierDef, "Xform")
        layer.defaultPrim = ROOT.name
        if provenance:
            layer.customLayerData = {k: str(v) for k, v in provenance.items()}
    return layer


_FORMATS = {}


def _format(extension):
    """The file format of `extension`, looked up once (USD's lookup costs about 40 us an export)."""
    found = _FORMATS.get(extension)
    if found is None:
        found = _FORMATS[extension] = Sdf.FileFormat.FindByExtension(extension)
    return found


def set_time_range(layer, start, end, fps):
    layer.startTimeCode = start
    layer.endTimeCode = end
    layer.timeCodesPerSecond = fps
    layer.framesPerSecond = fps
