"""numpy arrays as USD values."""
import ctypes

import numpy as np
from pxr import Gf, Vt

# FromNumpy converts element by element (about 8 ns a vector, some 8x a plain copy): arrays of more
# elements than this are copied in one move into the memory of a new Vt array instead.
MOVED = 512


def vt_array(vt_type, array):
    """A new `vt_type` array (Vt.IntArray, Vt.Vec3fArray...) holding `array`'s values."""
    if len(array) <= MOVED:
        return vt_type.FromNumpy(np.ascontiguousarray(array))
    out = vt_type(len(array))
    # A view of the new array's own memory: numpy marks it read-only, as a Vt array may share its
    # data with copies of it, but this one has none yet.
    view = np.asarray(out)
    source = np.ascontiguousarray(array, view.dtype)
    if source.shape != view.shape:
        return vt_type.FromNumpy(source)  # says what does not fit
    ctypes.memmove(view.ctypes.data, source.ctypes.data, view.nbytes)
    return out


def vec3f(array):
    return vt_array(Vt.Vec3fArray, np.asarray(array, dtype=np.float32))


def extent(points, radius=None):
    """(bounds, left_out): the bounds of `points`, grown by each point's `radius` when given (points
    and curves), and how many points were left out of them for not being finite numbers (NaN or
    infinite, as a geometry-nodes division by zero makes), which would make the bounds unusable."""
    if not len(points):
        return Vt.Vec3fArray(2), 0
    lo, hi = _bounds(points, radius)
    left_out = 0
    if not np.isfinite(lo + hi).all():  # rare: only then is every point looked at
        finite = np.isfinite(points).all(axis=1)
        if radius is not None:
            finite &= np.isfinite(radius)
        left_out = len(points) - int(finite.sum())
        if left_out == len(points):
            return Vt.Vec3fArray(2), left_out
        lo, hi = _bounds(points[finite], None if radius is None else radius[finite])
    return Vt.Vec3fArray([Gf.Vec3f(*lo), Gf.Vec3f(*hi)]), left_out


def _bounds(points, radius):
    # Column by column: numpy reduces an (N, 3) array along axis 0 some 20x slower.
    lo, hi = [], []
    for i in range(3):
        column = points[:, i]
        lo.append(float((column if radius is None else column - radius).min()))
        hi.append(float((column if radius is None else column + radius).max()))
    return np.array(lo), np.array(hi)


def gf_matrix(matrix):
    """A 4x4 matrix in Blender's convention (column vectors) as a Gf.Matrix4d (row vectors)."""
    return Gf.Matrix4d(*np.asarray(matrix, dtype=np.float64).T.flat)


def matrices_close(a, b):
    """Gf matrices equal but for float noise, relative to the size of the translation."""
    return Gf.IsClose(a, b, 1e-6 * (1.0 + a.ExtractTranslation().GetLength()))
