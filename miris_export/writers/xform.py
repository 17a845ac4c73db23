"""The Xform prim of an exported object: its transform relative to its export parent."""
import numpy as np
from pxr import Gf, UsdGeom

from .base import Writer


def gf_matrix(matrix):
    """A 4x4 matrix in Blender's convention (column vectors) as a Gf.Matrix4d (row vectors)."""
    return Gf.Matrix4d(*np.asarray(matrix, dtype=np.float64).T.flat)


def matrices_close(a, b):
    """Equal but for float noise, relative to the size of the translation."""
    return Gf.IsClose(a, b, 1e-6 * (1.0 + a.ExtractTranslation().GetLength()))


class TransformWriter(Writer):
    prim_kind = "Xform"

    def define(self, stage, path, ctx):
        xform = UsdGeom.Xform.Define(stage, path)
        self._op = xform.AddTransformOp()
        self._transform = None  # its SampledAttribute, kept: this runs for every object every frame
        return xform.GetPrim()

    def write(self, ctx, time):
        if self._transform is None:
            self._transform = self.sampled(self._op.GetAttr(), same=matrices_close)
        self._transform.set(gf_matrix(ctx.local_matrix), time)
