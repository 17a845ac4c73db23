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

    tracks_visibility = False  # visibility is written only for objects that are absent at some frame

    def define(self, stage, path, ctx):
        self.xform = UsdGeom.Xform.Define(stage, path)
        self._op = self.xform.AddTransformOp()
        self._transform = None  # its SampledAttribute, kept: this runs for every object every frame
        return self.xform.GetPrim()

    def set_visible(self, visible, time):
        attr = self.xform.CreateVisibilityAttr()
        if not self.tracks_visibility:
            self.tracks_visibility = True
            if time != self.session.first_frame:  # visible from the start until now
                self.set(attr, UsdGeom.Tokens.inherited, self.session.first_frame)
        self.set(attr, UsdGeom.Tokens.inherited if visible else UsdGeom.Tokens.invisible, time)

    def write(self, ctx, time):
        if self._transform is None:
            self._transform = self.sampled(self._op.GetAttr(), same=matrices_close)
        self._transform.set(gf_matrix(ctx.local_matrix), time)
