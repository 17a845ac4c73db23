"""The Xform prim of an exported object: its transform relative to its export parent."""
import numpy as np
from pxr import UsdGeom, Vt

from ..usd.sparse import write_gathered
from .base import Writer


def changed_matrices(matrices):
    """Which frames' matrices differ from the frame before, but for float noise relative to
    the size of the translation (a static child of a moving parent stays static)."""
    tolerance = 1e-6 * (1.0 + np.linalg.norm(matrices[:-1, :3, 3], axis=1))
    return np.abs(np.diff(matrices, axis=0)).max(axis=(1, 2)) > tolerance


class TransformWriter(Writer):
    prim_kind = "Xform"

    def define(self, stage, path, ctx):
        self.xform = UsdGeom.Xform.Define(stage, path)
        self._op = self.xform.AddTransformOp()
        self._times, self._matrices = [], []  # gathered over the frames, written by finish()
        return self.xform.GetPrim()

    def write(self, ctx, time):
        self.extend([time], ctx.local_matrix[None])

    def extend(self, times, matrices):
        """Adds the (F, 4, 4) `matrices` of frames `times`, which come after those already added."""
        self._times.extend(times)
        self._matrices.append(matrices)

    def finish(self):
        matrices = np.concatenate(self._matrices)
        broken = np.count_nonzero(~np.isfinite(matrices).all(axis=(1, 2)))
        if broken:  # a driver dividing by zero, say: the renderer cannot place the object
            self.session.report.warn(f"{self.path}: its transform is not finite (NaN or infinite) at "
                                     f"{broken} frame(s); written as it is")
        # Gf matrices act on row vectors: the transpose of Blender's.
        values = Vt.Matrix4dArray.FromNumpy(np.ascontiguousarray(matrices.transpose(0, 2, 1)))
        write_gathered(self._op.GetAttr(), self._times, values, changed_matrices(matrices))
