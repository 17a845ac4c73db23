"""numpy arrays as USD values."""
import numpy as np
from pxr import Gf, Vt


def vec3f(array):
    return Vt.Vec3fArray.FromNumpy(np.ascontiguousarray(array, dtype=np.float32))


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
