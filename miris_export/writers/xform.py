"""The Xform prim of an exported object: its transform relative to its export parent.

A transform is written as separate translate, orient (a quaternion) and scale
ops, each sampled on its own and left out when identity over the whole range:
an object that only moves writes 24 bytes a changed frame, and copies that
differ only in place share their other values (the crate format stores
identical values once). A quaternion, not Euler angles: decomposed from a
matrix, Euler angles jump between equivalent solutions from frame to frame,
while a quaternion kept in one hemisphere interpolates (slerp) along the
shortest rotation, as Blender's own matrices move. Where the matrix is not a
rotation times a scale at some frame (shear from a non-uniformly scaled
parent, a scale through zero), the object gets one matrix op instead.
"""
import math
import struct

import numpy as np
from pxr import Gf, Sdf, UsdGeom, Vt

from ..usd import specs
from ..usd.sparse import CHUNK_KEY, write_gathered
from .base import Writer

TRANSLATE, ORIENT, SCALE, MATRIX = "xformOp:translate", "xformOp:orient", "xformOp:scale", "xformOp:transform"
_TYPES = {TRANSLATE: Sdf.ValueTypeNames.Double3, SCALE: Sdf.ValueTypeNames.Float3, MATRIX: Sdf.ValueTypeNames.Matrix4d}
_ARRAYS = {TRANSLATE: Vt.Vec3dArray, SCALE: Vt.Vec3fArray, MATRIX: Vt.Matrix4dArray}


# Translations within this distance of the parent are written as floats: rounding moves them by
# at most 4e-6 (metres, once scaled), below the 1e-5 an object may stray from Blender's path.
FLOAT_REACH = 100.0
_FIRST = np.zeros(1, int)  # one sequence, from the first row
_UNSPLIT = object()  # no ops worked out yet
_FEW = 8  # still matrices up to this many are decomposed in plain Python (see _decompose_one)


def _kind(name, values):
    """The value type and array type of op `name` holding `values`."""
    if name == TRANSLATE and values.dtype == np.float32:
        return Sdf.ValueTypeNames.Float3, Vt.Vec3fArray
    if name == ORIENT:
        if values.dtype == np.float32:
            return Sdf.ValueTypeNames.Quatf, Vt.QuatfArray
        return Sdf.ValueTypeNames.Quatd, Vt.QuatdArray
    return _TYPES[name], _ARRAYS[name]


def changed_matrices(matrices):
    """Which frames' matrices differ from the frame before, but for float noise relative to
    the size of the translation (a static child of a moving parent stays static)."""
    tolerance = 1e-6 * (1.0 + np.linalg.norm(matrices[:-1, :3, 3], axis=1))
    return np.abs(np.diff(matrices, axis=0)).max(axis=(1, 2)) > tolerance


def _changed(values, scale):
    """Frame-to-frame changes beyond float noise relative to `scale` (per frame)."""
    return np.abs(np.diff(values, axis=0)).max(axis=1) > 1e-6 * (1.0 + scale[:-1])


def _quaternions(rotations, starts=_FIRST):
    """(F, 4) quaternions (x, y, z, w) of (F, 3, 3) rotation matrices, each in the hemisphere of
    the one before, so that interpolation between samples turns the short way. `starts`: the rows
    where a sequence of its own begins (the stacks of several objects, decomposed at once)."""
    m = rotations
    w2 = np.maximum(0.0, 1.0 + m[:, 0, 0] + m[:, 1, 1] + m[:, 2, 2])
    x2 = np.maximum(0.0, 1.0 + m[:, 0, 0] - m[:, 1, 1] - m[:, 2, 2])
    y2 = np.maximum(0.0, 1.0 - m[:, 0, 0] + m[:, 1, 1] - m[:, 2, 2])
    z2 = np.maximum(0.0, 1.0 - m[:, 0, 0] - m[:, 1, 1] + m[:, 2, 2])
    # From the largest component, the one known most precisely (Shepperd's method).
    squares = np.stack([x2, y2, z2, w2], axis=1)
    pick = np.argmax(squares, axis=1)
    rows = np.arange(len(m))
    big = 0.5 * np.sqrt(squares[rows, pick])
    f = 0.25 / big
    # candidates[:, k] is (x, y, z, w) given the picked component k; each sum is used twice. Filled
    # in place: for a few rows, numpy's cost per call is most of it.
    candidates = np.empty((len(m), 4, 4))
    candidates[:, 0, 1] = candidates[:, 1, 0] = (m[:, 1, 0] + m[:, 0, 1]) * f
    candidates[:, 0, 2] = candidates[:, 2, 0] = (m[:, 0, 2] + m[:, 2, 0]) * f
    candidates[:, 0, 3] = candidates[:, 3, 0] = (m[:, 2, 1] - m[:, 1, 2]) * f
    candidates[:, 1, 2] = candidates[:, 2, 1] = (m[:, 2, 1] + m[:, 1, 2]) * f
    candidates[:, 1, 3] = candidates[:, 3, 1] = (m[:, 0, 2] - m[:, 2, 0]) * f
    candidates[:, 2, 3] = candidates[:, 3, 2] = (m[:, 1, 0] - m[:, 0, 1]) * f
    for k in range(4):
        candidates[:, k, k] = big
    q = candidates[rows, pick]
    q /= np.linalg.norm(q, axis=1)[:, None]
    first = starts[q[starts, 3] < 0]
    q[first] = -q[first]
    turns = np.einsum("ij,ij->i", q[1:], q[:-1]) < 0  # row i + 1 against row i
    if len(starts) > 1:
        turns[starts[1:] - 1] = False  # a sequence's first row follows no other
    flips = np.concatenate([[0], np.cumsum(turns)])
    if len(starts) > 1:
        flips -= np.repeat(flips[starts], np.diff(np.append(starts, len(q))))
    flips = flips % 2 == 1
    q[flips] = -q[flips]
    return q


def _rotation_matrices(q):
    """The rotations USD reads from quaternions: an angle of 2 acos(w) about the direction of the
    imaginary part (so a float w near 1 leaves small angles imprecise)."""
    imaginary = np.linalg.norm(q[:, :3], axis=1)
    half = np.arccos(np.clip(q[:, 3], -1.0, 1.0)) * (imaginary > 0)
    axis = q[:, :3] / np.where(imaginary > 0, imaginary, 1.0)[:, None]
    s, c = np.sin(half), np.cos(half)
    x, y, z = (axis * s[:, None]).T
    w = c
    r = np.empty((len(q), 3, 3))  # filled in place, as in _quaternions
    r[:, 0, 0], r[:, 0, 1], r[:, 0, 2] = 1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)
    r[:, 1, 0], r[:, 1, 1], r[:, 1, 2] = 2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)
    r[:, 2, 0], r[:, 2, 1], r[:, 2, 2] = 2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)
    return r


def _decompose(matrices, starts=_FIRST):
    """Translation, quaternion (x, y, z, w; float32 where that is exact enough per row, else
    float64), float32 scale of each of the (N, 4, 4) matrices, and per row whether the
    values as written give the matrix back (not so with shear or a zero scale). `starts`: as
    for `_quaternions`."""
    basis = matrices[:, :3, :3]
    scale = np.linalg.norm(basis, axis=1)  # the length of each column
    size = scale.max(axis=1)
    ok = np.isfinite(matrices).all(axis=(1, 2)) & (scale.min(axis=1) > 1e-8 * size)
    scale[np.linalg.det(basis) < 0] *= -1.0  # a mirror: all three negated, the rest is a rotation
    scale[~ok] = 1.0
    rotation = basis / scale[:, None, :]
    rotation[~ok] = np.eye(3)
    q = _quaternions(rotation, starts)
    scale32 = scale.astype(np.float32)
    # A float quaternion is exact enough for angles that are not small (USD reads the angle from
    # the real part); else the row is written in doubles.
    use_float = _rebuild_error(q.astype(np.float32), scale32, basis) <= 5e-7 * size
    wide = np.flatnonzero(~use_float)  # only these rows are checked in doubles
    if len(wide):
        ok[wide] &= _rebuild_error(q[wide], scale32[wide], basis[wide]) <= 2e-6 * size[wide]
    return matrices[:, :3, 3], q, use_float, scale32, ok


def _rebuild_error(q, scale32, basis):
    """Per row, how far the rotation USD reads from quaternions `q` times `scale32` is from `basis`."""
    rebuilt = _rotation_matrices(q.astype(np.float64)) * scale32.astype(np.float64)[:, None, :]
    return np.abs(rebuilt - basis).max(axis=(1, 2))


def _decompose_one(m):
    """`_decompose` of one finite matrix `m` (4x4 nested lists) in plain Python, operation for
    operation as numpy does it, so the values are the same to the bit: numpy's cost per call, tens
    of calls for one matrix, is most of a small still export's. (translation, quaternion, whether
    it is written in floats, float32 scale), or None where a matrix op is needed."""
    basis = [row[:3] for row in m[:3]]
    scale = [math.sqrt((basis[0][j] * basis[0][j] + basis[1][j] * basis[1][j]) + basis[2][j] * basis[2][j])
             for j in range(3)]
    size = max(scale)
    if not min(scale) > 1e-8 * size:
        return None
    if _det3(basis) < 0:
        scale = [-v for v in scale]
    r = [[basis[i][j] / scale[j] for j in range(3)] for i in range(3)]
    squares = [max(0.0, ((1.0 + r[0][0]) - r[1][1]) - r[2][2]), max(0.0, ((1.0 - r[0][0]) + r[1][1]) - r[2][2]),
               max(0.0, ((1.0 - r[0][0]) - r[1][1]) + r[2][2]), max(0.0, ((1.0 + r[0][0]) + r[1][1]) + r[2][2])]
    pick = squares.index(max(squares))  # the first of equals, as np.argmax
    big = 0.5 * math.sqrt(squares[pick])
    f = 0.25 / big
    q = [(big, (r[1][0] + r[0][1]) * f, (r[0][2] + r[2][0]) * f, (r[2][1] - r[1][2]) * f),
         ((r[1][0] + r[0][1]) * f, big, (r[2][1] + r[1][2]) * f, (r[0][2] - r[2][0]) * f),
         ((r[0][2] + r[2][0]) * f, (r[2][1] + r[1][2]) * f, big, (r[1][0] - r[0][1]) * f),
         ((r[2][1] - r[1][2]) * f, (r[0][2] - r[2][0]) * f, (r[1][0] - r[0][1]) * f, big)][pick]
    length = math.sqrt(((q[0] * q[0] + q[1] * q[1]) + q[2] * q[2]) + q[3] * q[3])
    q = [v / length for v in q]
    if q[3] < 0:
        q = [-v for v in q]
    scale32 = [_float32(v) for v in scale]
    use_float = _rebuild_error_one([_float32(v) for v in q], scale32, basis) <= 5e-7 * size
    if not use_float and not _rebuild_error_one(q, scale32, basis) <= 2e-6 * size:
        return None
    return [row[3] for row in m[:3]], q, use_float, scale32


def _det3(b):
    return (b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1]) - b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0])
            + b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0]))


def _float32(value):
    return struct.unpack("f", struct.pack("f", value))[0]


def _rebuild_error_one(q, scale32, basis):
    """`_rebuild_error` of one row, in the same operations."""
    x, y, z, w = q
    imaginary = math.sqrt((x * x + y * y) + z * z)
    half = math.acos(min(1.0, max(-1.0, w))) * (imaginary > 0)
    if imaginary > 0:
        x, y, z = x / imaginary, y / imaginary, z / imaginary
    s, c = math.sin(half), math.cos(half)
    x, y, z, w = x * s, y * s, z * s, c
    rebuilt = [[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
               [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
               [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]
    return max(abs(rebuilt[i][j] * scale32[j] - basis[i][j]) for i in range(3) for j in range(3))


def split_transforms(matrices):
    """The ops of (F, 4, 4) matrices (Blender's, acting on column vectors): a list of
    (op name, values as written, changed) for translate, orient and scale, leaving out those
    that are identity at every frame; None when some frame is not translate x rotate x scale
    to float precision (the caller writes a matrix)."""
    return _split(*_decompose(matrices))


def split_stacks(stacks):
    """`split_transforms` of each (F, 4, 4) stack of `stacks`, decomposed together: one pass of
    numpy calls for many objects, where each object's own would cost more than its arithmetic."""
    lengths = [len(stack) for stack in stacks]
    starts = np.cumsum([0] + lengths[:-1])
    parts = _decompose(np.concatenate(stacks), starts)
    return [_split(*(part[a:a + n] for part in parts)) for a, n in zip(starts.tolist(), lengths)]


def _split(translate, q, use_float, scale32, ok):
    if not ok.all():
        return None
    q = q.astype(np.float32) if use_float.all() else q
    ops = []
    if np.any(translate != 0.0):
        if np.abs(translate).max() <= FLOAT_REACH:
            translate = translate.astype(np.float32)
        ops.append((TRANSLATE, translate, _changed(translate, np.linalg.norm(translate, axis=1))))
    if np.any(q[:, :3] != 0.0) or np.any(q[:, 3] != 1.0):
        ops.append((ORIENT, q, _changed(q, np.zeros(len(q)))))
    if np.any(scale32 != 1.0):
        ops.append((SCALE, scale32, _changed(scale32, np.abs(scale32).max(axis=1))))
    return ops


def matrix_values(matrices):
    """Gf matrices act on row vectors: the transpose of Blender's."""
    return np.ascontiguousarray(matrices.transpose(0, 2, 1))


def transform_ops(matrices, ops=_UNSPLIT):
    """(ops as for `split_transforms`, whether it fell back to one matrix op); `ops`: what
    `split_transforms` gave for them already, if it was called."""
    if ops is _UNSPLIT:
        ops = split_transforms(matrices)
    if ops is None:
        return [(MATRIX, matrix_values(matrices), changed_matrices(matrices))], True
    return ops, False


def author_static(specs, matrices):
    """Authors on each prim spec of `specs` the ops of its (4, 4) matrix in `matrices` (N, 4, 4),
    through Sdf, decomposed all at once; returns how many took a matrix op."""
    if len(matrices) <= _FEW and np.isfinite(matrices).all():
        return sum(_author_one(spec, matrix) for spec, matrix in zip(specs, matrices.tolist()))
    # Each row a sequence of its own: one object's quaternion is not turned into the hemisphere of
    # another's (an identity would become (-1, 0, 0, 0), an op written for nothing).
    translate, q, use_float, scale32, ok = _decompose(matrices, np.arange(len(matrices)))
    # Which ops each row takes, decided for all rows at once; the values go to USD as Vt arrays,
    # whose items are the Gf values to author (no Python lists of numbers in between).
    near = np.abs(translate).max(axis=1) <= FLOAT_REACH
    columns = [
        (TRANSLATE, np.any(translate != 0.0, axis=1),
         [(Sdf.ValueTypeNames.Float3, Vt.Vec3fArray.FromNumpy(translate.astype(np.float32))),
          (Sdf.ValueTypeNames.Double3, Vt.Vec3dArray.FromNumpy(np.ascontiguousarray(translate)))],
         ~near),
        (ORIENT, np.any(q[:, :3] != 0.0, axis=1) | (q[:, 3] != 1.0),
         [(Sdf.ValueTypeNames.Quatf, Vt.QuatfArray.FromNumpy(q.astype(np.float32))),
          (Sdf.ValueTypeNames.Quatd, Vt.QuatdArray.FromNumpy(q))],
         ~use_float),
        (SCALE, np.any(scale32 != 1.0, axis=1),
         [(Sdf.ValueTypeNames.Float3, Vt.Vec3fArray.FromNumpy(scale32))], np.zeros(len(q), bool)),
    ]
    present = np.stack([used for _, used, _, _ in columns], axis=1)
    double = np.stack([wide for _, _, _, wide in columns], axis=1)
    gf = matrix_values(matrices)
    orders = {}  # the ops a row takes -> its xformOpOrder, one array shared by all rows alike
    for i, (spec, row_ok, row_present, row_double) in enumerate(zip(specs, ok.tolist(), present.tolist(),
                                                                  double.tolist())):
        if not row_ok:
            Sdf.AttributeSpec(spec, MATRIX, Sdf.ValueTypeNames.Matrix4d).default = Gf.Matrix4d(gf[i].tolist())
            names = (MATRIX,)
        else:
            names = ()
            for (name, _, kinds, _), used, wide in zip(columns, row_present, row_double):
                if used:
                    value_type, values = kinds[wide]
                    Sdf.AttributeSpec(spec, name, value_type).default = values[i]
                    names += (name,)
        if names:
            order = orders.get(names)
            if order is None:
                order = orders[names] = Vt.TokenArray(names)
            _order(spec, order)
    return int(np.count_nonzero(~ok))


def _author_one(spec, m):
    """`author_static` of one finite matrix `m` (4x4 nested lists), with the same values."""
    parts = _decompose_one(m)
    if parts is None:
        Sdf.AttributeSpec(spec, MATRIX, Sdf.ValueTypeNames.Matrix4d).default = Gf.Matrix4d(
            [list(column) for column in zip(*m)])
        _order(spec, Vt.TokenArray([MATRIX]))
        return 1
    translate, q, use_float, scale32 = parts
    names = []
    if any(v != 0.0 for v in translate):
        if max(abs(v) for v in translate) <= FLOAT_REACH:
            Sdf.AttributeSpec(spec, TRANSLATE, Sdf.ValueTypeNames.Float3).default = Gf.Vec3f(*translate)
        else:
            Sdf.AttributeSpec(spec, TRANSLATE, Sdf.ValueTypeNames.Double3).default = Gf.Vec3d(*translate)
        names.append(TRANSLATE)
    if q[0] != 0.0 or q[1] != 0.0 or q[2] != 0.0 or q[3] != 1.0:
        kind, quat, vec = (Sdf.ValueTypeNames.Quatf, Gf.Quatf, Gf.Vec3f) if use_float else \
            (Sdf.ValueTypeNames.Quatd, Gf.Quatd, Gf.Vec3d)
        Sdf.AttributeSpec(spec, ORIENT, kind).default = quat(q[3], vec(q[0], q[1], q[2]))
        names.append(ORIENT)
    if any(v != 1.0 for v in scale32):
        Sdf.AttributeSpec(spec, SCALE, Sdf.ValueTypeNames.Float3).default = Gf.Vec3f(*scale32)
        names.append(SCALE)
    if names:
        _order(spec, Vt.TokenArray(names))
    return 0


def author_ops(spec, times, matrices, ops=_UNSPLIT):
    """Authors the (F, 4, 4) `matrices` of frames `times` on the Xform prim `spec` as its ops, each
    sampled sparsely; returns whether it took a matrix op (shear). `ops`: as for `transform_ops`."""
    ops, sheared = transform_ops(matrices, ops)
    for name, values, changed in ops:
        value_type, array = _kind(name, values)
        write_gathered(Sdf.AttributeSpec(spec, name, value_type), times,
                       array.FromNumpy(np.ascontiguousarray(values)), changed)
    if ops:
        _order(spec, [name for name, _, _ in ops])
    return sheared


def _order(spec, names):
    Sdf.AttributeSpec(spec, UsdGeom.Tokens.xformOpOrder, Sdf.ValueTypeNames.TokenArray,
                      Sdf.VariabilityUniform).default = names


class TransformWriter(Writer):
    prim_kind = "Xform"
    defines_in_batch = True
    __slots__ = ("_times", "_matrices", "_ops", "_parents")

    def __init__(self, session, path, ctx):
        self._ops = _UNSPLIT  # or split() gave them
        self._parents = None  # an instance's instancer world matrices, while its matrices are world matrices
        super().__init__(session, path, ctx)

    def define(self, path, ctx):
        spec = specs.define_once(self.session.layer, path, self.prim_kind)  # most are, by the hierarchy
        self._times, self._matrices = [], []  # gathered over the frames, written by finish()
        if self.session.chunk:  # which object the name is for, checked by the stitch
            spec.customData[CHUNK_KEY] = repr(ctx.key)

    def write(self, ctx, time):
        if ctx.parent_world is not None:  # made local at the end, see instance_parents()
            if self._parents is None:
                self._parents = []
            self._parents.append(ctx.parent_world)
            self._times.append(time)
            self._matrices.append(ctx.world_matrix[None])
            return
        self.extend([time], ctx.local_matrix[None])

    def extend(self, times, matrices):
        """Adds the (F, 4, 4) `matrices` of frames `times`, which come after those already added."""
        self._times.extend(times)
        self._matrices.append(matrices)

    def still_matrix(self):
        """The (4, 4) matrix when one finite matrix was gathered, or the same one at every frame,
        for `author_static`; else None. (Written as ops sampled over the frames, it would be their
        values at the first frame, as defaults: the same.)"""
        if self.session.chunk or not self._matrices or self._parents is not None:
            return None
        first = self._matrices[0][0]
        if not np.isfinite(first).all():
            return None
        if len(self._times) > 1 and not all((matrices == first).all() for matrices in self._matrices):
            return None
        return first

    def written(self):
        """Says the transform was authored by the caller: `finish` writes nothing."""
        self._matrices = None

    def instance_frames(self):
        """(the instancer's world matrix at each frame gathered, the (F, 4, 4) matrices gathered) when
        these are the instance's world matrices, to be made local (`localized`); else None."""
        if self._parents is None:
            return None
        return self._parents, np.concatenate(self._matrices)

    def localized(self, matrices):
        """Takes the (F, 4, 4) local matrices of the world matrices gathered."""
        self._matrices, self._parents = [matrices], None

    def gathered_stack(self):
        """The (F, 4, 4) matrices `finish` will write as ops, or None (a chunk's, or none)."""
        if self.session.chunk or not self._matrices:
            return None
        if len(self._matrices) > 1:
            self._matrices = [np.concatenate(self._matrices)]
        return self._matrices[0]

    def split(self, ops):
        """Gives the ops `split_transforms` made of `gathered_stack()`, for `finish` (which may then be
        called before the other writers' finish)."""
        self._ops = ops

    def finish(self):
        if self._matrices is None:
            return
        matrices = self._matrices[0] if len(self._matrices) == 1 else np.concatenate(self._matrices)
        broken = np.count_nonzero(~np.isfinite(matrices).all(axis=(1, 2)))
        if broken:  # a driver dividing by zero, say: the renderer cannot place the object
            self.session.report.warn(f"{self.path}: its transform is not finite (NaN or infinite) at "
                                     f"{broken} frame(s); written as it is")
        if self.session.chunk:  # whole matrices, every frame: the stitch splits them over the whole range
            attr = UsdGeom.Xformable(self.prim).AddTransformOp().GetAttr()
            values = Vt.Matrix4dArray.FromNumpy(matrix_values(matrices))
            write_gathered(attr, self._times, values, changed_matrices(matrices), dense=True)
            return
        if author_ops(self.session.layer.GetPrimAtPath(self.path), self._times, matrices, self._ops):
            self.session.report.matrices += 1
        self._matrices, self._ops = None, _UNSPLIT  # written: a second call writes nothing
