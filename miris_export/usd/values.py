"""numpy arrays as USD values."""
import numpy as np
from pxr import Gf, Vt


def vec3f(array):
    return Vt.Vec3fArray.FromNumpy(np.ascontiguousarray(array, dtype=np.float32))


def extent(points, radius=None):
    """The bounds of `points`, grown by each point's `radius` when given (points and curves)."""
    if not len(points):
        return Vt.Vec3fArray(2)
    pad = 0.0 if radius is None else radius[:, None]
    lo, hi = (points - pad).min(axis=0), (points + pad).max(axis=0)
    return Vt.Vec3fArray([Gf.Vec3f(*map(float, lo)), Gf.Vec3f(*map(float, hi))])
