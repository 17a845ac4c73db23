"""The Xform prim of an exported object: its transform relative to its export parent."""
import numpy as np
from pxr import UsdGeom, Vt

from ..usd.sparse import CHUNK_KEY, record_chunk, write_gathered
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
        self._presence = False
        if self.session.chunk:  # which object the name is for, checked by the stitch
            self.xform.GetPrim().SetCustomDataByKey(CHUNK_KEY, repr(ctx.key))
        return self.xform.GetPrim()

    def set_visible(self, visible, time):
        """Written only for objects absent at some frame; the first call marks them visible from
        the first frame until `time`."""
        attr = self.xform.CreateVisibilityAttr()
        if "visibility" not in self._sampled and time != self.session.first_frame:
            self.set(attr, UsdGeom.Tokens.inherited, self.session.first_frame)
        self.set(attr, UsdGeom.Tokens.inherited if visible else UsdGeom.Tokens.invisible, time)

    def record_presence(self, present, time):
        """In a chunk export: whether the object exists at frame `time` (see usd.hierarchy)."""
        attr = self.xform.CreateVisibilityAttr()
        if not self._presence:
            self._presence = True
            record_chunk(attr, "presence", ())
        attr.Set(UsdGeom.Tokens.inherited if present else UsdGeom.Tokens.invisible, time)

    def write(self, ctx, time):
        self.extend([time], ctx.local_matrix[None])

    def extend(self, times, matrices):
        """Adds the (F, 4, 4) `matrices` of frames `times`, which come after those already added."""
        self._times.extend(times)
        self._matrices.append(matrices)

    def finish(self):
        matrices = np.concatenate(self._matrices)
        # Gf matrices act on row vectors: the transpose of Blender's.
        values = Vt.Matrix4dArray.FromNumpy(np.ascontiguousarray(matrices.transpose(0, 2, 1)))
        write_gathered(self._op.GetAttr(), self._times, values, changed_matrices(matrices), self.session.chunk)
